"""A server in model mode, end to end: the moderator opts in, a shared link's brief has the
model's checked lead and says so in the footer, a question in its thread gets the model's checked
answer with the cited passage quoted (and an answer that fails a check gives the passages), and
/newslink settings shows the tokens used. One bot start, against the scripted OpenAI-compatible
server on loopback."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.settings import Secret
from tests.e2e.conftest import (
    GUILD,
    MEMBER,
    MODERATOR,
    NEWS,
    SHARER,
    SUBSCRIBER,
    Running,
    answered,
    answers_to,
    ask,
    briefs,
    until,
)
from tests.model.scripted_llm import (
    KEY,
    ScriptedLLM,
    honest,
    scripted_llm_server,  # noqa: F401  (the llm fixture)
)

NATO = "/world/nato-russia"
LEAD = "Russia and NATO disagree over Syria, and the missile shield divides them too."
SHIELD = "When is the missile shield due to be completed?"
# Paragraph 7 of the page says "due to be completed in four phases by roughly 2020".
ANSWER = "In four phases by roughly 2020 [¶7]."
INVENTED = "It will cost 40 billion dollars by 2020 [¶7]."


@pytest.fixture
def setting_overrides(llm: ScriptedLLM) -> dict[str, Any]:
    return {
        "llm_base_url": llm.base_url,
        "llm_api_key": Secret(KEY),
        "llm_model": "scripted-1",
        "llm_timeout": 10.0,
    }


def _sub(name: str, *options: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "type": 1, "options": list(options)}]


async def test_a_server_in_model_mode_gets_checked_model_commentary_said_in_the_footer(
    newslink: Running, llm: ScriptedLLM, caplog: pytest.LogCaptureFixture
) -> None:
    fake = newslink.fake
    # article mode by default: no request to the model
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: len(briefs(fake)) == 1)
    assert llm.requests == []
    assert "Commentary" not in str(briefs(fake)[0]["embeds"][0].get("footer"))

    mode = {"name": "mode", "type": 3, "value": "model"}
    chosen = await fake.slash(GUILD, NEWS, MODERATOR, "newslink", _sub("commentary", mode))
    assert "Commentary: model" in await answered(fake, chosen)

    llm.script(honest(LEAD, tokens=70))
    await fake.send_message(NEWS, MODERATOR, newslink.site.url(NATO) + "?again=1")
    await until(fake, lambda: len(briefs(fake)) == 2)
    embed = briefs(fake)[-1]["embeds"][0]
    assert embed["footer"]["text"].endswith("Commentary: scripted-1")
    assert embed["description"].startswith(LEAD)
    assert len(llm.requests) >= 1  # the lead, and one per bridge

    # Asked in the brief's thread: the model's answer, its citation checked, the passage under it.
    thread = int(briefs(fake)[-1]["id"])
    await until(fake, lambda: any(int(t["id"]) == thread for t in fake.threads(NEWS)))
    await newslink.quiet()
    asked_before = len(llm.requests)
    llm.script(honest(ANSWER, tokens=30))
    asked = await ask(fake, thread, MEMBER, SHIELD)
    await until(fake, lambda: bool(answers_to(fake, thread, asked)))
    (answer,) = answers_to(fake, thread, asked)
    lines = answer["content"].split("\n")
    assert lines[0] == "In four phases by roughly 2020 \\[¶7\\]."
    assert lines[1].startswith("> ") and "four phases by roughly 2020" in lines[1]
    assert lines[2].startswith("— [paragraph 7 of ")
    assert len(llm.requests) == asked_before + 1
    assert SHIELD in llm.requests[-1]["messages"][1]["content"]

    # An answer that fails a check (a number no cited paragraph has) gives the passages instead.
    llm.script(honest(INVENTED, tokens=30))
    with caplog.at_level(logging.INFO):
        refused = await ask(fake, thread, SUBSCRIBER, SHIELD)
        await until(fake, lambda: bool(answers_to(fake, thread, refused)))
    (fallback,) = answers_to(fake, thread, refused)
    assert fallback["content"].startswith("From the article")
    assert "four phases by roughly 2020" in fallback["content"]
    assert "40 billion" not in fallback["content"]
    assert any("number" in r.getMessage() for r in caplog.records), [
        r.getMessage() for r in caplog.records
    ]

    shown = await fake.slash(GUILD, NEWS, MODERATOR, "newslink", _sub("settings"))
    text = await answered(fake, shown)
    assert "Commentary (server-wide): model" in text
    assert "tokens used today" in text and "of 200,000" in text

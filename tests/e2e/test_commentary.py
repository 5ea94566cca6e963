"""A server in model mode, end to end: the moderator opts in, a shared link's brief has the
model's checked lead and says so in the footer, and /newslink settings shows the tokens used.
One bot start, against the scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import Secret
from tests.e2e.conftest import (
    GUILD,
    MODERATOR,
    NEWS,
    SHARER,
    Running,
    answered,
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
    newslink: Running, llm: ScriptedLLM
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

    shown = await fake.slash(GUILD, NEWS, MODERATOR, "newslink", _sub("settings"))
    text = await answered(fake, shown)
    assert "Commentary (server-wide): model" in text
    assert "tokens used today" in text and "of 200,000" in text

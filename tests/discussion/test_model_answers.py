"""Answers with a language model (issue 12), against the scripted OpenAI-compatible server on
loopback and a real database: a checked answer with its cited passages quoted under it, and
anything that fails a check, a request or the budget gives the passages without a model."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.article.types import Article
from bot.clock import FixedClock
from bot.discussion.answer import NOT_SAID, Answerer
from bot.discussion.service import AskedBrief, Discussion, ModelAnswers
from bot.model.budget import Budget
from bot.model.checks import DOES_NOT_SAY
from bot.model.client import ModelClient, create_model_session
from bot.settings import Secret, Settings
from bot.storage import articles
from bot.storage.usage import UsageStore
from tests.model.scripted_llm import KEY, SERVER_ERROR, Reply, ScriptedLLM, honest, slow
from tests.storage._records import GUILD, record_brief

KEY_URL = "example.org/a"
LEADER = "Who is the council leader?"
HONEST = "The council leader is Margaret Okafor [¶7]."


@pytest.fixture
async def client(llm: ScriptedLLM) -> AsyncIterator[ModelClient]:
    async with create_model_session(Settings()) as http:
        yield ModelClient(
            http, base_url=llm.base_url, model="scripted-1", api_key=Secret(KEY), timeout=0.5
        )


@pytest.fixture
async def brief(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, coal: Article
) -> AskedBrief:
    async with sessionmaker() as session:
        record = await record_brief(session, 5001, key=KEY_URL)
        await articles.store_text(
            session,
            KEY_URL,
            url=f"https://{KEY_URL}",
            language="en",
            paragraphs=coal.paragraphs,
            now=clock.now(),
        )
        await session.commit()
        thread = record.thread_id
    return AskedBrief(GUILD, 1, 5001, thread, KEY_URL, "Harbour city votes", "The Courier")


def _discussion(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    client: ModelClient | None,
    *,
    on: bool = True,
    daily_tokens: int = 10_000,
) -> Discussion:
    async def mode(guild_id: int) -> bool:
        return on and guild_id == GUILD

    model = None
    if client is not None:
        budget = Budget(UsageStore(sessionmaker), clock, daily_tokens)
        model = ModelAnswers(client, budget, mode)
    return Discussion(
        sessionmaker, clock, text_days=30, cooldown_s=30, per_thread_hour=20, model=model
    )


@pytest.fixture
async def plain(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock, brief: AskedBrief
) -> str:
    """The answer without a model: what every failure must give."""
    return await _discussion(sessionmaker, clock, None).answer(brief, LEADER)


async def test_honest_answer_cites_and_quotes_its_passage(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    client: ModelClient,
    llm: ScriptedLLM,
    brief: AskedBrief,
    coal: Article,
    plain: str,
) -> None:
    llm.script(honest(HONEST, tokens=77))
    discussion = _discussion(sessionmaker, clock, client)
    text = await discussion.answer(brief, LEADER)
    lines = text.split("\n")
    assert lines[0] == "The council leader is Margaret Okafor \\[¶7\\]."
    assert lines[1].startswith("> ") and "Margaret Okafor" in lines[1]
    assert lines[2].startswith("— [paragraph 7 of 10](<https://example.org/a#:~:text=")
    assert len(lines) == 3 and text != plain
    # One request, with the retrieved passages numbered as the article numbers them.
    (request,) = llm.requests
    prompt = request["messages"][1]["content"]
    assert f"[¶7] {coal.paragraphs[6][:40]}" in prompt and LEADER in prompt
    assert await UsageStore(sessionmaker).used(GUILD, clock.today()) == 77


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (honest("Margaret Okafor said 500 jobs would go [¶7]."), "refused by the number check"),
        (honest("The council leader is Margaret Okafor."), "refused by the citation check"),
        (honest("The council leader is Margaret Okafor [¶1]."), "refused by the citation check"),
        (slow(3.0), "not used: timeout"),
        (SERVER_ERROR, "not used: http"),
        (Reply(content="The council leader is **Margaret Okafor** [¶7]."), "markdown check"),
    ],
    ids=["invented-number", "uncited", "not-retrieved", "timeout", "500", "markdown"],
)
async def test_anything_failing_gives_the_passages_and_logs_why(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    client: ModelClient,
    llm: ScriptedLLM,
    brief: AskedBrief,
    coal: Article,
    plain: str,
    reply: Reply,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    retrieved = Answerer(coal.paragraphs, "en", "https://x").answer(LEADER).retrieved
    assert 0 not in {q.index for q in retrieved}  # so "[¶1]" cites a passage not retrieved
    llm.script(reply)
    caplog.set_level(logging.INFO, logger="bot.model.pieces")
    text = await _discussion(sessionmaker, clock, client).answer(brief, LEADER)
    assert text == plain
    assert len(llm.requests) == 1
    assert reason in caplog.text


async def test_the_article_does_not_say_is_an_answer(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    client: ModelClient,
    llm: ScriptedLLM,
    brief: AskedBrief,
) -> None:
    llm.script(honest("The article does not say."))
    text = await _discussion(sessionmaker, clock, client).answer(brief, LEADER)
    assert text == DOES_NOT_SAY and ">" not in text


async def test_no_request_when_off_abstained_or_over_budget(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    client: ModelClient,
    llm: ScriptedLLM,
    brief: AskedBrief,
    plain: str,
) -> None:
    assert await _discussion(sessionmaker, clock, client, on=False).answer(brief, LEADER) == plain
    # Retrieval abstains: no model is asked about what the article does not say.
    off_topic = await _discussion(sessionmaker, clock, client).answer(brief, "Who wrote Moby Dick?")
    assert off_topic.startswith(NOT_SAID)
    assert llm.requests == []
    await UsageStore(sessionmaker).add(GUILD, clock.today(), 100, now=clock.now())
    spent = _discussion(sessionmaker, clock, client, daily_tokens=100)
    assert await spent.answer(brief, LEADER) == plain
    assert llm.requests == []

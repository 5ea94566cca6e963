"""The model's commentary on a brief, against the scripted server on loopback: every case ends
with a brief whose lead and bridges are checked model text or the ones built without a model."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.briefing.commentator import Commentator
from bot.briefing.compose import build_brief, compose_brief
from bot.briefing.render import render_embed
from bot.briefing.types import Brief
from bot.clock import FixedClock
from bot.model.budget import Budget
from bot.model.client import ModelClient, create_model_session
from bot.settings import Secret, Settings
from tests.briefing.test_selection import ARTICLES
from tests.model.scripted_llm import (
    CUT_BY_LENGTH,
    GARBAGE,
    KEY,
    SERVER_ERROR,
    Reply,
    ScriptedLLM,
    honest,
    scripted_llm_server,  # noqa: F401  (the llm fixture)
    slow,
)

PAGE = Path(__file__).parent.parent / "pages" / "article_jsonld.html"
URL = "https://www.coastalcourier.example/news/2024/03/14/harbour-coal-terminal-vote"
TODAY = dt.date(2026, 12, 1)
OUTLET = "The Coastal Courier"
HONEST = "Councillors chose to retrain dock workers for offshore wind jobs instead."


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_model_session(Settings()) as s:
        yield s


def _client(llm: ScriptedLLM, http: aiohttp.ClientSession, key: str = KEY) -> ModelClient:
    return ModelClient(
        http, base_url=llm.base_url, model="scripted-1", api_key=Secret(key), timeout=5.0
    )


def _brief(length: str = "compact") -> Brief:
    return build_brief(PAGE.read_bytes(), URL, today=TODAY, length=length)


@pytest.mark.parametrize(
    ("reply", "accepted"),
    [
        (honest(HONEST), True),
        (honest("The leader said “we will build a rocket” on Thursday."), False),  # quotation
        (honest("The council voted 99 to 1 to close the terminal."), False),  # invented number
        (CUT_BY_LENGTH, False),
        (GARBAGE, False),
        (SERVER_ERROR, False),
    ],
)
async def test_the_lead_is_checked_model_text_or_the_built_one(
    llm: ScriptedLLM, http: aiohttp.ClientSession, reply: Reply, accepted: bool
) -> None:
    built = _brief()
    llm.script(reply)
    brief = await Commentator(_client(llm, http)).comment(
        built, outlet=OUTLET, guild_id=1, within=10.0
    )
    assert len(llm.requests) == 1  # one run: one request, the lead's
    assert brief.quoted == built.quoted  # the model never chooses quotes
    if accepted:
        assert brief.lead == HONEST and brief.commentary_model == "scripted-1"
        footer = render_embed(brief).footer
        assert footer is not None and footer.endswith("Commentary: scripted-1")
    else:
        assert brief == built and brief.commentary_model is None
        assert "Commentary:" not in (render_embed(brief).footer or "")


async def test_a_wrong_key_falls_back(llm: ScriptedLLM, http: aiohttp.ClientSession) -> None:
    built = _brief()
    brief = await Commentator(_client(llm, http, key="sk-wrong")).comment(
        built, outlet=OUTLET, guild_id=1, within=10.0
    )
    assert brief == built


async def test_a_model_slower_than_the_deadline_does_not_hold_the_brief(
    llm: ScriptedLLM, http: aiohttp.ClientSession
) -> None:
    built = _brief()
    llm.script(slow(30))
    started = time.monotonic()
    brief = await Commentator(_client(llm, http)).comment(
        built, outlet=OUTLET, guild_id=1, within=0.5
    )
    assert brief == built
    assert time.monotonic() - started < 10  # generous: the deadline was half a second


async def test_each_bridge_is_one_request_checked_on_its_own(
    llm: ScriptedLLM, http: aiohttp.ClientSession
) -> None:
    nato = ARTICLES["nato"]
    built = compose_brief(nato, nato.url, length="long")
    runs = len(built.runs)
    assert runs >= 3
    # the lead is refused (invented number); the first bridge is honest; others are garbage
    llm.script(
        honest("NATO ministers voted 99 to 1."),
        honest("Russia and the missile shield"),
        *[GARBAGE] * runs,
    )
    brief = await Commentator(_client(llm, http)).comment(
        built, outlet=OUTLET, guild_id=1, within=10.0
    )
    assert len(llm.requests) == runs  # the lead and one per later run
    assert brief.lead == built.lead  # refused: the built lead stays
    bridges = {r.bridge for r in brief.runs[1:]}
    assert brief.runs[1].bridge == "Russia and the missile shield:"
    assert bridges - {"Russia and the missile shield:"} <= {r.bridge for r in built.runs}
    assert brief.commentary_model == "scripted-1"


async def test_the_members_words_stay_the_lead(
    llm: ScriptedLLM, http: aiohttp.ClientSession
) -> None:
    built = build_brief(PAGE.read_bytes(), URL, today=TODAY, length="compact", take="My words")
    brief = await Commentator(_client(llm, http)).comment(
        built, outlet=OUTLET, guild_id=1, within=10.0
    )
    assert llm.requests == [] and brief == built


class _Usage:
    def __init__(self) -> None:
        self.tokens: dict[tuple[int, dt.date], int] = {}

    async def used(self, guild_id: int, day: dt.date) -> int:
        return self.tokens.get((guild_id, day), 0)

    async def add(self, guild_id: int, day: dt.date, tokens: int, *, now: dt.datetime) -> int:
        self.tokens[guild_id, day] = self.tokens.get((guild_id, day), 0) + tokens
        return self.tokens[guild_id, day]


async def test_the_daily_budget_is_enforced(llm: ScriptedLLM, http: aiohttp.ClientSession) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC))
    usage = _Usage()
    commentator = Commentator(_client(llm, http), Budget(usage, clock, daily_tokens=50))
    llm.script(honest(HONEST, tokens=60))
    first = await commentator.comment(_brief(), outlet=OUTLET, guild_id=7, within=10.0)
    assert first.lead == HONEST  # within budget, recorded after
    assert usage.tokens[7, clock.today()] == 60
    second = await commentator.comment(_brief(), outlet=OUTLET, guild_id=7, within=10.0)
    assert len(llm.requests) == 1 and second == _brief()  # spent: no request, the built lead

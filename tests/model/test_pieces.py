"""A piece from the scripted server ends as checked model text or as the fallback, whatever the
server does: honest, invented quotation or number, cut by length, garbage, 500, too slow, 401."""

from __future__ import annotations

import functools
import logging

import aiohttp
import pytest

from bot.model.checks import check_lead
from bot.model.client import ModelClient
from bot.model.pieces import Piece, write_piece
from bot.model.prompts import PieceContext, lead_prompt
from bot.settings import Secret
from tests.model.scripted_llm import (
    CUT_BY_LENGTH,
    GARBAGE,
    KEY,
    SERVER_ERROR,
    Reply,
    ScriptedLLM,
    honest,
    slow,
)

ARTICLE = (
    "Harbour city votes to close coal terminal by 2030\nThe Coastal Courier\n"
    "The city council voted on Thursday night to close the harbour's coal terminal by 2030.\n"
    "“Nobody on this council takes these jobs lightly,” said the council leader, Margaret Okafor."
)
CONTEXT = PieceContext(
    headline="Harbour city votes to close coal terminal by 2030",
    outlet="The Coastal Courier",
    runs=[[ARTICLE.splitlines()[2]], [ARTICLE.splitlines()[3]]],
)
FALLBACK = "From The Coastal Courier:"


async def lead_from(client: ModelClient) -> Piece:
    return await write_piece(
        functools.partial(client.complete, guild_id=1),
        lead_prompt(CONTEXT),
        functools.partial(check_lead, article=ARTICLE),
        FALLBACK,
        what="lead",
    )


async def test_honest_reply_is_used_and_says_which_model(
    llm: ScriptedLLM, client: ModelClient
) -> None:
    llm.script(honest("Margaret Okafor's council ends a century of coal by 2030."))
    piece = await lead_from(client)
    assert piece == Piece(
        "Margaret Okafor's council ends a century of coal by 2030.", model="scripted-1"
    )


@pytest.mark.parametrize(
    ("reply", "refused"),
    [
        (honest('Okafor said "we will keep every job".'), "quote"),
        (honest("The council voted 40 to 2 to close the terminal."), "number"),
        (honest("Mayor John Smith closes the terminal."), "name"),
        (honest("Read more at https://courier.example/vote."), "link"),
        (CUT_BY_LENGTH, "length"),
        (GARBAGE, "bad_reply"),
        (SERVER_ERROR, "http"),
        (Reply(content=""), "empty"),
    ],
    ids=["invented-quote", "invented-number", "invented-name", "link", "length", "garbage",
         "500", "empty"],
)  # fmt: skip
async def test_anything_else_falls_back_and_logs_why(
    llm: ScriptedLLM,
    client: ModelClient,
    reply: Reply,
    refused: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.model.pieces")
    llm.script(reply)
    piece = await lead_from(client)
    assert piece == Piece(FALLBACK, refused=refused)
    assert refused in caplog.text


async def test_too_slow_falls_back(llm: ScriptedLLM, session: aiohttp.ClientSession) -> None:
    client = ModelClient(session, base_url=llm.base_url, api_key=Secret(KEY), timeout=0.3)
    llm.script(slow(5.0))
    assert await lead_from(client) == Piece(FALLBACK, refused="timeout")


async def test_wrong_key_falls_back(llm: ScriptedLLM, session: aiohttp.ClientSession) -> None:
    client = ModelClient(session, base_url=llm.base_url, api_key=Secret("sk-wrong"))
    assert await lead_from(client) == Piece(FALLBACK, refused="http")
    assert llm.requests == []  # refused at the door

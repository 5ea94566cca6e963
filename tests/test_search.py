"""/search's service: ``since`` as members type it, pages, and input with nothing to search."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.search import BadSince, NothingToSearch, Search, parse_since
from bot.storage import settings as stored_settings
from tests.storage._records import record_brief

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
GUILD, NEWS, STAFF = 1, 100, 101


@pytest.mark.parametrize(
    ("since", "zone", "expected"),
    [
        ("7d", "UTC", NOW - dt.timedelta(days=7)),
        (" 2W ", "UTC", NOW - dt.timedelta(days=14)),
        ("12h", "UTC", NOW - dt.timedelta(hours=12)),
        ("1m", "UTC", NOW - dt.timedelta(days=30)),
        ("1y", "UTC", NOW - dt.timedelta(days=365)),
        ("2026-11-30", "UTC", dt.datetime(2026, 11, 30, tzinfo=dt.UTC)),
        # a date is its midnight in the server's zone
        ("2026-11-30", "Europe/Paris", dt.datetime(2026, 11, 29, 23, tzinfo=dt.UTC)),
        ("2024-02-29", "UTC", dt.datetime(2024, 2, 29, tzinfo=dt.UTC)),
    ],
)
def test_since(since: str, zone: str, expected: dt.datetime) -> None:
    assert parse_since(since, NOW, zone) == expected


@pytest.mark.parametrize(
    "since",
    [
        "yesterday",
        "7",
        "d7",
        "-7d",
        "7x",
        "2026-13-01",
        "2025-02-29",
        "30/11/2026",
        "99999d",
        "9999y",
        "",
    ],
)
def test_bad_since_is_told(since: str) -> None:
    with pytest.raises(BadSince, match="a date"):
        parse_since(since, NOW)


@pytest.fixture
def search(sessionmaker: async_sessionmaker[AsyncSession]) -> Search:
    return Search(sessionmaker, FixedClock(NOW), per_page=2)


async def _brief(session: AsyncSession, i: int, channel: int, at: dt.datetime) -> None:
    await record_brief(
        session,
        1000 + i,
        guild=GUILD,
        channel=channel,
        key=f"example.org/{i}",
        created_at=at,
        article={"title": f"Harbour story {i}"},
    )


async def test_pages_channels_and_since(
    search: Search, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        for i in range(5):
            await _brief(session, i, NEWS, NOW - dt.timedelta(days=i))
        await _brief(session, 9, STAFF, NOW)
        await stored_settings.set_guild_settings(session, GUILD, timezone="UTC", now=NOW)
    pages = [await search.search(GUILD, "harbour", channel_ids=[NEWS], page=p) for p in (1, 2, 3)]
    assert [[r.message_id for r in p.results] for p in pages] == [
        [1000, 1001],
        [1002, 1003],
        [1004],
    ]
    assert [p.more for p in pages] == [True, True, False]
    recent = await search.search(GUILD, "harbour", channel_ids=[NEWS, STAFF], since="2d")
    assert {r.message_id for r in recent.results} | {
        r.message_id
        for r in (
            await search.search(GUILD, "harbour", channel_ids=[NEWS, STAFF], since="2d", page=2)
        ).results
    } == {1009, 1000, 1001, 1002}
    with pytest.raises(NothingToSearch):
        await search.search(GUILD, "“ * - ”", channel_ids=[NEWS])
    with pytest.raises(BadSince):
        await search.search(GUILD, "harbour", channel_ids=[NEWS], since="last week")

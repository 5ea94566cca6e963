"""Model usage per server per UTC day, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.usage import UsageStore, add_tokens, purge_usage_before, tokens_used
from tests._dates import NOW, TODAY

Sessions = async_sessionmaker[AsyncSession]


async def test_counts_add_up_per_server_and_day(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        assert await tokens_used(session, 1, TODAY) == 0
        assert await add_tokens(session, 1, TODAY, 100, now=NOW) == 100
        assert await add_tokens(session, 1, TODAY, 50, now=NOW) == 150
        await add_tokens(session, 2, TODAY, 7, now=NOW)
        await add_tokens(session, 1, TODAY - dt.timedelta(days=1), 999, now=NOW)
        await session.commit()
    async with sessionmaker() as session:
        assert await tokens_used(session, 1, TODAY) == 150
        assert await tokens_used(session, 2, TODAY) == 7
        assert await tokens_used(session, 1, TODAY - dt.timedelta(days=1)) == 999


async def test_concurrent_adds_all_count(sessionmaker: Sessions) -> None:
    store = UsageStore(sessionmaker)
    await store.add(1, TODAY, 1, now=NOW)  # the row exists: the rest race on the update
    await asyncio.gather(*(store.add(1, TODAY, 10, now=NOW) for _ in range(8)))
    assert await store.used(1, TODAY) == 81


async def test_purge_forgets_earlier_days(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        await add_tokens(session, 1, TODAY - dt.timedelta(days=2), 5, now=NOW)
        await add_tokens(session, 1, TODAY, 5, now=NOW)
        assert await purge_usage_before(session, TODAY) == 1
        await session.commit()
        assert await tokens_used(session, 1, TODAY) == 5


async def test_negative_tokens_refused(sessionmaker: Sessions) -> None:
    async with sessionmaker() as session:
        with pytest.raises(ValueError):
            await add_tokens(session, 1, TODAY, -1, now=NOW)

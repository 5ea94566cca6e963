"""Stored article text on real databases (SQLite and PostgreSQL via ``database_url``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import articles

T0 = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
KEY = "news.example/2026/coal"
PARAGRAPHS = ["Councillors backed the plan.", "The terminal handled 4.2m tonnes — “a lot”."]


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    async with sessionmaker() as session:
        yield session  # type: ignore[misc]


async def _store(session: AsyncSession, key: str, paragraphs: list[str], now: dt.datetime) -> None:
    await articles.store_text(
        session, key, url=f"https://{key}", language="en", paragraphs=paragraphs, now=now
    )
    await session.commit()


async def test_stored_text_reads_back_verbatim_in_order(session: AsyncSession) -> None:
    await _store(session, KEY, PARAGRAPHS, T0)
    text = await articles.stored_text(session, KEY, now=T0, keep_days=30)
    assert text is not None
    assert text.paragraphs == tuple(PARAGRAPHS)
    assert (text.url, text.language, text.stored_at) == (f"https://{KEY}", "en", T0)
    assert await articles.stored_text(session, "other.example/x", now=T0, keep_days=30) is None


async def test_storing_again_refreshes_once_per_article(session: AsyncSession) -> None:
    await _store(session, KEY, PARAGRAPHS, T0)
    later = T0 + dt.timedelta(days=3)
    await _store(session, KEY, ["Updated."], later)
    text = await articles.stored_text(session, KEY, now=later, keep_days=30)
    assert text is not None and text.paragraphs == ("Updated.",) and text.stored_at == later


async def test_text_past_its_days_is_gone_and_purged(session: AsyncSession) -> None:
    await _store(session, KEY, PARAGRAPHS, T0)
    await _store(session, "news.example/new", PARAGRAPHS, T0 + dt.timedelta(days=20))
    now = T0 + dt.timedelta(days=30, seconds=1)
    assert await articles.stored_text(session, KEY, now=now, keep_days=30) is None
    edge = T0 + dt.timedelta(days=30)
    assert await articles.stored_text(session, KEY, now=edge, keep_days=30) is not None
    assert await articles.purge_texts(session, now=now, keep_days=30) == 1
    await session.commit()
    assert await articles.purge_texts(session, now=now, keep_days=30) == 0
    assert await articles.stored_text(session, "news.example/new", now=now, keep_days=30)

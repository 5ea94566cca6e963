"""Pages shared by a bot's processes (issue 14) on real databases: who claims a page's fetch,
what a second asker finds, expiry, release and purge."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import pages
from bot.storage.models import Page

T0 = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
KEY = "news.example/2026/coal"
ARTICLE = {"url": "https://news.example/2026/coal", "paragraphs": ["Councillors backed it."]}
FRESH = dt.timedelta(minutes=60)
CLAIM = dt.timedelta(seconds=10)


async def _take(
    sessions: async_sessionmaker[AsyncSession], owner: str, now: dt.datetime = T0
) -> pages.Taken:
    async with sessions() as session, session.begin():
        return await pages.take_page(
            session, KEY, owner=owner, now=now, fresh_since=now - FRESH, claim_until=now + CLAIM
        )


async def _store(sessions: async_sessionmaker[AsyncSession], now: dt.datetime = T0) -> None:
    async with sessions() as session, session.begin():
        await pages.store_page(session, KEY, ARTICLE, now=now)


async def test_the_first_asker_claims_the_fetch_and_the_next_waits_then_reads_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert await _take(sessionmaker, "a") == pages.Taken(won=True)
    assert await _take(sessionmaker, "b") == pages.Taken()  # a is fetching it
    await _store(sessionmaker)
    assert await _take(sessionmaker, "b") == pages.Taken(article=ARTICLE)
    async with sessionmaker() as session:
        row = (await session.scalars(select(Page))).one()
    assert (row.fetcher, row.claim_expires_at, row.fetched_at) == (None, None, T0)


async def test_an_expired_claim_is_taken_over_and_a_stale_article_fetched_again(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert (await _take(sessionmaker, "a")).won
    assert not (await _take(sessionmaker, "b", T0 + CLAIM - dt.timedelta(seconds=1))).won
    assert (await _take(sessionmaker, "b", T0 + CLAIM)).won  # a died: its claim expired
    await _store(sessionmaker, T0 + CLAIM)
    within = T0 + CLAIM + FRESH - dt.timedelta(seconds=1)
    assert await _take(sessionmaker, "c", within) == pages.Taken(article=ARTICLE)
    assert (await _take(sessionmaker, "c", T0 + CLAIM + FRESH + dt.timedelta(seconds=1))).won


async def test_a_released_claim_lets_the_next_asker_fetch_at_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert (await _take(sessionmaker, "a")).won
    async with sessionmaker() as session, session.begin():
        await pages.release_page(session, KEY, owner="b")  # not b's: nothing happens
    assert not (await _take(sessionmaker, "b")).won
    async with sessionmaker() as session, session.begin():
        await pages.release_page(session, KEY, owner="a")
    assert (await _take(sessionmaker, "b")).won


async def test_purge_deletes_old_and_unfetched_pages_nobody_is_fetching(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _store(sessionmaker)  # fetched at T0
    later = T0 + FRESH + dt.timedelta(minutes=1)
    async with sessionmaker() as session, session.begin():
        for key, owner, until in (("fetching", "a", later + CLAIM), ("dead", "b", later)):
            await pages.take_page(
                session, key, owner=owner, now=later, fresh_since=later, claim_until=until
            )
    async with sessionmaker() as session, session.begin():
        assert await pages.purge_pages(session, before=later - FRESH, now=later) == 2
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Page.url_key))) == ["fetching"]

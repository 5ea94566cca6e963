"""Feeds and their items on real databases: the lease has one holder, an item is stored once by
its id or its link, a removed feed takes its items along."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import FeedItemState
from bot.storage import feeds as repo
from bot.storage import guilds
from bot.storage.feeds import NewItem

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


async def _add(
    sessionmaker: async_sessionmaker[AsyncSession], guild_id: int = 1, url_hash: str = "h1"
) -> repo.Feed | None:
    async with sessionmaker() as session, session.begin():
        return await repo.add_feed(
            session,
            guild_id=guild_id,
            channel_id=10,
            url="https://news.example/feed",
            url_hash=url_hash,
            title="News",
            added_by=5,
            interval_minutes=15,
            etag='"v1"',
            last_modified=None,
            now=T0,
            next_poll_at=T0 + 15 * MINUTE,
        )


async def test_a_server_adds_a_feed_once(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    feed = await _add(sessionmaker)
    assert feed is not None and feed.etag == '"v1"' and feed.failures == 0
    assert await _add(sessionmaker) is None
    assert await _add(sessionmaker, guild_id=2) is not None  # another server's own
    async with sessionmaker() as session:
        assert [f.id for f in await repo.list_feeds(session, 1)] == [feed.id]
        assert await repo.count_feeds(session, 1) == 1


async def test_the_lease_has_one_holder_until_it_expires(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await _add(sessionmaker)
    assert feed is not None

    async def take(owner: str, now: dt.datetime) -> bool:
        async with sessionmaker() as session:
            return await repo.take_lease(
                session, feed.id, owner=owner, now=now, until=now + 10 * MINUTE
            )

    # Each task has its own session and connection: a real race on one row.
    won = await asyncio.gather(*(take(f"p{i}", T0) for i in range(5)))
    assert sum(won) == 1
    holder = f"p{won.index(True)}"
    assert await take(holder, T0 + MINUTE)  # the holder extends it
    assert not await take("other", T0 + 5 * MINUTE)
    assert await take("other", T0 + 12 * MINUTE)  # expired: a process that died let go
    async with sessionmaker() as session, session.begin():
        await repo.release_lease(session, feed.id, owner="other")
    assert await take(holder, T0 + 12 * MINUTE)


async def test_due_feeds_are_those_past_their_time_with_a_free_lease(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await _add(sessionmaker)
    assert feed is not None
    async with sessionmaker() as session:
        assert await repo.due_feeds(session, now=T0, limit=10) == []
        assert [f.id for f in await repo.due_feeds(session, now=T0 + 16 * MINUTE, limit=10)] == [
            feed.id
        ]
        later = T0 + 16 * MINUTE
        assert await repo.take_lease(session, feed.id, owner="p", now=later, until=later + MINUTE)
        assert await repo.due_feeds(session, now=later, limit=10) == []


def _shard(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count  # Discord's rule, as bot.shards.shard_of says it


async def test_due_feeds_of_some_shards_are_chosen_in_the_query_before_the_page_limit(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Snowflakes of today (~1.3e18) and the largest one SQLite's signed 64-bit integer holds.
    base = 1_300_000_000_000_000_000
    guilds = [base + (n << 22) for n in range(12)] + [2**63 - 1]
    for n, guild_id in enumerate(guilds):
        assert await _add(sessionmaker, guild_id=guild_id, url_hash=f"h{n}") is not None
    later = T0 + 16 * MINUTE
    async with sessionmaker() as session:
        every = await repo.due_feeds(session, now=later, limit=100)
        for count, ids in ((4, {1, 3}), (3, {0}), (5, {0, 1, 2, 3, 4})):
            chosen = await repo.due_feeds(session, now=later, limit=100, shards=(count, ids))
            assert sorted(f.guild_id for f in chosen) == sorted(
                g for g in guilds if _shard(g, count) in ids
            )
        # A page of 2 holds two of the chosen shards' feeds, whatever is due elsewhere first.
        page = await repo.due_feeds(session, now=later, limit=2, shards=(4, {3}))
    assert len(every) == len(guilds)
    assert [_shard(f.guild_id, 4) for f in page] == [3, 3]


async def test_an_item_is_new_once_by_its_id_or_its_link(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await _add(sessionmaker)
    assert feed is not None
    first = [
        NewItem("g1", "l1", "https://news.example/1"),
        NewItem("g2", "l2", "https://news.example/2", FeedItemState.SKIPPED),
        NewItem(None, "l3", "https://news.example/3"),
        NewItem("g1", "l1", "https://news.example/1"),  # listed twice
    ]
    async with sessionmaker() as session, session.begin():
        new = await repo.store_items(session, feed.id, first, now=T0)
    assert [i.link_hash for i in new] == ["l1", "l2", "l3"]
    again = [
        NewItem("g1-new-guid", "l1", "https://news.example/1"),  # republished, same link
        NewItem("g2", "l2-moved", "https://news.example/2?moved"),  # same id, new link
        NewItem(None, "l3", "https://news.example/3"),
        NewItem("g4", "l4", "https://news.example/4"),
    ]
    async with sessionmaker() as session, session.begin():
        new = await repo.store_items(session, feed.id, again, now=T0 + MINUTE)
    assert [i.link_hash for i in new] == ["l4"]
    async with sessionmaker() as session:
        pending = await repo.pending_items(session, feed.id, limit=10)
        assert [p.url for p in pending] == [
            "https://news.example/1",
            "https://news.example/3",
            "https://news.example/4",
        ]
        assert [p.url for p in await repo.pending_items(session, feed.id, limit=2)] == [
            "https://news.example/1",
            "https://news.example/3",
        ]
        assert await repo.count_pending(session, feed.id) == 3
    async with sessionmaker() as session, session.begin():
        await repo.start_attempt(session, pending[0].id)
        await repo.finish_item(
            session,
            pending[0].id,
            FeedItemState.POSTED,
            now=T0 + 2 * MINUTE,
            feed_id=feed.id,
            url=pending[0].url,
        )
    async with sessionmaker() as session:
        assert [p.attempts for p in await repo.pending_items(session, feed.id, limit=10)] == [0, 0]
        stored = await repo.get_feed(session, feed.id)
        assert stored is not None
        assert stored.last_item_url == "https://news.example/1"
        assert stored.last_item_at == T0 + 2 * MINUTE


async def test_a_removed_feed_takes_its_items_and_another_server_cannot_remove_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await _add(sessionmaker)
    assert feed is not None
    async with sessionmaker() as session, session.begin():
        await repo.store_items(session, feed.id, [NewItem("g", "l", "https://x.example/")], now=T0)
    async with sessionmaker() as session, session.begin():
        assert not await repo.remove_feed(session, 2, feed.id)
        assert await repo.remove_feed(session, 1, feed.id)
    again = await _add(sessionmaker)
    assert again is not None
    async with sessionmaker() as session, session.begin():
        new = await repo.store_items(
            session, again.id, [NewItem("g", "l", "https://x.example/")], now=T0
        )
        assert len(new) == 1  # the old feed's items went with it
        assert await repo.delete_guild_feeds(session, 1) == 1
        assert await repo.list_feeds(session, 1) == []


async def test_a_poll_records_its_answer_and_a_failure_keeps_the_validators(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await _add(sessionmaker)
    assert feed is not None
    async with sessionmaker() as session, session.begin():
        await repo.record_poll(
            session,
            feed.id,
            now=T0 + MINUTE,
            next_poll_at=T0 + 30 * MINUTE,
            error="That site answered with an error.",
            failures=1,
            failure_noticed=False,
        )
    async with sessionmaker() as session:
        stored = await repo.get_feed(session, feed.id)
    assert stored is not None
    assert (stored.etag, stored.failures, stored.last_error) == (
        '"v1"',
        1,
        "That site answered with an error.",
    )
    assert stored.next_poll_at == T0 + 30 * MINUTE


async def test_a_purged_server_loses_its_feeds_and_their_items(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    feed = await _add(sessionmaker)
    kept = await _add(sessionmaker, guild_id=2)
    assert feed is not None and kept is not None
    async with sessionmaker() as session, session.begin():
        await repo.store_items(session, feed.id, [NewItem("g", "l", "https://x.example/")], now=T0)
        await guilds.purge_guild(session, 1)
    async with sessionmaker() as session:
        assert await repo.list_feeds(session, 1) == []
        assert await repo.pending_items(session, feed.id, limit=5) == []
        assert [f.id for f in await repo.list_feeds(session, 2)] == [kept.id]

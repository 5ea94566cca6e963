"""A server's topic index, cached per process and kept current across processes (issue 14 item 3):
a brief reads only the subscriptions of the topics it matches, the index is built once per topic
version and off the event loop, and a change made by another process (another engine on the same
database) is seen by the next brief. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.sharing import notify
from bot.sharing.service import Sharing
from bot.sharing.types import Posted, Share
from bot.storage import subscriptions as stored
from bot.storage.database import create_engine, session_factory
from bot.storage.models import Subscription
from bot.topics import TopicIndex
from tests._dates import NOW
from tests.sharing.test_service import ARTICLE, URL, FakeBriefer, RecordingPublisher

GUILD, CHANNEL, SHARER = 10, 20, 30
# Articles about NATO and Russia, one per brief (a second share of one link is a pointer).
URLS = [URL, *(f"https://news.example/2026/11/story-{i}" for i in range(1, 6))]
FILLER = [f"harbour {i}" for i in range(40)]  # topics no brief here mentions


@pytest.fixture
def briefer() -> FakeBriefer:
    return FakeBriefer({url: replace(ARTICLE, url=url) for url in URLS})


@pytest.fixture
def sharing(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, clock: FixedClock
) -> Sharing:
    return Sharing(sessions=sessionmaker, briefer=briefer, clock=clock)


@pytest.fixture
async def elsewhere(migrated_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Another process's view of the same database: an engine of its own."""
    engine = create_engine(migrated_database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _follow(
    sessions: async_sessionmaker[AsyncSession], pairs: Iterable[tuple[int, str]]
) -> None:
    async with sessions() as session, session.begin():
        for i, (user_id, topic) in enumerate(pairs):
            await stored.subscribe(
                session, GUILD, user_id, topic, limit=50, now=NOW + dt.timedelta(seconds=i)
            )


async def _unfollow(sessions: async_sessionmaker[AsyncSession], user_id: int, topic: str) -> None:
    async with sessions() as session, session.begin():
        await stored.unsubscribe(session, GUILD, user_id, topic)


async def _brief(sharing: Sharing, n: int) -> tuple[Posted, RecordingPublisher]:
    """Share ``URLS[n]`` as message ``n + 1``; the outcome and what was sent."""
    publisher = RecordingPublisher()
    [posted] = await sharing.share_message(
        Share(GUILD, CHANNEL, n + 1, SHARER), f"Read {URLS[n]}", publisher
    )
    assert isinstance(posted, Posted)
    return posted, publisher


def _pinged(publisher: RecordingPublisher) -> set[int]:
    return {user for _, _, ping in publisher.thread_posts for user in ping}


async def test_a_brief_loads_only_the_subscriptions_of_the_topics_it_matches(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # 40 topics the brief does not mention, 3 members each; 2 members follow "nato".
    await _follow(sessionmaker, [(100 + m, t) for t in FILLER for m in range(3)])
    await _follow(sessionmaker, [(41, "nato"), (42, "nato"), (43, "harbour 7")])
    loaded: list[int] = []

    def count(target: Subscription, context: object) -> None:
        loaded.append(target.user_id)

    event.listen(Subscription, "load", count)
    try:
        posted, publisher = await _brief(sharing, 0)
    finally:
        event.remove(Subscription, "load", count)
    # Before issue 14, every one of the server's 123 subscriptions was loaded as a row.
    assert sorted(loaded) == [41, 42]
    assert _pinged(publisher) == {41, 42} and set(posted.notified) == {41, 42}


async def test_the_index_is_built_once_per_topic_version(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _follow(sessionmaker, [(41, "nato"), *((100, t) for t in FILLER[:5])])
    indexes = sharing.notifier.indexes
    for n in range(3):
        _, publisher = await _brief(sharing, n)
        assert _pinged(publisher) == {41}
    assert indexes.builds == 1
    await _follow(sessionmaker, [(42, "russia")])  # a new version
    for n in range(3, 5):
        _, publisher = await _brief(sharing, n)
        assert _pinged(publisher) == {41, 42}
    assert indexes.builds == 2


async def test_another_process_subscribing_and_unsubscribing_is_seen_by_the_next_brief(
    sharing: Sharing,
    sessionmaker: async_sessionmaker[AsyncSession],
    elsewhere: async_sessionmaker[AsyncSession],
) -> None:
    await _follow(sessionmaker, [(41, "nato")])
    _, publisher = await _brief(sharing, 0)
    assert _pinged(publisher) == {41}  # this process now holds the index

    await _follow(elsewhere, [(42, "russia"), (43, "patriot")])
    _, publisher = await _brief(sharing, 1)
    assert _pinged(publisher) == {41, 42, 43}

    await _unfollow(elsewhere, 42, "russia")
    await _unfollow(elsewhere, 41, "nato")
    _, publisher = await _brief(sharing, 2)
    assert _pinged(publisher) == {43}
    assert sharing.notifier.indexes.builds == 3


async def test_an_unsubscribed_member_is_never_pinged_even_by_a_stale_index(
    sharing: Sharing,
    sessionmaker: async_sessionmaker[AsyncSession],
    elsewhere: async_sessionmaker[AsyncSession],
) -> None:
    """A brief whose context was read before the unsubscribe still matches with the older index;
    the rows are read after matching, so the member who left the topic is not among them."""
    await _follow(sessionmaker, [(41, "nato"), (42, "nato")])
    async with sessionmaker() as session:
        before = await stored.topic_version(session, GUILD)
    brief = await sharing.briefer.brief(URL)
    matched, rows = await sharing.notifier.matching(GUILD, before, brief)
    assert "nato" in matched and {r.user_id for r in rows} == {41, 42}

    await _unfollow(elsewhere, 41, "nato")
    matched, rows = await sharing.notifier.matching(GUILD, before, brief)  # the stale version
    assert "nato" in matched and {r.user_id for r in rows} == {42}
    assert sharing.notifier.indexes.builds == 1


async def test_the_index_is_built_in_steps_between_which_the_loop_runs(
    sharing: Sharing,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """10,000 topics cost some 0.3 s to index: in one go, every server's events would wait that
    long. Built in steps instead, another task runs between every two steps."""
    ticks = 0
    seen: list[int] = []  # the other task's ticks at each step

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    real = TopicIndex.in_steps

    def watched(
        topics: Iterable[str], step: int | None = None
    ) -> tuple[TopicIndex, Iterator[None]]:
        index, steps = real(topics, 2)  # a step per 2 topics or states: many steps here

        def each() -> Iterator[None]:
            for _ in steps:
                seen.append(ticks)
                yield

        return index, each()

    monkeypatch.setattr(notify.TopicIndex, "in_steps", watched)
    await _follow(sessionmaker, [(41, "nato"), *((100, t) for t in FILLER)])
    other = asyncio.create_task(ticker())
    try:
        _, publisher = await _brief(sharing, 0)
    finally:
        other.cancel()
    assert _pinged(publisher) == {41}
    assert len(seen) > 20 and all(a < b for a, b in zip(seen, seen[1:], strict=False))


async def test_briefs_arriving_together_share_one_build(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _follow(sessionmaker, [(41, "nato"), *((100, t) for t in FILLER)])
    async with sessionmaker() as session:
        version = await stored.topic_version(session, GUILD)
    brief = await sharing.briefer.brief(URL)
    results = await asyncio.gather(
        *(sharing.notifier.matching(GUILD, version, brief) for _ in range(5))
    )
    assert all({r.user_id for r in rows} == {41} for _, rows in results)
    assert sharing.notifier.indexes.builds == 1


async def test_a_server_without_subscriptions_reads_no_topics(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    _, publisher = await _brief(sharing, 0)
    assert _pinged(publisher) == set() and sharing.notifier.indexes.builds == 0

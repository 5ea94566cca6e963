"""Subscriptions and delivered notifications on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import AlreadySubscribed, NotSubscribed, StorageError, TooManySubscriptions
from bot.storage import subscriptions as repo
from tests.storage._records import GUILD, OTHER_GUILD, T0, USER, record_brief


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    async with sessionmaker() as session:
        yield session  # type: ignore[misc]


async def _topics(session: AsyncSession) -> list[str]:
    return [s.topic for s in await repo.list_subscriptions(session, GUILD, USER)]


async def test_subscribe_errors_are_domain_errors(session: AsyncSession) -> None:
    sub = await repo.subscribe(session, GUILD, USER, "zelenskyy", limit=3, delivery="dm", now=T0)
    assert (sub.topic, sub.delivery, sub.user_id) == ("zelenskyy", "dm", USER)
    with pytest.raises(AlreadySubscribed):
        await repo.subscribe(session, GUILD, USER, "zelenskyy", limit=3, now=T0)
    await repo.subscribe(session, GUILD, USER, "nato", limit=3, now=T0)
    await repo.subscribe(session, GUILD, USER, "patriot missiles", limit=3, now=T0)
    with pytest.raises(TooManySubscriptions) as excinfo:
        await repo.subscribe(session, GUILD, USER, "turkey", limit=3, now=T0)
    assert "3" in excinfo.value.user_message
    with pytest.raises(ValueError):
        await repo.subscribe(session, GUILD, USER, "golf", limit=9, delivery="pigeon", now=T0)
    # another server, another member: separate lists
    await repo.subscribe(session, OTHER_GUILD, USER, "nato", limit=3, now=T0)
    await repo.subscribe(session, GUILD, USER + 1, "nato", limit=3, now=T0)
    await session.commit()

    assert await _topics(session) == ["nato", "patriot missiles", "zelenskyy"]
    await repo.unsubscribe(session, GUILD, USER, "nato")
    with pytest.raises(NotSubscribed):
        await repo.unsubscribe(session, GUILD, USER, "nato")
    await session.commit()
    assert await _topics(session) == ["patriot missiles", "zelenskyy"]
    everyone = await repo.all_subscriptions(session, GUILD)
    assert sorted((s.user_id, s.topic) for s in everyone) == [
        (USER, "patriot missiles"),
        (USER, "zelenskyy"),
        (USER + 1, "nato"),
    ]


async def test_concurrent_duplicate_subscribe_is_already_subscribed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Two sessions subscribe the same member to the same topic at once: one subscription, and
    the loser gets a domain error, never an IntegrityError."""

    async def subscribe() -> object:
        async with sessionmaker() as session:
            subscription = await repo.subscribe(session, GUILD, USER, "nato", limit=5, now=T0)
            await session.commit()
            return subscription

    results = await asyncio.gather(subscribe(), subscribe(), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["AlreadySubscribed", "Subscription"]
    assert all(isinstance(r, StorageError) for r in results if isinstance(r, BaseException))
    async with sessionmaker() as session:
        assert await _topics(session) == ["nato"]


async def test_notifications_are_recorded_once(session: AsyncSession) -> None:
    brief = await record_brief(session, 700)
    assert await repo.record_notifications(session, brief.id, [3, 1, 2, 1], now=T0) == [3, 1, 2]
    await session.commit()
    assert await repo.record_notifications(session, brief.id, [2, 4, 3, 5], now=T0) == [4, 5]
    assert await repo.record_notifications(session, brief.id, [5], now=T0) == []
    assert await repo.record_notifications(session, brief.id, [], now=T0) == []
    other = await record_brief(session, 701)
    assert await repo.record_notifications(session, other.id, [1], now=T0) == [1]


async def test_every_change_to_a_servers_subscriptions_bumps_its_topic_version(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def version(guild: int = GUILD) -> int:
        async with sessionmaker() as session:
            return await repo.topic_version(session, guild)

    assert await version() == 0  # never had a subscription
    async with sessionmaker() as session, session.begin():
        await repo.subscribe(session, GUILD, USER, "nato", limit=5, now=T0)
        await repo.subscribe(session, GUILD, USER + 1, "nato", limit=5, now=T0)
    assert await version() == 2 and await version(OTHER_GUILD) == 0
    # A refused change changes nothing.
    async with sessionmaker() as session, session.begin():
        with pytest.raises(AlreadySubscribed):
            await repo.subscribe(session, GUILD, USER, "nato", limit=5, now=T0)
        with pytest.raises(NotSubscribed):
            await repo.unsubscribe(session, GUILD, USER, "golf")
    assert await version() == 2
    async with sessionmaker() as session, session.begin():
        await repo.unsubscribe(session, GUILD, USER, "nato")
    assert await version() == 3
    # A change rolled back takes its bump with it.
    async with sessionmaker() as session:
        await repo.subscribe(session, GUILD, USER, "golf", limit=5, now=T0)
        await session.rollback()
    assert await version() == 3


async def test_concurrent_changes_each_bump_the_version(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def subscribe(user_id: int) -> None:
        async with sessionmaker() as session, session.begin():
            await repo.subscribe(session, GUILD, user_id, "nato", limit=5, now=T0)

    await asyncio.gather(*(subscribe(USER + i) for i in range(4)))
    async with sessionmaker() as session:
        assert await repo.topic_version(session, GUILD) == 4


async def test_the_topics_and_the_subscriptions_of_some_topics(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    for user_id, topic in [(1, "nato"), (2, "nato"), (1, "golf"), (3, "tea"), (4, "rain")]:
        await repo.subscribe(session, GUILD, user_id, topic, limit=5, now=T0)
    await repo.subscribe(session, OTHER_GUILD, 5, "nato", limit=5, now=T0)
    assert sorted(await repo.topics(session, GUILD)) == ["golf", "nato", "rain", "tea"]
    monkeypatch.setattr(repo, "TOPICS_PER_QUERY", 2)  # "golf", "nato" | "tea": two IN lists
    rows = await repo.subscriptions_for_topics(session, GUILD, ["tea", "nato", "golf", "nato"])
    assert [(r.topic, r.user_id) for r in rows] == [
        ("golf", 1),
        ("nato", 1),
        ("nato", 2),
        ("tea", 3),
    ]
    assert await repo.subscriptions_for_topics(session, GUILD, []) == []

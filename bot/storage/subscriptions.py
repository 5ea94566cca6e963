"""Subscriptions (a member follows a topic in a server) and the notifications delivered for them.

Topics arrive normalised (:func:`bot.topics.normalize_topic` is the caller's: storage does not
know what a topic is, only how it is stored). Races on the unique keys end as domain results
(:class:`~bot.errors.AlreadySubscribed`, a shorter list), never as ``IntegrityError``.

**Topic versions.** Every change to a server's subscriptions bumps the server's row of
``topic_versions`` in the same transaction (:func:`bump_topic_version`; here for subscribe and
unsubscribe, in :mod:`bot.storage.guilds` for forget-me and the purge). A process that built the
server's topic index at version *v* rebuilds it when it reads a newer one; reading the version is
one primary-key lookup (:func:`topic_version`). Version 0 (no row) means the server never had a
subscription (migration 0007 gave version 1 to every server that had one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.choices import Delivery
from bot.errors import AlreadySubscribed, NotSubscribed, TooManySubscriptions
from bot.storage.dialect import insert
from bot.storage.models import DeliveredNotification, Subscription, TopicVersion

# Topics per IN list when loading the subscriptions of matched topics: far below SQLite's 32,766
# bound parameters and asyncpg's 32,767, and short enough to plan quickly.
TOPICS_PER_QUERY = 500
# Topics fetched per round when reading a server's topics: the rows of one round are turned into
# strings on the event loop, so a server of 10,000 topics is read in short steps, not one stall.
TOPICS_PER_FETCH = 1_000


async def subscribe(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    topic: str,
    *,
    limit: int,
    delivery: Delivery = Delivery.THREAD,
    now: dt.datetime,
) -> Subscription:
    """Follow ``topic`` (already normalised).

    Raises AlreadySubscribed, or TooManySubscriptions when the member already
    follows ``limit`` topics. Two concurrent subscribes by one member may pass the limit by one;
    the limit is a courtesy, not a security boundary, so it is not worth a lock.
    """
    delivery = Delivery(delivery)  # ValueError for anything else, before the database says so
    mine = Subscription.guild_id == guild_id, Subscription.user_id == user_id
    topics = set(await session.scalars(select(Subscription.topic).where(*mine)))
    if topic in topics:
        raise AlreadySubscribed(detail=topic)
    if len(topics) >= limit:
        raise TooManySubscriptions(
            f"You follow {len(topics)} topics, the most allowed ({limit}); "
            "unsubscribe from one first.",
        )
    statement = (
        insert(session, Subscription)
        .values(
            guild_id=guild_id,
            user_id=user_id,
            topic=topic,
            delivery=delivery,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["guild_id", "user_id", "topic"])
        .returning(Subscription)
    )
    subscription: Subscription | None = (await session.scalars(statement)).one_or_none()
    if subscription is None:
        raise AlreadySubscribed(detail=topic)
    await bump_topic_version(session, guild_id)
    return subscription


async def unsubscribe(session: AsyncSession, guild_id: int, user_id: int, topic: str) -> None:
    """Stop following ``topic`` (normalised); NotSubscribed if the member did not follow it."""
    result = await session.execute(
        delete(Subscription)
        .where(
            Subscription.guild_id == guild_id,
            Subscription.user_id == user_id,
            Subscription.topic == topic,
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotSubscribed(detail=topic)
    await bump_topic_version(session, guild_id)


async def list_subscriptions(
    session: AsyncSession, guild_id: int, user_id: int
) -> list[Subscription]:
    """One member's subscriptions in the server, by topic."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.guild_id == guild_id, Subscription.user_id == user_id)
        .order_by(Subscription.topic)
    )
    return list(rows)


async def all_subscriptions(session: AsyncSession, guild_id: int) -> list[Subscription]:
    """Every subscription in the server (administration and tests; briefs read only the
    subscriptions of the topics they match, :func:`subscriptions_for_topics`)."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.guild_id == guild_id)
        .order_by(Subscription.topic, Subscription.user_id)
    )
    return list(rows)


async def bump_topic_version(session: AsyncSession, guild_id: int) -> None:
    """The server's subscriptions changed in this transaction: its topic version goes up by one
    (an upsert, so concurrent changes each count: the row lock orders them)."""
    statement = (
        insert(session, TopicVersion)
        .values(guild_id=guild_id, version=1)
        .on_conflict_do_update(
            index_elements=["guild_id"], set_={"version": TopicVersion.version + 1}
        )
    )
    await session.execute(statement)


async def topic_version(session: AsyncSession, guild_id: int) -> int:
    """The server's topic version: one primary-key lookup (0: never had a subscription)."""
    version = await session.scalar(
        select(TopicVersion.version).where(TopicVersion.guild_id == guild_id)
    )
    return int(version or 0)


async def topics(session: AsyncSession, guild_id: int) -> list[str]:
    """The distinct topics followed in the server (one per topic, not one per member), from the
    ``(guild_id, topic)`` index, :data:`TOPICS_PER_FETCH` at a time. Read the version first
    (:func:`topic_version`), then these: a change committed in between is then seen at the older
    version too, never missed at the newer one."""
    statement = select(Subscription.topic).where(Subscription.guild_id == guild_id).distinct()
    result = await session.stream_scalars(statement.execution_options(yield_per=TOPICS_PER_FETCH))
    found: list[str] = []
    async for partition in result.partitions():
        found.extend(partition)
    return found


async def subscriptions_for_topics(
    session: AsyncSession, guild_id: int, topics: Iterable[str]
) -> list[Subscription]:
    """The server's subscriptions to these topics only, by topic and member; the topics go in
    IN lists of :data:`TOPICS_PER_QUERY`."""
    wanted = sorted(set(topics))
    found: list[Subscription] = []
    for start in range(0, len(wanted), TOPICS_PER_QUERY):
        chunk = wanted[start : start + TOPICS_PER_QUERY]
        rows = await session.scalars(
            select(Subscription)
            .where(Subscription.guild_id == guild_id, Subscription.topic.in_(chunk))
            .order_by(Subscription.topic, Subscription.user_id)
        )
        found.extend(rows)
    return found


async def record_notifications(
    session: AsyncSession, brief_id: int, user_ids: Sequence[int], *, now: dt.datetime
) -> list[int]:
    """Record that these members were notified of the brief; returns those not notified before,
    in the given order. Notify exactly those: nobody hears twice about one brief."""
    unique = list(dict.fromkeys(user_ids))
    if not unique:
        return []
    statement = (
        insert(session, DeliveredNotification)
        .values([{"brief_id": brief_id, "user_id": u, "notified_at": now} for u in unique])
        .on_conflict_do_nothing(index_elements=["brief_id", "user_id"])
        .returning(DeliveredNotification.user_id)
    )
    fresh = set((await session.execute(statement)).scalars())
    return [u for u in unique if u in fresh]

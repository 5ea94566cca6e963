"""Subscriptions (a member follows a topic in a server) and the notifications delivered for them.

Topics arrive normalised (:func:`bot.topics.normalize_topic` is the caller's: storage does not
know what a topic is, only how it is stored). Races on the unique keys end as domain results
(:class:`~bot.errors.AlreadySubscribed`, a shorter list), never as ``IntegrityError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.choices import Delivery
from bot.errors import AlreadySubscribed, NotSubscribed, TooManySubscriptions
from bot.storage.dialect import insert
from bot.storage.models import DeliveredNotification, Subscription


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
    """Every subscription in the server, to match briefs against."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.guild_id == guild_id)
        .order_by(Subscription.topic, Subscription.user_id)
    )
    return list(rows)


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

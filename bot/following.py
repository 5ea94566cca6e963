"""What a member asks of their topics: follow one, stop following one, list them.

The cogs call these, one method per command; each is one unit of work (one session, one
transaction for a change). Topics are normalised here (:func:`bot.topics.normalize_topic`):
storage keeps them as given.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import Delivery
from bot.clock import Clock
from bot.storage import subscriptions as stored
from bot.topics import normalize_topic


@dataclass(frozen=True)
class Followed:
    """One topic a member follows, and how they hear of it."""

    topic: str
    delivery: Delivery


@dataclass(frozen=True)
class Following:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    max_topics_per_member: int = 25

    async def follow(
        self, guild_id: int, user_id: int, topic: str, delivery: Delivery = Delivery.THREAD
    ) -> Followed:
        """Follow ``topic``; InvalidTopic, AlreadySubscribed or TooManySubscriptions if not."""
        normal = normalize_topic(topic)
        async with self.sessions() as session, session.begin():
            row = await stored.subscribe(
                session,
                guild_id,
                user_id,
                normal,
                delivery=Delivery(delivery),
                limit=self.max_topics_per_member,
                now=self.clock.now(),
            )
        return Followed(row.topic, Delivery(row.delivery))

    async def unfollow(self, guild_id: int, user_id: int, topic: str) -> None:
        """Stop following ``topic``; InvalidTopic or NotSubscribed if not followed."""
        normal = normalize_topic(topic)
        async with self.sessions() as session, session.begin():
            await stored.unsubscribe(session, guild_id, user_id, normal)

    async def followed(self, guild_id: int, user_id: int) -> list[Followed]:
        """The member's topics in the server, by topic."""
        async with self.sessions() as session:
            rows = await stored.list_subscriptions(session, guild_id, user_id)
        return [Followed(r.topic, Delivery(r.delivery)) for r in rows]

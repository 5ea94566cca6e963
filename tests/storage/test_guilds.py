"""A server's data as a whole on real databases: hourly brief counts, departures and the purge,
a member's "forget me", and site rules (SQLite and PostgreSQL via ``sessionmaker``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import articles, guilds, sites, subscriptions, usage
from bot.storage import settings as stored_settings
from bot.storage.models import (
    ArticleRecord,
    BriefRecord,
    DeliveredNotification,
    GuildDeparture,
    Subscription,
)
from tests.storage._records import CHANNEL, GUILD, OTHER_GUILD, T0, USER, record_brief

HOUR = dt.timedelta(hours=1)


async def test_briefs_are_counted_per_sharer_and_channel_since_a_time(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        await record_brief(session, 1001, created_at=T0 - 2 * HOUR)  # outside the hour
        await record_brief(session, 1002, created_at=T0 - HOUR)  # on the edge: inside
        await record_brief(session, 1003, created_at=T0, channel=CHANNEL + 1)
        await record_brief(session, 1004, created_at=T0, guild=OTHER_GUILD)
    async with sessionmaker() as session:
        since = T0 - HOUR
        assert await guilds.briefs_since(session, GUILD, since, sharer_id=USER) == 2
        assert await guilds.briefs_since(session, GUILD, since, sharer_id=USER + 1) == 0
        assert await guilds.briefs_since(session, GUILD, since, channel_id=CHANNEL) == 1
        assert await guilds.briefs_since(session, OTHER_GUILD, since, sharer_id=USER) == 1


async def test_site_rules_replace_and_remove(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        await sites.set_rule(session, GUILD, "bbc.co.uk", sites.ALLOW, now=T0)
        await sites.set_rule(session, GUILD, "example.com", sites.ALLOW, now=T0)
        await sites.set_rule(session, GUILD, "example.com", sites.BLOCK, now=T0)
        await sites.set_rule(session, OTHER_GUILD, "other.org", sites.BLOCK, now=T0)
    async with sessionmaker() as session, session.begin():
        assert await sites.rules(session, GUILD) == {"bbc.co.uk": "allow", "example.com": "block"}
        assert await sites.remove_rule(session, GUILD, "bbc.co.uk")
        assert not await sites.remove_rule(session, GUILD, "bbc.co.uk")
        assert await sites.rules(session, GUILD) == {"example.com": "block"}


async def _count(session: AsyncSession, model: type, guild: int | None = None) -> int:
    statement = select(func.count()).select_from(model)
    if guild is not None:
        statement = statement.where(model.guild_id == guild)  # type: ignore[attr-defined]
    return int((await session.execute(statement)).scalar_one())


async def _populate(session: AsyncSession, guild: int, message: int, key: str) -> None:
    brief = await record_brief(session, message, guild=guild, key=key)
    await articles.store_text(
        session, key, url=f"https://{key}", language="en", paragraphs=["p"], now=T0
    )
    await subscriptions.subscribe(session, guild, USER, "nato", limit=5, now=T0)
    await subscriptions.record_notifications(session, brief.id, [USER], now=T0)
    await stored_settings.set_guild_settings(session, guild, watch_by_default=False, now=T0)
    await stored_settings.set_channel_settings(
        session, guild, CHANNEL + guild, watched=True, now=T0
    )
    await sites.set_rule(session, guild, "example.com", sites.BLOCK, now=T0)
    await usage.add_tokens(session, guild, T0.date(), 100, now=T0)


async def test_purging_a_server_leaves_the_others_and_shared_articles(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        await _populate(session, GUILD, 2001, "example.org/only-here")
        await _populate(session, OTHER_GUILD, 2002, "example.org/shared")
        await record_brief(session, 2003, guild=GUILD, key="example.org/shared")
        await guilds.record_departure(session, GUILD, now=T0)
    async with sessionmaker() as session:
        version = await subscriptions.topic_version(session, GUILD)
    async with sessionmaker() as session, session.begin():
        await guilds.purge_guild(session, GUILD)
    async with sessionmaker() as session:
        # Bumped, never reset: a process holding the server's index rebuilds it.
        assert await subscriptions.topic_version(session, GUILD) == version + 1
        for model in (BriefRecord, Subscription, GuildDeparture):
            assert await _count(session, model, GUILD) == 0, model
        assert await stored_settings.get_guild_settings(session, GUILD) == (
            stored_settings.GuildSettings()
        )
        assert await sites.rules(session, GUILD) == {}
        assert await usage.tokens_used(session, GUILD, T0.date()) == 0
        # The other server keeps everything, and the article both shared keeps its text.
        assert await _count(session, BriefRecord, OTHER_GUILD) == 1
        assert await _count(session, DeliveredNotification) == 1
        assert await sites.rules(session, OTHER_GUILD) == {"example.com": "block"}
        assert await usage.tokens_used(session, OTHER_GUILD, T0.date()) == 100
        keys = set(await session.scalars(select(ArticleRecord.url_key)))
        assert keys == {"example.org/shared"}
        assert (
            await articles.stored_text(session, "example.org/shared", now=T0, keep_days=30)
            is not None
        )
        assert (
            await articles.stored_text(session, "example.org/only-here", now=T0, keep_days=30)
            is None
        )


async def test_departures_are_kept_once_cancelled_and_listed_by_time(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        await guilds.record_departure(session, GUILD, now=T0)
        await guilds.record_departure(session, OTHER_GUILD, now=T0 + HOUR)
    async with sessionmaker() as session, session.begin():
        await guilds.record_departure(session, GUILD, now=T0 + 2 * HOUR)  # the first one stays
    async with sessionmaker() as session, session.begin():
        assert await guilds.departed_before(session, T0 + HOUR) == [GUILD]
        assert await guilds.cancel_departure(session, GUILD)
        assert not await guilds.cancel_departure(session, GUILD)
        assert await guilds.departed_before(session, T0 + 3 * HOUR) == [OTHER_GUILD]


async def test_forgetting_a_member_deletes_only_their_records_in_that_server(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        here = await record_brief(session, 3001, key="example.org/here")
        there = await record_brief(session, 3002, guild=OTHER_GUILD, key="example.org/there")
        for guild in (GUILD, OTHER_GUILD):
            await subscriptions.subscribe(session, guild, USER, "nato", limit=5, now=T0)
            await subscriptions.subscribe(session, guild, USER + 1, "nato", limit=5, now=T0)
        await subscriptions.subscribe(session, GUILD, USER, "climate", limit=5, now=T0)
        for brief in (here, there):
            await subscriptions.record_notifications(session, brief.id, [USER, USER + 1], now=T0)
    async with sessionmaker() as session:
        versions = [await subscriptions.topic_version(session, g) for g in (GUILD, OTHER_GUILD)]
    async with sessionmaker() as session, session.begin():
        assert await guilds.forget_member(session, GUILD, USER) == (2, 1)
        assert await guilds.forget_member(session, GUILD, USER + 9) == (0, 0)
    async with sessionmaker() as session:
        # Cached topic indexes see the change (once: the member who had nothing changed nothing).
        assert [await subscriptions.topic_version(session, g) for g in (GUILD, OTHER_GUILD)] == [
            versions[0] + 1,
            versions[1],
        ]
        left = await session.execute(select(Subscription.guild_id, Subscription.user_id))
        assert sorted(left) == sorted(
            [(GUILD, USER + 1), (OTHER_GUILD, USER), (OTHER_GUILD, USER + 1)]
        )
        told = await session.execute(
            select(DeliveredNotification.brief_id, DeliveredNotification.user_id)
        )
        assert sorted(told) == sorted([(here.id, USER + 1), (there.id, USER), (there.id, USER + 1)])
        assert await guilds.known_guilds(session) == {GUILD, OTHER_GUILD}

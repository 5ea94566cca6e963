"""A server's data as a whole: who shared how much lately (the flood limits), the servers the bot
left (the purge), and a member's own data (forget-me)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import feeds
from bot.storage.models import (
    ArticleRecord,
    ArticleText,
    BriefRecord,
    ChannelSettingsRecord,
    DeliveredNotification,
    DigestRecord,
    GuildDeparture,
    GuildSettingsRecord,
    LinkClaim,
    ModelUsage,
    SiteRule,
    Subscription,
)
from bot.storage.subscriptions import bump_topic_version


async def briefs_since(
    session: AsyncSession,
    guild_id: int,
    since: dt.datetime,
    *,
    sharer_id: int | None = None,
    channel_id: int | None = None,
) -> int:
    """Briefs posted in the server since ``since``, by one sharer or in one channel (a re-share's
    pointer and a failure leave no brief, so they are not counted)."""
    statement = select(func.count(BriefRecord.id)).where(
        BriefRecord.guild_id == guild_id, BriefRecord.created_at >= since
    )
    if sharer_id is not None:
        statement = statement.where(BriefRecord.sharer_id == sharer_id)
    if channel_id is not None:
        statement = statement.where(BriefRecord.channel_id == channel_id)
    return int((await session.execute(statement)).scalar_one())


async def record_departure(session: AsyncSession, guild_id: int, *, now: dt.datetime) -> None:
    """The bot left the server now (a second departure before a return keeps the first)."""
    if await session.get(GuildDeparture, guild_id) is None:
        session.add(GuildDeparture(guild_id=guild_id, left_at=now))


async def cancel_departure(session: AsyncSession, guild_id: int) -> bool:
    """The bot is in the server (again): nothing of it is to be purged; whether it had left."""
    result = await session.execute(
        delete(GuildDeparture).where(GuildDeparture.guild_id == guild_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def known_guilds(session: AsyncSession) -> set[int]:
    """Every server something is stored about (settings, subscriptions, briefs)."""
    tables = (GuildSettingsRecord, ChannelSettingsRecord, Subscription, BriefRecord)
    known = union(*(select(model.guild_id) for model in tables))
    return set(await session.scalars(known))


async def departed_before(session: AsyncSession, when: dt.datetime) -> list[int]:
    rows = await session.scalars(
        select(GuildDeparture.guild_id).where(GuildDeparture.left_at < when)
    )
    return list(rows)


async def forget_member(session: AsyncSession, guild_id: int, user_id: int) -> tuple[int, int]:
    """Delete a member's subscriptions and notification records in one server; how many of each."""
    subscriptions = await session.execute(
        delete(Subscription).where(
            Subscription.guild_id == guild_id, Subscription.user_id == user_id
        )
    )
    if subscriptions.rowcount:  # type: ignore[attr-defined]
        await bump_topic_version(session, guild_id)
    in_guild = select(BriefRecord.id).where(BriefRecord.guild_id == guild_id)
    notifications = await session.execute(
        delete(DeliveredNotification).where(
            DeliveredNotification.user_id == user_id, DeliveredNotification.brief_id.in_(in_guild)
        )
    )
    return subscriptions.rowcount, notifications.rowcount  # type: ignore[attr-defined]


async def purge_guild(session: AsyncSession, guild_id: int) -> None:
    """Delete everything stored about a server: settings, site rules, subscriptions, briefs with
    their notifications and claims, model usage, feeds with their items, and the articles (and
    their stored text) that no other server's brief shares; then its departure record."""
    briefs = select(BriefRecord.id).where(BriefRecord.guild_id == guild_id)
    articles = set(
        await session.scalars(
            select(BriefRecord.article_id).where(BriefRecord.guild_id == guild_id)
        )
    )
    # Explicit rather than by ON DELETE CASCADE: SQLite enforces foreign keys only when asked.
    await session.execute(
        delete(DeliveredNotification).where(DeliveredNotification.brief_id.in_(briefs))
    )
    await session.execute(delete(LinkClaim).where(LinkClaim.guild_id == guild_id))
    await session.execute(delete(BriefRecord).where(BriefRecord.guild_id == guild_id))
    if articles:
        still_shared = select(BriefRecord.article_id).where(BriefRecord.article_id.in_(articles))
        orphans = select(ArticleRecord.url_key).where(
            ArticleRecord.id.in_(articles), ArticleRecord.id.not_in(still_shared)
        )
        keys = list(await session.scalars(orphans))
        if keys:
            await session.execute(delete(ArticleText).where(ArticleText.url_key.in_(keys)))
            await session.execute(delete(ArticleRecord).where(ArticleRecord.url_key.in_(keys)))
    for model in (
        Subscription,
        ChannelSettingsRecord,
        GuildSettingsRecord,
        SiteRule,
        ModelUsage,
        DigestRecord,
    ):
        await session.execute(delete(model).where(model.guild_id == guild_id))
    await feeds.delete_guild_feeds(session, guild_id)
    # Kept, and bumped: a process may still hold the server's index (the version row is a number,
    # nothing about anyone).
    await bump_topic_version(session, guild_id)
    await session.execute(delete(GuildDeparture).where(GuildDeparture.guild_id == guild_id))

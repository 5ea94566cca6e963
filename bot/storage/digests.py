"""Digests: which channels get one, how often, and the last period each has posted (issue 16).

A period is *claimed* by moving ``last_period_end`` forward in one conditional UPDATE
(:func:`claim_period`): of two processes, or a process and its restart, exactly one sees its
update take, so a period is posted at most once. The caller owns the transaction and commits the
claim before it posts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.choices import DigestSchedule
from bot.storage.dialect import insert
from bot.storage.models import BriefRecord, DigestRecord, GuildSettingsRecord


@dataclass(frozen=True)
class Digest:
    """A channel's digest, as stored; ``timezone`` is its server's."""

    guild_id: int
    channel_id: int
    schedule: DigestSchedule
    hour: int
    weekday: int = 0
    topic: str | None = None
    last_period_end: dt.datetime | None = None
    timezone: str = "UTC"


async def set_digest(
    session: AsyncSession,
    guild_id: int,
    channel_id: int,
    *,
    schedule: DigestSchedule,
    hour: int,
    weekday: int,
    topic: str | None,
    last_period_end: dt.datetime,
    now: dt.datetime,
) -> None:
    """Set up (or change) the channel's digest; ``last_period_end`` is the end of the last
    period that already ended, so the first digest is the next one, not one at once."""
    values = {
        "schedule": DigestSchedule(schedule).value,
        "hour": hour,
        "weekday": weekday,
        "topic": topic,
        "last_period_end": last_period_end,
        "updated_at": now,
    }
    await session.execute(
        insert(session, DigestRecord)
        .values(guild_id=guild_id, channel_id=channel_id, **values)
        .on_conflict_do_update(index_elements=["guild_id", "channel_id"], set_=values)
    )


async def remove_digest(session: AsyncSession, guild_id: int, channel_id: int) -> bool:
    """Stop the channel's digest; False if it had none."""
    result = await session.execute(
        delete(DigestRecord).where(
            DigestRecord.guild_id == guild_id, DigestRecord.channel_id == channel_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def digests(session: AsyncSession, guild_id: int | None = None) -> list[Digest]:
    """Every digest (of one server when given), with its server's time zone."""
    query = select(DigestRecord, GuildSettingsRecord.timezone).outerjoin(
        GuildSettingsRecord, GuildSettingsRecord.guild_id == DigestRecord.guild_id
    )
    if guild_id is not None:
        query = query.where(DigestRecord.guild_id == guild_id)
    rows = await session.execute(query.order_by(DigestRecord.guild_id, DigestRecord.channel_id))
    return [
        Digest(
            row.guild_id,
            row.channel_id,
            DigestSchedule(row.schedule),
            row.hour,
            row.weekday,
            row.topic,
            row.last_period_end,
            zone or "UTC",
        )
        for row, zone in rows
    ]


async def claim_period(
    session: AsyncSession, guild_id: int, channel_id: int, period_end: dt.datetime
) -> bool:
    """Claim the period ending at ``period_end`` for posting: True for exactly one caller, and
    only if no later or equal period was posted (or claimed) before."""
    result = await session.execute(
        update(DigestRecord)
        .where(
            DigestRecord.guild_id == guild_id,
            DigestRecord.channel_id == channel_id,
            or_(
                DigestRecord.last_period_end.is_(None),
                DigestRecord.last_period_end < period_end,
            ),
        )
        .values(last_period_end=period_end)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_period(
    session: AsyncSession,
    guild_id: int,
    channel_id: int,
    period_end: dt.datetime,
    previous: dt.datetime | None,
) -> None:
    """Give a claimed period back (its post failed), unless a later one was claimed since."""
    await session.execute(
        update(DigestRecord)
        .where(
            DigestRecord.guild_id == guild_id,
            DigestRecord.channel_id == channel_id,
            DigestRecord.last_period_end == period_end,
        )
        .values(last_period_end=previous)
        .execution_options(synchronize_session=False)
    )


async def briefs_between(
    session: AsyncSession, guild_id: int, start: dt.datetime, end: dt.datetime
) -> list[BriefRecord]:
    """The server's briefs created in ``[start, end)``, oldest first, with their articles."""
    rows = await session.scalars(
        select(BriefRecord)
        .where(
            BriefRecord.guild_id == guild_id,
            BriefRecord.created_at >= start,
            BriefRecord.created_at < end,
        )
        .options(selectinload(BriefRecord.article))
        .order_by(BriefRecord.created_at, BriefRecord.id)
    )
    return list(rows)

"""Server and channel settings: a channel's own, or else its server's defaults.

Settings come back as plain frozen values (:class:`GuildSettings`, :class:`ChannelSettings`) with
their choices as :mod:`bot.choices` members; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.choices import CommentaryMode, FailureMode, Length
from bot.storage.dialect import insert
from bot.storage.models import ChannelSettingsRecord, GuildSettingsRecord


@dataclass(frozen=True)
class GuildSettings:
    """A server's defaults for channels without their own settings."""

    watch_by_default: bool = True
    default_length: Length = Length.STANDARD
    default_on_failure: FailureMode = FailureMode.REACT
    commentary_mode: CommentaryMode = CommentaryMode.ARTICLE
    timezone: str = "UTC"  # IANA name, checked by the caller (the digest's hour is in it)


@dataclass(frozen=True)
class ChannelSettings:
    """What shapes a share in a channel: whether pasted links are briefed, how long briefs are,
    whether a thread opens under each, and what a failure shows."""

    watched: bool = True
    length: Length = Length.STANDARD
    threads: bool = True
    on_failure: FailureMode = FailureMode.REACT


async def _upsert(
    session: AsyncSession,
    model: type[Any],
    key: dict[str, int],
    values: dict[str, Any],
    now: dt.datetime,
) -> None:
    values = {**values, "updated_at": now}
    await session.execute(
        insert(session, model)
        .values(**key, **values)
        .on_conflict_do_update(index_elements=list(key), set_=values)
    )


async def get_guild_settings(session: AsyncSession, guild_id: int) -> GuildSettings:
    row = await session.get(GuildSettingsRecord, guild_id, populate_existing=True)
    if row is None:
        return GuildSettings()
    return GuildSettings(
        row.watch_by_default,
        Length(row.default_length),
        FailureMode(row.default_on_failure),
        CommentaryMode(row.commentary_mode),
        row.timezone,
    )


async def set_guild_settings(
    session: AsyncSession,
    guild_id: int,
    *,
    watch_by_default: bool | None = None,
    default_length: Length | None = None,
    default_on_failure: FailureMode | None = None,
    commentary_mode: CommentaryMode | None = None,
    timezone: str | None = None,
    now: dt.datetime,
) -> GuildSettings:
    """Change the given settings (None: keep) and return them all; ValueError for a value that
    is not one of its choices."""
    current = await get_guild_settings(session, guild_id)
    new = GuildSettings(
        current.watch_by_default if watch_by_default is None else watch_by_default,
        Length(default_length or current.default_length),
        FailureMode(default_on_failure or current.default_on_failure),
        CommentaryMode(commentary_mode or current.commentary_mode),
        timezone or current.timezone,
    )
    await _upsert(session, GuildSettingsRecord, {"guild_id": guild_id}, new.__dict__, now)
    return new


async def get_channel_settings(
    session: AsyncSession, guild_id: int, channel_id: int
) -> ChannelSettings:
    """The channel's settings, or the server's defaults when it has none of its own."""
    row = await session.get(ChannelSettingsRecord, channel_id, populate_existing=True)
    if row is not None:
        return ChannelSettings(
            row.watched, Length(row.length), row.threads, FailureMode(row.on_failure)
        )
    guild = await get_guild_settings(session, guild_id)
    return ChannelSettings(
        watched=guild.watch_by_default,
        length=guild.default_length,
        on_failure=guild.default_on_failure,
    )


async def set_channel_settings(
    session: AsyncSession,
    guild_id: int,
    channel_id: int,
    *,
    watched: bool | None = None,
    length: Length | None = None,
    threads: bool | None = None,
    on_failure: FailureMode | None = None,
    now: dt.datetime,
) -> ChannelSettings:
    """Change the given settings (None: keep) and return them all; the channel stops following
    the server's defaults from then on. ValueError for a value that is not one of its choices."""
    current = await get_channel_settings(session, guild_id, channel_id)
    new = ChannelSettings(
        current.watched if watched is None else watched,
        Length(length or current.length),
        current.threads if threads is None else threads,
        FailureMode(on_failure or current.on_failure),
    )
    await _upsert(
        session,
        ChannelSettingsRecord,
        {"channel_id": channel_id},
        {"guild_id": guild_id, **new.__dict__},
        now,
    )
    return new

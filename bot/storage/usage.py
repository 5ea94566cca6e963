"""Language-model usage per server per UTC day: the daily budget's storage.

Plain data in and out (ids, dates, token counts): the budget itself lives in ``bot.model.budget``
and reaches this module through :class:`UsageStore`, so storage imports nothing of the core.
Adding is one ``INSERT … ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL share it), so two
processes recording at once both count.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ModelUsage


async def tokens_used(session: AsyncSession, guild_id: int, day: dt.date) -> int:
    """Tokens ``guild_id`` used on ``day`` (0 when none)."""
    result = await session.execute(
        select(ModelUsage.tokens).where(ModelUsage.guild_id == guild_id, ModelUsage.day == day)
    )
    return int(result.scalar_one_or_none() or 0)


async def add_tokens(
    session: AsyncSession, guild_id: int, day: dt.date, tokens: int, *, now: dt.datetime
) -> int:
    """Add one request of ``tokens`` to ``guild_id``'s count for ``day``; the new total.

    The caller commits."""
    if tokens < 0:
        raise ValueError("tokens must be 0 or more")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(ModelUsage).values(
        guild_id=guild_id, day=day, tokens=tokens, requests=1, updated_at=now
    )
    statement = insert.on_conflict_do_update(
        index_elements=["guild_id", "day"],
        set_={
            "tokens": ModelUsage.tokens + insert.excluded.tokens,
            "requests": ModelUsage.requests + 1,
            "updated_at": insert.excluded.updated_at,
        },
    ).returning(ModelUsage.tokens)
    return int((await session.execute(statement)).scalar_one())


async def purge_usage_before(session: AsyncSession, day: dt.date) -> int:
    """Forget the counts of days before ``day``; how many rows went. The caller commits."""
    result = await session.execute(delete(ModelUsage).where(ModelUsage.day < day))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class UsageStore:
    """The budget's view of storage: each call is its own short transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def used(self, guild_id: int, day: dt.date) -> int:
        async with self._sessions() as session:
            return await tokens_used(session, guild_id, day)

    async def add(self, guild_id: int, day: dt.date, tokens: int, *, now: dt.datetime) -> int:
        async with self._sessions() as session:
            total = await add_tokens(session, guild_id, day, tokens, now=now)
            await session.commit()
            return total

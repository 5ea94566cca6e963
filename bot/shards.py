"""Shards: which process serves which servers, and how IDENTIFYs are paced across processes.

Discord puts a server on shard ``(guild_id >> 22) % shard_count``; a bot with several processes
gives each a disjoint set of shard ids (``SHARD_IDS``) of one count (``SHARD_COUNT``). A process
sees the events of its own shards' servers only, so whatever it does for "every server" (servers
left while offline, claims left by a crash) it does for the servers of its shards.

IDENTIFY follows Discord's rules: shards fall in ``max_concurrency`` buckets
(``shard_id % max_concurrency``) and each bucket may IDENTIFY once per :data:`IDENTIFY_INTERVAL_S`.
:class:`LocalIdentifyGate` paces one process (SQLite: one process runs every shard);
:class:`DatabaseIdentifyGate` paces every process on one PostgreSQL database: an advisory lock
per bucket held while waiting, and the bucket's last IDENTIFY stored, so the interval holds from
one process to the next.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.storage import identify as stored_identify
from bot.storage.database import unavailable

log = logging.getLogger(__name__)

# Discord: one IDENTIFY per rate-limit bucket per 5 seconds.
IDENTIFY_INTERVAL_S = 5.0
# Below this share of the day's session starts left, a restart loop is about to lock the bot out.
LOW_SESSION_STARTS = 0.25

Sleep = Callable[[float], Awaitable[None]]


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends ``guild_id``'s events on."""
    return (guild_id >> 22) % shard_count


def bucket_of(shard_id: int, max_concurrency: int) -> int:
    """The IDENTIFY rate-limit bucket of ``shard_id``."""
    return shard_id % max(1, max_concurrency)


def holds(guild_id: int, shard_count: int | None, shard_ids: Collection[int] | None) -> bool:
    """Whether a process running ``shard_ids`` of ``shard_count`` (None: every shard) serves
    ``guild_id``."""
    if shard_count is None or shard_ids is None:
        return True
    return shard_of(guild_id, shard_count) in shard_ids


def refuse_layout(
    database_url: str, shard_count: int | None, shard_ids: Collection[int] | None
) -> str | None:
    """Why this process may not run with these shards, or None. SQLite is one process's
    database: a process running only some shards would leave the others' servers unserved (or
    another process would share the file, which SQLite cannot do safely)."""
    if shard_ids is None or database_url.startswith("postgresql"):
        return None
    assert shard_count is not None  # settings refuse SHARD_IDS without SHARD_COUNT
    if set(shard_ids) == set(range(shard_count)):
        return None
    return (
        f"SHARD_IDS={','.join(map(str, shard_ids))} runs only some of the {shard_count} shards, "
        "which needs several processes on one PostgreSQL database: set DATABASE_URL="
        "postgresql+asyncpg://..., or leave SHARD_IDS empty to run every shard here."
    )


def session_starts(remaining: int, total: int, reset_after_ms: int) -> tuple[int, str]:
    """The log level and line for the day's remaining session starts (IDENTIFYs)."""
    hours = reset_after_ms / 3_600_000
    line = f"Discord session starts left today: {remaining} of {total} (reset in {hours:.1f} h)"
    if total > 0 and remaining < total * LOW_SESSION_STARTS:
        return logging.WARNING, (
            f"{line}: under {LOW_SESSION_STARTS:.0%}; at 0 Discord resets the token. Is the bot "
            "restarting in a loop?"
        )
    return logging.INFO, line


class IdentifyGate(Protocol):
    max_concurrency: int

    async def turn(self, shard_id: int) -> None:
        """Return when ``shard_id`` may IDENTIFY; the IDENTIFY is sent right after."""


class LocalIdentifyGate:
    """Paces the IDENTIFYs of one process (``timer``: monotonic seconds; ``sleep`` injected)."""

    def __init__(
        self,
        max_concurrency: int = 1,
        *,
        timer: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.max_concurrency = max_concurrency
        self._timer = timer
        self._sleep = sleep
        self._last: dict[int, float] = {}
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def turn(self, shard_id: int) -> None:
        bucket = bucket_of(shard_id, self.max_concurrency)
        async with self._locks[bucket]:
            last = self._last.get(bucket)
            if last is not None:
                wait = last + IDENTIFY_INTERVAL_S - self._timer()
                if wait > 0:
                    log.info("shard %s waits %.1f s for its IDENTIFY turn", shard_id, wait)
                    await self._sleep(wait)
            self._last[bucket] = self._timer()


class DatabaseIdentifyGate:
    """Paces the IDENTIFYs of every process on one PostgreSQL database.

    The stored time comes from the wall ``clock``: processes on several machines share no
    monotonic timer. A stored time in the future (a skewed clock) costs at most one interval."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        max_concurrency: int = 1,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.max_concurrency = max_concurrency
        self._sessions = sessions
        self._clock = clock
        self._sleep = sleep

    async def turn(self, shard_id: int) -> None:
        bucket = bucket_of(shard_id, self.max_concurrency)
        try:
            await self._turn(shard_id, bucket)
        except Exception as exc:
            if not unavailable(exc):
                raise
            # A reconnect must not fail on a database outage (discord.py would end the bot):
            # a full interval keeps this bucket within the rule whoever identified last.
            log.warning(
                "IDENTIFY turn of shard %s: database unavailable (%s); waiting %.0f s",
                shard_id,
                exc,
                IDENTIFY_INTERVAL_S,
            )
            await self._sleep(IDENTIFY_INTERVAL_S)

    async def _turn(self, shard_id: int, bucket: int) -> None:
        # One transaction: the bucket's advisory lock is held until the new time is committed, so
        # the next process in line reads it and waits its interval from there.
        async with self._sessions() as session, session.begin():
            await stored_identify.lock_bucket(session, bucket)
            last = await stored_identify.last_identify(session, bucket)
            if last is not None:
                due = last + dt.timedelta(seconds=IDENTIFY_INTERVAL_S)
                wait = min((due - self._clock.now()).total_seconds(), IDENTIFY_INTERVAL_S)
                if wait > 0:
                    log.info(
                        "shard %s waits %.1f s for bucket %s's IDENTIFY turn",
                        shard_id,
                        wait,
                        bucket,
                    )
                    await self._sleep(wait)
            await stored_identify.record_identify(session, bucket, now=self._clock.now())

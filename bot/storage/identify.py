"""The gateway IDENTIFY buckets' last turn, and the advisory lock that orders a bucket's turns.

On PostgreSQL :func:`lock_bucket` takes a transaction-level advisory lock (released at commit or
rollback); on SQLite, one process's database, it does nothing: that process paces itself.
The two-key form with :data:`LOCK_SPACE` keeps these locks apart from any other advisory lock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.dialect import insert
from bot.storage.models import IdentifyBucket

# "NLID": newslink's IDENTIFY locks.
LOCK_SPACE = 0x4E4C4944


async def lock_bucket(session: AsyncSession, bucket: int) -> None:
    """Wait for, and hold until the transaction ends, the lock of ``bucket`` (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, :bucket)"),
        {"space": LOCK_SPACE, "bucket": bucket},
    )


async def last_identify(session: AsyncSession, bucket: int) -> dt.datetime | None:
    """When ``bucket`` last identified, None if never."""
    result = await session.execute(
        select(IdentifyBucket.identified_at).where(IdentifyBucket.bucket == bucket)
    )
    return result.scalar_one_or_none()


async def record_identify(session: AsyncSession, bucket: int, *, now: dt.datetime) -> None:
    """``bucket`` identifies at ``now``. The caller commits."""
    statement = insert(session, IdentifyBucket).values(bucket=bucket, identified_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["bucket"], set_={"identified_at": statement.excluded.identified_at}
        )
    )

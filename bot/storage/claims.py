"""Link claims: who is briefing a (message, link), so each is briefed once by one process.

Every function takes an :class:`AsyncSession` first; the caller owns the transaction and commits,
except where a docstring says the function commits. A claim has to be visible to every other
process the moment it is won: its caller commits it before any work. Races on the unique key
end as domain results (``False``), never as ``IntegrityError``: ``INSERT … ON CONFLICT``, which
SQLite and PostgreSQL share.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.choices import ClaimState
from bot.storage.dialect import insert
from bot.storage.models import LinkClaim

log = logging.getLogger(__name__)


async def take_claim(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    guild_id: int | None = None,
    channel_id: int | None = None,
    now: dt.datetime,
    retake_own_failure: bool = True,
) -> bool:
    """Claim the briefing of ``url_key`` in message ``message_id``; True if this caller won.

    The caller commits, before any work: from then on the claim holds for every other process,
    and a message Discord delivers twice (reconnect, resume) is briefed by whichever handler
    claimed it first (on PostgreSQL a second claimer of the same row waits for the first one's
    commit, then loses). A claim that ``failed`` (Discord or the database was down; nothing was
    posted) is taken over, so the link can be retried by sharing the same message again; a
    posted or given-up one never is. ``retake_own_failure=False`` takes over only another
    owner's failure (catch-up at start: a link this process already tried and failed on is not
    tried again behind the member's back).
    """
    retakable = LinkClaim.state == ClaimState.FAILED
    if not retake_own_failure:
        retakable = retakable & (LinkClaim.owner != owner)
    statement = (
        insert(session, LinkClaim)
        .values(
            source_message_id=message_id,
            url_key=url_key,
            guild_id=guild_id,
            channel_id=channel_id,
            state=ClaimState.CLAIMED,
            owner=owner,
            attempts=1,
            claimed_at=now,
        )
        .on_conflict_do_update(
            index_elements=["source_message_id", "url_key"],
            set_={
                "state": ClaimState.CLAIMED,
                "owner": owner,
                "claimed_at": now,
                "finished_at": None,
                "attempts": LinkClaim.attempts + 1,
            },
            where=retakable,
        )
        .returning(LinkClaim.id)
    )
    won = (await session.execute(statement)).scalar_one_or_none() is not None
    if not won:
        log.info("link %s in message %s is already claimed", url_key, message_id)
    return won


async def _finish_claim(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    owner: str,
    now: dt.datetime,
    values: dict[str, Any],
) -> bool:
    # Only the current owner may finish a claim: a stale process must not overwrite the work
    # of the one that reclaimed it.
    result = await session.execute(
        update(LinkClaim)
        .where(
            LinkClaim.source_message_id == message_id,
            LinkClaim.url_key == url_key,
            LinkClaim.owner == owner,
            LinkClaim.state == ClaimState.CLAIMED,
        )
        .values(finished_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def complete_claim(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    now: dt.datetime,
    brief_id: int | None = None,
) -> bool:
    """Mark a claim posted; False if ``owner`` no longer holds it."""
    return await _finish_claim(
        session, message_id, url_key, owner, now, {"state": ClaimState.POSTED, "brief_id": brief_id}
    )


async def fail_claim(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    now: dt.datetime,
    give_up: bool = False,
) -> bool:
    """Mark a claim failed (may be retried by :func:`reclaim_stale`) or given up (final)."""
    state = ClaimState.GIVEN_UP if give_up else ClaimState.FAILED
    return await _finish_claim(session, message_id, url_key, owner, now, {"state": state})


async def stale_claims(
    session: AsyncSession,
    older_than: dt.timedelta,
    *,
    now: dt.datetime,
    limit: int = 100,
) -> list[LinkClaim]:
    """Claims still ``claimed`` after ``older_than`` (their process probably died), or ``failed``;
    oldest first."""
    cutoff = now - older_than
    rows = await session.scalars(
        select(LinkClaim)
        .where(
            or_(
                (LinkClaim.state == ClaimState.CLAIMED) & (LinkClaim.claimed_at < cutoff),
                LinkClaim.state == ClaimState.FAILED,
            )
        )
        .order_by(LinkClaim.claimed_at, LinkClaim.id)
        .limit(limit)
    )
    return list(rows)


async def reclaim_stale(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    older_than: dt.timedelta,
    now: dt.datetime,
) -> bool:
    """Take over a stale or failed claim for a retry; True if this caller won it. Commits.

    A single conditional UPDATE, so of several processes retrying the same claim one wins.
    """
    result = await session.execute(
        update(LinkClaim)
        .where(
            LinkClaim.source_message_id == message_id,
            LinkClaim.url_key == url_key,
            or_(
                (LinkClaim.state == ClaimState.CLAIMED) & (LinkClaim.claimed_at < now - older_than),
                LinkClaim.state == ClaimState.FAILED,
            ),
        )
        .values(
            state=ClaimState.CLAIMED,
            owner=owner,
            claimed_at=now,
            finished_at=None,
            attempts=LinkClaim.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]

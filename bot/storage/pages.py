"""Pages shared by a bot's processes (issue 14): each extracted article stored by the fetched
link's key with its fetch time, and the claim of the process fetching it now.

Plain data in and out: the article is a JSON-ready dict (the core converts it,
:mod:`bot.sharing.pages`). The caller owns the transaction and commits. One row per key holds
both the article and the claim, so one conditional ``INSERT … ON CONFLICT`` decides who fetches:
a key with no fresh article and no live claim is claimed by whoever asks first; any other asker
reads the row (the article, or a claim to wait for).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.dialect import insert
from bot.storage.models import Page

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Taken:
    """What asking for a page found: its fresh ``article``; or ``won``, the claim to fetch it
    (held until ``claim_until``); or neither: another process is fetching it."""

    article: dict[str, Any] | None = None
    won: bool = False


def _free(now: dt.datetime, fresh_since: dt.datetime) -> Any:
    """The row may be claimed: no fresh article, and no claim, or an expired one."""
    stale = or_(Page.fetched_at.is_(None), Page.fetched_at < fresh_since)
    unclaimed = or_(Page.fetcher.is_(None), Page.claim_expires_at <= now)
    return stale & unclaimed


async def take_page(
    session: AsyncSession,
    url_key: str,
    *,
    owner: str,
    now: dt.datetime,
    fresh_since: dt.datetime,
    claim_until: dt.datetime,
) -> Taken:
    """The article of ``url_key`` fetched since ``fresh_since``, or else the claim to fetch it
    (when nobody holds a live one), or neither (another process is fetching it now)."""
    claimed = (
        insert(session, Page)
        .values(url_key=url_key, fetcher=owner, claim_expires_at=claim_until)
        .on_conflict_do_update(
            index_elements=["url_key"],
            set_={"fetcher": owner, "claim_expires_at": claim_until},
            where=_free(now, fresh_since),
        )
        .returning(Page.url_key)
    )
    if (await session.execute(claimed)).scalar_one_or_none() is not None:
        return Taken(won=True)
    row = (
        await session.execute(select(Page.article, Page.fetched_at).where(Page.url_key == url_key))
    ).one()
    if row.article is not None and row.fetched_at is not None and row.fetched_at >= fresh_since:
        return Taken(article=row.article)
    return Taken()


async def store_page(
    session: AsyncSession, url_key: str, article: dict[str, Any], *, now: dt.datetime
) -> None:
    """Store the article just fetched for ``url_key`` and end the claim on it (whoever holds it:
    the article is fresh, so nobody needs to fetch it now)."""
    values = {"article": article, "fetched_at": now, "fetcher": None, "claim_expires_at": None}
    await session.execute(
        insert(session, Page)
        .values(url_key=url_key, **values)
        .on_conflict_do_update(index_elements=["url_key"], set_=values)
    )


async def release_page(session: AsyncSession, url_key: str, *, owner: str) -> None:
    """End ``owner``'s claim on ``url_key`` without an article (the fetch failed): the next
    asker fetches it."""
    await session.execute(
        update(Page)
        .where(Page.url_key == url_key, Page.fetcher == owner)
        .values(fetcher=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )


async def purge_pages(session: AsyncSession, *, before: dt.datetime, now: dt.datetime) -> int:
    """Delete pages fetched before ``before`` (or never) that nobody is fetching; how many."""
    result = await session.execute(
        delete(Page).where(
            or_(Page.fetched_at.is_(None), Page.fetched_at < before),
            or_(Page.fetcher.is_(None), Page.claim_expires_at <= now),
        )
    )
    count: int = result.rowcount  # type: ignore[attr-defined]
    if count:
        log.info("purged %d stored pages", count)
    return count

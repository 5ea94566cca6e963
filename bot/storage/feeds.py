"""Feeds and their items (issue 16), plain data in and out.

The caller owns the transaction, except :func:`take_lease`, which commits: a lease must hold for
every other process the moment it is won. The lease is one conditional ``UPDATE`` (free, expired,
or already ours), atomic on SQLite and PostgreSQL alike, so two processes (or a restart beside a
process not yet gone) never poll one feed at once. Keys arrive hashed (the caller hashes the
feed's and the items' normalised addresses), so the unique indexes stay small.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, delete, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.choices import FeedItemState
from bot.storage.dialect import insert
from bot.storage.models import FeedItemRecord, FeedRecord

# Hashes per IN (…) list: well under SQLite's and asyncpg's parameter limits.
_CHUNK = 500
# Claim keys per item: an item's share is claimed under ``item id * CLAIMS_PER_ITEM + attempt``
# (a ``/brief`` claims under its interaction's id), far below any Discord snowflake.
CLAIMS_PER_ITEM = 8
# Discord's shard of a server: (guild_id >> 22) % shard_count (bot.shards.shard_of, which storage
# does not import). Snowflakes are below 2**63, so SQLite's signed 64-bit integers hold them and
# its shift of a positive value is PostgreSQL's bigint shift.
_SHARD_SHIFT = 22


@dataclass(frozen=True)
class Feed:
    id: int
    guild_id: int
    channel_id: int
    url: str
    title: str | None
    interval_minutes: int
    etag: str | None
    last_modified: str | None
    next_poll_at: dt.datetime
    last_polled_at: dt.datetime | None
    last_item_at: dt.datetime | None
    last_item_url: str | None
    last_error: str | None
    failures: int
    failure_noticed: bool


@dataclass(frozen=True)
class NewItem:
    """An item as a poll found it: its hashed id (None without one) and link, and its state."""

    guid_hash: str | None
    link_hash: str
    url: str
    state: FeedItemState = FeedItemState.PENDING


@dataclass(frozen=True)
class ClaimedItem:
    """The feed item a claim key names (:func:`claimed_item`), and where its feed posts."""

    id: int
    url: str
    state: FeedItemState
    guild_id: int
    channel_id: int


@dataclass(frozen=True)
class PendingItem:
    id: int
    url: str
    attempts: int


def _feed(record: FeedRecord) -> Feed:
    return Feed(
        id=record.id,
        guild_id=record.guild_id,
        channel_id=record.channel_id,
        url=record.url,
        title=record.title,
        interval_minutes=record.interval_minutes,
        etag=record.etag,
        last_modified=record.last_modified,
        next_poll_at=record.next_poll_at,
        last_polled_at=record.last_polled_at,
        last_item_at=record.last_item_at,
        last_item_url=record.last_item_url,
        last_error=record.last_error,
        failures=record.failures,
        failure_noticed=record.failure_noticed,
    )


async def add_feed(
    session: AsyncSession,
    *,
    guild_id: int,
    channel_id: int,
    url: str,
    url_hash: str,
    title: str | None,
    added_by: int,
    interval_minutes: int,
    etag: str | None,
    last_modified: str | None,
    now: dt.datetime,
    next_poll_at: dt.datetime,
) -> Feed | None:
    """Add a feed to a server; None if the server already has it (same ``url_hash``)."""
    statement = (
        insert(session, FeedRecord)
        .values(
            guild_id=guild_id,
            channel_id=channel_id,
            url=url,
            url_hash=url_hash,
            title=title,
            added_by=added_by,
            added_at=now,
            interval_minutes=interval_minutes,
            etag=etag,
            last_modified=last_modified,
            next_poll_at=next_poll_at,
            last_polled_at=now,
            failures=0,
            failure_noticed=False,
        )
        .on_conflict_do_nothing(index_elements=["guild_id", "url_hash"])
        .returning(FeedRecord.id)
    )
    feed_id = (await session.execute(statement)).scalar_one_or_none()
    if feed_id is None:
        return None
    return await get_feed(session, feed_id)


async def count_feeds(session: AsyncSession, guild_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(FeedRecord).where(FeedRecord.guild_id == guild_id)
    )
    return int(count or 0)


async def get_feed(session: AsyncSession, feed_id: int) -> Feed | None:
    record = await session.get(FeedRecord, feed_id, populate_existing=True)
    return _feed(record) if record is not None else None


async def list_feeds(session: AsyncSession, guild_id: int) -> list[Feed]:
    """The server's feeds in the order they were added."""
    records = await session.scalars(
        select(FeedRecord).where(FeedRecord.guild_id == guild_id).order_by(FeedRecord.id)
    )
    return [_feed(r) for r in records]


async def remove_feed(session: AsyncSession, guild_id: int, feed_id: int) -> bool:
    """Remove a server's feed and its items; False if the server has no such feed."""
    result = await session.execute(
        delete(FeedRecord).where(FeedRecord.id == feed_id, FeedRecord.guild_id == guild_id)
    )
    # Not left to ON DELETE CASCADE: SQLite enforces it only with its foreign_keys pragma on.
    if result.rowcount:  # type: ignore[attr-defined]
        await session.execute(delete(FeedItemRecord).where(FeedItemRecord.feed_id == feed_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def due_feeds(
    session: AsyncSession,
    *,
    now: dt.datetime,
    limit: int,
    shards: tuple[int, Collection[int]] | None = None,
) -> list[Feed]:
    """Feeds whose next poll is due and whose lease is free, most overdue first. ``shards``:
    ``(shard count, shard ids)``, only the feeds of those shards' servers (None: every server),
    chosen in the query, so other processes' due feeds never fill the page."""
    query = select(FeedRecord).where(
        FeedRecord.next_poll_at <= now,
        or_(FeedRecord.lease_until.is_(None), FeedRecord.lease_until <= now),
    )
    if shards is not None:
        count, ids = shards
        # The shift written as an integer literal: PostgreSQL has bigint >> integer only.
        shift = literal_column(str(_SHARD_SHIFT), Integer)
        shard = FeedRecord.guild_id.op(">>", return_type=BigInteger)(shift) % count
        query = query.where(shard.in_(sorted(ids)))
    records = await session.scalars(
        query.order_by(FeedRecord.next_poll_at, FeedRecord.id).limit(limit)
    )
    return [_feed(r) for r in records]


async def take_lease(
    session: AsyncSession, feed_id: int, *, owner: str, now: dt.datetime, until: dt.datetime
) -> bool:
    """Take (or extend) the poll's lease of a feed until ``until``; True if this owner holds it.
    Commits the session, so the lease holds for every other process at once."""
    result = await session.execute(
        update(FeedRecord)
        .where(
            FeedRecord.id == feed_id,
            or_(
                FeedRecord.lease_until.is_(None),
                FeedRecord.lease_until <= now,
                FeedRecord.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_lease(session: AsyncSession, feed_id: int, *, owner: str) -> None:
    await session.execute(
        update(FeedRecord)
        .where(FeedRecord.id == feed_id, FeedRecord.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


async def record_poll(
    session: AsyncSession,
    feed_id: int,
    *,
    now: dt.datetime,
    next_poll_at: dt.datetime,
    error: str | None,
    failures: int,
    failure_noticed: bool,
    etag: str | None = None,
    last_modified: str | None = None,
    title: str | None = None,
    validators: bool = False,
) -> None:
    """What a poll found: its time, the next poll's, the error (None: it worked) and the run of
    failures; with ``validators``, the answer's ``etag``, ``last_modified`` and ``title``."""
    values: dict[str, object] = {
        "last_polled_at": now,
        "next_poll_at": next_poll_at,
        "last_error": error,
        "failures": failures,
        "failure_noticed": failure_noticed,
    }
    if validators:
        values |= {"etag": etag, "last_modified": last_modified}
        if title is not None:
            values["title"] = title
    await session.execute(update(FeedRecord).where(FeedRecord.id == feed_id).values(**values))


async def set_error(session: AsyncSession, feed_id: int, error: str | None) -> None:
    """What stands in the way of the feed's briefs that is not the feed's fault (its channel)."""
    await session.execute(
        update(FeedRecord).where(FeedRecord.id == feed_id).values(last_error=error)
    )


async def store_items(
    session: AsyncSession, feed_id: int, items: Sequence[NewItem], *, now: dt.datetime
) -> list[NewItem]:
    """Store the items the feed never held (neither their id nor their link is known); the new
    ones, in the order given. An item repeated in ``items`` counts once. ``items`` is the feed's
    whole listing: every stored item it holds is marked listed ``now`` (see :func:`prune_items`)."""
    guids = {i.guid_hash for i in items if i.guid_hash is not None}
    links = {i.link_hash for i in items}
    known_guids: set[str] = set()
    known_links: set[str] = set()
    for column, wanted, known in (
        (FeedItemRecord.guid_hash, sorted(guids), known_guids),
        (FeedItemRecord.link_hash, sorted(links), known_links),
    ):
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = await session.scalars(
                select(column).where(FeedItemRecord.feed_id == feed_id, column.in_(chunk))
            )
            known.update(r for r in rows if r is not None)
            await session.execute(
                update(FeedItemRecord)
                .where(FeedItemRecord.feed_id == feed_id, column.in_(chunk))
                .values(listed_at=now)
                .execution_options(synchronize_session=False)
            )
    new: list[NewItem] = []
    for item in items:
        if item.link_hash in known_links or (item.guid_hash in known_guids):
            continue
        known_links.add(item.link_hash)
        if item.guid_hash is not None:
            known_guids.add(item.guid_hash)
        new.append(item)
    for item in new:
        await session.execute(
            insert(session, FeedItemRecord)
            .values(
                feed_id=feed_id,
                guid_hash=item.guid_hash,
                link_hash=item.link_hash,
                url=item.url,
                state=item.state,
                attempts=0,
                seen_at=now,
                listed_at=now,
            )
            .on_conflict_do_nothing(index_elements=["feed_id", "link_hash"])
        )
    return new


async def prune_items(session: AsyncSession, feed_id: int, *, unlisted_since: dt.datetime) -> int:
    """Forget the feed's finished items that no listing has held since ``unlisted_since``; how
    many. Pending items stay (they are still to brief), and so does every item the feed still
    lists: its listing marked it listed at this poll (:func:`store_items`), so it is not
    briefed again."""
    result = await session.execute(
        delete(FeedItemRecord).where(
            FeedItemRecord.feed_id == feed_id,
            FeedItemRecord.state != FeedItemState.PENDING,
            FeedItemRecord.listed_at < unlisted_since,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def pending_items(session: AsyncSession, feed_id: int, *, limit: int) -> list[PendingItem]:
    """The feed's items still to brief, in the order they were found (oldest first)."""
    rows = await session.execute(
        select(FeedItemRecord.id, FeedItemRecord.url, FeedItemRecord.attempts)
        .where(FeedItemRecord.feed_id == feed_id, FeedItemRecord.state == FeedItemState.PENDING)
        .order_by(FeedItemRecord.id)
        .limit(limit)
    )
    return [PendingItem(id, url, attempts) for id, url, attempts in rows]


def item_claim_key(item_id: int, attempt: int) -> int:
    """The claim key of an item's share at ``attempt`` (0 to ``CLAIMS_PER_ITEM - 1``)."""
    assert 0 <= attempt < CLAIMS_PER_ITEM
    return item_id * CLAIMS_PER_ITEM + attempt


async def claimed_item(session: AsyncSession, claim_key: int) -> ClaimedItem | None:
    """The feed item whose share a claim keyed ``claim_key`` is (None: no such item; the
    caller checks the claim's link and server against it)."""
    row = (
        await session.execute(
            select(
                FeedItemRecord.id,
                FeedItemRecord.url,
                FeedItemRecord.state,
                FeedRecord.guild_id,
                FeedRecord.channel_id,
            )
            .join(FeedRecord, FeedRecord.id == FeedItemRecord.feed_id)
            .where(FeedItemRecord.id == claim_key // CLAIMS_PER_ITEM)
        )
    ).one_or_none()
    if row is None:
        return None
    return ClaimedItem(row.id, row.url, FeedItemState(row.state), row.guild_id, row.channel_id)


async def count_pending(session: AsyncSession, feed_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(FeedItemRecord)
        .where(FeedItemRecord.feed_id == feed_id, FeedItemRecord.state == FeedItemState.PENDING)
    )
    return int(count or 0)


async def start_attempt(session: AsyncSession, item_id: int) -> None:
    """Count an attempt at briefing the item (before it starts: a crash still counts it)."""
    await session.execute(
        update(FeedItemRecord)
        .where(FeedItemRecord.id == item_id)
        .values(attempts=FeedItemRecord.attempts + 1)
    )


async def finish_item(
    session: AsyncSession,
    item_id: int,
    state: FeedItemState,
    *,
    now: dt.datetime,
    feed_id: int | None = None,
    url: str | None = None,
) -> None:
    """The item ends ``state``; ``feed_id`` and ``url`` given, it is the feed's last item."""
    await session.execute(
        update(FeedItemRecord)
        .where(FeedItemRecord.id == item_id)
        .values(state=state, finished_at=now)
    )
    if feed_id is not None:
        await session.execute(
            update(FeedRecord)
            .where(FeedRecord.id == feed_id)
            .values(last_item_at=now, last_item_url=url)
        )


async def delete_guild_feeds(session: AsyncSession, guild_id: int) -> int:
    """A server's feeds and their items (the server's data is purged); how many feeds."""
    ids = list(await session.scalars(select(FeedRecord.id).where(FeedRecord.guild_id == guild_id)))
    if ids:
        await session.execute(delete(FeedItemRecord).where(FeedItemRecord.feed_id.in_(ids)))
        await session.execute(delete(FeedRecord).where(FeedRecord.id.in_(ids)))
    return len(ids)

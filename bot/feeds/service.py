"""A server's feeds: added, listed, removed, and polled into the sharing pipeline (issue 16).

A poll of one feed, in order:

1. **Lease** the feed in the database (:func:`~bot.storage.feeds.take_lease`, committed at once):
   of two processes, or a restart beside a process not yet gone, only one polls it. The lease
   expires (:data:`LEASE`), so a process that died holding it holds it only that long.
2. **Fetch** it through the safe fetcher (:meth:`~bot.fetch.fetcher.Fetcher.fetch_feed`) with the
   last answer's ``ETag`` and ``Last-Modified``: a 304 means nothing new.
3. **New items, once**: an item is known by its id and by its link's
   :func:`~bot.fetch.urls.url_key`, each stored per feed; either one known, the item is not new.
   A feed that rewrites its dates, reorders its items or republishes one under a new id on the
   same link posts nothing again. Every stored item the listing holds is marked listed; a
   finished item no listing has held for :data:`PRUNE_UNLISTED` is forgotten (a 304 forgets
   nothing: the listing did not change).
4. **Brief** the oldest new items, at most ``FEED_MAX_ITEMS_PER_POLL`` (the rest wait, in order,
   for the next polls), each through :meth:`~bot.sharing.service.Sharing.share_link` like
   ``/brief``: the same brief, thread, topic notifications and re-share rule. An item already
   briefed in the server is not briefed again (the pointer a member would get is not posted:
   nobody asked), and a later paste of a feed's item gets the pointer to its brief.
5. **Next poll**: the feed's interval, moved by up to a tenth at random (feeds added together
   drift apart); after a failure the interval doubles per consecutive failure, up to a day, and
   on the :data:`NOTICE_AFTER`-th the feed's channel is told once, never at every failure.

Each item's share is claimed under an id of its own (the item and the attempt:
:func:`~bot.storage.feeds.item_claim_key`, far below any Discord snowflake, so never a member's
message), as ``/brief`` claims under its interaction. A share that a stop cut short is tried again
at the next poll under the next attempt's id, at most :data:`MAX_ATTEMPTS` times: a brief recorded
before the stop makes that a re-share; one posted but not recorded is handed back by Discord when
the retry comes within its few minutes of nonce memory (every attempt sends one nonce).

``shards`` (``(SHARD_COUNT, SHARD_IDS)``; None: every server) are the shards whose servers' feeds
this process polls, chosen in the query of due feeds (:func:`~bot.storage.feeds.due_feeds`): the
process serving a server's shard is the one that can post there. The Discord side is an
:class:`Outlet`, passed in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import random
from collections.abc import Callable, Collection

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import FeedItemState
from bot.clock import Clock
from bot.errors import NotAFeed, Refused, TooManyBriefs, UserFacingError
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.feeds.types import (
    Added,
    FeedAlreadyAdded,
    FeedFetcher,
    FeedNotFound,
    FeedSummary,
    IntervalTooShort,
    Outlet,
    PollResult,
    TooManyFeeds,
)
from bot.fetch.fetcher import FeedBody, NotModified
from bot.fetch.urls import url_key
from bot.setting_values import FEED_MIN_MINUTES
from bot.shards import holds
from bot.sharing.service import Sharing
from bot.sharing.types import Duplicate, Failed, Outcome, Pointed, Posted, Publisher, Share
from bot.storage import feeds as stored_feeds
from bot.storage.database import unavailable
from bot.storage.feeds import Feed, NewItem

log = logging.getLogger(__name__)

# Longer than a poll takes (a fetch of at most 15 s, then briefs of about 20 s each), and renewed
# before each brief; a process that died holding it blocks the feed this long at most.
LEASE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3  # fewer than the claim keys of an item (stored_feeds.CLAIMS_PER_ITEM)
NOTICE_AFTER = 3  # consecutive failures before the feed's channel is told (once)
MAX_BACKOFF = dt.timedelta(days=1)
JITTER = 0.1  # a poll moves by up to this share of the interval
_DUE_PER_ROUND = 50
# A finished item no successful poll's listing has held for this long is forgotten (the table
# would grow for ever). An item the feed still lists is marked at every poll that reads it, so
# it is never forgotten while listed; one a feed drops and lists again after this long is new.
PRUNE_UNLISTED = dt.timedelta(days=30)
_ERROR_CHARS = 300
CANNOT_POST = (
    "newslink cannot post in the feed's channel (it is gone, or newslink lacks View Channel, "
    "Send Messages, Embed Links or Read Message History there); its new items wait."
)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _summary(feed: Feed) -> FeedSummary:
    return FeedSummary(
        id=feed.id,
        channel_id=feed.channel_id,
        url=feed.url,
        title=feed.title,
        interval_minutes=feed.interval_minutes,
        last_polled_at=feed.last_polled_at,
        last_item_at=feed.last_item_at,
        last_item_url=feed.last_item_url,
        last_error=feed.last_error,
        failures=feed.failures,
    )


class Feeds:
    """The feeds service, one per process (built in :mod:`bot.app.services`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        fetcher: FeedFetcher,
        sharing: Sharing,
        clock: Clock,
        *,
        poll_minutes: int = 15,
        max_items_per_poll: int = 5,
        per_server: int = 20,
        shards: tuple[int, Collection[int]] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.fetcher = fetcher
        self.sharing = sharing
        self.clock = clock
        self.poll_minutes = poll_minutes
        self.max_items_per_poll = max_items_per_poll
        self.per_server = per_server
        self.shards = shards
        self.rng = rng or random.Random()
        self.owner = sharing.owner  # the process, as its claims name it

    # --- what the commands call -------------------------------------------------------------

    async def add(
        self,
        guild_id: int,
        channel_id: int,
        url: str,
        *,
        added_by: int,
        backlog: int = 0,
        interval_minutes: int | None = None,
    ) -> Added:
        """Add a feed: fetched and read at once (an address that is not a feed is refused),
        every item it holds stored as seen, the newest ``backlog`` of them to be briefed."""
        interval = interval_minutes or self.poll_minutes
        if interval < FEED_MIN_MINUTES:
            raise IntervalTooShort()
        async with self.sessions() as session:
            if await stored_feeds.count_feeds(session, guild_id) >= self.per_server:
                raise TooManyFeeds()
        answer = await self.fetcher.fetch_feed(url)
        if isinstance(answer, NotModified):  # no validators were sent: a server that lies
            raise NotAFeed(detail="304 to an unconditional GET")
        parsed = await _parse(answer)
        now = self.clock.now()
        backlog = max(0, min(backlog, len(parsed.items)))
        cut = len(parsed.items) - backlog
        items = [
            _new_item(item.guid, item.link, FeedItemState.SKIPPED if i < cut else None)
            for i, item in enumerate(parsed.items)
        ]
        async with self.sessions() as session, session.begin():
            feed = await stored_feeds.add_feed(
                session,
                guild_id=guild_id,
                channel_id=channel_id,
                url=url,
                url_hash=_hash(url_key(url)),
                title=parsed.title,
                added_by=added_by,
                interval_minutes=interval,
                etag=answer.etag,
                last_modified=answer.last_modified,
                now=now,
                next_poll_at=self._next_poll(now, interval, failures=0),
            )
            if feed is None:
                raise FeedAlreadyAdded()
            stored = await stored_feeds.store_items(session, feed.id, items, now=now)
        pending = sum(1 for i in stored if i.state == FeedItemState.PENDING)
        log.info(
            "server %s added feed %s (%s items, %s to brief)", guild_id, url, len(stored), pending
        )
        return Added(_summary(feed), len(stored), pending)

    async def remove(self, guild_id: int, feed_id: int) -> None:
        async with self.sessions() as session, session.begin():
            if not await stored_feeds.remove_feed(session, guild_id, feed_id):
                raise FeedNotFound()

    async def all_feeds(self, guild_id: int) -> list[FeedSummary]:
        async with self.sessions() as session:
            return [_summary(f) for f in await stored_feeds.list_feeds(session, guild_id)]

    async def find(self, guild_id: int, text: str) -> FeedSummary:
        """A server's feed by its id (what autocomplete sends) or its address."""
        text = text.strip()
        for feed in await self.all_feeds(guild_id):
            if str(feed.id) == text or feed.url == text:
                return feed
        raise FeedNotFound()

    async def check(
        self, guild_id: int, feed_id: int | None, outlet: Outlet
    ) -> list[tuple[FeedSummary, PollResult]]:
        """Poll a server's feed now (every feed of the server when ``feed_id`` is None)."""
        feeds = await self.all_feeds(guild_id)
        if feed_id is not None:
            feeds = [f for f in feeds if f.id == feed_id]
            if not feeds:
                raise FeedNotFound()
        results = []
        for feed in feeds:
            results.append((feed, await self.poll(feed.id, outlet)))
        return results

    # --- polling ----------------------------------------------------------------------------

    async def poll_due(
        self, outlet: Outlet, *, stopping: Callable[[], bool] = lambda: False
    ) -> list[PollResult]:
        """Poll every feed that is due, of the servers this process serves, most overdue first."""
        async with self.sessions() as session:
            due = await stored_feeds.due_feeds(
                session, now=self.clock.now(), limit=_DUE_PER_ROUND, shards=self.shards
            )
        results = []
        for feed in due:
            if stopping():
                break
            results.append(await self.poll(feed.id, outlet))
        return results

    def serves(self, guild_id: int) -> bool:
        """Whether this process polls ``guild_id``'s feeds (its server is on our shards)."""
        return self.shards is None or holds(guild_id, self.shards[0], self.shards[1])

    async def poll(self, feed_id: int, outlet: Outlet) -> PollResult:
        """Poll one feed now, if no other process is (the module docstring has the steps)."""
        if not await self._lease(feed_id):
            log.info("feed %s is being polled by another process", feed_id)
            return PollResult(feed_id, polled=False)
        try:
            async with self.sessions() as session:
                feed = await stored_feeds.get_feed(session, feed_id)
            if feed is None:
                return PollResult(feed_id, polled=False)
            result = await self._fetch_new(feed, outlet)
            if result.error is not None:
                return result
            briefed, waiting = await self._deliver(feed, outlet)
            return PollResult(
                feed_id, not_modified=result.not_modified, new=result.new, briefed=briefed,
                waiting=waiting,
            )  # fmt: skip
        finally:
            async with self.sessions() as session, session.begin():
                await stored_feeds.release_lease(session, feed_id, owner=self.owner)

    async def _lease(self, feed_id: int) -> bool:
        now = self.clock.now()
        async with self.sessions() as session:
            return await stored_feeds.take_lease(
                session, feed_id, owner=self.owner, now=now, until=now + LEASE
            )

    async def _fetch_new(self, feed: Feed, outlet: Outlet) -> PollResult:
        """Steps 2, 3 and 5: fetch, store the new items, set the next poll."""
        now = self.clock.now()
        try:
            answer = await self.fetcher.fetch_feed(
                feed.url, etag=feed.etag, last_modified=feed.last_modified
            )
            parsed = None if isinstance(answer, NotModified) else await _parse(answer)
        except UserFacingError as exc:
            return await self._failed(feed, outlet, exc, now)
        new: list[NewItem] = []
        async with self.sessions() as session, session.begin():
            if parsed is not None:
                items = [_new_item(i.guid, i.link, None) for i in parsed.items]
                new = await stored_feeds.store_items(session, feed.id, items, now=now)
                pruned = await stored_feeds.prune_items(
                    session, feed.id, unlisted_since=now - PRUNE_UNLISTED
                )
                if pruned:
                    log.info("feed %s: forgot %d items it no longer lists", feed.url, pruned)
            await stored_feeds.record_poll(
                session,
                feed.id,
                now=now,
                next_poll_at=self._next_poll(now, feed.interval_minutes, failures=0),
                error=None,
                failures=0,
                failure_noticed=False,
                # A 304 may leave the validators out (the last ones stand); a 200 sets them.
                etag=answer.etag if parsed is not None else answer.etag or feed.etag,
                last_modified=(
                    answer.last_modified
                    if parsed is not None
                    else answer.last_modified or feed.last_modified
                ),
                title=parsed.title if parsed is not None else None,
                validators=True,
            )
        if parsed is None:
            log.debug("feed %s: not modified", feed.url)
        elif new:
            log.info("feed %s: %d new items", feed.url, len(new))
        return PollResult(feed.id, not_modified=parsed is None, new=len(new))

    async def _failed(
        self, feed: Feed, outlet: Outlet, error: UserFacingError, now: dt.datetime
    ) -> PollResult:
        failures = feed.failures + 1
        tell = failures >= NOTICE_AFTER and not feed.failure_noticed
        text = str(error)[:_ERROR_CHARS]
        log.info("feed %s failed (%d in a row): %s", feed.url, failures, text)
        async with self.sessions() as session, session.begin():
            await stored_feeds.record_poll(
                session,
                feed.id,
                now=now,
                next_poll_at=self._next_poll(now, feed.interval_minutes, failures=failures),
                error=text,
                failures=failures,
                failure_noticed=feed.failure_noticed or tell,
            )
        if tell:
            await outlet.tell_moderators(
                feed.guild_id,
                feed.channel_id,
                f"newslink could not read the feed <{feed.url}> {failures} times in a row "
                f"({error.user_message}). It keeps trying, less often; `/feed list` shows how it "
                "stands and `/feed remove` drops it.",
            )
        return PollResult(feed.id, error=error.user_message)

    def _next_poll(self, now: dt.datetime, minutes: int, *, failures: int) -> dt.datetime:
        """The interval, doubled per consecutive failure up to :data:`MAX_BACKOFF`, moved by up
        to :data:`JITTER` of itself."""
        wait: dt.timedelta = min(
            dt.timedelta(minutes=minutes) * 2 ** min(failures, 16), MAX_BACKOFF
        )
        return now + wait * (1 + self.rng.uniform(-JITTER, JITTER))

    async def _deliver(self, feed: Feed, outlet: Outlet) -> tuple[int, int]:
        """Step 4: brief the oldest pending items; how many were briefed, how many still wait."""
        async with self.sessions() as session:
            items = await stored_feeds.pending_items(
                session, feed.id, limit=self.max_items_per_poll
            )
            waiting = await stored_feeds.count_pending(session, feed.id)
        if not items:
            return 0, 0
        publisher = outlet.publisher(feed.guild_id, feed.channel_id)
        if publisher is None:
            log.warning(
                "feed %s: cannot post in channel %s; %d items wait",
                feed.url,
                feed.channel_id,
                waiting,
            )
            # Shown by /feed list; not a failure of the feed's (no back-off, no notice).
            async with self.sessions() as session, session.begin():
                await stored_feeds.set_error(session, feed.id, CANNOT_POST)
            return 0, waiting
        briefed = 0
        for item in items:
            outcome, attempt = await self._share(feed, item, publisher, outlet.sharer_id)
            state = _final_state(outcome, attempts_left=attempt + 1 < MAX_ATTEMPTS)
            if state is not None:
                waiting -= 1
                async with self.sessions() as session, session.begin():
                    posted = state == FeedItemState.POSTED
                    await stored_feeds.finish_item(
                        session,
                        item.id,
                        state,
                        now=self.clock.now(),
                        feed_id=feed.id if posted else None,
                        url=item.url if posted else None,
                    )
                briefed += state == FeedItemState.POSTED
            if isinstance(outcome, Failed) and isinstance(outcome.error, TooManyBriefs):
                break  # the channel had its briefs for the hour: the rest wait
        return briefed, waiting

    async def _share(
        self, feed: Feed, item: stored_feeds.PendingItem, publisher: Publisher, sharer_id: int
    ) -> tuple[Outcome | None, int]:
        """Share one item under the next attempt's claim: the outcome (None when every attempt
        is used) and the attempt it came from."""
        for attempt in range(item.attempts, MAX_ATTEMPTS):
            await self._lease(feed.id)  # renewed: each brief takes seconds
            async with self.sessions() as session, session.begin():
                await stored_feeds.start_attempt(session, item.id)
            claim = stored_feeds.item_claim_key(item.id, attempt)  # one nonce for all (Share)
            first = stored_feeds.item_claim_key(item.id, 0)
            share = Share(feed.guild_id, feed.channel_id, claim, sharer_id, first)
            try:
                outcome = await self.sharing.share_link(share, item.url, publisher)
            except Exception as exc:
                if not unavailable(exc):
                    raise
                log.warning("feed %s: database unavailable, %s waits: %s", feed.url, item.url, exc)
                return Failed(item.url, UserFacingError(detail="database unavailable")), attempt
            if not isinstance(outcome, Duplicate):
                log.info("feed %s: %s: %s", feed.url, item.url, type(outcome).__name__)
                return outcome, attempt
            # That attempt's claim was left by a process that stopped mid-share: the next one.
        log.warning("feed %s: gave up %s after %d attempts", feed.url, item.url, MAX_ATTEMPTS)
        return None, MAX_ATTEMPTS


def _final_state(outcome: Outcome | None, *, attempts_left: bool) -> FeedItemState | None:
    """Where an item ends after a share; None: it stays pending for the next poll."""
    if isinstance(outcome, Posted):
        return FeedItemState.POSTED
    if isinstance(outcome, Pointed):
        return FeedItemState.POINTED
    if isinstance(outcome, Failed):
        if isinstance(outcome.error, Refused) and not isinstance(outcome.error, TooManyBriefs):
            return FeedItemState.FAILED  # the server's site rules: retrying will not help
        return None if attempts_left else FeedItemState.FAILED
    return FeedItemState.FAILED  # every attempt used


def _new_item(guid: str | None, link: str, state: FeedItemState | None) -> NewItem:
    return NewItem(
        guid_hash=_hash(guid) if guid is not None else None,
        link_hash=_hash(url_key(link)),
        url=link,
        state=state or FeedItemState.PENDING,
    )


async def _parse(answer: FeedBody) -> ParsedFeed:
    """Parse off the event loop (feedparser is pure Python; a feed is at most FETCH_MAX_BYTES)."""
    return await asyncio.to_thread(parse_feed, answer.body, answer.content_type, answer.final_url)

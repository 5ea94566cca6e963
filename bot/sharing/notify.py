"""Calling subscribers in: who, in which order, in how many messages, and how fast.

:class:`Notifier` runs them for a posted brief; the rest of this module decides who and how.
A brief's notifications are bounded, because a page can be written to match every topic of a
server (a page that repeats words does):

- **At most ``NOTIFY_MAX_PER_BRIEF`` members** are told of one brief, thread mentions and DMs
  together. Who is told when more match: :func:`in_turn` puts the members who have followed a
  matching topic the longest first (ties by user id), so the order is fixed for a given server and
  brief, and an account made to follow everything yesterday cannot push out the members who were
  there before it. When members are left out, the thread says so in a plain message.
- **Mentions go in messages of at most 100 users** (Discord's ``allowed_mentions`` limit; over it
  the whole message is refused) **and 2000 characters** (:func:`discussion_messages`), and a
  member is recorded as notified only once the message naming them was accepted.
- **DMs are paced** by a per-process :class:`Pacer` (``DM_PER_MINUTE``): those past the minute's
  budget wait their turn, in order; only a shutdown drops them (they were never recorded).

**Who matched is read for the matched topics only.** A server's :class:`~bot.topics.TopicIndex`
(its distinct topics) is cached per process by :class:`TopicIndexes` with the server's topic
version (:func:`bot.storage.subscriptions.topic_version`, read with the share's context); every
change to the server's subscriptions, in any process, bumps that version in its own transaction,
and the next brief that reads a newer version rebuilds the index, once, in short steps between
which the event loop runs everything else. A brief
then loads the subscriptions of the topics it matched, nothing else: with 100,000 subscriptions in
a server, loading them all as rows and building the index on the loop stalled every server's
events for 2.25 s per brief. An unsubscribe is always honoured, whatever the cache holds: the rows
are read after matching, and a stale index can only name a topic nobody follows any more.

Privacy: the thread's opening message names the subscribers without their topics. Naming the topic
beside each member, or once over a group of them, would tell everyone in the channel what each
member follows; the mention itself reveals only that they follow something this brief matched,
which thread delivery cannot avoid. A DM, seen only by its member, says which of their topics
matched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.types import Brief
from bot.choices import Delivery
from bot.clock import Clock
from bot.sharing.types import Audience
from bot.storage import subscriptions as stored_subscriptions
from bot.storage.models import Subscription
from bot.topics import BriefText, TopicIndex

# Servers whose topic index a process keeps: an index costs about its topics' words in memory;
# a server pushed out is rebuilt (once) at its next brief.
INDEXES_KEPT = 1024

log = logging.getLogger(__name__)

# Discord refuses a message whose allowed_mentions names more users than this.
MENTIONS_PER_MESSAGE = 100
CONTENT_LIMIT = 2000
WINDOW_S = 60.0  # DM_PER_MINUTE's minute


@dataclass(frozen=True)
class Candidate:
    """A member whose topics matched a brief: the topics they hear of by a mention and by DM (a
    member may have both), and since when they have followed the oldest of them (their place in
    the queue)."""

    user_id: int
    thread_topics: tuple[str, ...]
    dm_topics: tuple[str, ...]
    since: dt.datetime


def in_turn(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The order members are told in when not all of them can be: oldest follower first."""
    return sorted(candidates, key=lambda c: (c.since, c.user_id))


@dataclass(frozen=True)
class DiscussionMessage:
    """One message of a thread's opening: its text and exactly the users it may ping."""

    text: str
    ping: tuple[int, ...] = ()


def limit_notice(limit: int) -> str:
    return (
        f"newslink calls in at most {limit} members for one brief, and that limit was reached: "
        "other members following a matching topic were not notified."
    )


def discussion_messages(
    sharer_id: int, mentioned: Sequence[int], *, limit_reached: int | None = None
) -> list[DiscussionMessage]:
    """The thread's opening: who shared the brief, then the subscribers' mentions (no topics, see
    the module docstring), split into messages of at most :data:`MENTIONS_PER_MESSAGE` users and
    :data:`CONTENT_LIMIT` characters; then, if ``limit_reached`` (the limit) is given, the notice
    that some members were left out, pinging nobody."""
    messages: list[DiscussionMessage] = []
    text = f"Shared by <@{sharer_id}>."
    if mentioned:
        text += "\nFollowing a matching topic:"
    ping: list[int] = []
    for user_id in mentioned:
        mention = f" <@{user_id}>"
        if len(ping) == MENTIONS_PER_MESSAGE or len(text) + len(mention) > CONTENT_LIMIT:
            messages.append(DiscussionMessage(text, tuple(ping)))
            text, ping = "Also following:", []
        text += mention
        ping.append(user_id)
    notice = limit_notice(limit_reached) if limit_reached is not None else None
    if notice is not None and len(text) + 1 + len(notice) <= CONTENT_LIMIT:
        text, notice = f"{text}\n{notice}", None
    messages.append(DiscussionMessage(text, tuple(ping)))
    if notice is not None:
        messages.append(DiscussionMessage(notice))
    return messages


class Pacer:
    """At most ``per_minute`` starts in any :data:`WINDOW_S` seconds, first come first served.

    Each :meth:`wait` reserves the earliest free slot at once (no lock needed: the reservation
    is synchronous), then sleeps until it. Per process: the budget is Discord's view of this bot.
    ``clock`` is monotonic time and ``sleep`` waits on it; tests inject both.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        # The last ``per_minute`` reserved slots, oldest first (non-decreasing).
        self._slots: deque[float] = deque(maxlen=per_minute)

    def reserve(self) -> float:
        """Take the next slot: the clock time at which this start may happen."""
        now = self._clock()
        slot = now
        if len(self._slots) == self.per_minute:
            slot = max(now, self._slots[0] + WINDOW_S)
        self._slots.append(slot)
        return slot

    async def wait(self) -> None:
        """Wait for the next slot (at once while the minute's budget lasts)."""
        delay = self.reserve() - self._clock()
        if delay > 0:
            await self._sleep(delay)


K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """A small cache: at most ``size`` entries, each kept ``ttl`` seconds; the least recently
    used goes first when full. ``clock`` is monotonic time (tests inject it)."""

    def __init__(
        self, size: int, ttl: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> tuple[bool, V | None]:
        """``(True, value)`` for a fresh entry, ``(False, None)`` otherwise."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        if self._clock() - entry[0] >= self.ttl:
            del self._entries[key]
            return False, None
        self._entries.move_to_end(key)
        return True, entry[1]

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class TopicIndexes:
    """Each server's :class:`TopicIndex` in this process, with the topic version it was built
    at; at most ``size`` servers, the least recently used going first.

    :meth:`index` rebuilds only for a newer version than the one held, one build per server at a
    time (briefs arriving meanwhile wait for it and share it), and never stalls the event loop:
    the topics are read (one row per distinct topic, in rounds), then the automaton is built in
    steps of about a millisecond (:meth:`TopicIndex.in_steps`).
    ``builds`` counts the builds (the bench and the tests read it).
    """

    def __init__(self, size: int = INDEXES_KEPT) -> None:
        self.size = size
        self.builds = 0
        self._entries: OrderedDict[int, tuple[int, TopicIndex]] = OrderedDict()
        self._locks: dict[int, asyncio.Lock] = {}

    def _fresh(self, guild_id: int, version: int) -> TopicIndex | None:
        entry = self._entries.get(guild_id)
        # A newer index than asked for is fine: it was built after the version was read.
        if entry is None or entry[0] < version:
            return None
        self._entries.move_to_end(guild_id)
        return entry[1]

    async def index(
        self, guild_id: int, version: int, load: Callable[[], Awaitable[Sequence[str]]]
    ) -> TopicIndex:
        """The server's index at ``version`` or newer; ``load`` reads its topics when a build is
        needed. Version 0: the server never had a subscription, nothing to read."""
        if version == 0:
            return _EMPTY
        found = self._fresh(guild_id, version)
        if found is not None:
            return found
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            found = self._fresh(guild_id, version)
            if found is not None:
                return found
            topics = await load()
            # Some 0.3 s of pure Python for 10,000 topics: built in steps of about a millisecond,
            # the loop running everything else between them. (A worker thread would hold the GIL
            # for up to the interpreter's 5 ms switch interval at every one of the loop's wakes.)
            index, steps = TopicIndex.in_steps(topics)
            for _ in steps:
                await asyncio.sleep(0)
            self.builds += 1
            self._entries[guild_id] = (version, index)
            self._entries.move_to_end(guild_id)
            while len(self._entries) > self.size:
                evicted, _ = self._entries.popitem(last=False)
                self._locks.pop(evicted, None)
        log.debug("server %s: %d topics indexed at version %d", guild_id, len(index), version)
        return index


_EMPTY = TopicIndex(())


def candidates(
    subscriptions: Sequence[Subscription], matched: set[str], sharer_id: int, threads: bool
) -> list[Candidate]:
    """The members to tell, each once, with the topics to mention them for and to DM them for."""
    thread_topics: dict[int, list[str]] = {}
    dm_topics: dict[int, list[str]] = {}
    since: dict[int, dt.datetime] = {}
    for sub in subscriptions:
        # The sharer knows about their own link.
        if sub.topic not in matched or sub.user_id == sharer_id:
            continue
        # Without a thread there is nowhere to mention anyone: only a DM can tell them.
        wants_dm = sub.delivery == Delivery.DM or not threads
        (dm_topics if wants_dm else thread_topics).setdefault(sub.user_id, []).append(sub.topic)
        since[sub.user_id] = min(since.get(sub.user_id, sub.created_at), sub.created_at)
    return [
        Candidate(
            user_id,
            tuple(sorted(thread_topics.get(user_id, ()))),
            tuple(sorted(dm_topics.get(user_id, ()))),
            first,
        )
        for user_id, first in since.items()
    ]


async def readers_in_turn(
    audience: Audience, queue: Sequence[Candidate], limit: int
) -> tuple[list[Candidate], bool]:
    """The first ``limit`` of ``queue`` who can read the channel (a member who cannot must not
    learn of the brief), and whether any were left unasked. Asked in batches of what is still
    missing, so a long queue costs about ``limit`` member lookups, not one per subscriber."""
    chosen: list[Candidate] = []
    rest = list(queue)
    while rest and len(chosen) < limit:
        batch, rest = rest[: limit - len(chosen)], rest[limit - len(chosen) :]
        readers = await audience.can_read([c.user_id for c in batch])
        chosen.extend(c for c in batch if c.user_id in readers)
    return chosen, bool(rest)


@dataclass
class Notifier:
    """Calls in the subscribers of a posted brief: mentions in its thread, paced DMs, and a record
    of each member told (nobody is told twice about one brief)."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    max_per_brief: int = 50
    # One per process (this Notifier is): Discord sees the bot's DMs as a whole.
    dm_pacer: Pacer = field(default_factory=lambda: Pacer(20))
    # Runs a brief's paced DMs as tracked background work (the bot's ``spawn``), so a share ends
    # when its thread is open, not minutes later; None: the share awaits them itself.
    spawn: Callable[[Coroutine[Any, Any, Any], str], object] | None = None
    # The servers' topic indexes, per process (this Notifier is).
    indexes: TopicIndexes = field(default_factory=TopicIndexes)

    async def matching(
        self, guild_id: int, topics_version: int, brief: Brief
    ) -> tuple[set[str], list[Subscription]]:
        """The server's topics the brief matches and their subscriptions (those only), with the
        index at ``topics_version`` or newer (read with the share's context)."""

        async def load() -> list[str]:
            async with self.sessions() as session:
                return await stored_subscriptions.topics(session, guild_id)

        index = await self.indexes.index(guild_id, topics_version, load)
        matched = set(index.match(BriefText.from_brief(brief))) if len(index) else set()
        if not matched:
            return matched, []
        async with self.sessions() as session:
            rows = await stored_subscriptions.subscriptions_for_topics(session, guild_id, matched)
        return matched, rows

    async def notify(
        self,
        sharer_id: int,
        guild_id: int,
        topics_version: int,
        brief: Brief,
        brief_id: int,
        message_id: int,
        thread_id: int | None,
        audience: Audience,
    ) -> tuple[int, ...]:
        """Tell the members whose subscriptions the brief matches (``topics_version``: the
        server's, read with the share); who was told by the time this returns."""
        matched, subscriptions = await self.matching(guild_id, topics_version, brief)
        queue = in_turn(candidates(subscriptions, matched, sharer_id, thread_id is not None))
        limit = self.max_per_brief
        chosen, left_out = await readers_in_turn(audience, queue, limit)
        if left_out:
            log.info(
                "brief %s: more than %d members follow matching topics; the first %d are told",
                brief_id,
                limit,
                len(chosen),
            )
        notified: list[int] = []
        if thread_id is not None:
            mentioned = [c.user_id for c in chosen if c.thread_topics]
            for message in discussion_messages(
                sharer_id, mentioned, limit_reached=limit if left_out else None
            ):
                # Not retried: discord.py already retried a 429 or 5xx; what is left is a refusal
                # the same message would meet again. Its members stay unrecorded.
                if await audience.post_in_thread(thread_id, message.text, message.ping):
                    notified.extend(message.ping)
            await self._record(brief_id, notified)
        dms = [c for c in chosen if c.dm_topics]
        if dms:
            delivery = self._send_dms(brief, brief_id, message_id, dms, audience)
            if self.spawn is None:
                notified.extend(await delivery)
            else:
                self.spawn(delivery, f"dms-{brief_id}")
        return tuple(dict.fromkeys(notified))

    async def _send_dms(
        self,
        brief: Brief,
        brief_id: int,
        message_id: int,
        dms: Sequence[Candidate],
        audience: Audience,
    ) -> list[int]:
        """Each DM in its turn by the pacer; each member recorded once theirs was delivered."""
        sent: list[int] = []
        done = 0
        try:
            for candidate in dms:
                await self.dm_pacer.wait()
                if await audience.send_dm(
                    candidate.user_id, brief, message_id, candidate.dm_topics
                ):
                    sent.append(candidate.user_id)
                    await self._record(brief_id, [candidate.user_id])
                done += 1
        except asyncio.CancelledError:
            log.info("shutting down: %d DMs about brief %s not sent", len(dms) - done, brief_id)
            raise
        return sent

    async def _record(self, brief_id: int, user_ids: Sequence[int]) -> None:
        if not user_ids:
            return
        async with self.sessions() as session, session.begin():
            await stored_subscriptions.record_notifications(
                session, brief_id, user_ids, now=self.clock.now()
            )

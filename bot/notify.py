"""Calling subscribers in: who, in which order, in how many messages, and how fast.

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
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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

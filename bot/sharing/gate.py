"""The bound on shares in flight in one process, with the links beyond it queued (issue 14).

Every share makes a handful of database transactions (:mod:`bot.sharing.ledger`), each holding a
pooled connection. Unbounded, a burst of pasted links starts hundreds of shares at once, their
transactions queue for the pool's 15 connections (SQLAlchemy's default 5 + 10 overflow), and
those waiting longer than the pool's 30 s timeout fail: the scale bench lost 283 of 1,000 links
that way at 10 links a second. :class:`ShareGate` lets ``limit`` shares run at once and queues
the rest, none dropped:

- **in arrival order within a server**, and **round robin across servers**: the next free slot
  goes to the server after the one served last, so one server's flood waits behind itself, not
  in front of every other server's links;
- **no overtaking**: a share arriving while others wait queues behind them even when a slot is
  free at that instant (the slot is already promised to the first waiter);
- **unbounded in length**: a queued link costs a suspended task (a few KB); dropping one would be
  a silent loss (Discord never redelivers it). The depth is in the health line, and a WARNING is
  logged when it first reaches each of :data:`QUEUE_WARN_AT` (again after the queue emptied);
- **drained at shutdown** (:meth:`ShareGate.drain`): no queued share starts any more; each waiter
  gets :class:`Draining`, and the caller releases its links for the next start, as a link pasted
  during shutdown is (:meth:`~bot.sharing.service.Sharing.share_message`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.errors import UserFacingError

log = logging.getLogger(__name__)

# Queue depths worth a WARNING: past these a burst takes minutes to brief at a few per second.
QUEUE_WARN_AT = (100, 1_000, 10_000)


class Draining(UserFacingError):
    """The process is shutting down: a queued share does not start (a pasted link's claim is
    left for the next start; a command's member is told)."""

    def __init__(self) -> None:
        super().__init__(
            "newslink is restarting; try again in a minute.", detail="shutting down: not started"
        )


@dataclass(eq=False)
class ShareGate:
    """At most ``limit`` shares in flight; the others queued, fairly (module docstring)."""

    limit: int
    in_flight: int = 0
    queued: int = 0  # waiting for a slot: the health line's queue depth
    peak: int = 0  # the most in flight at once (what the tests read)
    draining: bool = False
    # Server -> its waiters, oldest first; the dict's order is the round robin's.
    _queues: OrderedDict[int, deque[asyncio.Future[None]]] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _warned: set[int] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("a share gate needs at least one slot")

    @asynccontextmanager
    async def slot(self, guild_id: int) -> AsyncIterator[None]:
        """Hold one slot for the block (:meth:`acquire`, then :meth:`release`)."""
        await self.acquire(guild_id)
        try:
            yield
        finally:
            self.release()

    async def acquire(self, guild_id: int) -> None:
        """Take a slot, waiting in ``guild_id``'s queue for it; every :meth:`acquire` that
        returns needs one :meth:`release`. Raises :class:`Draining` when the process stops
        first (or had stopped)."""
        if self.draining:
            raise Draining
        if self.in_flight < self.limit and self.queued == 0:
            self._start()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(guild_id, deque()).append(waiter)
        self.queued += 1
        self._warn_depth()
        try:
            await waiter
        except BaseException:
            if waiter.cancelled():
                # Cancelled while queued: the waiter is skipped when its turn comes.
                self.queued -= 1
            elif waiter.exception() is None:
                # Given a slot, then cancelled before it ran: the slot goes to the next one.
                self.release()
            raise

    def _start(self) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def release(self) -> None:
        """Give a slot back: the next waiter (round robin over the servers) takes it."""
        self.in_flight -= 1
        while self.in_flight < self.limit and self._queues:
            guild_id, waiters = self._queues.popitem(last=False)
            waiter = waiters.popleft()
            if waiters:
                self._queues[guild_id] = waiters  # to the back of the round robin
            if waiter.done():
                continue  # cancelled while queued (already uncounted)
            self.queued -= 1
            self._start()
            waiter.set_result(None)
        if not self._queues:
            self._warned.clear()

    def _warn_depth(self) -> None:
        for depth in QUEUE_WARN_AT:
            if self.queued >= depth and depth not in self._warned:
                self._warned.add(depth)
                log.warning(
                    "%d shares queued behind the %d in flight (SHARES_IN_FLIGHT): links are "
                    "briefed late, none is dropped",
                    self.queued,
                    self.limit,
                )

    def drain(self) -> int:
        """Stop: no queued share starts, each waiter gets :class:`Draining` (shares in flight
        keep their slots); how many were queued."""
        self.draining = True
        stopped = 0
        for waiters in self._queues.values():
            for waiter in waiters:
                if not waiter.done():
                    stopped += 1
                    waiter.set_exception(Draining())
        self._queues.clear()
        self.queued = 0
        return stopped

    def reopen(self) -> None:
        """Admit shares again (a bot started anew on the same services)."""
        self.draining = False

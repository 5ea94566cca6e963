"""The process's background work: every task kept until done, its failure logged, cancelled at
close (python-discord/bot-core ``scheduling``). Shares, DMs and catch-up all run here, so a
shutdown can wait for them within its grace and then cancel what is left. :class:`Scheduler`
runs timed work (the digests) on the injected clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.clock import Clock

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.draining = False  # shutting down: in-flight work may finish, no new share starts

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background: kept until done, failure logged, cancelled on close."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            # Only a shutdown cancels these tasks; a cancellation at any other time came from
            # below (the core logs which link it stopped) and must not pass unseen.
            if self.draining:
                log.info("background task %s cancelled (shutting down)", task.get_name())
            else:
                log.warning("background task %s ended in a cancellation", task.get_name())
        elif (exc := task.exception()) is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    def pending(self) -> set[asyncio.Task[Any]]:
        return set(self._tasks)

    async def idle(self) -> None:
        """Wait until every task has finished (tests use it to wait for quiet)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel_all(self) -> None:
        self.draining = True
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


Sleep = Callable[[float], Awaitable[None]]


class Scheduler:
    """Runs ``work`` now and then again when it says it is next due (a UTC instant from the
    injected clock, None: nothing scheduled), waking at least every ``max_wait_s`` so that work
    set up meanwhile is seen. ``sleep`` is injected: tests advance a FixedClock instead of waiting.
    A failing round is logged and the loop goes on (the next round retries)."""

    def __init__(
        self,
        work: Callable[[], Awaitable[dt.datetime | None]],
        clock: Clock,
        *,
        name: str,
        sleep: Sleep = asyncio.sleep,
        max_wait_s: float = 60.0,
        min_wait_s: float = 1.0,
    ) -> None:
        self._work = work
        self._clock = clock
        self._sleep = sleep
        self.name = name
        self.max_wait_s = max_wait_s
        self.min_wait_s = min_wait_s
        self.rounds = 0  # rounds finished (tests wait on it)

    async def tick(self) -> dt.datetime | None:
        """One round of the work, now; when it is next due."""
        try:
            return await self._work()
        finally:
            self.rounds += 1

    def wait_for(self, due: dt.datetime | None) -> float:
        """Seconds to sleep before the next round."""
        if due is None:
            return self.max_wait_s
        left = (due - self._clock.now()).total_seconds()
        return min(self.max_wait_s, max(self.min_wait_s, left))

    async def run(self) -> None:
        while True:
            due: dt.datetime | None = None
            try:
                due = await self.tick()
            except Exception:
                log.exception("%s: a round failed; trying again later", self.name)
            await self._sleep(self.wait_for(due))

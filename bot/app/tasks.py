"""The process's background work: every task kept until done, its failure logged, cancelled at
close (python-discord/bot-core ``scheduling``). Shares, DMs and catch-up all run here, so a
shutdown can wait for them within its grace and then cancel what is left."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

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

    def running(self, *prefixes: str) -> int:
        """How many unfinished tasks have a name starting with one of ``prefixes``."""
        return sum(t.get_name().startswith(prefixes) for t in self._tasks)

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

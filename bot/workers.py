"""Worker processes for CPU-bound parsing, with a deadline per job.

HTML parsing would stall Discord heartbeats if it ran on the event loop, and a hostile page can make
a parser slow (Synapse CVE-2022-31052: a deeply nested page). Threads cannot be stopped; processes
can, so a job that overruns its deadline gets its worker killed and the pool replaced.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

from bot.errors import ExtractionError
from bot.logs import configure_logging

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class ParsePool:
    """A small pool of worker processes with a deadline per job.

    ``spawn`` rather than ``fork``: the parent runs an event loop and threads, which must not be
    forked. Workers are started lazily and replaced when a job overruns or a worker dies.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False

    def _pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise ExtractionError(detail="parse pool closed (shutting down)")
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=configure_logging,
                # A spawned worker starts with logging unconfigured (WARNING and up, bare
                # messages); give it the parent's level now, and bot.logs' format.
                initargs=(logging.getLogger().getEffectiveLevel(),),
            )
        return self._executor

    async def run(self, seconds: float, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` in a worker; ExtractionError if it takes over ``seconds``.

        A job whose pool was killed for another job's sake (an overrun elsewhere) is tried once
        more in the new pool, within the same deadline: one hostile page must not fail the
        briefs that happened to be parsed beside it.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        for attempt in (1, 2):
            executor = self._pool()
            try:
                async with asyncio.timeout_at(deadline):
                    return await loop.run_in_executor(executor, _call, fn, args, kwargs)
            except TimeoutError:
                log.warning(
                    "parse worker overran %.1fs running %s; restarting the pool",
                    seconds,
                    fn.__name__,
                )
                self._restart(executor)
                raise ExtractionError("That page took too long to read.") from None
            except BrokenProcessPool:
                if attempt == 1 and self._executor is not executor and not self._closed:
                    log.info("parse pool was restarted under %s; trying it again", fn.__name__)
                    continue
                log.error("parse worker died running %s; restarting the pool", fn.__name__)
                self._restart(executor)
                raise ExtractionError(detail="parse worker died") from None
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _restart(self, executor: ProcessPoolExecutor) -> None:
        if self._executor is not executor:
            return  # another caller already replaced it
        self._executor = None
        _kill(executor)

    async def warm_up(self, fn: Callable[[], object] = bool) -> None:
        """Start the workers and run ``fn`` in each (e.g. to import and prime the parsers), so the
        first real job does not pay for it."""
        await asyncio.gather(*(self.run(60.0, fn) for _ in range(self._workers)))

    def close(self) -> None:
        """Stop the workers at once: waiting for a job here would block the event loop, and a
        hostile parse could make that wait long."""
        self._closed = True
        if self._executor is not None:
            _kill(self._executor)
            self._executor = None


def _kill(executor: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor cannot cancel a running job (terminate_workers() is Python 3.14+):
    # kill the processes so a runaway parse stops using CPU and memory.
    processes = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        process.kill()
    executor.shutdown(wait=False, cancel_futures=True)


def _call(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    return fn(*args, **kwargs)

"""Worker processes for CPU-bound parsing, with a deadline per job.

HTML parsing would stall Discord heartbeats if it ran on the event loop, and a hostile page can make
a parser slow (Synapse CVE-2022-31052: a deeply nested page). Threads cannot be stopped; processes
can, so a job that overruns its deadline gets its worker killed and the pool replaced.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

from bot.errors import ExtractionError
from bot.logs import configure_logging

log = logging.getLogger(__name__)

# Starting a worker and priming it, on a busy machine.
_WARM_UP_S = 60.0

P = ParamSpec("P")
T = TypeVar("T")


def _start_worker(level: int) -> None:
    """Each worker's first step: log like the parent (its level, bot.logs' format), and end when
    the parent does.

    A worker blocks reading its job queue, and every worker holds that queue's write end too, so
    it never sees end-of-file when the parent dies; the fork server stays up for as long as any
    worker lives (each holds its liveness pipe). A parent killed outright (SIGKILL, the OOM
    killer) left both running for ever. The worker watches the parent's sentinel instead."""
    configure_logging(level)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with, args=(parent.sentinel,), name="parent-watch", daemon=True
        ).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)  # no clean-up to run: the job in hand, if any, has nobody to answer to


class ParsePool:
    """A small pool of worker processes with a deadline per job.

    Workers come from multiprocessing's ``forkserver``, not ``fork``: the parent runs an event loop
    and threads, which must not be forked. The fork server is a single-threaded process started
    fresh (like ``spawn``) the first time a pool needs a worker; it imports ``preload`` once, and
    every worker after, the first and each one replacing a killed worker, is forked from it with
    those modules already loaded. Loading the parsers costs seconds of CPU (dateparser compiles
    the regexes of some 200 locales), which a worker started by ``spawn`` paid every time: each
    hostile page killed for overrunning cost that much again. Workers are started lazily and
    replaced when a job overruns or a worker dies.

    There is one fork server per process, and its preload is whatever was set when it started:
    a pool made with ``preload`` after another pool started the server gets workers without it
    (correct, as ``warm_up`` still primes each worker, but slower).
    """

    def __init__(self, workers: int, *, preload: Sequence[str] = ()) -> None:
        self._workers = workers
        self._context = multiprocessing.get_context("forkserver")
        if preload:
            self._context.set_forkserver_preload(list(preload))
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        # At most one job per worker is handed to the executor, so a job's deadline is its own.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        # What primes a new worker (see warm_up), and the pool it is priming.
        self._warm: Callable[[], object] = bool
        self._warming: tuple[ProcessPoolExecutor, Future[list[Future[object]]]] | None = None
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse-pool-start")

    def _pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise ExtractionError(detail="parse pool closed (shutting down)")
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=self._context,
                initializer=_start_worker,
                # The fork server runs with logging unconfigured (WARNING and up, bare messages):
                # give each worker the parent's level now, and bot.logs' format.
                initargs=(logging.getLogger().getEffectiveLevel(),),
            )
        return self._executor

    async def run(self, seconds: float, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` in a worker; ExtractionError if it takes over ``seconds``.

        The deadline runs from when a worker is free for the job, not while it waits behind
        others: a job queued behind a hostile page must not be blamed for its overrun. A job whose
        pool was killed for another job's sake (an overrun elsewhere) runs again in the new pool,
        with its own deadline again, as often as that happens: one hostile page must not fail,
        nor get cached as unreadable, the briefs that happened to be parsed beside it.
        """
        async with self._slot():
            while True:
                executor = self._pool()
                try:
                    return await self._attempt(executor, seconds, fn, args, kwargs)
                except _KilledForAnother:
                    log.info("parse pool was restarted under %s; trying it again", fn.__name__)

    async def _attempt(
        self,
        executor: ProcessPoolExecutor,
        seconds: float,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> T:
        await self._warmed(executor)
        try:
            future = executor.submit(_call, fn, args, kwargs)
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down since _pool() gave it
            self._restart(executor)
            raise _KilledForAnother from None
        try:
            async with asyncio.timeout(seconds):
                return await asyncio.wrap_future(future)
        except TimeoutError:
            log.warning(
                "parse worker overran %.1fs running %s; restarting the pool", seconds, fn.__name__
            )
            self._restart(executor)
            raise ExtractionError("That page took too long to read.") from None
        except BrokenProcessPool:
            if self._replaced(executor):
                raise _KilledForAnother from None
            log.error("parse worker died running %s; restarting the pool", fn.__name__)
            self._restart(executor)
            raise ExtractionError(detail="parse worker died") from None
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling() == 0 and self._replaced(executor):
                # Not this task's cancellation: _kill cancelled the job, still queued in the
                # executor, with the pool it killed for another job.
                raise _KilledForAnother from None
            if future.running():
                # The caller gave up on a job a worker is still running: only killing the worker
                # stops it, or a hostile page would keep a worker busy with nobody waiting.
                self._restart(executor)
            raise

    def _replaced(self, executor: ProcessPoolExecutor) -> bool:
        if self._closed:
            raise ExtractionError(detail="parse pool closed (shutting down)")
        return self._executor is not executor

    def _slot(self) -> asyncio.Semaphore:
        # One semaphore per event loop: asyncio primitives belong to the loop they first wait on,
        # and tests share a pool between loops.
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self._workers)
        return slots

    def _restart(self, executor: ProcessPoolExecutor) -> None:
        if self._executor is not executor:
            return  # another caller already replaced it
        self._executor = None
        _kill(executor)

    async def warm_up(self, fn: Callable[[], object] = bool) -> None:
        """Start the workers and run ``fn`` in each (e.g. to import and prime the parsers), so the
        first real job does not pay for it; the pools that replace a killed one are primed too."""
        self._warm = fn
        await self._warmed(self._pool())

    async def _warmed(self, executor: ProcessPoolExecutor) -> None:
        """Wait until ``executor``'s workers are started and primed: starting a process and
        importing the parsers takes seconds, which must not count against a job's deadline
        (after a kill, every job would otherwise pay it)."""
        if self._warming is None or self._warming[0] is not executor:
            # From a thread: submit starts the worker processes, and the first start waits for
            # the fork server to finish its preload (seconds), which must not block the event
            # loop (Discord heartbeats). Recorded before waiting, so concurrent jobs share it.
            self._warming = (executor, self._starter.submit(self._submit_warm_ups, executor))
        try:
            jobs = await asyncio.wrap_future(self._warming[1])
        except (BrokenProcessPool, RuntimeError):
            return  # the job's own submit finds out
        pending = [asyncio.wrap_future(job) for job in jobs if not job.done()]
        for waiter in pending:
            waiter.add_done_callback(_retrieve)
        if pending:
            await asyncio.wait(pending, timeout=_WARM_UP_S)

    def _submit_warm_ups(self, executor: ProcessPoolExecutor) -> list[Future[object]]:
        return [executor.submit(_call, self._warm, (), {}) for _ in range(self._workers)]

    def close(self) -> None:
        """Stop the workers at once: waiting for a job here would block the event loop, and a
        hostile parse could make that wait long."""
        self._closed = True
        self._starter.shutdown(wait=False)
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


def _retrieve(waiter: asyncio.Future[object]) -> None:
    # A warm-up that failed with a killed pool is nobody's error: retrieved, so it is not logged.
    if not waiter.cancelled():
        waiter.exception()


class _KilledForAnother(Exception):
    """The job's pool was killed because of another job: it has to run again."""


def _call(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    return fn(*args, **kwargs)

"""Linear-time checks that compare growth, never absolute speed.

``assert_linear(fn, make)`` times ``fn(make(n))`` and ``fn(make(8 * n))`` and fails when the larger
input costs more than ``slack`` times 8 times the smaller one. Each figure is CPU time, the best of
several calls (load on a shared machine only ever makes a call slower, so the minimum is the
closest to the real cost), and a verdict over the limit is measured again before it counts, so a
busy 2-core machine running other test suites does not fail it. A quadratic cost grows 64-fold, an
exponential one never finishes: a single call over ``cap`` seconds fails at once instead of
hanging the suite (``re`` checks for signals while it backtracks, so the alarm interrupts it).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

FACTOR = 8
# Linear code measures 8-10x between the sizes; quadratic code 64x.
SLACK = 3.0
_QUICK = 3
_REPEATS = 25
_TRIES = 4


class TooSlow(Exception):
    """One call took longer than the cap: far beyond any linear cost at these sizes."""


@contextlib.contextmanager
def _capped(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals only reach the main thread; the ratio still decides
        return

    def _alarm(signum: int, frame: object) -> None:
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, _alarm)
    started = time.monotonic()
    # The timer this one replaces, pytest-timeout's for the test: given back what is left of it.
    left, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left > 0:
            remaining = max(left - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, interval)


def best_time(fn: Callable[[T], object], value: T, repeats: int) -> float:
    # The thread's CPU time, not the wall clock: on a loaded machine a call of a few milliseconds
    # is preempted nearly every time, and the time it spends descheduled is no cost of its own
    # (measured here: wall-clock growth 20x where CPU time grew 8x, under a load of 7 on 2 cores).
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        fn(value)
        best = min(best, time.thread_time() - started)
    return best


def growth(
    fn: Callable[[T], object],
    make: Callable[[int], T],
    n: int,
    *,
    factor: int = FACTOR,
    repeats: int = _REPEATS,
    cap: float = 10.0,
) -> float:
    """How many times longer ``fn`` takes on ``make(factor * n)`` than on ``make(n)``."""
    small, large = make(n), make(factor * n)
    try:
        with _capped(cap):
            fn(small)  # warm: the first call may compile or allocate
            t_small = best_time(fn, small, repeats)
            t_large = best_time(fn, large, repeats)
    except TooSlow:
        raise AssertionError(
            f"one call took over {cap:.0f} s on inputs of {n} and {factor * n}: not linear"
        ) from None
    return t_large / max(t_small, 1e-9)


def assert_linear(
    fn: Callable[[T], object],
    make: Callable[[int], T],
    n: int = 500,
    *,
    factor: int = FACTOR,
    slack: float = SLACK,
    what: str = "",
) -> None:
    """Fail when ``fn`` grows faster than linearly from ``make(n)`` to ``make(factor * n)``."""
    limit = slack * factor
    ratios = []
    # A quick look first: most checks pass it by far, and only a verdict over the limit is
    # worth the best-of timing.
    for repeats in (_QUICK, *[_REPEATS] * _TRIES):
        ratio = growth(fn, make, n, factor=factor, repeats=repeats)
        if ratio <= limit:
            return
        ratios.append(ratio)
    sample = make(n)
    raise AssertionError(
        f"{what or getattr(fn, '__qualname__', fn)}: {factor}x the input took "
        f"{min(ratios):.0f}x the time (limit {limit:.0f}x) on {repr(sample)[:80]}..."
    )

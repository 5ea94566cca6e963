"""Linearity checks that hold on a busy machine: compare growth, never an absolute figure.

The work is timed at ``n`` and at ``FACTOR * n``, best of several runs each (a run the machine
interrupted is dropped, and load slows both sizes alike). Linear work grows about ``FACTOR``
times, quadratic about ``FACTOR ** 2``; the allowance sits well between. How fast the code is
belongs in bench/.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

FACTOR = 8
# 3x headroom over linear growth (8x), still far below quadratic (64x).
ALLOWED_GROWTH = 3 * FACTOR


def best_seconds(job: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``job``, with the garbage collector off (as timeit
    does), so a collection of earlier garbage is not charged to one size."""
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            job()
            times.append(time.perf_counter() - started)
    finally:
        if enabled:
            gc.enable()
    return min(times)


def assert_linear(make_job: Callable[[int], Callable[[], object]], n: int, repeat: int = 5) -> None:
    """Fail if the job ``make_job(size)`` returns grows faster than linearly from ``n`` to
    ``FACTOR * n``. Inputs are built by ``make_job``, outside the timing."""
    small = best_seconds(make_job(n), repeat)
    large = best_seconds(make_job(FACTOR * n), repeat)
    growth = large / max(small, 1e-6)
    assert growth < ALLOWED_GROWTH, (
        f"{FACTOR}x the input took {growth:.1f}x the time ({small * 1000:.1f} ms at n={n}, "
        f"{large * 1000:.1f} ms at n={FACTOR * n}); linear would be about {FACTOR}x"
    )

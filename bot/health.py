"""A process's health: one log line of what it serves and how it is doing, and the count of
invalid Discord requests that could get its address banned (and the trace that logs and counts
Discord's 429 and 5xx answers).

Discord bans an address for a while after 10,000 invalid requests (401, 403 and 429 answers;
a 429 of a shared resource, ``X-RateLimit-Scope: shared``, does not count) in 10 minutes.
:class:`InvalidRequests` counts them per process over a rolling window and warns at
:data:`INVALID_WARN_AT`: the first warning leaves room to find the cause (a permission the bot
keeps lacking, a loop) long before the ban. Several processes behind one address each count
their own share: the warning is per process, so it comes at the latest when one of them is there.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

log = logging.getLogger(__name__)

INVALID_STATUSES = frozenset({401, 403, 429})
INVALID_WINDOW_S = 600.0
DISCORD_INVALID_LIMIT = 10_000
INVALID_WARN_AT = (1_000, 5_000)


class InvalidRequests:
    """Invalid Discord requests in the last :data:`INVALID_WINDOW_S` (``timer``: monotonic)."""

    def __init__(
        self,
        *,
        timer: Callable[[], float] = time.monotonic,
        warn_at: Sequence[int] = INVALID_WARN_AT,
        window_s: float = INVALID_WINDOW_S,
    ) -> None:
        self._timer = timer
        self._warn_at = sorted(warn_at)
        self._window_s = window_s
        self._times: deque[float] = deque()
        self._warned: set[int] = set()

    def record(self, status: int, scope: str | None = None) -> None:
        """One answer of ``status`` (``scope``: its ``X-RateLimit-Scope``)."""
        if status not in INVALID_STATUSES or (status == 429 and scope == "shared"):
            return
        self._times.append(self._timer())
        count = self.count()
        for threshold in self._warn_at:
            if count >= threshold and threshold not in self._warned:
                self._warned.add(threshold)
                log.warning(
                    "%d invalid Discord requests (401/403/429) in the last %.0f minutes; "
                    "Discord bans the address at %d: look for the permission or loop behind them",
                    count,
                    self._window_s / 60,
                    DISCORD_INVALID_LIMIT,
                )

    def count(self) -> int:
        """How many in the window; a threshold fallen below warns again when crossed again."""
        cutoff = self._timer() - self._window_s
        while self._times and self._times[0] <= cutoff:
            self._times.popleft()
        count = len(self._times)
        self._warned = {t for t in self._warned if t <= count}
        return count


@dataclass(frozen=True)
class Health:
    shards: Sequence[tuple[int, float]]  # (shard id, heartbeat latency in seconds)
    briefs_in_flight: int  # shares holding one of the SHARES_IN_FLIGHT slots
    shares_queued: int  # shares waiting for a slot
    claims_recovered: int
    cache_hits: int
    invalid_requests: int
    commands_only: bool


def health_line(health: Health) -> str:
    """One line for the log."""
    shards = ", ".join(
        f"{shard} ({'?' if not math.isfinite(latency) else f'{latency * 1000:.0f} ms'})"
        for shard, latency in health.shards
    )
    return (
        f"health: shards {shards or 'none'}"
        f"{' (commands only)' if health.commands_only else ''}; "
        f"briefs in flight {health.briefs_in_flight}; "
        f"queued {health.shares_queued}; "
        f"claims recovered {health.claims_recovered}; "
        f"cache hits {health.cache_hits}; "
        f"invalid requests {health.invalid_requests} in {INVALID_WINDOW_S / 60:.0f} min"
    )


def discord_trouble_log(invalid: InvalidRequests) -> aiohttp.TraceConfig:
    """Log Discord's 429 and 5xx answers: discord.py retries them quietly (at DEBUG), but a
    passing fault should leave a line saying what happened; count the invalid ones."""

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        invalid.record(status, params.response.headers.get("X-RateLimit-Scope"))
        if status == 429 or status >= 500:
            log.warning("Discord answered %s to %s %s", status, params.method, params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace

"""The feed poller: every ``tick_s`` seconds, poll the feeds that are due (one background task
per process; which process polls a feed is the database's lease, :mod:`bot.feeds.service`).

Due-ness is stored (``next_poll_at``, from the injected clock) so it holds across restarts and
processes; the wait between rounds is the injected ``sleep``, so a test runs rounds at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.feeds.service import Feeds
from bot.feeds.types import Outlet, PollResult
from bot.storage.database import unavailable

log = logging.getLogger(__name__)

# Well under the shortest interval (5 minutes) and its jitter: a feed is polled at most this late.
TICK_S = 30.0


async def _await(work: Coroutine[Any, Any, Any]) -> Any:
    return await work


class FeedScheduler:
    def __init__(
        self,
        feeds: Feeds,
        outlet: Outlet,
        *,
        tick_s: float = TICK_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        stopping: Callable[[], bool] = lambda: False,
        run: Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]] = _await,
    ) -> None:
        self.feeds = feeds
        self.outlet = outlet
        self.tick_s = tick_s
        self.sleep = sleep
        self.stopping = stopping
        # How a round runs: the bot's tracked background work, so a shutdown waits for it.
        self.run_round = run

    async def round(self) -> list[PollResult]:
        """One round: every due feed polled; a fault is logged and the next round tries again."""
        try:
            results: list[PollResult] = await self.run_round(
                self.feeds.poll_due(self.outlet, stopping=self.stopping)
            )
        except Exception as exc:  # noqa: BLE001 - the poller must outlive one bad round
            if unavailable(exc):
                log.warning(
                    "feeds: database unavailable, next round in %.0f s: %s", self.tick_s, exc
                )
            else:
                log.exception("feeds: a polling round failed")
            return []
        return results

    async def run(self) -> None:
        """Rounds until ``stopping()`` (or cancelled at close)."""
        while not self.stopping():
            await self.round()
            await self.sleep(self.tick_s)

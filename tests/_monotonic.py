"""Monotonic time for tests of pacing: it passes only when the code under test sleeps on it."""

from __future__ import annotations


class FakeTime:
    """``clock`` and ``sleep`` to inject in place of ``time.monotonic`` and ``asyncio.sleep``;
    ``sleeps`` records every wait asked for."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

"""The scheduler: rounds at the time the work says, on the injected clock and sleep (no test
waits on real time)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app.tasks import Scheduler
from bot.clock import FixedClock

T0 = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


class Stop(Exception):
    pass


async def test_sleeps_until_due_capped_and_survives_a_failing_round() -> None:
    clock = FixedClock(T0)
    rounds: list[dt.datetime] = []
    slept: list[float] = []
    due = [T0 + dt.timedelta(seconds=20), None, T0 - dt.timedelta(hours=1), "fail", T0]

    async def work() -> dt.datetime | None:
        rounds.append(clock.now())
        step = due[len(rounds) - 1]
        if step == "fail":
            raise RuntimeError("database down")
        return step  # type: ignore[return-value]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == len(due):
            raise Stop
        clock.advance(dt.timedelta(seconds=seconds))

    scheduler = Scheduler(work, clock, name="test", sleep=sleep, max_wait_s=60)
    with pytest.raises(Stop):
        await scheduler.run()
    # due in 20 s; nothing due (the cap); overdue (the floor); a failed round (the cap); overdue
    assert slept == [20.0, 60.0, 1.0, 60.0, 1.0]
    assert rounds[1] == T0 + dt.timedelta(seconds=20)
    assert scheduler.rounds == 5

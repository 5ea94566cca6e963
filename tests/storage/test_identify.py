"""IDENTIFY turns shared by processes on one PostgreSQL database (two gates, two engines: two
processes as far as the database can tell). Sleeps are injected and move the shared wall clock,
so nothing waits the real 5 seconds."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FixedClock
from bot.shards import IDENTIFY_INTERVAL_S, DatabaseIdentifyGate
from bot.storage.database import create_engine, session_factory
from bot.storage.identify import LOCK_SPACE

pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)


@pytest.fixture
async def engines(migrated_database_url: str) -> AsyncIterator[list[AsyncEngine]]:
    made = [create_engine(migrated_database_url) for _ in range(3)]
    try:
        yield made
    finally:
        for engine in made:
            await engine.dispose()


def _sleeper(clock: FixedClock, slept: list[float]) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(dt.timedelta(seconds=seconds))

    return sleep


async def test_a_second_process_waits_the_rest_of_the_buckets_five_seconds(
    engines: list[AsyncEngine], clock: FixedClock
) -> None:
    slept_a: list[float] = []
    slept_b: list[float] = []
    a = DatabaseIdentifyGate(session_factory(engines[0]), clock, 2, sleep=_sleeper(clock, slept_a))
    b = DatabaseIdentifyGate(session_factory(engines[1]), clock, 2, sleep=_sleeper(clock, slept_b))
    await a.turn(0)
    clock.advance(dt.timedelta(seconds=1.5))
    await b.turn(2)  # bucket 0 (2 % 2) in another process, 1.5 s later
    assert slept_a == [] and slept_b == [pytest.approx(IDENTIFY_INTERVAL_S - 1.5)]
    await b.turn(1)  # bucket 1: never identified
    await a.turn(3)  # bucket 1 again, from the first process, at the same instant
    assert slept_a == [pytest.approx(IDENTIFY_INTERVAL_S)]
    clock.advance(dt.timedelta(seconds=60))
    await b.turn(0)  # long after: at once
    assert len(slept_b) == 1


async def test_the_bucket_lock_makes_the_next_process_wait_from_the_new_turn(
    engines: list[AsyncEngine], clock: FixedClock
) -> None:
    release = asyncio.Event()
    slept_a: list[float] = []
    slept_b: list[float] = []

    async def held_sleep(seconds: float) -> None:
        slept_a.append(seconds)
        await release.wait()
        clock.advance(dt.timedelta(seconds=seconds))

    a = DatabaseIdentifyGate(session_factory(engines[0]), clock, sleep=held_sleep)
    b = DatabaseIdentifyGate(session_factory(engines[1]), clock, sleep=_sleeper(clock, slept_b))
    await b.turn(0)  # bucket 0 identified at t
    clock.advance(dt.timedelta(seconds=1))
    first = asyncio.create_task(a.turn(0))  # waits 4 s, holding the bucket's lock
    await _until_waiting_for_a_lock(engines[2], granted=True)
    second = asyncio.create_task(b.turn(0))
    await _until_waiting_for_a_lock(engines[2])  # the second is queued behind the first
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), 10)
    # Without the lock the second would have read the old turn and waited 4 s, identifying
    # together with the first.
    assert slept_a == [pytest.approx(IDENTIFY_INTERVAL_S - 1)]
    assert slept_b == [pytest.approx(IDENTIFY_INTERVAL_S)]


async def _until_waiting_for_a_lock(engine: AsyncEngine, *, granted: bool = False) -> None:
    """Until an IDENTIFY bucket's lock in this database is waited for (``granted``: held).

    pg_locks shows the whole server's locks: other test workers' bots, on databases of their own,
    take the same locks at every start, and counting theirs made this test fail now and then."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = :granted"
        " AND classid = :space AND objsubid = 2"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).bindparams(granted=granted, space=LOCK_SPACE)
    async with asyncio.timeout(10):
        while True:
            async with engine.connect() as connection:
                if (await connection.execute(query)).scalar_one():
                    return
            await asyncio.sleep(0.02)

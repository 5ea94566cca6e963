"""Shard arithmetic, the SQLite refusal, the session-start line and one process's IDENTIFY pacing."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from bot.clock import FixedClock
from bot.shards import (
    IDENTIFY_INTERVAL_S,
    DatabaseIdentifyGate,
    LocalIdentifyGate,
    bucket_of,
    holds,
    refuse_layout,
    session_starts,
    shard_of,
)
from bot.storage.database import create_engine, session_factory
from tests._dates import NOW

SQLITE = "sqlite+aiosqlite:///newslink.db"
POSTGRES = "postgresql+asyncpg://newslink@db/newslink"


def test_a_server_is_on_the_shard_of_its_id_shifted_by_22() -> None:
    # Discord's formula: the timestamp part of the snowflake, modulo the count.
    assert shard_of(81384788765712384, 1) == 0
    assert shard_of(81384788765712384, 16) == 2  # 19403645698 % 16
    assert [shard_of(n << 22, 3) for n in range(6)] == [0, 1, 2, 0, 1, 2]
    # The low 22 bits (worker, process, increment) never move a server.
    assert shard_of((5 << 22) | (1 << 21) | 12345, 4) == 1


def test_identify_buckets_are_the_shard_modulo_max_concurrency() -> None:
    assert [bucket_of(s, 1) for s in range(4)] == [0, 0, 0, 0]
    assert [bucket_of(s, 16) for s in (0, 15, 16, 17, 33)] == [0, 15, 0, 1, 1]


def test_a_process_holds_the_servers_of_its_shards() -> None:
    assert holds(1 << 22, None, None)  # before the count is known: everything
    assert holds(1 << 22, 2, None)  # every shard
    assert holds(1 << 22, 2, [1]) and not holds(1 << 22, 2, [0])
    assert holds(2 << 22, 4, [0, 2]) and not holds(3 << 22, 4, [0, 2])


@pytest.mark.parametrize(
    ("url", "count", "ids", "refused"),
    [
        (SQLITE, None, None, False),
        (SQLITE, 4, None, False),
        (SQLITE, 2, (0, 1), False),
        (SQLITE, 2, (1,), True),
        (SQLITE, 3, (0, 2), True),
        (POSTGRES, 2, (1,), False),
    ],
)
def test_sqlite_runs_every_shard_or_none(
    url: str, count: int | None, ids: tuple[int, ...] | None, refused: bool
) -> None:
    reason = refuse_layout(url, count, ids)
    assert (reason is not None) == refused
    if reason is not None:
        assert "\n" not in reason and "PostgreSQL" in reason and "SHARD_IDS" in reason


def test_session_starts_warn_below_a_quarter() -> None:
    level, line = session_starts(1000, 1000, 86_400_000)
    assert level == logging.INFO and "1000 of 1000" in line and "24.0 h" in line
    assert session_starts(250, 1000, 1)[0] == logging.INFO
    level, line = session_starts(249, 1000, 1)
    assert level == logging.WARNING and "249 of 1000" in line and "25%" in line


class _Time:
    """A monotonic timer that only ``sleep`` moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_one_identify_per_bucket_per_five_seconds_in_one_process() -> None:
    time = _Time()
    gate = LocalIdentifyGate(2, timer=time, sleep=time.sleep)
    await gate.turn(0)
    await gate.turn(1)  # another bucket: at once
    assert time.slept == []
    time.now += 1.5
    await gate.turn(2)  # bucket 0 again, 1.5 s later: waits the rest
    assert time.slept == [pytest.approx(IDENTIFY_INTERVAL_S - 1.5)]
    time.now += IDENTIFY_INTERVAL_S
    await gate.turn(3)  # bucket 1, long after its last: at once
    assert len(time.slept) == 1


async def test_shards_of_one_bucket_queue_in_turn() -> None:
    time = _Time()
    gate = LocalIdentifyGate(1, timer=time, sleep=time.sleep)
    await asyncio.gather(*(gate.turn(s) for s in range(3)))
    assert time.slept == [IDENTIFY_INTERVAL_S, IDENTIFY_INTERVAL_S]


async def test_a_database_outage_costs_a_full_interval_not_the_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://newslink@127.0.0.1:{port}/none")
    time = _Time()
    try:
        gate = DatabaseIdentifyGate(session_factory(engine), FixedClock(NOW), sleep=time.sleep)
        with caplog.at_level(logging.WARNING, logger="bot.shards"):
            await gate.turn(0)
    finally:
        await engine.dispose()
    assert time.slept == [IDENTIFY_INTERVAL_S]
    assert "database unavailable" in caplog.text

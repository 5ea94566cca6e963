"""The invalid-request count (Discord's 10,000 per 10 minutes ban) and the health line."""

from __future__ import annotations

import logging

import pytest

from bot.health import INVALID_WARN_AT, Health, InvalidRequests, health_line


class _Timer:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_the_warnings_come_well_before_discords_ban() -> None:
    assert INVALID_WARN_AT[0] <= 1_000 and max(INVALID_WARN_AT) < 10_000


def test_401_403_and_429_count_over_a_rolling_window(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.health")
    timer = _Timer()
    invalid = InvalidRequests(timer=timer, warn_at=(3, 5), window_s=600)
    for status in (200, 204, 404, 500):
        invalid.record(status)
    invalid.record(429, "shared")  # a shared resource's limit: Discord does not count it
    assert invalid.count() == 0
    for status in (401, 403):
        invalid.record(status)
    assert _warnings(caplog) == []
    invalid.record(429, "user")
    [warned] = _warnings(caplog)
    assert "3 invalid Discord requests" in warned and "10000" in warned
    invalid.record(403)
    assert len(_warnings(caplog)) == 1  # once per threshold
    invalid.record(403)
    assert len(_warnings(caplog)) == 2 and "5 invalid" in _warnings(caplog)[1]
    timer.now = 599.0
    assert invalid.count() == 5
    timer.now = 601.0  # all five are older than the window
    assert invalid.count() == 0
    for _ in range(3):
        invalid.record(401)
    assert len(_warnings(caplog)) == 3  # fell below, crossed again: warned again


def test_the_health_line_says_each_shard_and_the_counters() -> None:
    line = health_line(
        Health(
            shards=[(0, 0.0421), (1, float("inf"))],
            briefs_in_flight=2,
            shares_queued=5,
            claims_recovered=1,
            cache_hits=7,
            invalid_requests=3,
            commands_only=True,
        )
    )
    assert line == (
        "health: shards 0 (42 ms), 1 (?) (commands only); briefs in flight 2; queued 5; "
        "claims recovered 1; cache hits 7; invalid requests 3 in 10 min"
    )

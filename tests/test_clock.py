"""The wall clock: aware UTC always, and a fixed one that moves only when told."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock, SystemClock


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is dt.UTC
    assert SystemClock().today() in {now.date(), now.date() + dt.timedelta(days=1)}


def test_fixed_clock_keeps_the_instant_in_utc_and_moves_when_told() -> None:
    paris = dt.datetime(2027, 3, 28, 3, 30, tzinfo=ZoneInfo("Europe/Paris"))  # CEST, UTC+2
    clock = FixedClock(paris)
    assert clock.now() == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    assert clock.now().tzinfo is dt.UTC and clock.now() == clock.now()
    clock.advance(dt.timedelta(hours=23))
    assert clock.today() == dt.date(2027, 3, 29)
    clock.set(dt.datetime(2028, 2, 29, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    assert clock.today() == dt.date(2028, 3, 1)  # today is the UTC date


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(dt.datetime(2026, 12, 1, 9, 30))
    clock = FixedClock(dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(dt.datetime(2026, 12, 1))

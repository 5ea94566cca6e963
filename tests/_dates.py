"""The dates tests run at: no test reads the real date (the fixtures are in tests/conftest.py)."""

import datetime as dt
import time

from bot.clock import Clock

# Instants in UTC. Each breaks a different assumption: month-only dates read as the 1st, a year
# that ends (and has already ended east of UTC), a leap day, and a night whose clocks change.
PINNED_TIMES = {
    "1st of a 31-day month": dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
    "31 December, late": dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC),
    "29 February": dt.datetime(2028, 2, 29, 12, 0, tzinfo=dt.UTC),
    # Europe's clocks go forward at 01:00 UTC: 00:30 UTC is 01:30 CET, 02:30 CEST does not exist
    "Europe's spring DST night": dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC),
    # the US's go forward at 02:00 local: 07:30 UTC is just after it in New York
    "US spring DST morning": dt.datetime(2027, 3, 14, 7, 30, tzinfo=dt.UTC),
}
# Where the ``clock`` fixture stands: 1 December 2026, where a month-only date once read as today.
NOW = PINNED_TIMES["1st of a 31-day month"]
TODAY = NOW.date()


class RunningClock(Clock):
    """Starts at a pinned instant and runs on with real time: for tests that wait for a grace
    period to pass, which a clock standing still never does."""

    def __init__(self, start: dt.datetime = NOW) -> None:
        self._start = start
        self._started = time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._started)

"""The one wall clock: every "now" and "today" newslink uses comes from a :class:`Clock`.

The composition root builds a :class:`SystemClock` and passes it down (services, sharing, the
cogs); the parse worker gets today's date with each job rather than reading a clock of its own, so
a worker started yesterday does not answer with yesterday. Tests pin a :class:`FixedClock`, so no
test depends on the real date. Pacing, deadlines and cache expiry use ``time.monotonic`` or the
event loop's time instead: they measure intervals, not dates.
"""

from __future__ import annotations

import abc
import datetime as dt


class Clock(abc.ABC):
    """A wall clock in UTC."""

    @abc.abstractmethod
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""

    def today(self) -> dt.date:
        """The current date in UTC (a page's own zone may already be a day further: callers
        allow for that)."""
        return self.now().date()


class SystemClock(Clock):
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock(Clock):
    """A clock that says what it is told: stands still until set or advanced (for tests)."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = _utc(at)

    def now(self) -> dt.datetime:
        return self._at

    def set(self, at: dt.datetime) -> None:
        self._at = _utc(at)

    def advance(self, by: dt.timedelta) -> None:
        self._at += by


def _utc(at: dt.datetime) -> dt.datetime:
    # A naive datetime has no instant: whose midnight would it be?
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a clock needs a timezone-aware datetime, got {at!r}")
    return at.astimezone(dt.UTC)

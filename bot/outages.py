"""Whether an error is a passing outage rather than a bug: the Discord side's question, answered
by the core so that the cogs need not know what the database is."""

from __future__ import annotations

from bot.storage.database import unavailable


def passing_outage(error: BaseException) -> bool:
    """The database was briefly out of reach (locked, restarting, connection lost): the same
    request may work in a minute, so the member is told to try again, not shown a bug."""
    return unavailable(error)

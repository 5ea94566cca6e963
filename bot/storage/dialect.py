"""The dialect's INSERT: the generic one has no ``ON CONFLICT``; SQLite's and PostgreSQL's do."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, model: type[Any]) -> Any:
    """``INSERT`` into ``model``'s table that knows ``on_conflict_do_*`` on this engine."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)

"""Counting a share's database round trips: every transaction on an engine, read or write, with
the tables it touched (a SQLAlchemy event listener, so the real statements are what is counted)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# The tables a statement names (``ON CONFLICT … DO UPDATE SET`` names none).
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+\"?(?!SET\b)(\w+)", re.IGNORECASE)


@dataclass
class Transaction:
    statements: list[str] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return any(
            s.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE") for s in self.statements
        )

    @property
    def tables(self) -> set[str]:
        return {t for s in self.statements for t in _TABLE.findall(s)}


@dataclass
class RoundTrips:
    transactions: list[Transaction] = field(default_factory=list)
    _open: dict[int, Transaction] = field(default_factory=dict)

    def attach(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        event.listen(sync, "begin", self._begin)
        event.listen(sync, "before_cursor_execute", self._execute)
        event.listen(sync, "commit", self._end)
        event.listen(sync, "rollback", self._end)

    def _begin(self, connection: Connection) -> None:
        transaction = Transaction()
        self._open[id(connection)] = transaction
        self.transactions.append(transaction)

    def _end(self, connection: Connection) -> None:
        self._open.pop(id(connection), None)

    def _execute(self, connection: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("BEGIN"):
            return  # SQLite's BEGIN IMMEDIATE (bot.storage.database) opens the one counted
        if id(connection) not in self._open:
            # A connection checked out before attach() (the pool's first one) begins unseen.
            self._begin(connection)
        self._open[id(connection)].statements.append(statement)

    @property
    def reads(self) -> list[Transaction]:
        return [t for t in self.transactions if t.statements and not t.writes]

    @property
    def writes(self) -> list[Transaction]:
        return [t for t in self.transactions if t.writes]

    def statements_on(self, table: str) -> list[str]:
        return [s for t in self.transactions for s in t.statements if table in _TABLE.findall(s)]

"""Engines, sessions and migrations.

The schema is owned by Alembic (``migrations/`` at the repository root); the bot upgrades to head
at start and ``python -m bot migrate`` does it by hand. Alembic's configuration is built here in
code, so no ``alembic.ini`` is needed.

Faults: a database that is briefly unavailable (a locked SQLite file, a restarted PostgreSQL) is
logged here as a WARNING when the driver reports it; :func:`unavailable` tells callers whether an
error is such a transient fault (worth "try again") rather than a bug. Pooled PostgreSQL
connections are pinged on checkout, so connections a restart killed are replaced, not used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
# A briefly locked SQLite file waits this long rather than failing with "database is locked";
# a ``?timeout=<seconds>`` on the URL (the sqlite3 driver's own parameter) overrides it.
SQLITE_BUSY_TIMEOUT_MS = 15_000
_SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout; server
    databases get connections checked before use (they do not survive a server restart)."""
    if make_url(url).get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "handle_error", _log_unavailable)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, _busy_timeout_ms(url))
    return engine


def _busy_timeout_ms(url: str) -> int:
    timeout = make_url(url).query.get("timeout")
    if isinstance(timeout, str):
        return int(float(timeout) * 1000)
    return SQLITE_BUSY_TIMEOUT_MS


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database is briefly out of reach (locked, restarting,
    connection lost) rather than a bug: the operation may succeed if tried again."""
    while error is not None:
        if isinstance(error, exc.DBAPIError):
            if error.connection_invalidated or _busy(error):
                return True
        elif isinstance(error, (ConnectionError, TimeoutError)):
            return True  # refused or reset while connecting: the server is down or restarting
        elif type(error).__module__.startswith("asyncpg") and type(error).__name__ in (
            "ConnectionDoesNotExistError",
            "CannotConnectNowError",
            "ConnectionFailureError",
            "AdminShutdownError",
        ):
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def _busy(error: exc.DBAPIError) -> bool:
    return isinstance(error, exc.OperationalError) and any(
        m in str(error.orig) for m in _SQLITE_BUSY_MESSAGES
    )


def _log_unavailable(context: ExceptionContext) -> None:
    error = context.sqlalchemy_exception
    if context.is_pre_ping:
        log.warning(
            "database connection lost (%s); reconnecting",
            type(context.original_exception).__name__,
        )
    elif context.is_disconnect:
        log.warning("database connection lost: %s", context.original_exception)
    elif isinstance(error, exc.DBAPIError) and _busy(error):
        log.warning("database unavailable: %s", context.original_exception)


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over
        # (SQLAlchemy's documented recipe for the pysqlite/aiosqlite drivers).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if make_url(str(engine.url)).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front: two writers then queue on the busy timeout
        # instead of one failing when it upgrades a read transaction to a write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration, pointing at the repository's ``migrations/``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Passed as an attribute, not a main option: ConfigParser would read '%' in a password.
        config.attributes["database_url"] = url
    return config


async def _run_alembic(url: str, action: str, *args: Any) -> None:
    config = alembic_config(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_with_connection, config, action, args)
    finally:
        await engine.dispose()


def _run_with_connection(
    connection: Connection, config: Config, action: str, args: tuple[Any, ...]
) -> None:
    # env.py uses this connection instead of making its own (Alembic's asyncio cookbook recipe).
    config.attributes["connection"] = connection
    getattr(command, action)(config, *args)


async def upgrade_to_head(url: str) -> None:
    """Bring the database at ``url`` to the latest schema (creating it if empty)."""
    log.info("upgrading database schema to head")
    await _run_alembic(url, "upgrade", "head")


async def downgrade_to_base(url: str) -> None:
    """Drop every table the migrations created (tests and disaster recovery only)."""
    log.warning("downgrading database schema to base")
    await _run_alembic(url, "downgrade", "base")


async def check_migrations(url: str) -> None:
    """Raise ``alembic.util.exc.AutogenerateDiffsDetected`` if the models differ from the
    migrations applied to the database at ``url``."""
    await _run_alembic(url, "check")

"""Alembic environment, async.

Two callers, one source of settings. The bot (bot.storage.database) builds its Alembic config in
code and hands over its URL or an open connection. The plain ``alembic`` command line (configured by
``[tool.alembic]`` in pyproject.toml, no alembic.ini) reads the bot's own settings with
:func:`bot.settings.load_settings`, environment over ``.env``, exactly as ``python -m bot`` does,
and logs in the bot's format at its LOG_LEVEL.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from bot.errors import SettingsError
from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from bot.storage.database import create_engine
from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        # The command line prints a CommandError as one "FAILED: ..." line, like the bot's own.
        raise CommandError(f"newslink: {exc}") from None


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return str(url)
    return _settings().database_url


def _configure_command_line_logging() -> None:
    # cmd_opts is set only by Alembic's command line; the bot has configured logging already.
    # Without an alembic.ini nothing else would, and Alembic's INFO lines would be lost.
    if config.cmd_opts is not None and not logging.getLogger().handlers:
        configure_logging(_settings().log_level)


def _render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    # Our column types (bot.storage.models.UTCDateTime) wrap a plain SQLAlchemy type. Autogenerate
    # would write `bot.storage.models.UTCDateTime(...)` without importing it, and a migration must
    # not import today's models anyway: write the stored type, as 0001 does.
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False  # Alembic's own rendering


# The full-text index (migration 0011_search, bot.storage.search) is engine-specific SQL the models
# cannot describe: an FTS5 virtual table and its shadow tables on SQLite, a tsvector table on
# PostgreSQL. Left out of the comparison, or `alembic check` would ask to drop them.
_FULL_TEXT_PREFIX = "brief_search"


def _include_object(
    obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any
) -> bool:
    if kind == "table" and reflected and compare_to is None:
        return not (name or "").startswith(_FULL_TEXT_PREFIX)
    return True


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    dialect = connection.dialect.name if connection is not None else (url or "").split(":")[0]
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        include_object=_include_object,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=dialect.startswith("sqlite"),
        literal_binds=connection is None,
    )


def do_run_migrations(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    _configure(url=_database_url())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


_configure_command_line_logging()
if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

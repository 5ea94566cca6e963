"""Clock and database fixtures shared by the whole suite.

``clock`` pins the wall clock at one instant, so no test depends on the real date; a test whose
answer depends on the date takes ``dated_clock`` instead and runs at each of :data:`PINNED_TIMES`,
the dates where calendar arithmetic goes wrong (tests/_dates.py), in every run.

``database_url`` runs a test twice: on a fresh SQLite file and on a fresh PostgreSQL database
(``CREATE DATABASE`` from ``template0`` on the server in ``NEWSLINK_TEST_POSTGRES_URL``, dropped
afterwards). Without that variable the PostgreSQL run is skipped, unless ``CI=true``, where it
fails: CI must prove both engines. ``engine`` and ``sessionmaker`` are at head with no rows: on
SQLite a copy of a file the real migrations brought to head once per session; on PostgreSQL one
database migrated once per session and emptied (TRUNCATE) before each test. Migrating, and on
PostgreSQL creating, a database per test cost a third to half a second each. Tests about the
migrations take ``database_url`` and run them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.sharing.jobs import PRELOAD, warm_parsers
from bot.storage.database import create_engine, session_factory, upgrade_to_head
from bot.workers import ParsePool
from tests._dates import NOW, PINNED_TIMES
from tests._postgres import admin, postgres_database, run_elsewhere

# Every parse pool in the session forks its workers from one fork server (bot/workers.py), whose
# preload is set when it starts: prime it, as the bot primes its own, whichever pool starts first.
multiprocessing.set_forkserver_preload(list(PRELOAD))

POSTGRES_ENV = "NEWSLINK_TEST_POSTGRES_URL"

# A test that hangs past pytest-timeout's timeout ends its process and is reported (tests/_watchdog.py).
pytest_plugins = ["tests._watchdog"]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than there are cores, at most 4 (``--maxprocesses``).

    A good part of the suite waits rather than computes (bots and the fake Discord answering on
    loopback, processes starting, PostgreSQL): with one worker a core, a clean-clone run kept the
    two cores of this machine only 65% busy. The extra worker runs while the others wait: the
    suite took 228 s with 3 workers against 296 s with 2, back to back on this 2-core machine."""
    return (os.cpu_count() or 1) + 1


@pytest.fixture
def clock() -> FixedClock:
    """The wall clock, pinned at :data:`tests._dates.NOW`."""
    return FixedClock(NOW)


@pytest.fixture(params=list(PINNED_TIMES.values()), ids=list(PINNED_TIMES))
def dated_clock(request: pytest.FixtureRequest) -> FixedClock:
    """The wall clock pinned at each of :data:`PINNED_TIMES` in turn, for date-sensitive tests."""
    return FixedClock(request.param)


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    reason = f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against (.ci/run starts one)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; under CI=true PostgreSQL is required")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The database engine a test runs on, each in turn."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database of its own, on each engine in turn."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'newslink.db'}"
        return
    with postgres_database(_postgres_server_url(), "template0") as url:
        yield url


# Empties every table the migrations made, and restarts their id sequences, so the database is
# as the migrations left it. lock_timeout: a connection a failed test left behind fails this
# test's setup quickly rather than hanging it.
_EMPTY_POSTGRES = """
SET lock_timeout = '10s';
DO $$
DECLARE tables text;
BEGIN
  SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') INTO tables
    FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version';
  IF tables IS NOT NULL THEN
    EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE';
  END IF;
END $$;
"""


class _Heads:
    """Per engine, one database the real migrations brought to head, made on first use and kept
    for the session: SQLite's is the file every ``migrated_database_url`` is copied from;
    PostgreSQL's is the database itself, emptied before each test (creating a database costs
    more than half a second there, even from a template)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: contextlib.ExitStack = contextlib.ExitStack()
        self._postgres_url: str | None = None

    def sqlite(self) -> Path:
        if self._sqlite is None:
            path = self._folder / "head.db"
            run_elsewhere(upgrade_to_head(f"sqlite+aiosqlite:///{path}"))
            self._sqlite = path
        return self._sqlite

    def postgres(self, server_url: str) -> str:
        if self._postgres_url is None:
            url = self._postgres.enter_context(postgres_database(server_url, "template0"))
            run_elsewhere(upgrade_to_head(url))
            self._postgres_url = url
        return self._postgres_url

    def close(self) -> None:
        self._postgres.close()


@pytest.fixture(scope="session")
def _heads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Heads]:
    heads = _Heads(tmp_path_factory.mktemp("heads"))
    try:
        yield heads
    finally:
        heads.close()


@pytest.fixture
def migrated_database_url(backend: str, tmp_path: Path, _heads: _Heads) -> str:
    """The URL of a database at the latest schema with no rows, on each engine in turn."""
    if backend == "sqlite":
        path = tmp_path / "newslink.db"
        shutil.copyfile(_heads.sqlite(), path)  # closed cleanly: the WAL is checkpointed away
        return f"sqlite+aiosqlite:///{path}"
    url = _heads.postgres(_postgres_server_url())
    run_elsewhere(admin(url, _EMPTY_POSTGRES))
    return url


@pytest.fixture
async def engine(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``migrated_database_url``."""
    engine = create_engine(migrated_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture(scope="session")
def parse_pool() -> Iterator[ParsePool]:
    """One parse worker, warmed as the bot warms its own, for every test that needs a worker
    like the bot's (the end-to-end bots, the services). Spawning and warming a worker (a fresh
    interpreter importing lxml and readability, dateparser compiling its locales: ~5 s of CPU)
    was most of each bot start; the worker keeps no state between jobs, so sharing it leaves
    the tests as isolated as before. Warmed here, before any test's own time bounds start; a
    test that overruns a parse gets the pool replaced (and the new worker warmed), as in the bot."""
    pool = ParsePool(1, preload=PRELOAD)
    try:
        run_elsewhere(pool.warm_up(warm_parsers))
        yield pool
    finally:
        pool.close()

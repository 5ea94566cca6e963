"""Clock and database fixtures shared by the whole suite.

``clock`` pins the wall clock at one instant, so no test depends on the real date; a test whose
answer depends on the date takes ``dated_clock`` instead and runs at each of :data:`PINNED_TIMES`,
the dates where calendar arithmetic goes wrong (tests/_dates.py), in every run.

``database_url`` runs a test twice: on a fresh SQLite file and on a fresh PostgreSQL database
(``CREATE DATABASE`` from ``template0`` on the server in ``NEWSLINK_TEST_POSTGRES_URL``, dropped
afterwards). Without that variable the PostgreSQL run is skipped, unless ``CI=true``, where it
fails: CI must prove both engines. ``engine`` and ``sessionmaker`` are migrated to head.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.storage.database import create_engine, session_factory, upgrade_to_head
from tests._dates import NOW, PINNED_TIMES

POSTGRES_ENV = "NEWSLINK_TEST_POSTGRES_URL"


@pytest.fixture
def clock() -> FixedClock:
    """The wall clock, pinned at :data:`tests._dates.NOW`."""
    return FixedClock(NOW)


@pytest.fixture(params=list(PINNED_TIMES.values()), ids=list(PINNED_TIMES))
def dated_clock(request: pytest.FixtureRequest) -> FixedClock:
    """The wall clock pinned at each of :data:`PINNED_TIMES` in turn, for date-sensitive tests."""
    return FixedClock(request.param)


def _run_elsewhere(coro: Coroutine[Any, Any, None]) -> None:
    # Fixture setup may run while a test's event loop exists; a private loop in a worker thread
    # keeps the admin connection off it, so sync and async tests can both use the fixture.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _admin(server_url: str, statement: str) -> None:
    dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    reason = f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against (.ci/run starts one)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; under CI=true PostgreSQL is required")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database of its own, on each engine in turn."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'newslink.db'}"
        return
    server_url = _postgres_server_url()
    name = f"newslink_test_{uuid.uuid4().hex[:16]}"
    _run_elsewhere(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE ends connections a failed test may have left open.
        _run_elsewhere(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``database_url``, upgraded to the latest schema."""
    await upgrade_to_head(database_url)
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)

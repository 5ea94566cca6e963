"""PostgreSQL helpers for fixtures: a throwaway database per use, admin statements run off the
test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url


def run_elsewhere(coro: Coroutine[Any, Any, None]) -> None:
    # Fixture setup may run while a test's event loop exists; a private loop in a worker thread
    # keeps the admin connection off it, so sync and async tests can both use the fixture.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


async def admin(server_url: str, statement: str) -> None:
    dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def postgres_database(server_url: str, template: str) -> Iterator[str]:
    """A new database copied from ``template``, dropped on leaving; yields its URL."""
    name = f"newslink_test_{uuid.uuid4().hex[:16]}"
    run_elsewhere(admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE ends connections a failed test may have left open.
        run_elsewhere(admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

"""Pytest fixtures and helpers for tests that run a discord.py client against :class:`FakeDiscord`.

``fake_discord`` starts one fake per test; at teardown it fails the test if the fake recorded a
problem (:meth:`FakeDiscord.assert_clean`) or if any ``discord.*`` logger logged an ERROR, so a
client that fails quietly (an exception swallowed into the log) still fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest
import yarl

# discord.py 2.7 imports the stdlib audioop (deprecated in 3.11) for voice; pytest turns warnings
# into errors, so importing it must not fail the suite. Better done once in pyproject's
# filterwarnings (asked for in the report); harmless if both exist.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

from tests.fakediscord.server import FakeDiscord


class ErrorRecords(logging.Handler):
    """Collects ERROR (and worse) records from the loggers it is attached to."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def describe(self) -> str:
        lines = []
        for record in self.records:
            text = f"{record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({record.exc_info[1]!r})"
            lines.append(text)
        return "\n  ".join(lines)


@contextlib.contextmanager
def discord_errors_fail() -> Iterator[ErrorRecords]:
    handler = ErrorRecords()
    logger = logging.getLogger("discord")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and gateway at the fake, restoring Discord's afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running(
    client: discord.Client,
    fake: FakeDiscord,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109
) -> AsyncIterator[None]:
    """Log `client` in to the fake, connect it, wait for on_ready; close it on exit."""
    with pointed_at(fake):
        async with client:
            await client.login(fake.token)
            connection = asyncio.create_task(client.connect(), name="fakediscord-client")
            try:
                ready = asyncio.create_task(client.wait_until_ready())
                done, _ = await asyncio.wait(
                    {ready, connection}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if ready not in done:
                    ready.cancel()
                    if connection in done:
                        connection.result()  # re-raise why the client gave up
                    raise AssertionError(
                        f"client not ready within {timeout}s; problems: {fake.problems()}"
                    )
                yield
            finally:
                await client.close()
                await connection


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    with discord_errors_fail() as errors:
        async with FakeDiscord() as fake:
            yield fake
    fake.assert_clean()
    if errors.records:
        pytest.fail("discord.py logged errors during the test:\n  " + errors.describe())

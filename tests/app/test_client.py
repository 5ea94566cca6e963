"""The bot object itself, without a gateway."""

import asyncio
import dataclasses
import logging
from pathlib import Path
from unittest.mock import create_autospec

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.app.client import EXIT_FAILURE, NewslinkBot, serve
from bot.app.services import build_services
from bot.clock import FixedClock
from bot.settings import Secret, Settings
from bot.sharing.pipeline import Briefer
from tests._dates import NOW


async def _bot() -> NewslinkBot:
    services = build_services(
        Settings(),
        create_autospec(Briefer, instance=True, spec_set=True),
        async_sessionmaker(),
        clock=FixedClock(NOW),
    )
    bot = NewslinkBot(services)
    # Entered as serve() enters it: an AutoShardedBot's close needs what entering sets up.
    return await bot.__aenter__()


async def test_one_sharing_per_process_so_recovery_knows_its_own_claims() -> None:
    bot = await _bot()
    try:
        first = bot.sharing
        assert bot.sharing is first
        assert bot.sharing.owner == first.owner
    finally:
        await bot.close()


async def test_a_background_task_ending_in_a_cancellation_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def cancelled_from_below() -> None:
        raise asyncio.CancelledError

    bot = await _bot()
    try:
        with caplog.at_level(logging.INFO, logger="bot.app.tasks"):
            task = bot.spawn(cancelled_from_below(), name="share-42")
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0)  # done callbacks run
    finally:
        await bot.close()
    [record] = [r for r in caplog.records if "share-42" in r.getMessage()]
    assert record.levelno == logging.WARNING


async def test_a_task_cancelled_by_the_shutdown_is_logged_as_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await _bot()
    bot.spawn(asyncio.Event().wait(), name="share-43")
    with caplog.at_level(logging.INFO, logger="bot.app.tasks"):
        await bot.close()
    [record] = [r for r in caplog.records if "share-43" in r.getMessage()]
    assert record.levelno == logging.INFO


async def test_close_ends_discord_py_s_listener_and_command_tasks() -> None:
    """discord.py never cancels the tasks it runs listeners and app commands in: close must, while
    the services they use are still open."""
    bot = await _bot()

    async def listener() -> None:
        await asyncio.Event().wait()

    event = bot._schedule_event(listener, "on_test_event")
    command = asyncio.create_task(asyncio.Event().wait(), name="CommandTree-invoker")
    other = asyncio.create_task(asyncio.Event().wait(), name="not discord.py's")
    try:
        await bot.close()
        assert event.done() and command.done()
        assert not other.done()  # only discord.py's own
    finally:
        other.cancel()


async def test_sqlite_refuses_to_run_only_some_shards_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = dataclasses.replace(
        Settings(),
        discord_token=Secret("token"),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        shard_count=2,
        shard_ids=(1,),
    )
    assert await serve(settings, clock=FixedClock(NOW)) == EXIT_FAILURE
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("newslink: SHARD_IDS=1 ") and "PostgreSQL" in line
    assert not (tmp_path / "bot.db").exists()  # refused before anything was opened

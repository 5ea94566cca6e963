"""The composition root: services opened in order, and closed by whoever owns them."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from bot.app.services import open_services
from bot.clock import SystemClock
from bot.errors import ExtractionError
from bot.settings import Settings
from bot.workers import ParsePool


def _settings(tmp_path: Path) -> Settings:
    return dataclasses.replace(
        Settings(),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        parse_workers=1,
        parse_preload=False,  # what these tests check is who owns and closes the pool
    )


async def test_a_given_parse_pool_is_used_and_left_open(
    tmp_path: Path, parse_pool: ParsePool
) -> None:
    # The end-to-end tests share one warmed pool across bot starts (the session's parse_pool,
    # used here too): the services must use it and leave closing it to its owner.
    pool = parse_pool
    async with open_services(_settings(tmp_path), clock=SystemClock(), pool=pool) as services:
        assert services.briefer._pool is pool
        worker = await pool.run(10.0, os.getpid)
    assert await pool.run(10.0, os.getpid) == worker  # still open, the same warm worker


async def test_the_services_own_pool_is_closed_with_them(tmp_path: Path) -> None:
    async with open_services(_settings(tmp_path), clock=SystemClock()) as services:
        pool = services.briefer._pool
        assert await pool.run(10.0, os.getpid) != os.getpid()
    with pytest.raises(ExtractionError):
        await pool.run(10.0, os.getpid)


@pytest.mark.parametrize("minutes", [60, 0])
async def test_pages_are_shared_across_processes_only_on_postgresql(
    migrated_database_url: str, backend: str, parse_pool: ParsePool, minutes: int
) -> None:
    # Several processes need PostgreSQL; SQLite's one process has its in-memory cache.
    settings = dataclasses.replace(
        Settings(), database_url=migrated_database_url, page_cache_minutes=minutes
    )
    async with open_services(
        settings, clock=SystemClock(), migrate=False, pool=parse_pool
    ) as services:
        shared = services.briefer.pages is not None
    assert shared == (backend == "postgres" and minutes > 0)


async def test_feeds_are_polled_only_for_the_servers_of_this_process_s_shards(
    tmp_path: Path, parse_pool: ParsePool
) -> None:
    settings = dataclasses.replace(_settings(tmp_path), shard_count=2, shard_ids=(0,))
    on_shard_0, on_shard_1 = 2 << 22, 1 << 22  # (guild id >> 22) % 2
    async with open_services(settings, clock=SystemClock(), pool=parse_pool) as services:
        assert services.feeds.serves(on_shard_0) and not services.feeds.serves(on_shard_1)
        # One bound on shares in flight for the process, feed items' shares included.
        assert services.feeds.sharing.gate is services.sharing.gate
        assert services.sharing.gate.limit == settings.shares_in_flight == 10
    async with open_services(_settings(tmp_path), clock=SystemClock(), pool=parse_pool) as every:
        assert every.feeds.serves(on_shard_0) and every.feeds.serves(on_shard_1)

"""The services the bot runs on, built once by the composition root and closed in order."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.fetch.fetcher import Fetcher
from bot.fetch.guard import create_session
from bot.pipeline import Briefer, warm_parsers
from bot.settings import Settings
from bot.storage.database import create_engine, session_factory, upgrade_to_head
from bot.workers import ParsePool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    briefer: Briefer
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock  # the one wall clock: every "now" and "today" comes from it


@asynccontextmanager
async def open_services(
    settings: Settings, *, clock: Clock, migrate: bool = True, pool: ParsePool | None = None
) -> AsyncIterator[Services]:
    """Upgrade the database, then build the HTTP session, parse pool, fetcher and engine.

    ``pool``: a parse pool to use instead of starting one; its owner closes it (the end-to-end
    tests share one across bot starts, as starting and warming a worker is most of a start)."""
    if migrate:
        await upgrade_to_head(settings.database_url)
    engine = create_engine(settings.database_url)
    own_pool = pool is None
    if pool is None:
        pool = ParsePool(settings.parse_workers)
    try:
        async with create_session(settings) as http:
            await pool.warm_up(warm_parsers)
            fetcher = Fetcher(http, settings)
            try:
                yield Services(
                    settings=settings,
                    briefer=Briefer(fetcher, pool, settings, clock=clock),
                    sessions=session_factory(engine),
                    clock=clock,
                )
            finally:
                await fetcher.close()  # cancel fetches still in flight before the session closes
    finally:
        if own_pool:
            pool.close()
        await engine.dispose()
        log.info("services closed")

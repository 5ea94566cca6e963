"""The services the bot and the command line run on, built here (and only here) and closed in
order: the database engine, the HTTP session, the parse pool, the fetcher and briefer, and the
services the cogs call (:class:`~bot.sharing.Sharing`, :class:`~bot.following.Following`,
:class:`~bot.curation.Curation`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.administration import Administration
from bot.app.tasks import BackgroundTasks
from bot.briefing.commentator import Commentator
from bot.choices import CommentaryMode
from bot.clock import Clock
from bot.curation import Curation
from bot.digest import Digests
from bot.discussion.service import Discussion, ModelAnswers, ModelMode
from bot.feeds.service import Feeds
from bot.fetch.fetcher import Fetcher
from bot.fetch.guard import create_session
from bot.following import Following
from bot.model.budget import Budget
from bot.model.client import ModelClient, create_model_session
from bot.search import Search
from bot.settings import Settings
from bot.sharing.gate import ShareGate
from bot.sharing.jobs import PRELOAD, warm_parsers
from bot.sharing.notify import Pacer
from bot.sharing.pages import PageStore
from bot.sharing.pipeline import Briefer
from bot.sharing.service import Sharing
from bot.storage.database import create_engine, session_factory, upgrade_to_head
from bot.storage.usage import UsageStore
from bot.workers import ParsePool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    briefer: Briefer
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock  # the one wall clock: every "now" and "today" comes from it
    tasks: BackgroundTasks
    # One per process: its owner token marks the claims this process holds, which recovery must
    # never take over (a second instance would have another token).
    sharing: Sharing
    following: Following
    curation: Curation
    discussion: Discussion
    administration: Administration
    feeds: Feeds
    search: Search
    digests: Digests


def build_services(
    settings: Settings,
    briefer: Briefer,
    sessions: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    tasks: BackgroundTasks | None = None,
    budget: Budget | None = None,
    model_client: ModelClient | None = None,
    model_mode: ModelMode | None = None,
) -> Services:
    """The services over the long-lived parts (also what a test builds without a network).

    ``model_client`` (when ``LLM_BASE_URL`` is set) answers questions on the servers where
    ``model_mode`` says model commentary is on (default: the server's ``/newslink commentary``
    setting), counted against the same daily ``budget`` as the commentary."""
    tasks = tasks or BackgroundTasks()
    # usage is shown only where a model is configured
    curation = Curation(
        sessions,
        clock,
        budget if settings.llm_base_url else None,
        settings.llm_model or "the model",
    )
    model = None
    if model_client is not None:
        answers_budget = budget or Budget(UsageStore(sessions), clock, settings.llm_daily_tokens)

        async def server_chose_model(guild_id: int) -> bool:
            return await curation.commentary_mode(guild_id) == CommentaryMode.MODEL

        model = ModelAnswers(model_client, answers_budget, model_mode or server_chose_model)
    sharing = Sharing(
        sessions=sessions,
        briefer=briefer,
        rebrief_window_days=settings.rebrief_window_days,
        max_links_per_message=settings.max_links_per_message,
        notify_max_per_brief=settings.notify_max_per_brief,
        dm_pacer=Pacer(settings.dm_per_minute),
        spawn=lambda coro, name: tasks.spawn(coro, name=name),
        clock=clock,
        briefs_per_member_hour=settings.briefs_per_member_hour,
        briefs_per_channel_hour=settings.briefs_per_channel_hour,
        gate=ShareGate(settings.shares_in_flight),
    )
    return Services(
        settings=settings,
        briefer=briefer,
        sessions=sessions,
        clock=clock,
        tasks=tasks,
        sharing=sharing,
        following=Following(sessions, clock, settings.max_topics_per_member),
        curation=curation,
        discussion=Discussion(
            sessions,
            clock,
            text_days=settings.article_text_days,
            cooldown_s=settings.ask_cooldown_seconds,
            per_thread_hour=settings.ask_per_thread_hour,
            model=model,
        ),
        administration=Administration(sessions, clock, settings.purge_after_days),
        feeds=Feeds(
            sessions,
            briefer.fetcher,
            # The same sharing (its owner, claims, DM pacing), but a feed's briefs count against
            # the channel's hourly limit only: the bot shares them, not a member (issue 16).
            dataclasses.replace(sharing, briefs_per_member_hour=None),
            clock,
            poll_minutes=settings.feed_poll_minutes,
            max_items_per_poll=settings.feed_max_items_per_poll,
            per_server=settings.feeds_per_server,
            # The feeds of the servers on this process's shards (issue 14): the process serving
            # a server's shard is the one that can post there.
            shards=(
                None
                if settings.shard_count is None or settings.shard_ids is None
                else (settings.shard_count, settings.shard_ids)
            ),
        ),
        search=Search(sessions, clock, settings.search_page_size),
        digests=Digests(sessions, clock, settings.digest_max_briefs),
    )


@asynccontextmanager
async def open_commentator(
    settings: Settings, *, budget: Budget | None = None
) -> AsyncIterator[Commentator | None]:
    """The model's commentary when ``LLM_BASE_URL`` is set (else None), on its own session,
    closed on the way out."""
    if settings.llm_base_url is None:
        yield None
        return
    async with create_model_session(settings) as model_http:
        yield Commentator(ModelClient.from_settings(model_http, settings), budget)


@asynccontextmanager
async def open_briefer(
    settings: Settings,
    *,
    clock: Clock,
    pool: ParsePool | None = None,
    prime: bool | None = None,
    budget: Budget | None = None,
    pages: PageStore | None = None,
) -> AsyncIterator[Briefer]:
    """The HTTP session, parse pool (``settings.parse_workers``) and fetcher behind a Briefer.

    ``pool``: a parse pool to use instead of starting one; its owner closes it (the end-to-end
    tests share one across bot starts, as starting and warming a worker is most of a start).
    ``prime``: whether the workers load the parsers before the first job (``PARSE_PRELOAD`` unless
    given; the preview passes False: priming costs seconds of CPU, more than most previews, so
    the parsers load inside the deadline)."""
    if prime is None:
        prime = settings.parse_preload
    own_pool = pool is None
    if pool is None:
        # Primed: the fork server loads the parsers once for every worker it starts.
        pool = ParsePool(settings.parse_workers, preload=PRELOAD if prime else ())
    try:
        async with create_session(settings) as http:
            if prime:
                await pool.warm_up(warm_parsers)
            else:
                await pool.warm_up()
            log.info(
                "parse workers ready (%d): parsers %s",
                settings.parse_workers,
                "preloaded" if prime else "loaded on first use",
            )
            fetcher = Fetcher(http, settings)
            try:
                async with open_commentator(settings, budget=budget) as commentator:
                    yield Briefer(
                        fetcher, pool, settings, clock=clock, commentator=commentator, pages=pages
                    )
            finally:
                await fetcher.close()  # cancel fetches still in flight before the session closes
    finally:
        if own_pool:
            pool.close()


def _pages(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], dialect: str, clock: Clock
) -> PageStore | None:
    """The pages shared across processes: only PostgreSQL runs several (SQLite's one process
    has its in-memory cache)."""
    if settings.page_cache_minutes == 0 or dialect != "postgresql":
        return None
    return PageStore(
        sessions,
        clock=clock,
        fresh=dt.timedelta(minutes=settings.page_cache_minutes),
        claim_for=dt.timedelta(seconds=settings.page_claim_seconds),
    )


@asynccontextmanager
async def open_services(
    settings: Settings, *, clock: Clock, migrate: bool = True, pool: ParsePool | None = None
) -> AsyncIterator[Services]:
    """Upgrade the database, then build the engine, the briefer (:func:`open_briefer`) and the
    services over them."""
    if migrate:
        await upgrade_to_head(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    budget = Budget(UsageStore(sessions), clock, settings.llm_daily_tokens)
    pages = _pages(settings, sessions, engine.dialect.name, clock)
    try:
        async with (
            open_briefer(settings, clock=clock, pool=pool, budget=budget, pages=pages) as briefer,
            create_model_session(settings) as model_http,
        ):
            model_client = (
                ModelClient.from_settings(model_http, settings) if settings.llm_base_url else None
            )
            yield build_services(
                settings, briefer, sessions, clock=clock, budget=budget, model_client=model_client
            )
    finally:
        await engine.dispose()
        log.info("services closed")

"""One fetch per page across processes (issue 14, item 2): two independent sharing stacks (each
its own engine, HTTP session, fetcher, page store and Briefer, as two bot processes have) on one
database, against an article server on 127.0.0.1 that counts its requests. The two-process
end-to-end run is in tests/e2e; these prove the cross-process logic in one process."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.article.types import Article
from bot.choices import ArticleKind, Genre
from bot.clock import FixedClock
from bot.errors import FetchTimeout
from bot.fetch.fetcher import Fetcher
from bot.fetch.guard import create_session
from bot.fetch.urls import url_key
from bot.settings import Settings
from bot.sharing.pages import PageStore, article_data, article_from_data
from bot.sharing.pipeline import Briefer
from bot.sharing.service import Sharing
from bot.sharing.types import Posted, Share
from bot.storage.database import create_engine, session_factory
from bot.workers import ParsePool
from tests._article_page import article_html
from tests._round_trips import RoundTrips
from tests.sharing._fakes import a_publisher

FRESH = dt.timedelta(minutes=60)
CLAIM = dt.timedelta(seconds=10)
WAIT_S = 30  # only bounds a failing test on a loaded machine


@dataclass
class HeldArticles:
    """An article page that counts its requests and, while ``held``, answers only on release."""

    hits: int = 0
    held: bool = False
    release: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    async def article(self, request: web.Request) -> web.Response:
        self.hits += 1
        if self.held:
            await self.release.wait()
        return web.Response(body=article_html(), content_type="text/html", charset="utf-8")


@pytest.fixture
async def site() -> AsyncIterator[tuple[HeldArticles, TestServer]]:
    state = HeldArticles()
    app = web.Application()
    app.router.add_get("/news/nato", state.article)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield state, server
    await server.close()


@dataclass
class Process:
    """What one bot process would hold: its engine, page store, Briefer and Sharing."""

    pages: PageStore
    sharing: Sharing
    trips: RoundTrips


Start = Callable[[], Awaitable[Process]]


@pytest.fixture
async def processes(
    migrated_database_url: str,
    site: tuple[HeldArticles, TestServer],
    parse_pool: ParsePool,
    clock: FixedClock,
) -> AsyncIterator[Start]:
    settings = dataclasses.replace(
        Settings(),
        fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        fetch_allowed_ports=frozenset({site[1].port}),
    )
    async with AsyncExitStack() as stack:

        async def start() -> Process:
            engine = create_engine(migrated_database_url)
            stack.push_async_callback(engine.dispose)
            trips = RoundTrips()
            trips.attach(engine)
            http = await stack.enter_async_context(create_session(settings))
            fetcher = Fetcher(http, settings)
            stack.push_async_callback(fetcher.close)
            sessions = session_factory(engine)
            # A short poll, so that a waiter notices the article or the expiry at once.
            pages = PageStore(
                sessions, clock=clock, fresh=FRESH, claim_for=CLAIM, poll_seconds=0.01
            )
            briefer = Briefer(fetcher, parse_pool, settings, clock=clock, pages=pages)
            return Process(pages, Sharing(sessions=sessions, briefer=briefer, clock=clock), trips)

        yield start


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_S):
        while not condition():  # noqa: ASYNC110 - counters of other objects, polled briefly
            await asyncio.sleep(0.01)


def _pages_transactions(trips: RoundTrips) -> int:
    return sum(any("pages" in s for s in t.statements) for t in trips.transactions)


async def test_two_processes_sharing_one_page_at_once_fetch_it_once_and_both_post(
    processes: Start, site: tuple[HeldArticles, TestServer]
) -> None:
    state, server = site
    first, second = await processes(), await processes()
    url = str(server.make_url("/news/nato"))
    state.held = True
    # Two servers, each served by its own process, paste the same link at the same time.
    one = asyncio.create_task(first.sharing.share_message(Share(1, 10, 100, 7), url, a_publisher()))
    await _until(lambda: state.hits == 1)  # the first is fetching it (claimed in the database)
    two = asyncio.create_task(
        second.sharing.share_message(Share(2, 20, 200, 8), url, a_publisher())
    )
    await _until(lambda: second.pages.waited == 1)
    state.release.set()
    [posted_one], [posted_two] = await asyncio.gather(one, two)

    assert isinstance(posted_one, Posted) and isinstance(posted_two, Posted)
    assert state.hits == 1
    assert (first.pages.reused, second.pages.reused) == (0, 1)
    assert posted_one.url == posted_two.url


async def test_a_page_fetched_by_another_process_is_reused_until_it_is_stale(
    processes: Start, site: tuple[HeldArticles, TestServer], clock: FixedClock
) -> None:
    state, server = site
    first, second = await processes(), await processes()
    url = str(server.make_url("/news/nato"))
    [fetched] = await first.sharing.share_message(Share(1, 10, 100, 7), url, a_publisher())
    [reused] = await second.sharing.share_message(Share(2, 20, 200, 8), url, a_publisher())
    assert isinstance(fetched, Posted) and isinstance(reused, Posted)
    assert state.hits == 1 and second.pages.reused == 1
    # The round trips pages add: the fetcher claims the page and stores it; the other reads it.
    assert (_pages_transactions(first.trips), _pages_transactions(second.trips)) == (2, 1)

    clock.advance(FRESH + dt.timedelta(seconds=1))
    third = await processes()
    [again] = await third.sharing.share_message(Share(3, 30, 300, 9), url, a_publisher())
    assert isinstance(again, Posted) and state.hits == 2  # stale: fetched again


async def test_when_the_fetcher_dies_the_waiter_takes_over_after_its_claim_expires(
    processes: Start, site: tuple[HeldArticles, TestServer], clock: FixedClock
) -> None:
    state, server = site
    dead, waiter = await processes(), await processes()
    url = str(server.make_url("/news/nato"))
    # The first process claims the page's fetch and dies: the claim is never released.
    assert await dead.pages.take(url_key(url), within=WAIT_S) is None
    share = asyncio.create_task(
        waiter.sharing.share_message(Share(2, 20, 200, 8), url, a_publisher())
    )
    await _until(lambda: waiter.pages.waited == 1)
    assert state.hits == 0  # waiting, not fetching
    clock.advance(CLAIM)
    [posted] = await share
    assert isinstance(posted, Posted) and state.hits == 1 and waiter.pages.reused == 0


async def test_a_waiter_gives_up_at_its_deadline(
    processes: Start, site: tuple[HeldArticles, TestServer]
) -> None:
    fetching, waiting = await processes(), await processes()
    key = url_key(str(site[1].make_url("/news/nato")))
    assert await fetching.pages.take(key, within=WAIT_S) is None
    with pytest.raises(FetchTimeout):
        await waiting.pages.take(key, within=0.05)


async def test_shared_pages_out_of_reach_cost_a_fetch_not_the_brief(
    tmp_path: Path, clock: FixedClock
) -> None:
    # A database that cannot be opened (here: its folder does not exist).
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'newslink.db'}")
    try:
        pages = PageStore(session_factory(engine), clock=clock, fresh=FRESH, claim_for=CLAIM)
        assert await pages.take("news.example/a", within=WAIT_S) is None  # fetch it here
        await pages.release("news.example/a")  # logged, not raised
    finally:
        await engine.dispose()


def test_an_article_reads_back_whole_from_its_stored_data() -> None:
    article = Article(
        url="https://news.example/a",
        title="Title",
        site_name="Site",
        authors=["A. Writer", "B. Writer"],
        published=dt.date(2026, 11, 30),
        image_url="https://news.example/a.jpg",
        description="What it says.",
        language="en",
        paragraphs=["One.", "Two.", "Caption © Agency"],
        kind=ArticleKind.PAYWALL,
        canonical="https://news.example/a?canonical",
        headings=frozenset({"Two."}),
        furniture=frozenset({"Caption © Agency"}),
        genre=Genre.OPINION,
    )
    # Every field set, none at its default: a field added to Article and not stored shows here.
    defaults = Article(url=article.url)
    assert all(
        getattr(article, f.name) != getattr(defaults, f.name)
        for f in dataclasses.fields(Article)
        if f.name != "url"
    )
    assert article_from_data(article_data(article)) == article

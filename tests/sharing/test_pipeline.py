"""The Briefer: fetch through the safe fetcher, extract and compose in worker processes."""

import asyncio
import dataclasses
import datetime as dt
import functools
import ipaddress
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.briefing.commentary import source_host
from bot.errors import BlockedAddress, ExtractionError, FetchTimeout
from bot.fetch.fetcher import Fetcher
from bot.fetch.guard import create_session
from bot.settings import Settings
from bot.sharing.jobs import read_and_brief
from bot.sharing.pipeline import Briefer
from bot.workers import ParsePool
from tests._article_page import article_html
from tests.fetch.test_fetcher import FakeResolver


class ArticleServer:
    def __init__(self) -> None:
        self.hits = 0
        self.delay = 0.0

    async def article(self, request: web.Request) -> web.Response:
        self.hits += 1
        await asyncio.sleep(self.delay)
        return web.Response(body=article_html(), content_type="text/html", charset="utf-8")

    async def dated(self, request: web.Request) -> web.Response:
        """The article, published on the day in the address."""
        body = article_html().replace(b"2012-12-02", request.match_info["day"].encode())
        return web.Response(body=body, content_type="text/html", charset="utf-8")


@pytest.fixture
async def server() -> AsyncIterator[tuple[ArticleServer, TestServer]]:
    state = ArticleServer()
    app = web.Application()
    app.router.add_get("/news/nato", state.article)
    app.router.add_get("/news/empty", _empty)
    app.router.add_get("/news/on/{day}", state.dated)
    for path in ("/news/hostile-1", "/news/hostile-2", "/news/ordinary-1", "/news/ordinary-2"):
        app.router.add_get(path, state.article)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield state, srv
    await srv.close()


@pytest.fixture(scope="module")
def pool() -> ParsePool:
    p = ParsePool(1)
    yield p
    p.close()


def _settings(port: int, **changes: object) -> Settings:
    return dataclasses.replace(
        Settings(),
        fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        fetch_allowed_ports=frozenset({port}),
        **changes,
    )


async def test_brief_from_a_served_page(server, pool, clock) -> None:
    state, srv = server
    settings = _settings(srv.port)
    async with create_session(settings) as http:
        briefer = Briefer(Fetcher(http, settings), pool, settings, clock=clock)
        brief = await briefer.brief(str(srv.make_url("/news/nato")), length="long")
    assert brief.article.title == "NATO aims to repair Russia ties despite Patriot row"
    assert brief.runs
    text = " ".join(brief.article.text.split())
    for run in brief.runs:
        for paragraph in run.paragraphs:
            assert " ".join(paragraph.split()) in text


async def test_simultaneous_requests_fetch_and_extract_once(server, pool, clock) -> None:
    state, srv = server
    settings = _settings(srv.port)
    url = str(srv.make_url("/news/nato"))
    async with create_session(settings) as http:
        briefer = Briefer(Fetcher(http, settings), pool, settings, clock=clock)
        briefs = await asyncio.gather(
            *(briefer.brief(url + ("?utm_source=x" if i % 2 else "")) for i in range(30))
        )
    assert state.hits == 1
    assert len({b.article.title for b in briefs}) == 1


async def test_take_becomes_the_lead(server, pool, clock) -> None:
    state, srv = server
    settings = _settings(srv.port)
    async with create_session(settings) as http:
        briefer = Briefer(Fetcher(http, settings), pool, settings, clock=clock)
        brief = await briefer.brief(str(srv.make_url("/news/nato")), take="Worth reading on NATO.")
    assert brief.lead.startswith("Worth reading on NATO.")


async def test_whole_brief_has_a_deadline(server, pool, clock) -> None:
    state, srv = server
    state.delay = 5
    settings = _settings(srv.port, brief_timeout=0.5)
    async with create_session(settings) as http:
        briefer = Briefer(Fetcher(http, settings), pool, settings, clock=clock)
        with pytest.raises(FetchTimeout):
            await briefer.brief(str(srv.make_url("/news/nato")))


async def test_default_settings_refuse_loopback(server, pool, clock) -> None:
    state, srv = server
    settings = dataclasses.replace(Settings(), fetch_allowed_ports=frozenset({srv.port}))
    async with create_session(settings) as http:
        briefer = Briefer(Fetcher(http, settings), pool, settings, clock=clock)
        with pytest.raises(BlockedAddress):
            await briefer.brief(f"http://127.0.0.1:{srv.port}/news/nato")
    assert state.hits == 0


async def _empty(request: web.Request) -> web.Response:
    return web.Response(body=b" ", content_type="text/html")


class CountingPool(ParsePool):
    def __init__(self) -> None:
        super().__init__(1)
        self.jobs: list[str] = []

    async def run(self, seconds, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.jobs.append(fn.__name__)
        return await super().run(seconds, fn, *args, **kwargs)


async def test_a_page_that_cannot_be_read_is_not_parsed_again_at_once(server, clock) -> None:
    state, srv = server
    settings = _settings(srv.port)
    counting = CountingPool()
    try:
        async with create_session(settings) as http:
            briefer = Briefer(Fetcher(http, settings), counting, settings, clock=clock)
            for _ in range(3):
                with pytest.raises(ExtractionError):
                    await briefer.brief(str(srv.make_url("/news/empty")))
    finally:
        counting.close()
    assert counting.jobs == ["read_and_brief"]


async def test_a_link_crosses_to_the_parse_worker_once(server, clock) -> None:
    # Issue 11: the article went to the worker to be read and came back, then went again to be
    # composed. Now: one job reads and composes; a kept article is one compose job.
    state, srv = server
    settings = _settings(srv.port)
    counting = CountingPool()
    try:
        async with create_session(settings) as http:
            briefer = Briefer(Fetcher(http, settings), counting, settings, clock=clock)
            url = str(srv.make_url("/news/nato"))
            first = await briefer.brief(url)
            assert counting.jobs == ["read_and_brief"]
            again = await briefer.brief(url, take="My words.", length="compact")
    finally:
        counting.close()
    assert counting.jobs == ["read_and_brief", "compose_brief"]
    assert state.hits == 1 and again.article == first.article


async def test_a_lookalike_host_never_shares_the_genuine_sites_article_or_name(pool, clock) -> None:
    """Issue 10: busineßinsider (IDNA 2008: its own host) is not businessinsider, in any cache."""

    async def by_host(request: web.Request) -> web.Response:
        title = "Forged story" if request.host.startswith("xn--") else "Genuine story"
        page = article_html(title=title).replace(b"Example News", b"")
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/news/x", by_host)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    resolver = FakeResolver(
        {"xn--busineinsider-gdb.test": ["127.0.0.1"], "businessinsider.test": ["127.0.0.1"]}
    )
    settings = _settings(srv.port)
    try:
        async with create_session(settings, resolver=resolver) as http:
            briefer = Briefer(Fetcher(http, settings), pool, settings, clock=clock)
            fake = await briefer.brief(f"http://busineßinsider.test:{srv.port}/news/x")
            real = await briefer.brief(f"http://businessinsider.test:{srv.port}/news/x")
    finally:
        await srv.close()
    assert (fake.article.title, real.article.title) == ("Forged story", "Genuine story")
    assert source_host(fake.url) == "busineßinsider.test"
    assert source_host(real.url) == "businessinsider.test"


async def test_the_worker_is_given_today_with_the_job(server, pool, dated_clock) -> None:
    # The pool's worker was started before (module scope): its own clock must not decide.
    state, srv = server
    settings = _settings(srv.port)
    day = dated_clock.today() + dt.timedelta(days=2)
    url = str(srv.make_url(f"/news/on/{day}"))
    published = []
    for _ in range(2):
        async with create_session(settings) as http:
            briefer = Briefer(Fetcher(http, settings), pool, settings, clock=dated_clock)
            published.append((await briefer.brief(url)).article.published)
        dated_clock.advance(dt.timedelta(days=2))
    # two days ahead is not believed (one day is: east of UTC it may be today); then it is today
    assert published == [None, day]


# A picklable job that imports what read_and_brief needs, on a page too small to cost anything.
_TINY_JOB = functools.partial(
    read_and_brief, b"<p>x</p>", "https://tiny.invalid/", today=dt.date(2026, 1, 1), max_bytes=99
)


class HostilePool(ParsePool):
    """A real pool whose extraction of a ``/hostile`` page never ends (as a regex bomb's did)."""

    def __init__(self) -> None:
        super().__init__(2)
        self.extracted: list[str] = []

    async def run(self, seconds, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if fn.__name__ == "read_and_brief":
            self.extracted.append(args[1].rsplit("/", 1)[-1])
            if "/hostile" in args[1]:
                return await super().run(seconds, time.sleep, 120)
        return await super().run(seconds, fn, *args, **kwargs)


async def test_links_parsed_beside_hostile_pages_are_briefed_and_only_the_hostile_cached(
    server, clock
) -> None:
    # Issue 10: two hostile pages held both workers; killing the pool for them cancelled or
    # timed out the ordinary links queued behind, whose failures were then cached.
    state, srv = server
    settings = _settings(srv.port, parse_timeout=1.5)
    hostile = HostilePool()
    try:
        # The parsers imported in every worker, the replacements for a killed one too (the bot
        # primes them fully): under load the imports alone could use up an ordinary link's
        # parse deadline, which is not what this test is about.
        await hostile.warm_up(_TINY_JOB)
        async with create_session(settings) as http:
            briefer = Briefer(Fetcher(http, settings), hostile, settings, clock=clock)
            bad = [briefer.brief(str(srv.make_url(f"/news/hostile-{i}"))) for i in (1, 2)]
            bad_tasks = [asyncio.create_task(job) for job in bad]
            await asyncio.sleep(0.3)  # both workers are held
            good = [briefer.brief(str(srv.make_url(f"/news/ordinary-{i}"))) for i in (1, 2)]
            started = time.monotonic()
            outcomes = await asyncio.gather(*bad_tasks, *good, return_exceptions=True)
            assert time.monotonic() - started < settings.brief_timeout
            assert [type(o).__name__ for o in outcomes] == [
                "ExtractionError", "ExtractionError", "Brief", "Brief"
            ]  # fmt: skip
            assert all("too long" in str(o) for o in outcomes[:2])
            # Asked again: the hostile pages' failures and the ordinary articles come from the
            # cache; nothing is parsed again.
            for i in (1, 2):
                with pytest.raises(ExtractionError):
                    await briefer.brief(str(srv.make_url(f"/news/hostile-{i}")))
                await briefer.brief(str(srv.make_url(f"/news/ordinary-{i}")))
    finally:
        hostile.close()
    assert sorted(hostile.extracted) == ["hostile-1", "hostile-2", "ordinary-1", "ordinary-2"]

"""One article, many addresses (issue 17): variants of one page served on loopback, shared through
the real Sharing, Briefer and safe fetcher against a real database."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.fetch.fetcher import Fetcher
from bot.fetch.guard import create_session
from bot.fetch.urls import url_key
from bot.settings import Settings
from bot.sharing.pipeline import Briefer
from bot.sharing.service import Sharing
from bot.sharing.types import Pointed, Posted, Share
from bot.storage import briefs as stored_briefs
from bot.workers import ParsePool
from tests._article_page import article_html
from tests.fetch.test_fetcher import FakeResolver
from tests.sharing._fakes import RecordingPublisher

HOSTS = (
    "www.courier.co.uk",
    "m.courier.co.uk",
    "amp.courier.co.uk",
    "bit.ly",
    "l.facebook.com",
    "www.rival.co.uk",
)


class Site:
    """One article at several addresses, whatever the Host; remembers what was asked."""

    def __init__(self) -> None:
        self.port = 0
        self.hits: Counter[tuple[str, str]] = Counter()

    def address(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def desktop(self) -> str:
        return self.address("www.courier.co.uk", "/news/harbour-vote")

    def page(
        self, canonical: str, title: str = "Harbour city votes to close coal terminal"
    ) -> bytes:
        head = f'<link rel="canonical" href="{canonical}">'
        if canonical == self.desktop:
            head += f'<link rel="amphtml" href="{self.desktop}/amp">'
        return article_html(title).replace(b"</head>", head.encode() + b"</head>")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        host = request.host.rsplit(":", 1)[0]
        self.hits[(host, request.path)] += 1
        if host == "bit.ly":
            # a shortener: opaque, it redirects (with a tracking parameter, as they do)
            raise web.HTTPMovedPermanently(self.desktop + "?utm_source=bitly&fbclid=x")
        if host == "www.rival.co.uk":
            # another site naming the courier's story as its own address: not believed
            body = self.page(self.desktop, "A rival's copy of the harbour story")
        else:
            # the desktop page, its AMP page and the mobile page all name the desktop one
            body = self.page(self.desktop)
        return web.Response(body=body, content_type="text/html", charset="utf-8")


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    state = Site()
    app = web.Application()
    app.router.add_get("/{tail:.*}", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.port = server.port
    yield state
    await server.close()


async def test_every_variant_of_one_article_points_to_its_one_brief(
    site: Site,
    sessionmaker: async_sessionmaker[AsyncSession],
    parse_pool: ParsePool,
    clock: FixedClock,
) -> None:
    settings = dataclasses.replace(
        Settings(),
        fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        fetch_allowed_ports=frozenset({site.port}),
    )
    resolver = FakeResolver({host: ["127.0.0.1"] for host in HOSTS})
    mobile = site.address("m.courier.co.uk", "/a/12345")  # its own path: only its page tells
    async with create_session(settings, resolver=resolver) as http:
        briefer = Briefer(Fetcher(http, settings), parse_pool, settings, clock=clock)
        sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=clock)
        publisher = RecordingPublisher()

        async def share(message_id: int, url: str) -> object:
            [outcome] = await sharing.share_message(
                Share(1, 2, message_id, 3), url, publisher, watched_only=False
            )
            return outcome

        # The mobile page is shared first: the brief links to its canonical (desktop) address.
        first = await share(100, mobile)
        assert isinstance(first, Posted)
        assert [b.url for b in publisher.posted] == [site.desktop]

        variants = {
            "desktop": site.desktop,
            "amp path and host": site.address("amp.courier.co.uk", "/news/harbour-vote/amp"),
            "amp parameter": site.desktop + "?amp=1",
            "tracking parameters": site.desktop + "?utm_source=newsletter&gclid=abc",
            "mobile again": mobile + "?utm_medium=social",
            "shortener": site.address("bit.ly", "/3xYzAbc"),
            "wrapper": site.address("l.facebook.com", "/l.php?u=" + mobile + "&h=AT0"),
        }
        for n, (name, url) in enumerate(variants.items(), start=101):
            outcome = await share(n, url)
            assert isinstance(outcome, Pointed), name
            assert outcome.earlier.message_id == first.message_id, name
        assert len(publisher.posted) == 1

        # Another site naming the story as its own gets its own brief, under its own address.
        rival = site.address("www.rival.co.uk", "/news/harbour-vote")
        assert isinstance(await share(200, rival), Posted)
        assert publisher.posted[-1].url == rival

    # Known by their address alone, never fetched: the desktop page and its AMP and tracking
    # variants (the link key was the article's); the wrapper was read, never opened.
    assert site.hits[("www.courier.co.uk", "/news/harbour-vote")] == 1  # the shortener's target
    assert site.hits[("amp.courier.co.uk", "/news/harbour-vote/amp")] == 0
    assert not any(host == "l.facebook.com" for host, _ in site.hits)
    assert site.hits[("bit.ly", "/3xYzAbc")] == 1
    # Stored once, under the article's own key.
    async with sessionmaker() as session:
        found = await stored_briefs.find_recent_brief(
            session, 1, url_key(site.desktop), clock.now().replace(year=2000)
        )
    assert found is not None and found.brief_message_id == first.message_id

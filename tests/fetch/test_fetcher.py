"""The safe fetcher against real HTTP servers on loopback.

Loopback is reachable only through Settings that exempt it (``fetch_allowed_networks``) and allow
the server's port; the helpers here (also used by test_ssrf.py and test_abusive_servers.py) build
those Settings, raw servers that count the connections they accept, and a resolver that makes
names resolve to chosen addresses.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import ipaddress
import logging
import socket
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer
from yarl import URL

from bot.errors import (
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    MalformedHost,
    NotHTML,
    ResolutionFailed,
    TooLarge,
    TooManyRedirects,
)
from bot.fetch.fetcher import Fetcher, Page
from bot.fetch.guard import create_session
from bot.fetch.urls import url_key
from bot.settings import Settings

HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello.</p></body></html>"


# --- helpers shared with test_ssrf.py and test_abusive_servers.py ---------------------------------


def settings_for(
    *ports: int, allowed: tuple[str, ...] = ("127.0.0.0/8",), **overrides: Any
) -> Settings:
    """Settings that let the fetcher reach ``allowed`` networks on ``ports``."""
    return dataclasses.replace(
        Settings(),
        fetch_allowed_networks=tuple(ipaddress.ip_network(n) for n in allowed),
        fetch_allowed_ports=frozenset(ports) if ports else Settings().fetch_allowed_ports,
        **overrides,
    )


Responder = Callable[[asyncio.StreamWriter], Awaitable[None]]


async def html_response(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(HTML), HTML)
    )
    await writer.drain()


class RawServer:
    """A TCP server on ``host`` that counts accepted connections and answers with ``respond``.

    Raw, so that tests control every byte (lying headers, trickles, hangs); each connection reads
    one request head, then ``respond`` writes whatever it likes and the connection closes.
    """

    def __init__(
        self, respond: Responder = html_response, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.respond = respond
        self.host = host
        self.port = port
        self.connections = 0
        self.requests: list[bytes] = []
        self._handlers: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await self._server.wait_closed()

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            self.requests.append(await reader.readuntil(b"\r\n\r\n"))
            await self.respond(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Closing the server cancels its hung handlers; ending them quietly keeps asyncio's
            # stream callback from logging each cancellation as an error.
            pass
        finally:
            self._handlers.discard(task)
            writer.close()


class FakeResolver(AbstractResolver):
    """Resolves names from a table; an unknown name fails as DNS would."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        if host not in self.table:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for address in self.table[host]
        ]

    async def close(self) -> None:
        pass


class ConnectCounter:
    """Every outgoing connection attempt, seen where the event loop connects a socket."""

    def __init__(self) -> None:
        self.addresses: list[Any] = []


def count_connects(monkeypatch: pytest.MonkeyPatch) -> ConnectCounter:
    """Count the running loop's ``sock_connect`` calls: the edge every aiohttp connection passes."""
    loop = asyncio.get_running_loop()
    real = loop.sock_connect
    counter = ConnectCounter()

    async def counting(sock: socket.socket, address: Any) -> None:
        counter.addresses.append(address)
        await real(sock, address)

    monkeypatch.setattr(loop, "sock_connect", counting)
    return counter


@pytest.fixture
async def connects(monkeypatch: pytest.MonkeyPatch) -> ConnectCounter:
    return count_connects(monkeypatch)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def fetch_with(
    settings: Settings, url: str, *, resolver: AbstractResolver | None = None
) -> Page:
    async with create_session(settings, resolver=resolver) as session:
        return await Fetcher(session, settings).fetch(url)


# --- a web app for the ordinary cases -------------------------------------------------------------

SiteServer = tuple["Site", TestServer]


class Site:
    def __init__(self) -> None:
        self.hits: list[web.Request] = []
        self.release = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._count])
        app.router.add_get("/", self.page)
        app.router.add_get("/slow", self.slow_page)
        app.router.add_get("/redirect/{code}", self.redirect)
        app.router.add_get("/hop/{n}", self.hop)
        app.router.add_get("/status/{code}", self.status)
        app.router.add_get("/typed", self.typed)
        return app

    @web.middleware
    async def _count(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.hits.append(request)
        response: web.StreamResponse = await handler(request)
        return response

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(body=HTML, content_type="text/html", charset="utf-8")

    async def slow_page(self, request: web.Request) -> web.Response:
        # Long enough that every concurrent caller arrives while the one request is in flight.
        await asyncio.sleep(0.2)
        return await self.page(request)

    async def redirect(self, request: web.Request) -> web.Response:
        target = request.query.get("to", "/")
        return web.Response(status=int(request.match_info["code"]), headers={"Location": target})

    async def hop(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return await self.page(request)
        return web.Response(status=302, headers={"Location": f"/hop/{n - 1}"})

    async def status(self, request: web.Request) -> web.Response:
        return web.Response(
            status=int(request.match_info["code"]), body=HTML, content_type="text/html"
        )

    async def typed(self, request: web.Request) -> web.Response:
        response = web.Response(body=HTML)
        response.headers["Content-Type"] = request.query["type"]
        return response


@pytest.fixture
async def site() -> AsyncIterator[SiteServer]:
    s = Site()
    server = TestServer(s.app(), host="127.0.0.1")
    await server.start_server()
    yield s, server
    await server.close()


@pytest.fixture
async def fetcher(site: SiteServer) -> AsyncIterator[Fetcher]:
    _, server = site
    assert server.port is not None
    settings = settings_for(server.port)
    async with create_session(settings) as session:
        yield Fetcher(session, settings)


def url_of(server: TestServer, path: str) -> str:
    return str(server.make_url(path))


# --- ordinary pages ------------------------------------------------------------------------------


async def test_fetches_a_page_with_user_agent_and_accept(
    site: SiteServer, fetcher: Fetcher
) -> None:
    s, server = site
    url = url_of(server, "/?utm_source=feed&id=7")
    page = await fetcher.fetch(url)
    assert page == Page(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html",
        charset="utf-8",
        body=HTML,
        truncated=False,
    )
    [request] = s.hits
    # Fetched as posted: tracking parameters are stripped only for keys.
    assert request.query_string == "utm_source=feed&id=7"
    assert request.headers["User-Agent"] == Settings().fetch_user_agent
    assert request.headers["Accept"] == "text/html,application/xhtml+xml"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("absolute", [False, True])
async def test_follows_redirects(
    site: SiteServer, fetcher: Fetcher, code: int, absolute: bool
) -> None:
    s, server = site
    target = url_of(server, "/") if absolute else "/"
    url = url_of(server, f"/redirect/{code}?to={target}")
    page = await fetcher.fetch(url)
    assert (page.url, page.final_url, page.body) == (url, url_of(server, "/"), HTML)
    assert [r.path for r in s.hits] == [f"/redirect/{code}", "/"]


async def test_follows_at_most_the_configured_redirects(site: SiteServer, fetcher: Fetcher) -> None:
    s, server = site
    assert (await fetcher.fetch(url_of(server, "/hop/5"))).final_url == url_of(server, "/hop/0")
    s.hits.clear()
    with pytest.raises(TooManyRedirects):
        await fetcher.fetch(url_of(server, "/hop/6"))
    assert [r.path for r in s.hits] == [f"/hop/{n}" for n in range(6, 0, -1)]


@pytest.mark.parametrize("code", [404, 500])
async def test_http_errors(site: SiteServer, fetcher: Fetcher, code: int) -> None:
    _, server = site
    with pytest.raises(HTTPStatusError) as caught:
        await fetcher.fetch(url_of(server, f"/status/{code}"))
    assert caught.value.status == code
    assert str(code) in caught.value.user_message


@pytest.mark.parametrize(
    "content_type",
    ["application/pdf", "image/png", "application/json", "video/mp4", "text/plain; charset=utf-8"],
)
async def test_refuses_what_is_not_html(
    site: SiteServer, fetcher: Fetcher, content_type: str
) -> None:
    _, server = site
    with pytest.raises(NotHTML):
        await fetcher.fetch(str(server.make_url("/typed").with_query(type=content_type)))


@pytest.mark.parametrize(
    ("header", "content_type", "charset"),
    [
        ("text/html; charset=x-no-such-charset", "text/html", "x-no-such-charset"),
        ('TEXT/HTML; Charset="Shift_JIS"', "text/html", "Shift_JIS"),
        ("application/xhtml+xml", "application/xhtml+xml", None),
        ("text/html; charset=", "text/html", None),
    ],
)
async def test_passes_the_charset_through(
    site: SiteServer, fetcher: Fetcher, header: str, content_type: str, charset: str | None
) -> None:
    _, server = site
    page = await fetcher.fetch(str(server.make_url("/typed").with_query(type=header)))
    assert (page.content_type, page.charset, page.body) == (content_type, charset, HTML)


def raw_reply(headers: bytes, body: bytes) -> Responder:
    async def respond(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n" + headers + b"Connection: close\r\n\r\n" + body)
        await writer.drain()

    return respond


@pytest.mark.parametrize(
    ("body", "is_html"),
    [
        (b"  \n<!DOCTYPE html><html><body>x</body></html>", True),
        (b"\xef\xbb\xbf<HTML><body>x</body></HTML>", True),
        (b"%PDF-1.7 binary", False),
        (b"", False),
    ],
)
async def test_sniffs_a_missing_content_type(body: bytes, is_html: bool) -> None:
    async with RawServer(raw_reply(b"Content-Length: %d\r\n" % len(body), body)) as server:
        settings = settings_for(server.port)
        if is_html:
            page = await fetch_with(settings, server.url())
            assert (page.content_type, page.body) == ("text/html", body)
        else:
            with pytest.raises(NotHTML):
                await fetch_with(settings, server.url())


# --- time ----------------------------------------------------------------------------------------


async def test_slow_first_byte_times_out() -> None:
    async def never_answer(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(60)

    async with RawServer(never_answer) as server:
        settings = settings_for(server.port, fetch_first_byte_timeout=0.3, fetch_total_timeout=30)
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            await fetch_with(settings, server.url())
        # The first-byte timeout (0.3 s) ended it, not the total (30 s): a generous margin between.
        assert time.monotonic() - started < 10


async def test_slow_drip_is_ended_by_the_total_deadline() -> None:
    async def drip(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")
        while True:
            # Each byte arrives well within the per-read timeout: only the deadline can stop this.
            await asyncio.sleep(0.05)
            writer.write(b"x")
            await writer.drain()

    async with RawServer(drip) as server:
        settings = settings_for(server.port, fetch_first_byte_timeout=0.4, fetch_total_timeout=0.8)
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            await fetch_with(settings, server.url())
        # Not the per-read timeout (0.4 s; timers never fire early), and the deadline did end the
        # endless drip: a generous margin for a busy machine above it.
        assert 0.7 < time.monotonic() - started < 10


# --- size ----------------------------------------------------------------------------------------


async def test_refuses_an_oversize_declared_length_without_reading() -> None:
    async with RawServer(
        raw_reply(b"Content-Type: text/html\r\nContent-Length: 6000000\r\n", HTML)
    ) as server:
        with pytest.raises(TooLarge):
            await fetch_with(settings_for(server.port), server.url())


async def test_truncates_an_oversize_body_without_length() -> None:
    limit = 100_000

    async def stream(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
        for _ in range(30):
            writer.write(b"<p>" + b"a" * 9993 + b"</p>")
            await writer.drain()

    async with RawServer(stream) as server:
        page = await fetch_with(settings_for(server.port, fetch_max_bytes=limit), server.url())
    assert page.truncated
    assert len(page.body) == limit
    assert page.body.startswith(b"<p>aaa")


async def test_a_body_of_exactly_the_limit_is_not_truncated() -> None:
    body = b"<html>" + b"x" * 994
    async with RawServer(raw_reply(b"Content-Type: text/html\r\n", body)) as server:
        page = await fetch_with(settings_for(server.port, fetch_max_bytes=1000), server.url())
    assert (len(page.body), page.truncated) == (1000, False)


async def test_gzip_bomb_stops_at_the_limit() -> None:
    limit = 1_000_000
    bomb = gzip.compress(b"<html>" + bytes(10_000_000), compresslevel=9)
    headers = b"Content-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n" % len(
        bomb
    )
    async with RawServer(raw_reply(headers, bomb)) as server:
        settings = settings_for(server.port, fetch_max_bytes=limit)
        tracemalloc.start()
        try:
            page = await fetch_with(settings, server.url())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(bomb) < 20_000
    assert page.truncated and len(page.body) == limit and page.body.startswith(b"<html>\0\0")
    assert peak < 3 * limit + 2_000_000


# --- sharing and caching -------------------------------------------------------------------------


async def test_simultaneous_fetches_share_one_request(site: SiteServer, fetcher: Fetcher) -> None:
    s, server = site
    urls = [url_of(server, "/slow")] * 50 + [
        url_of(server, f"/slow?utm_source=s{i}&utm_medium=m") for i in range(50)
    ]
    pages = await asyncio.gather(*(fetcher.fetch(u) for u in urls))
    assert len(s.hits) == 1
    assert all(p is pages[0] for p in pages)


async def test_simultaneous_failures_share_one_request_and_one_log(
    site: SiteServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    s, server = site
    caplog.set_level(logging.INFO, logger="bot.fetch.fetcher")
    results = await asyncio.gather(
        *(fetcher.fetch(url_of(server, "/status/404")) for _ in range(100)), return_exceptions=True
    )
    assert len(s.hits) == 1
    assert all(isinstance(r, HTTPStatusError) and r.status == 404 for r in results)
    assert len([r for r in caplog.records if r.name == "bot.fetch.fetcher"]) == 1


async def test_a_cancelled_caller_does_not_cancel_the_others(
    site: SiteServer, fetcher: Fetcher
) -> None:
    s, server = site
    first = asyncio.create_task(fetcher.fetch(url_of(server, "/slow")))
    second = asyncio.create_task(fetcher.fetch(url_of(server, "/slow")))
    await asyncio.sleep(0.05)
    first.cancel()
    assert (await second).body == HTML
    assert first.cancelled() and len(s.hits) == 1


async def test_caches_success_then_expires(site: SiteServer) -> None:
    s, server = site
    assert server.port is not None
    settings = settings_for(server.port, fetch_cache_seconds=60)
    clock = FakeClock()
    async with create_session(settings) as session:
        fetcher = Fetcher(session, settings, clock=clock)
        first = await fetcher.fetch(url_of(server, "/"))
        clock.now += 59
        assert await fetcher.fetch(url_of(server, "/?utm_campaign=x")) is first
        assert len(s.hits) == 1
        clock.now += 2
        assert (await fetcher.fetch(url_of(server, "/"))) is not first
        assert len(s.hits) == 2


async def test_caches_failure_then_expires(site: SiteServer) -> None:
    s, server = site
    assert server.port is not None
    settings = settings_for(server.port, fetch_failure_cache_seconds=30)
    clock = FakeClock()
    async with create_session(settings) as session:
        fetcher = Fetcher(session, settings, clock=clock)
        for _ in range(3):
            with pytest.raises(HTTPStatusError):
                await fetcher.fetch(url_of(server, "/status/500"))
        assert len(s.hits) == 1
        clock.now += 31
        with pytest.raises(HTTPStatusError):
            await fetcher.fetch(url_of(server, "/status/500"))
        assert len(s.hits) == 2


async def test_cache_memory_is_bounded(site: SiteServer) -> None:
    s, server = site
    assert server.port is not None
    settings = settings_for(server.port)
    async with create_session(settings) as session:
        # Room for two bodies: fetching a third evicts the least recently used.
        fetcher = Fetcher(session, settings, cache_max_bytes=2 * len(HTML))
        a, b, c = (url_of(server, f"/?page={n}") for n in "abc")
        await fetcher.fetch(a)
        await fetcher.fetch(b)
        await fetcher.fetch(a)
        await fetcher.fetch(c)
        assert len(s.hits) == 3
        await fetcher.fetch(a)
        assert len(s.hits) == 3
        await fetcher.fetch(b)
        assert len(s.hits) == 4


# --- the network boundary with default settings --------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.1.nip.test"])
async def test_default_settings_refuse_loopback(host: str, connects: ConnectCounter) -> None:
    async with RawServer() as server:
        # Default settings, but for the test server's port, so the address check is what refuses.
        settings = dataclasses.replace(Settings(), fetch_allowed_ports=frozenset({server.port}))
        resolver = FakeResolver(
            {"127.0.0.1.nip.test": ["127.0.0.1"], "localhost": ["127.0.0.1", "::1"]}
        )
        with pytest.raises(BlockedAddress) as caught:
            await fetch_with(settings, f"http://{host}:{server.port}/", resolver=resolver)
    assert server.connections == 0 and connects.addresses == []
    assert "127.0.0.1" not in caught.value.user_message
    assert caught.value.detail is not None and "127.0.0.1" in caught.value.detail


async def test_default_settings_refuse_ipv6_loopback(connects: ConnectCounter) -> None:
    async with RawServer(host="::1") as server:
        settings = dataclasses.replace(Settings(), fetch_allowed_ports=frozenset({server.port}))
        with pytest.raises(BlockedAddress):
            await fetch_with(settings, server.url())
    assert server.connections == 0 and connects.addresses == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/",
    ],
)
async def test_default_settings_refuse_private_addresses(
    url: str, connects: ConnectCounter
) -> None:
    with pytest.raises(BlockedAddress):
        await fetch_with(Settings(), url)
    assert connects.addresses == []


# --- failures to reach -------------------------------------------------------------------------


async def test_unknown_name_is_a_resolution_failure() -> None:
    with pytest.raises(ResolutionFailed) as caught:
        await fetch_with(settings_for(80), "http://no-such-name.test/", resolver=FakeResolver({}))
    assert "Name or service" not in caught.value.user_message


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_refused_connection_is_a_connection_failure() -> None:
    port = closed_port()
    with pytest.raises(ConnectionFailed):
        await fetch_with(settings_for(port), f"http://127.0.0.1:{port}/")


async def test_reset_connection_is_a_connection_failure() -> None:
    async def reset(writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()

    async with RawServer(reset) as server:
        with pytest.raises(ConnectionFailed):
            await fetch_with(settings_for(server.port), server.url())


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://10.0.0.1/", BlockedAddress),
        ("http://no-such-name.test/", ResolutionFailed),
        ("http://user@example.com/", InvalidURL),
        ("http://127.0.0.1:{closed}/", ConnectionFailed),
    ],
)
async def test_user_messages_carry_no_internal_detail(url: str, error: type[Exception]) -> None:
    port = closed_port()
    with pytest.raises(error) as caught:
        await fetch_with(settings_for(80, port), url.format(closed=port), resolver=FakeResolver({}))
    exc = caught.value
    assert isinstance(exc, FetchError)
    # The class's fixed wording, never the address, port or exception text (that is in detail).
    assert exc.user_message == type(exc).user_message
    assert exc.detail


async def test_invalid_url_makes_no_request(connects: ConnectCounter) -> None:
    with pytest.raises(InvalidURL):
        await fetch_with(settings_for(80), "http://user@example.com/")
    assert connects.addresses == []


def test_page_is_frozen() -> None:
    page = Page("u", "u", 200, "text/html", None, b"", False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.body = b"x"  # type: ignore[misc]


# --- hosts: one encoding for the key, the cache and the fetch (issue 10) -------------------------


@pytest.mark.parametrize(
    ("lookalike", "fetched_as", "genuine"),
    [
        ("busineßinsider.test", "xn--busineinsider-gdb.test", "businessinsider.test"),
        ("ςοφια.test", "xn--mxaprlv.test", "σοφια.test"),
        ("faß.test", "xn--fa-hia.test", "fass.test"),
    ],
)
async def test_a_lookalike_host_is_fetched_and_cached_apart_from_the_genuine_one(
    lookalike: str, fetched_as: str, genuine: str
) -> None:
    async def echo_host(request: web.Request) -> web.Response:
        return web.Response(body=HTML + request.host.encode(), content_type="text/html")

    app = web.Application()
    app.router.add_get("/x", echo_host)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        port = server.port
        assert port is not None
        genuine_ascii = URL(f"http://{genuine}/").raw_host
        assert genuine_ascii is not None
        resolver = FakeResolver({fetched_as: ["127.0.0.1"], genuine_ascii: ["127.0.0.1"]})
        settings = settings_for(port)
        fake, real = f"http://{lookalike}:{port}/x", f"http://{genuine}:{port}/x"
        async with create_session(settings, resolver=resolver) as session:
            fetcher = Fetcher(session, settings)
            fake_page = await fetcher.fetch(fake)
            real_page = await fetcher.fetch(real)
            again = await fetcher.fetch(real)
    finally:
        await server.close()
    # Each page came from its own host, the one its key names, and the cache kept them apart.
    assert resolver.calls == [fetched_as, genuine_ascii]
    assert fake_page.body.endswith(f"{fetched_as}:{port}".encode())
    assert real_page.body.endswith(f"{genuine_ascii}:{port}".encode())
    assert again.body == real_page.body
    assert urlsplit(url_key(fake)).hostname == fetched_as
    assert urlsplit(url_key(real)).hostname == genuine_ascii


MALFORMED_HOSTS = [
    "http://xn--zz/",
    "http://a.xn--/",
    "http://xn--abc-.test/",
    "http://xn--a.test/",
    "http://" + "a" * 64 + ".test/",
    "http://a..test/",
    "http://" + ("b" * 62 + ".") * 4 + "test/",
]


@pytest.mark.parametrize("url", MALFORMED_HOSTS)
async def test_a_malformed_host_is_refused_before_any_lookup_and_without_a_traceback(
    url: str, connects: ConnectCounter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    resolver = FakeResolver({})
    with pytest.raises(MalformedHost) as caught:
        await fetch_with(settings_for(80), url, resolver=resolver)
    assert resolver.calls == [] and connects.addresses == []
    assert "malformed" in caught.value.user_message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_redirect_to_a_malformed_host_is_refused_without_a_traceback(
    site: SiteServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    s, server = site
    caplog.set_level(logging.DEBUG)
    with pytest.raises(MalformedHost):
        await fetcher.fetch(url_of(server, f"/redirect/302?to=http://xn--zz:{server.port}/"))
    assert len(s.hits) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

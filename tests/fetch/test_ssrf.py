"""Every SSRF form in SECURITY.md, each proven to make no connection to the forbidden address.

The forbidden target is a real server on 127.0.0.1 that counts accepted connections; only
127.0.0.2 (where the "allowed" site listens) is exempt from the block list. Forms that cannot be
served on loopback (10.0.0.1, 169.254.169.254, ...) are proven unconnected by counting every
``sock_connect`` the event loop makes.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.abc import ResolveResult
from aiohttp.test_utils import TestServer

from bot.errors import BlockedAddress, FetchError, InvalidURL
from bot.fetch.guard import check_url, create_session
from bot.settings import Settings
from tests.fetch.test_fetcher import (
    HTML,
    ConnectCounter,
    FakeResolver,
    RawServer,
    count_connects,
    fetch_with,
    settings_for,
)

ALLOWED = ("127.0.0.2/32",)


@pytest.fixture
async def connects(monkeypatch: pytest.MonkeyPatch) -> ConnectCounter:
    return count_connects(monkeypatch)


@pytest.fixture
async def forbidden() -> AsyncIterator[RawServer]:
    async with RawServer(host="127.0.0.1") as server:
        yield server


@pytest.fixture
async def allowed() -> AsyncIterator[TestServer]:
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=HTML, content_type="text/html")

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(
            status=int(request.match_info["code"]), headers={"Location": request.query["to"]}
        )

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/redirect/{code}", redirect)
    server = TestServer(app, host="127.0.0.2")
    await server.start_server()
    yield server
    await server.close()


def resolver_for(forbidden: RawServer) -> FakeResolver:
    return FakeResolver(
        {
            "loop.test": ["127.0.0.1"],
            "loop6.test": ["::1"],
            "mapped.test": ["::ffff:127.0.0.1"],
            "metadata.test": ["169.254.169.254"],
            "private.test": ["10.1.2.3"],
            "nat64.test": ["64:ff9b::a9fe:a9fe"],
            "mixed.test": ["127.0.0.2", "127.0.0.1"],
            "mixed-reversed.test": ["127.0.0.1", "127.0.0.2"],
            "public-and-private.test": ["93.184.216.34", "10.0.0.1"],
            "good.test": ["127.0.0.2"],
        }
    )


def settings_around(forbidden: RawServer, allowed: TestServer | None = None) -> Settings:
    ports = {80, 443, forbidden.port} | ({allowed.port} if allowed and allowed.port else set())
    return settings_for(*ports, allowed=ALLOWED)


def fill(template: str, forbidden: RawServer, allowed: TestServer | None = None) -> str:
    return template.format(fport=forbidden.port, aport=allowed.port if allowed else 0)


BLOCKED_ADDRESSES = [
    # served on loopback: a missed check would reach the forbidden server
    "http://127.0.0.1:{fport}/",
    "http://127.0.0.53:{fport}/",
    "http://127.255.255.254:{fport}/",
    "http://0.0.0.0:{fport}/",  # Linux connects 0.0.0.0 to the local host
    "http://[::1]:{fport}/",
    "http://[::]:{fport}/",
    "http://[::ffff:127.0.0.1]:{fport}/",  # IPv4-mapped
    "http://[::ffff:7f00:1]:{fport}/",
    "http://[::127.0.0.1]:{fport}/",  # IPv4-compatible
    "http://[64:ff9b::7f00:1]:{fport}/",  # NAT64
    "http://[2002:7f00:1::]:{fport}/",  # 6to4
    # not served here: the connect counter proves nothing was attempted
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.1/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.0.1/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::a9fe:a9fe]/",  # IPv4-compatible 169.254.169.254
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 169.254.169.254
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 169.254.169.254
    "http://[2002:c0a8:101::]/",  # 6to4 192.168.1.1
    "http://[2001::1]/",  # Teredo
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "http://[100::1]/",  # discard-only
    # names resolving (through the test resolver) to forbidden addresses
    "http://loop.test:{fport}/",
    "http://loop6.test:{fport}/",
    "http://mapped.test:{fport}/",
    "http://metadata.test/latest/meta-data/",
    "http://private.test/",
    "http://nat64.test/",
    # a name with an allowed and a forbidden address is refused, not half-trusted
    "http://mixed.test:{fport}/",
    "http://mixed-reversed.test:{fport}/",
    "http://public-and-private.test/",
]


@pytest.mark.parametrize("template", BLOCKED_ADDRESSES)
async def test_forbidden_addresses_are_never_connected(
    template: str, forbidden: RawServer, connects: ConnectCounter
) -> None:
    url = fill(template, forbidden)
    with pytest.raises(BlockedAddress) as caught:
        await fetch_with(settings_around(forbidden), url, resolver=resolver_for(forbidden))
    assert forbidden.connections == 0
    assert connects.addresses == []
    assert caught.value.detail and "forbidden" in caught.value.detail


INVALID_URLS = [
    # odd numeric hosts: browsers and socket read them as 127.0.0.1
    "http://127.1:{fport}/",
    "http://127.0.1:{fport}/",
    "http://2130706433:{fport}/",
    "http://0x7f.1:{fport}/",
    "http://0x7f000001:{fport}/",
    "http://0x7F.0x0.0x0.0x1:{fport}/",
    "http://0177.0.0.1:{fport}/",
    "http://017700000001:{fport}/",
    "http://127.0.0.01:{fport}/",
    "http://127.000.000.001:{fport}/",
    "http://127.0.0.1.:{fport}/",
    "http://0:{fport}/",
    "http://0x:{fport}/",
    "http://1.2.3.4.5/",
    "http://127%2e0%2e0%2e1:{fport}/",
    "http://[fe80::1%25lo]:{fport}/",
    # userinfo and backslashes: parsers disagree about which host these name
    "http://user@127.0.0.2:{aport}/",
    "http://user:pass@127.0.0.2:{aport}/",
    "http://@127.0.0.2:{aport}/",
    "http://127.0.0.2:{aport}@127.0.0.1:{fport}/",
    "http://127.0.0.2:{aport}\\@127.0.0.1:{fport}/",
    "http://127.0.0.2\\@127.0.0.1:{fport}/",
    "http://127.0.0.1:{fport}\\.127.0.0.2/",
    "http://127.0.0.2:{aport}/a\\b",
    "http:\\\\127.0.0.1:{fport}/",
    # schemes other than http(s)
    "file:///etc/passwd",
    "file://127.0.0.1/etc/passwd",
    "ftp://127.0.0.1:{fport}/",
    "gopher://127.0.0.1:{fport}/_GET%20/",
    "dict://127.0.0.1:{fport}/",
    "ws://127.0.0.2:{aport}/",
    "data:text/html,<p>hi</p>",
    "javascript:alert(1)",
    "//127.0.0.1:{fport}/",
    # no host, bad ports, control characters, too long
    "http:///path",
    "http://:{fport}/",
    "http://127.0.0.2:0/",
    "http://127.0.0.2:65536/",
    "http://127.0.0.2:{aport}/\n",
    " http://127.0.0.2:{aport}/",
    "http://127.0.0.2:{aport}/" + "a" * 2048,
]


@pytest.mark.parametrize("template", INVALID_URLS)
async def test_invalid_urls_are_refused_before_any_connection(
    template: str, forbidden: RawServer, allowed: TestServer, connects: ConnectCounter
) -> None:
    url = fill(template, forbidden, allowed)
    with pytest.raises(InvalidURL):
        await fetch_with(settings_around(forbidden, allowed), url, resolver=resolver_for(forbidden))
    assert forbidden.connections == 0
    assert connects.addresses == []


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{fport}/",
        "https://127.0.0.1:{fport}/",
        "http://loop.test:{fport}/",
        "http://127.0.0.1:8080/",
        "https://127.0.0.1:8443/",
        "http://127.0.0.1:22/",
    ],
)
async def test_ports_other_than_the_allowed_are_refused(
    template: str, forbidden: RawServer, connects: ConnectCounter
) -> None:
    # Loopback is exempt here, so only the port rule stands between the fetcher and the server.
    settings = settings_for(allowed=("127.0.0.0/8",))
    assert settings.fetch_allowed_ports == {80, 443}
    with pytest.raises(InvalidURL):
        await fetch_with(settings, fill(template, forbidden), resolver=resolver_for(forbidden))
    assert forbidden.connections == 0
    assert connects.addresses == []


REDIRECT_TARGETS = [
    ("http://127.0.0.1:{fport}/", BlockedAddress),
    ("//127.0.0.1:{fport}/", BlockedAddress),  # scheme-relative
    ("/redirect/302?to=http://127.0.0.1:{fport}/", BlockedAddress),  # relative hop, then away
    ("http://[::ffff:127.0.0.1]:{fport}/", BlockedAddress),
    ("http://loop.test:{fport}/", BlockedAddress),
    ("http://mixed.test:{fport}/", BlockedAddress),
    ("http://169.254.169.254/latest/meta-data/", BlockedAddress),
    ("http://[64:ff9b::a9fe:a9fe]/", BlockedAddress),
    ("http://10.0.0.1/", BlockedAddress),
    ("http://2130706433:{fport}/", InvalidURL),
    ("http://127.1:{fport}/", InvalidURL),
    ("http://x@127.0.0.1:{fport}/", InvalidURL),
    ("http://127.0.0.2:{aport}\\@127.0.0.1:{fport}/", InvalidURL),
    ("file:///etc/passwd", InvalidURL),
    ("gopher://127.0.0.1:{fport}/", InvalidURL),
    ("http://127.0.0.1:8080/", InvalidURL),
]


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(("target", "error"), REDIRECT_TARGETS)
async def test_redirects_to_forbidden_targets_are_refused(
    code: int,
    target: str,
    error: type[FetchError],
    forbidden: RawServer,
    allowed: TestServer,
    connects: ConnectCounter,
) -> None:
    location = fill(target, forbidden, allowed)
    url = str(allowed.make_url(f"/redirect/{code}").with_query(to=location))
    with pytest.raises(error):
        await fetch_with(settings_around(forbidden, allowed), url, resolver=resolver_for(forbidden))
    assert forbidden.connections == 0
    # The allowed site was reached (the counter works); nothing else was.
    assert connects.addresses and all(a[0] == "127.0.0.2" for a in connects.addresses)


async def test_allowed_site_is_reachable_through_a_name(
    forbidden: RawServer, allowed: TestServer, connects: ConnectCounter
) -> None:
    # The positive control for the tables above: same settings, an allowed target, one connection.
    page = await fetch_with(
        settings_around(forbidden, allowed),
        f"http://good.test:{allowed.port}/",
        resolver=resolver_for(forbidden),
    )
    assert page.body == HTML
    assert [a[0] for a in connects.addresses] == ["127.0.0.2"]


class RebindingResolver(FakeResolver):
    """Answers an allowed address first and a forbidden one afterwards, as a rebinding attack."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.table = {host: ["127.0.0.2"] if not self.calls else ["127.0.0.1"]}
        return await super().resolve(host, port, family)


async def test_connects_to_the_address_that_was_checked(forbidden: RawServer) -> None:
    # Both servers on one port, so only the address decides which one a connection reaches: a
    # second lookup after the check would land on the forbidden one.
    resolver = RebindingResolver({})
    async with RawServer(host="127.0.0.2", port=forbidden.port) as good:
        url = f"http://rebind.test:{forbidden.port}/"
        page = await fetch_with(settings_around(forbidden), url, resolver=resolver)
    assert page.body == HTML
    assert resolver.calls == ["rebind.test"]
    assert (good.connections, forbidden.connections) == (1, 0)


async def test_proxy_variables_are_ignored(
    forbidden: RawServer, allowed: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, forbidden.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    page = await fetch_with(settings_around(forbidden, allowed), str(allowed.make_url("/")))
    assert page.body == HTML
    assert forbidden.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "https://EXAMPLE.com/path?q=1#frag",
        "http://93.184.216.34/",
        "http://[2606:4700::1111]/",
        "http://bücher.example/",
        "http://xn--bcher-kva.example/",
        "http://example.com./",
        "http://a-b_c.example/",
        "http://123.example/",
        "http://0x7f.example/",
        "http://example.123abc/",
        "https://example.com:443/",
        "http://example.com/a?next=http://127.0.0.1/&x=a\\b",
    ],
)
def test_check_url_lets_ordinary_urls_through(url: str) -> None:
    assert check_url(url, Settings()).scheme in {"http", "https"}


async def test_session_ignores_the_environment_and_bounds_its_pool() -> None:
    async with create_session(Settings()) as session:
        assert session.trust_env is False
        assert session.connector is not None
        assert (session.connector.limit, session.connector.limit_per_host) == (20, 2)

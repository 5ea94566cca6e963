"""Feeds through the safe fetcher (issue 16): conditional GET and its 304, whole bodies only, the
address rules on every redirect hop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.errors import BlockedAddress, HTTPStatusError, NotAFeed, TooLarge
from bot.fetch.fetcher import FeedBody, Fetcher, NotModified
from bot.fetch.guard import create_session
from bot.settings import Settings
from tests._feeds import FeedSite, feed_server, items
from tests.fetch.test_fetcher import ConnectCounter, RawServer, count_connects, settings_for


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    # 127.0.0.2: the only address exempt from the block list below.
    async with feed_server("127.0.0.2") as served:
        served.entries = items(3)
        yield served


def _settings(site: FeedSite, *ports: int, **overrides: object) -> Settings:
    port = int(site.base.rpartition(":")[2])
    return settings_for(port, *ports, allowed=("127.0.0.2/32",), **overrides)


async def _fetch(settings: Settings, url: str, **validators: str | None) -> FeedBody | NotModified:
    async with create_session(settings) as session:
        return await Fetcher(session, settings).fetch_feed(url, **validators)


@pytest.mark.parametrize("name", ["rss", "atom", "json"])
async def test_a_feed_answers_304_to_its_own_validators(site: FeedSite, name: str) -> None:
    settings = _settings(site)
    first = await _fetch(settings, site.url(f"/{name}"))
    assert isinstance(first, FeedBody) and b"/articles/3" in first.body
    assert first.etag or first.last_modified
    again = await _fetch(
        settings, site.url(f"/{name}"), etag=first.etag, last_modified=first.last_modified
    )
    assert isinstance(again, NotModified)
    sent = site.polls(f"/{name}")[-1]
    assert sent.get("If-None-Match") == first.etag or sent.get("If-Modified-Since") == (
        first.last_modified
    )
    site.entries = items(4)  # a new item: the validators no longer match
    changed = await _fetch(
        settings, site.url(f"/{name}"), etag=first.etag, last_modified=first.last_modified
    )
    assert isinstance(changed, FeedBody) and b"/articles/4" in changed.body


async def test_a_huge_feed_is_refused_not_cut(site: FeedSite) -> None:
    site.huge_bytes = 300_000
    with pytest.raises(TooLarge):
        await _fetch(_settings(site, fetch_max_bytes=100_000), site.url("/huge"))
    site.huge_bytes = 10_000  # under the limit: read whole
    body = await _fetch(_settings(site, fetch_max_bytes=100_000), site.url("/huge"))
    assert isinstance(body, FeedBody) and body.body.endswith(b"</channel></rss>")


async def test_a_page_that_is_not_a_feed_type_is_refused(site: FeedSite) -> None:
    with pytest.raises(NotAFeed):
        await _fetch(_settings(site), site.url("/articles/1"))  # text/html
    with pytest.raises(HTTPStatusError):
        await _fetch(_settings(site), site.url("/nothing-here"))


async def test_a_redirect_to_a_forbidden_address_is_refused_without_connecting(
    site: FeedSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    connects: ConnectCounter = count_connects(monkeypatch)
    async with RawServer(host="127.0.0.1") as forbidden:
        site.redirect_to = f"http://127.0.0.1:{forbidden.port}/feed.xml"
        with pytest.raises(BlockedAddress):
            await _fetch(_settings(site, forbidden.port), site.url("/redirect"))
        assert forbidden.connections == 0
    assert connects.addresses and all(a[0] == "127.0.0.2" for a in connects.addresses)

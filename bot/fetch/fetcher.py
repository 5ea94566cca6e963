"""The safe fetcher: the security boundary between links anyone can paste and our network.

A :class:`Fetcher` turns a URL into a :class:`Page` or a :class:`~bot.errors.FetchError`:

1. :func:`~bot.fetch.guard.check_url` refuses what is not a plain http(s) URL on an allowed port
   (userinfo, backslashes, odd numeric hosts, other schemes), before anything touches the network;
2. the session from :func:`~bot.fetch.guard.create_session` checks every address a host resolves
   to inside the connector, and connects to exactly those addresses (IP literals included, no
   second lookup);
3. redirects are followed by hand, each hop going through 1 and 2 again;
4. time (connect, first byte, a total deadline) and size (declared, then counted after
   decompression) are bounded, and only HTML is read;
5. concurrent fetches of one page (same :func:`~bot.fetch.urls.url_key`) share one request, and the
   outcome, success or failure, is cached for a while.

SECURITY.md lists the threats and where each limit comes from.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from yarl import URL

from bot.errors import (
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    NotAFeed,
    NotHTML,
    ResolutionFailed,
    TooLarge,
    TooManyRedirects,
)
from bot.fetch.guard import check_url, describe_error, shorten
from bot.fetch.urls import url_key
from bot.settings import Settings

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# What feeds are served as (RSS, Atom, RDF, JSON Feed, and the generic types servers use for them).
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
        "application/feed+json",
        "application/json",
        "text/plain",
    }
)
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "application/json;q=0.9, text/xml;q=0.8, */*;q=0.1"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# The cache holds whole bodies (up to fetch_max_bytes each); these bound its memory.
CACHE_MAX_BYTES = 64 * 1024 * 1024
CACHE_MAX_ENTRIES = 4096

_READ_CHUNK = 64 * 1024
_SNIFF_BYTES = 1024
_HOST_CHARACTERS = re.compile(r"[a-z0-9_.-]+")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")


@dataclass(frozen=True)
class Page:
    """A fetched HTML page.

    ``body`` is decompressed and at most ``fetch_max_bytes`` long; ``truncated`` says reading
    stopped at that limit. ``charset`` is the Content-Type header's, as the server wrote it
    (decoding is the extractor's job).
    """

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    truncated: bool


@dataclass(frozen=True)
class FeedBody:
    """A fetched feed document (:meth:`Fetcher.fetch_feed`), whole; ``etag`` and
    ``last_modified`` are the validators to send with the next poll."""

    url: str
    final_url: str
    content_type: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class NotModified:
    """The feed answered 304: nothing new since the validators sent."""

    final_url: str
    etag: str | None = None
    last_modified: str | None = None


_R = TypeVar("_R")
# Reads one answer: what the caller wants of it, or the Location of a redirect to follow.
_Reader = Callable[[str, aiohttp.ClientResponse], Awaitable[_R | str]]


@dataclass
class _Cached:
    expires: float
    outcome: Page | FetchError
    size: int


class Fetcher:
    """Fetches pages safely, once per page at a time, and remembers the outcome.

    Successes are kept ``fetch_cache_seconds``, failures ``fetch_failure_cache_seconds``. The cache
    is bounded to :data:`CACHE_MAX_BYTES` (64 MiB) of bodies and :data:`CACHE_MAX_ENTRIES` entries,
    least recently used first out. ``clock`` (monotonic seconds) is injectable for tests.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_max_bytes: int = CACHE_MAX_BYTES,
    ) -> None:
        self._session = session
        self._settings = settings
        self._clock = clock
        self._cache_max_bytes = cache_max_bytes
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cache_bytes = 0
        self._in_flight: dict[str, asyncio.Task[Page]] = {}

    async def fetch(self, url: str) -> Page:
        """The page at ``url``, fetched as given; raises a :class:`FetchError` subclass."""
        try:
            target = check_url(url, self._settings)
        except InvalidURL as exc:
            log.info("refused %s: %s", url, exc.detail)
            raise
        # Keyed by the very host fetched: url_key's host is check_url's (both yarl's raw_host).
        key = url_key(url)
        cached = self._cached(key)
        if isinstance(cached, Page):
            return cached
        if cached is not None:
            raise cached.with_traceback(None)
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(
                self._fetch_and_remember(key, url, target), name=f"fetch {key}"
            )
            self._in_flight[key] = task
            task.add_done_callback(functools.partial(self._task_done, key))
        # Shielded: one caller giving up (a cancelled command) must not cancel the others' fetch.
        return await asyncio.shield(task)

    async def close(self) -> None:
        """Cancel fetches still in flight (at shutdown)."""
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _task_done(self, key: str, task: asyncio.Task[Page]) -> None:
        if self._in_flight.get(key) is task:
            del self._in_flight[key]
        if not task.cancelled():
            # Retrieved here so a failure whose callers all gave up is not reported as never
            # retrieved; _fetch_and_remember has logged it already.
            task.exception()

    def _cached(self, key: str) -> Page | FetchError | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            self._forget(key)
            return None
        self._cache.move_to_end(key)
        return entry.outcome

    def _remember(self, key: str, outcome: Page | FetchError) -> None:
        if isinstance(outcome, Page):
            seconds, size = self._settings.fetch_cache_seconds, len(outcome.body)
        else:
            seconds, size = self._settings.fetch_failure_cache_seconds, 0
        if size > self._cache_max_bytes:
            return
        self._forget(key)
        self._cache[key] = _Cached(self._clock() + seconds, outcome, size)
        self._cache_bytes += size
        while self._cache_bytes > self._cache_max_bytes or len(self._cache) > CACHE_MAX_ENTRIES:
            self._forget(next(iter(self._cache)))

    def _forget(self, key: str) -> None:
        entry = self._cache.pop(key, None)
        if entry is not None:
            self._cache_bytes -= entry.size

    async def _fetch_and_remember(self, key: str, url: str, target: URL) -> Page:
        try:
            page = await self._fetch(url, target, None, self._read)
        except FetchError as exc:
            level = logging.WARNING if isinstance(exc, BlockedAddress) else logging.INFO
            log.log(level, "fetch of %s failed: %s (%s)", url, type(exc).__name__, exc.detail)
            self._remember(key, exc)
            raise
        self._remember(key, page)
        return page

    async def fetch_feed(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedBody | NotModified:
        """A feed document at ``url`` (issue 16), with conditional GET: ``etag`` and
        ``last_modified`` from the last answer go out as ``If-None-Match``/``If-Modified-Since``,
        and a 304 is :class:`NotModified`. The same address rules, redirects re-checked, time and
        size limits as :meth:`fetch`; never cached or shared (each poll wants the feed as it is
        now, and the feed's lease makes it one poll at a time). A body over ``fetch_max_bytes``
        is refused (:class:`TooLarge`), not cut: half a feed is not a feed."""
        target = check_url(url, self._settings)
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            return await self._fetch(url, target, headers, self._read_feed)
        except FetchError as exc:
            log.info("feed fetch of %s failed: %s (%s)", url, type(exc).__name__, exc.detail)
            raise

    async def _fetch(
        self, url: str, target: URL, headers: dict[str, str] | None, read: _Reader[_R]
    ) -> _R:
        try:
            async with asyncio.timeout(self._settings.fetch_total_timeout):
                return await self._follow(url, target, headers, read)
        except TimeoutError:
            raise FetchTimeout(
                detail=f"over the {self._settings.fetch_total_timeout} s deadline"
            ) from None

    async def _follow(
        self, url: str, current: URL, headers: dict[str, str] | None, read: _Reader[_R]
    ) -> _R:
        for hops in range(self._settings.fetch_max_redirects + 1):
            location = await self._get(url, current, headers, read)
            if not isinstance(location, str):
                return location
            if "\\" in location.split("#", 1)[0].split("?", 1)[0]:
                raise InvalidURL(detail="backslash in redirect")
            try:
                target = current.join(URL(location))
            except ValueError as exc:
                raise InvalidURL(detail=f"unparsable redirect: {describe_error(exc)}") from None
            log.debug("%s redirects to %s (hop %s)", current, target, hops + 1)
            current = check_url(str(target), self._settings)
        raise TooManyRedirects(detail=f"more than {self._settings.fetch_max_redirects} redirects")

    async def _get(
        self, url: str, target: URL, headers: dict[str, str] | None, read: _Reader[_R]
    ) -> _R | str:
        """One request: what ``read`` makes of the answer, or the Location of a redirect."""
        # raw_host, the name connected to: ``host`` decodes punycode and can raise on odd labels.
        host = target.raw_host
        try:
            async with self._session.get(
                target, allow_redirects=False, headers=headers
            ) as response:
                return await read(url, response)
        except FetchError:
            raise
        except aiohttp.ClientConnectorDNSError as exc:
            raise ResolutionFailed(detail=f"{host}: {describe_error(exc)}") from None
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise FetchTimeout(detail=f"{host}: {describe_error(exc)}") from None
        except aiohttp.InvalidURL as exc:
            raise InvalidURL(detail=describe_error(exc)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ConnectionFailed(detail=f"{host}: {describe_error(exc)}") from None

    async def _read(self, url: str, response: aiohttp.ClientResponse) -> Page | str:
        status = response.status
        if status in REDIRECT_STATUSES and response.headers.get("Location"):
            response.close()
            return response.headers["Location"]
        if not 200 <= status < 300:
            response.close()
            raise HTTPStatusError(status, detail=f"{response.url}")
        declared = response.content_length
        if declared is not None and declared > self._settings.fetch_max_declared_bytes:
            response.close()
            raise TooLarge(detail=f"Content-Length {declared}")
        content_type, charset = _media_type(response.headers.get("Content-Type"))
        limit = self._settings.fetch_max_bytes
        body = bytearray()
        if content_type is None:
            while len(body) < _SNIFF_BYTES:
                chunk = await response.content.read(_SNIFF_BYTES - len(body))
                if not chunk:
                    break
                body += chunk
            if not _looks_like_html(bytes(body)):
                response.close()
                raise NotHTML(detail="no Content-Type and no HTML start")
            content_type = "text/html"
        elif content_type not in HTML_TYPES:
            response.close()
            raise NotHTML(detail=f"Content-Type {shorten(content_type)}")
        truncated = await _read_body(response, body, limit)
        return Page(
            url=url,
            final_url=str(response.url),
            status=status,
            content_type=content_type,
            charset=charset,
            body=bytes(body),
            truncated=truncated,
        )

    async def _read_feed(
        self, url: str, response: aiohttp.ClientResponse
    ) -> FeedBody | NotModified | str:
        status = response.status
        if status in REDIRECT_STATUSES and response.headers.get("Location"):
            response.close()
            return response.headers["Location"]
        validators = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if status == 304:
            response.close()
            return NotModified(str(response.url), *validators)
        if not 200 <= status < 300:
            response.close()
            raise HTTPStatusError(status, detail=f"{response.url}")
        limit = self._settings.fetch_max_bytes
        declared = response.content_length
        if declared is not None and declared > limit:
            response.close()
            raise TooLarge("That feed is too large to read.", detail=f"Content-Length {declared}")
        content_type, _ = _media_type(response.headers.get("Content-Type"))
        if content_type is not None and content_type not in FEED_TYPES:
            response.close()
            raise NotAFeed(detail=f"Content-Type {shorten(content_type)}")
        body = bytearray()
        if await _read_body(response, body, limit):
            raise TooLarge("That feed is too large to read.", detail=f"over {limit} bytes")
        return FeedBody(url, str(response.url), content_type, bytes(body), *validators)


async def _read_body(response: aiohttp.ClientResponse, body: bytearray, limit: int) -> bool:
    """Read the rest of ``response`` into ``body``, at most ``limit`` bytes (counted after
    decompression); whether there was more (the rest is not read)."""
    while True:
        # One byte past the limit tells a body of exactly the limit from a longer one.
        chunk = await response.content.read(min(_READ_CHUNK, limit + 1 - len(body)))
        if not chunk:
            return False
        body += chunk
        if len(body) > limit:
            del body[limit:]
            response.close()
            return True


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    """The lower-cased media type and the charset parameter (as given) of a Content-Type."""
    if header is None or not header.strip():
        return None, None
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').strip() or None
    return media_type.strip().lower(), charset


def _looks_like_html(start: bytes) -> bool:
    text = start.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith((b"<!doctype html", b"<html"))

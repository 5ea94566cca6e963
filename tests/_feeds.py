"""A feed server on loopback for the feed tests: RSS 2.0, RSS 1.0, Atom and JSON Feed of one list
of items, with ETags and Last-Modified (a 304 when they match), the article pages the items link
to, a malformed feed, a huge one and a redirect to wherever a test says."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests._article_page import PARAGRAPHS, article_html

DAY0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


@dataclass
class Item:
    guid: str
    path: str  # the article's path on the feed server
    title: str
    published: dt.datetime


def items(n: int, *, start: int = 1) -> list[Item]:
    """``n`` items, the newest first (as feeds list them)."""
    made = [
        Item(
            f"urn:item:{i}",
            f"/articles/{i}",
            f"Ministers meet for round {i}",
            DAY0 + dt.timedelta(hours=i),
        )
        for i in range(start, start + n)
    ]
    return list(reversed(made))


def rss(entries: list[Item], base: str) -> bytes:
    body = "".join(
        f"<item><title>{html.escape(e.title)}</title><link>{base}{e.path}</link>"
        f'<guid isPermaLink="false">{e.guid}</guid>'
        f"<pubDate>{e.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Example News</title><link>{base}/</link>{body}</channel></rss>"
    ).encode()


def rdf(entries: list[Item], base: str) -> bytes:
    body = "".join(
        f'<item rdf:about="{base}{e.path}"><title>{html.escape(e.title)}</title>'
        f"<link>{base}{e.path}</link></item>"
        for e in entries
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>Example RDF</title>'
        f"<link>{base}/</link></channel>{body}</rdf:RDF>"
    ).encode()


def atom(entries: list[Item], base: str) -> bytes:
    # Relative links, as Atom allows: made absolute against the feed's address.
    body = "".join(
        f"<entry><title>{html.escape(e.title)}</title><id>{e.guid}</id>"
        f'<link rel="alternate" href="{e.path}"/>'
        f"<updated>{e.published.isoformat()}</updated></entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Example Atom</title><id>urn:feed</id><updated>{DAY0.isoformat()}</updated>"
        f"{body}</feed>"
    ).encode()


def json_feed(entries: list[Item], base: str) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Example JSON",
            "items": [
                {
                    "id": e.guid,
                    "url": f"{base}{e.path}",
                    "title": e.title,
                    "date_published": e.published.isoformat(),
                }
                for e in entries
            ],
        }
    ).encode()


FORMATS = {
    "rss": (rss, "application/rss+xml"),
    "rdf": (rdf, "application/rdf+xml"),
    "atom": (atom, "application/atom+xml"),
    "json": (json_feed, "application/feed+json"),
}


@dataclass
class FeedSite:
    """What the server serves; tests change ``entries`` between polls."""

    base: str = ""
    entries: list[Item] = field(default_factory=list)
    redirect_to: str = ""
    huge_bytes: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    article_hits: list[str] = field(default_factory=list)
    down: bool = False

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def polls(self, path: str) -> list[dict[str, str]]:
        """The request headers of each poll of ``path``."""
        return [h for p, h in self.requests if p == path]


async def _handler(site: FeedSite, request: web.Request) -> web.StreamResponse:
    path = request.path
    if path.startswith("/articles/"):
        site.article_hits.append(path)
        title = next((e.title for e in site.entries if e.path == path), f"Archive page {path}")
        return web.Response(body=_page(title), content_type="text/html", charset="utf-8")
    site.requests.append((path, dict(request.headers)))
    if site.down:
        return web.Response(status=503, text="down")
    name = path.strip("/")
    if name in FORMATS:
        render, content_type = FORMATS[name]
        body = render(site.entries, site.base)
        digest = hashlib.sha256(body).hexdigest()
        # RSS and Atom carry an ETag, JSON Feed a Last-Modified: both change with the content.
        if name == "json":
            stamp = DAY0 + dt.timedelta(seconds=int(digest[:6], 16))
            validators = {"Last-Modified": format_datetime(stamp, usegmt=True)}
            unchanged = request.headers.get("If-Modified-Since") == validators["Last-Modified"]
        else:
            validators = {"ETag": f'"{digest[:16]}"'}
            unchanged = request.headers.get("If-None-Match") == validators["ETag"]
        if unchanged:
            return web.Response(status=304, headers=validators)
        return web.Response(body=body, content_type=content_type, headers=validators)
    if name == "malformed":
        return web.Response(
            body=b"<html><body>Not a feed</body></html>", content_type="application/rss+xml"
        )
    if name == "malformed-json":
        return web.Response(
            body=b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
            content_type="application/feed+json",
        )
    if name == "huge":
        # Streamed, no Content-Length: the limit is counted as it is read.
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        chunk = b"<item><title>x</title><link>http://a.example/</link></item>" * 1000
        sent = 0
        while sent < site.huge_bytes:
            await response.write(chunk)
            sent += len(chunk)
        await response.write(b"</channel></rss>")
        return response
    if name == "redirect":
        return web.Response(status=302, headers={"Location": site.redirect_to})
    return web.Response(status=404, text="not found")


def _page(title: str) -> bytes:
    return article_html(html.escape(title), [html.escape(p) for p in PARAGRAPHS])


@asynccontextmanager
async def feed_server(host: str = "127.0.0.1") -> AsyncIterator[FeedSite]:
    site = FeedSite()

    async def handle(request: web.Request) -> web.StreamResponse:
        return await _handler(site, request)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    server = TestServer(app, host=host)
    await server.start_server()
    site.base = f"http://{host}:{server.port}"
    try:
        yield site
    finally:
        await server.close()

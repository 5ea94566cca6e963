"""A feed document into its items: RSS 0.9x/1.0/2.0 and Atom with ``feedparser``, JSON Feed
(which feedparser does not read) with :mod:`json`.

The body is bounded before it gets here (the fetcher refuses a feed over ``FETCH_MAX_BYTES``).
feedparser is given the bytes as a stream, never a string: given a string it may open it as a URL
or a file name. Only what identifies an item is kept: its id (RSS ``guid``, Atom ``id``, JSON
Feed ``id``), its link, made absolute against the feed's address, and its date for the order;
titles and summaries are the article page's business (the brief is made from the page).
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.errors import NotAFeed

log = logging.getLogger(__name__)

JSON_TYPES = frozenset({"application/feed+json", "application/json"})
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
# A title is shown in /feed list: a line, not a page.
TITLE_CHARS = 200
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FeedItem:
    """One entry: ``guid`` as the feed gives it (None when it gives none), ``link`` absolute."""

    guid: str | None
    link: str
    published: dt.datetime | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """The feed's title and its items, oldest first."""

    title: str | None
    items: tuple[FeedItem, ...]


def parse_feed(body: bytes, content_type: str | None, base_url: str) -> ParsedFeed:
    """The items of a feed document; raises :class:`~bot.errors.NotAFeed` when it is none.

    Oldest first: by date when every item has one, else the reverse of the document's order
    (feeds list the newest first)."""
    start = body.removeprefix(_BOM).lstrip()[:1]
    if content_type in JSON_TYPES or start == b"{":
        title, items = _json_feed(body)
    else:
        title, items = _xml_feed(body)
    absolute = [_absolute(item, base_url) for item in items]
    kept = [item for item in absolute if item is not None]
    if all(item.published is not None for item in kept):
        # sorted() is stable: items of the same date keep the reverse document order.
        kept = sorted(reversed(kept), key=lambda item: item.published or dt.datetime.min)
    else:
        kept.reverse()
    return ParsedFeed(title[:TITLE_CHARS] if title else None, tuple(kept))


def _xml_feed(body: bytes) -> tuple[str | None, list[FeedItem]]:
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    # feedparser reads what it can of a broken document and says so in ``bozo``; a document with
    # no feed in it at all (HTML, garbage) has no version.
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        raise NotAFeed(detail=f"not RSS or Atom: {type(reason).__name__ if reason else 'no feed'}")
    items: list[FeedItem] = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not isinstance(link, str) or not link.strip():
            continue
        guid = entry.get("id")
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = (
            dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.UTC) if stamp is not None else None
        )
        items.append(FeedItem(_text(guid), link.strip(), published))
    return _text(parsed.feed.get("title")), items


def _json_feed(body: bytes) -> tuple[str | None, list[FeedItem]]:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAFeed(detail=f"JSON Feed: {type(exc).__name__}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        JSON_FEED_VERSION
    ):
        raise NotAFeed(detail="JSON without a JSON Feed version")
    entries = document.get("items")
    if not isinstance(entries, list):
        raise NotAFeed(detail="JSON Feed without items")
    items: list[FeedItem] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        link = entry.get("url") or entry.get("external_url")
        if not isinstance(link, str) or not link.strip():
            continue
        guid = entry.get("id")
        items.append(
            FeedItem(
                _text(guid if not isinstance(guid, bool) else None),
                link.strip(),
                _json_date(entry.get("date_published") or entry.get("date_modified")),
            )
        )
    return _text(document.get("title")), items


def _json_date(value: Any) -> dt.datetime | None:
    """An RFC 3339 date of JSON Feed, as aware UTC; None when absent or malformed."""
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.astimezone(dt.UTC) if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def _text(value: Any) -> str | None:
    """A string or number id or title as one stripped line; None when empty or of another type."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _absolute(item: FeedItem, base_url: str) -> FeedItem | None:
    """The item with its link made absolute against the feed's address; None unless http(s)."""
    link = urljoin(base_url, item.link)
    if urlsplit(link).scheme not in ("http", "https"):
        log.debug("feed item link %r is not a web address; skipped", item.link[:100])
        return None
    return FeedItem(item.guid, link, item.published)

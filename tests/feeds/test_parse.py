"""Feed documents into items: every format, oldest first, links made absolute, junk refused."""

from __future__ import annotations

import pytest

from bot.errors import NotAFeed
from bot.feeds.parse import parse_feed
from tests._feeds import FORMATS, items

BASE = "https://news.example"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_gives_its_items_oldest_first(name: str) -> None:
    render, content_type = FORMATS[name]
    parsed = parse_feed(render(items(3), BASE), content_type, f"{BASE}/feed")
    assert [i.link for i in parsed.items] == [f"{BASE}/articles/{n}" for n in (1, 2, 3)]
    assert parsed.title is not None and parsed.title.startswith("Example")
    if name != "rdf":  # RSS 1.0 items carry no guid and no date here
        assert [i.guid for i in parsed.items] == ["urn:item:1", "urn:item:2", "urn:item:3"]
        assert all(i.published is not None for i in parsed.items)


def test_dates_decide_the_order_when_every_item_has_one() -> None:
    shuffled = items(3)
    shuffled = [shuffled[1], shuffled[2], shuffled[0]]  # reordered by the feed
    render, content_type = FORMATS["rss"]
    parsed = parse_feed(render(shuffled, BASE), content_type, BASE)
    assert [i.link for i in parsed.items] == [f"{BASE}/articles/{n}" for n in (1, 2, 3)]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Not a feed</body></html>", "application/rss+xml"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "application/feed+json"),
        (b'{"items": []}', "application/json"),  # JSON, but no JSON Feed
        (b"\x00\x01\x02 binary", None),
        (b"", None),
    ],
)
def test_what_is_not_a_feed_is_refused(body: bytes, content_type: str | None) -> None:
    with pytest.raises(NotAFeed):
        parse_feed(body, content_type, BASE)


def test_links_that_are_not_web_addresses_are_dropped() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><link>javascript:alert(1)</link><guid>a</guid></item>"
        b"<item><link>/relative/path</link><guid>b</guid></item>"
        b'<item><title>no link</title><guid isPermaLink="false">c</guid></item>'
        b"</channel></rss>"
    )
    parsed = parse_feed(body, "application/rss+xml", f"{BASE}/feeds/main.xml")
    assert [i.link for i in parsed.items] == [f"{BASE}/relative/path"]


def test_a_string_that_names_a_file_is_never_opened(tmp_path: object) -> None:
    # feedparser opens a *string* as a URL or a file; the parser hands it a stream of the bytes.
    with pytest.raises(NotAFeed):
        parse_feed(b"/etc/hostname", "application/rss+xml", BASE)

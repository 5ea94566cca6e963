"""One article, many addresses: sites, wrappers, variants and the article's own address."""

from __future__ import annotations

import socket

import pytest

from bot.fetch.sites import offline_extractor, registrable_domain, same_site, unwrap
from bot.fetch.urls import article_address, url_key

STORY = "https://www.coastalcourier.co.uk/news/2024/harbour-vote"


@pytest.mark.parametrize(
    "variant",
    [
        STORY,
        "https://coastalcourier.co.uk/news/2024/harbour-vote",
        "https://m.coastalcourier.co.uk/news/2024/harbour-vote",
        "https://mobile.coastalcourier.co.uk/news/2024/harbour-vote",
        "https://amp.coastalcourier.co.uk/news/2024/harbour-vote",
        "https://www.coastalcourier.co.uk/amp/news/2024/harbour-vote",
        "https://www.coastalcourier.co.uk/news/2024/harbour-vote/amp",
        "https://www.coastalcourier.co.uk/news/2024/harbour-vote?amp=1",
        "https://www.coastalcourier.co.uk/news/2024/harbour-vote?outputType=amp",
        "https://www.coastalcourier.co.uk/news/2024/harbour-vote.amp",
        "https://www.coastalcourier.co.uk/news/2024/harbour-vote?utm_source=x&fbclid=1#c",
        "https://www.google.com/url?q=" + STORY + "&sa=D",
        "https://www.google.co.uk/url?url=" + STORY.replace(":", "%3A"),
        "https://l.facebook.com/l.php?u=" + STORY + "&h=AT0",
        "https://t.umblr.com/redirect?z=" + STORY + "&t=x",
        "https://out.reddit.com/t3_abc?url=" + STORY + "&token=x",
        "https://www.google.com/amp/s/amp.coastalcourier.co.uk/news/2024/harbour-vote",
        "https://coastalcourier-co-uk.cdn.ampproject.org/c/s/www.coastalcourier.co.uk/news/2024/harbour-vote",
        # a wrapper inside a wrapper
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.google.com%2Furl%3Fq%3D" + STORY,
    ],
)
def test_variants_of_one_article_share_its_key(variant: str) -> None:
    assert (
        url_key(variant) == url_key(STORY) == "https://coastalcourier.co.uk/news/2024/harbour-vote"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # another site under a private suffix: each github.io name is its own site
        ("https://alice.github.io/post", "https://bob.github.io/post"),
        # a variant label that is the site's own name is kept: amp.dev is not dev
        ("https://amp.dev/about", "https://dev/about"),
        # "amp" inside a word or in the middle of a path is content
        ("https://example.com/news/amp-stadium", "https://example.com/news/stadium"),
        ("https://example.com/a/amp/b", "https://example.com/a/b"),
        # a Google search page and a wrapper that carries no web address are not unwrapped
        ("https://www.google.com/search?q=" + STORY, STORY),
        ("https://www.google.com/url?q=javascript:alert(1)", "javascript:alert(1)"),
        # Google News links are opaque: only the redirect they answer with can tell
        ("https://news.google.com/articles/CBMiXWh0dHBz", STORY),
        # shorteners too
        ("https://bit.ly/3xYzAbc", STORY),
    ],
)
def test_different_addresses_keep_different_keys(a: str, b: str) -> None:
    assert url_key(a) != url_key(b)


def test_a_trailing_amp_segment_keeps_the_sites_trailing_slash() -> None:
    # WordPress serves /story/ and /story/amp/
    assert url_key("https://example.com/story/amp/") == url_key("https://example.com/story/")


def test_registrable_domains() -> None:
    assert registrable_domain("m.bbc.co.uk") == "bbc.co.uk"
    assert registrable_domain("alice.github.io") == "alice.github.io"
    assert registrable_domain("127.0.0.1") is None
    assert registrable_domain("[::1]") is None
    assert registrable_domain("localhost") is None
    assert same_site("127.0.0.1", "127.0.0.1") and not same_site("127.0.0.1", "127.0.0.2")


def test_unwrap_reads_only_the_parameter_and_leaves_other_links_alone() -> None:
    assert unwrap("https://www.youtube.com/redirect?q=" + STORY + "&v=1") == STORY
    assert unwrap("https://href.li/?" + STORY) == STORY
    assert unwrap(STORY) == STORY
    # A wrapper to a private address unwraps to it: the safe fetcher then refuses that address.
    assert (
        unwrap("https://l.facebook.com/l.php?u=http://169.254.169.254/")
        == "http://169.254.169.254/"
    )


FINAL = "https://m.coastalcourier.co.uk/news/2024/harbour-vote"


@pytest.mark.parametrize(
    ("canonical", "expected"),
    [
        (STORY, STORY),  # same registrable domain: the page's own word
        (None, FINAL),
        ("", FINAL),
        # another site cannot be claimed, directly, through a wrapper, or by a private suffix
        ("https://www.rival-news.co.uk/news/2024/harbour-vote", FINAL),
        ("https://www.google.com/url?q=https://www.rival-news.co.uk/x", FINAL),
        ("https://user@www.coastalcourier.co.uk/news/2024/harbour-vote", FINAL),
        ("javascript:alert(1)", FINAL),
        ("ftp://www.coastalcourier.co.uk/news/2024/harbour-vote", FINAL),
        # the home page as every story's canonical link (a template mistake): ignored
        ("https://www.coastalcourier.co.uk/", FINAL),
    ],
)
def test_article_address(canonical: str | None, expected: str) -> None:
    assert article_address(FINAL, canonical) == expected


def test_a_github_io_page_cannot_claim_its_neighbour() -> None:
    page = "https://alice.github.io/2024/story"
    assert article_address(page, "https://bob.github.io/2024/story") == page
    assert article_address(page, "https://alice.github.io/story") == "https://alice.github.io/story"


def test_the_suffix_list_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every socket refuses to open: building a fresh extractor and reading hosts still works,
    from the snapshot inside the wheel (a download would need a socket)."""

    def no_network(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the Public Suffix List reader opened a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    extractor = offline_extractor()
    parts = extractor.extract_str("news.bbc.co.uk")
    assert (parts.domain, parts.suffix) == ("bbc", "co.uk")
    assert extractor.extract_str("bob.github.io").suffix == "github.io"

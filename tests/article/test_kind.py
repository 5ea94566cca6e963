"""Tests for bot.article.kind: what kind of page was read, and what that means for its date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.article.read import extract_article
from tests._dates import TODAY
from tests.article._inline import OG_ARTICLE, PROSE
from tests.article._inline import article_markup as _article
from tests.article._inline import html_page as _html

URL = "https://news.example.com/2024/05/story"


@pytest.mark.parametrize(
    ("head", "body", "url", "kind"),
    [
        (OG_ARTICLE, _article(PROSE), URL, "article"),
        (OG_ARTICLE, _article(PROSE[:1]), URL, "too_short"),
        # A short story typed as an article, with more text than its summary (issue 15: a
        # three-sentence JPost item) is briefed, not called too short.
        (OG_ARTICLE, _article(PROSE[:2]), URL, "article"),
        # A paywall class on site chrome does not make a full article a teaser...
        (
            OG_ARTICLE,
            _article(PROSE) + '<div class="paywall-login-link">Log in</div>',
            URL,
            "article",
        ),
        # ...but JSON-LD saying so, or a subscribe notice, with a short text does.
        (
            OG_ARTICLE + '<script type="application/ld+json">'
            '{"@type":"NewsArticle","isAccessibleForFree":false}</script>',
            _article(PROSE[:3]),
            URL,
            "paywall",
        ),
        (
            OG_ARTICLE,
            _article(PROSE[:3], "<div><h3>Subscribe to continue reading</h3></div>"),
            URL,
            "paywall",
        ),
        (
            OG_ARTICLE,
            _article(PROSE[:1], "<form><input type=password name=pw></form>"),
            URL,
            "not_article",
        ),
        (
            "<title>Page not found</title>",
            "<h1>Oops</h1><p>We looked everywhere for that story.</p>",
            URL,
            "not_article",
        ),
        ("<title>Error 404 - Example</title>", "<p>Nothing here.</p>", URL, "not_article"),
        # Error words inside a real headline are not an error page.
        (
            OG_ARTICLE.replace("Harbour plan", "Human error blamed for 500 lost jobs"),
            _article(PROSE),
            URL,
            "article",
        ),
        # Untyped pages: the site root, or text that is mostly headline links, is a listing.
        (
            '<meta property="og:type" content="website">',
            _article(PROSE),
            "https://news.example.com/",
            "not_article",
        ),
        (
            "",
            "<main>"
            + "".join(f'<h3><a href="/{n}">{p}</a></h3>' for n, p in enumerate(PROSE))
            + "</main>",
            URL,
            "not_article",
        ),
        ("", _article(PROSE), URL, "article"),
    ],
)
def test_kind(head: str, body: str, url: str, kind: str) -> None:
    assert extract_article(_html(body, head), url, today=TODAY).kind == kind


DECLARED_DATE = '<meta name="date" content="2024-03-14">'
DATED_LINKS = (
    "<main>"
    + "".join(
        f'<h3><a href="/2024/03/{14 - n}/{n}">{p}</a> <span>{14 - n}.03.2024</span></h3>'
        for n, p in enumerate(PROSE)
    )
    + "</main>"
)


@pytest.mark.parametrize(
    ("head", "body", "url", "published"),
    [
        # the control: an article keeps its date
        (OG_ARTICLE + DECLARED_DATE, _article(PROSE), URL, dt.date(2024, 3, 14)),
        (DECLARED_DATE, DATED_LINKS, URL, None),
        (DECLARED_DATE, DATED_LINKS, "https://news.example.com/politics/", None),
        (
            "<title>Page not found</title>" + DECLARED_DATE,
            "<h1>Oops</h1><p>We looked everywhere for that story.</p>",
            URL,
            None,
        ),
        (
            OG_ARTICLE + DECLARED_DATE,
            _article(PROSE[:1], "<form><input type=password name=pw></form>"),
            URL,
            None,
        ),
    ],
)
def test_pages_that_are_not_articles_have_no_date(
    head: str, body: str, url: str, published: dt.date | None
) -> None:
    article = extract_article(_html(body, head), url, today=TODAY)
    assert (article.kind == "not_article") == (published is None)
    assert article.published == published


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<div class="article paywall-offer">', True),
        ('<div class="c-paywall">', True),
        ("<div id=regwall>", True),
        ('<DIV CLASS="PAYWALL">', True),
        ("<p>the paywall is up</p>", False),
        ('<div class="nopaywall">', False),
        ('<div class="x" title="paywall">', False),
    ],
)
def test_paywall_class_is_read_from_markup(markup: str, expected: bool) -> None:
    from bot.article.kind import _has_paywall_class

    assert _has_paywall_class(markup) is expected


def test_every_paywall_word_is_looked_for() -> None:
    # the words are searched for only where a part of them is found: none may be left out
    from bot.article.kind import _PAYWALL_WORDS, _has_paywall_class

    for word in _PAYWALL_WORDS:
        assert _has_paywall_class(f'<div class="x {word.upper()}">'), word
        assert not _has_paywall_class(f"<p>{word}</p>"), word


def test_paywall_class_on_a_short_page_is_a_paywall() -> None:
    body = _article(PROSE[:2], '<div class="paywall"><p>Members only.</p></div>')
    assert extract_article(_html(body, OG_ARTICLE), URL, today=TODAY).kind == "paywall"


_CLASS_PIECES = st.sampled_from(
    ["PayWall", "paywall", "ARTICLE-LOC", "\u212a", "ED", "\u0130", "x", "-", "Tp-Modal", "é", "ſ"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CLASS_PIECES, max_size=8).map("".join))
@example("ARTICLE-LOC\u212aED")
@example('<div class="PAYWALL">')
def test_cheap_paywall_test_misses_no_word_lowercasing_finds(markup: str) -> None:
    # _has_paywall_class reads no further when _may_name_paywall says no: a word the lowercased
    # markup holds ("locKed" with the Kelvin sign is "locked") must never be missed.
    from bot.article.kind import _PAYWALL_WORDS, _may_name_paywall

    if any(word in markup.lower() for word in _PAYWALL_WORDS):
        assert _may_name_paywall(markup)

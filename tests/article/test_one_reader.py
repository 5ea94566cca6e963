"""One reader per fact: extraction, page kind, metadata and the brief read a page with the same
rules (issue 11). Each case below was read two ways before: it fails against the old readers."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

from bot.article.furniture.kinds import page_furniture
from bot.article.jsonld import read_json_ld
from bot.article.metadata.read import extract_metadata
from bot.article.read import extract_article
from bot.article.types import ArticleKind
from tests._article_page import PARAGRAPHS

TODAY = dt.date(2026, 12, 1)

_PROSE = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def _page(head: str, body: str = _PROSE) -> bytes:
    return f"<!doctype html><html lang='en'><head>{head}</head><body>{body}</body></html>".encode()


def test_a_raw_newline_in_json_ld_gives_the_headline_and_the_paywall_flag() -> None:
    # Raw newlines in JSON strings break strict parsing; metadata recovered, extraction did not
    # and lost isAccessibleForFree: false (the brief then quoted a teaser as the article).
    ld = (
        '{"@context": "https://schema.org", "@type": "NewsArticle",\n'
        '"headline": "Council votes\non the bridge", "isAccessibleForFree": false}'
    )
    html = _page(f"<title>Example News</title><script type='application/ld+json'>{ld}</script>")
    article = extract_article(html, "https://news.example/2024/03/14/bridge", today=TODAY)
    assert article.title == "Council votes on the bridge"
    assert article.kind is ArticleKind.PAYWALL


def test_a_review_is_an_article_for_every_reader() -> None:
    ld = '{"@type": "Review", "name": "A film review", "datePublished": "2024-03-14"}'
    html = _page(f"<title>A film</title><script type='application/ld+json'>{ld}</script>")
    doc = lxml.html.document_fromstring(html)
    assert [n["@type"] for n in read_json_ld(doc).articles] == ["Review"]
    # The date reader believes a template-like date only on a page typed as a story: it did not
    # count a Review, which extraction did count as typed.
    meta = extract_metadata(doc, "https://films.example/reviews/a-film", today=TODAY)
    assert meta.published == dt.date(2024, 3, 14)


def test_the_date_reader_and_page_kind_share_the_error_heading_rule() -> None:
    # "Access denied" was an error page for page kind, not for the date reader (which then took
    # a date from the page's text through htmldate).
    html = _page(
        "<title>Access denied</title>",
        "<h1>Access denied</h1><p>Published 14 March 2024</p><p>You may not see this page.</p>",
    )
    doc = lxml.html.document_fromstring(html)
    assert extract_metadata(doc, "https://news.example/story/bridge", today=TODAY).published is None


@pytest.mark.parametrize("path", ["/", "/index.html", "/home.php"])
def test_a_home_address_is_a_home_page_for_page_kind_as_for_the_date_reader(path: str) -> None:
    # Page kind took only "/" for a home page; the date reader also "/index.html".
    html = _page("<title>Example News</title>")
    article = extract_article(html, "https://news.example" + path, today=TODAY)
    assert article.kind is ArticleKind.NOT_ARTICLE


def test_the_brief_knows_every_agency_extraction_knows() -> None:
    # NASA signed credits for extraction, not for the brief (the two lists had drifted).
    assert page_furniture("The probe passes the sun in an artist's impression (NASA)") == "credit"


def test_article_kind_is_the_enum_and_keeps_its_stored_value() -> None:
    html = _page("<title>Example News</title><meta property='og:type' content='article'>")
    article = extract_article(html, "https://news.example/2024/03/14/story", today=TODAY)
    assert article.kind is ArticleKind.ARTICLE
    assert article.kind == "article"

"""extract_article: saved pages field by field, hostile input, and properties under mutation."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import missed
from bot.article.read import extract_article
from bot.article.types import Article
from bot.errors import ExtractionError
from bot.fetch.charset import decode_html
from tests._dates import TODAY
from tests._growth import assert_linear
from tests.article._inline import OG_ARTICLE, PROSE
from tests.article._inline import article_markup as _article
from tests.article._inline import html_page as _html

URL = "https://news.example.com/2024/05/story"
PAGES = Path(__file__).parent.parent / "pages"
ANY = object()  # a field this page does not pin down


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def _extract_or_error(html: bytes) -> Article | None:
    try:
        return extract_article(html, URL, today=TODAY)
    except ExtractionError:
        return None


# --- hostile input -----------------------------------------------------------------------------

# Hostile inputs that scale: each builder takes a size; (builder, size in HOSTILE, size at which
# growth is compared, small enough to keep the suite quick).
SCALABLE: dict[str, tuple[Callable[[int], bytes], int, int]] = {
    "deep_nesting": (
        lambda n: b"<html><body>" + b"<div>" * n + b"deep" + b"</div>" * n,
        100_000,
        1_500,
    ),
    "deep_inline": (lambda n: b"<html><body><p>" + b"<span><b>" * n + b"deep", 100_000, 12_500),
    "tiny_paragraphs": (lambda n: b"<html><body>" + b"<p>a</p>" * n, 50_000, 125),
    "binary": (os.urandom, 300_000, 300_000),
    "nul_bytes": (
        lambda n: b"<html><body><p>" + b"\x00" * n + b"hello</p></body></html>",
        100_000,
        400_000,
    ),
    "unclosed_scripts": (lambda n: b"<html><head>" + b"<script>" * n, 100_000, 1_500),
    # the raw-text tags are found case-insensitively, each search starting where the last ended
    "raw_text_tags_in_mixed_case": (
        lambda n: b"<html><body><p>x</p>" + b"<ScRiPt>a</sCrIpT><STYLE>b</style><Style>" * n,
        20_000,
        500,
    ),
    "broken_markup": (
        lambda n: b"<html><body><p>open <b><i><table><tr><td>cell<p>" * n,
        2_000,
        250,
    ),
}
HOSTILE: dict[str, bytes] = {
    **{name: build(size) for name, (build, size, _) in SCALABLE.items()},
    "empty": b"",
    "whitespace": b" \r\n\t ",
    "only_doctype": b"<!DOCTYPE html>",
    # Control characters in a tail: dropping the <nav> before them once crashed lxml.
    "control_characters": b"<html><body><div><p>a</p><nav>x</nav>\x01\x0b\xef\xbf\xbf tail</div>",
    "xml_declaration": b'<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_read_or_refused(name: str) -> None:
    article = _extract_or_error(HOSTILE[name])
    if article is not None:
        assert article.kind != "article" or name == "tiny_paragraphs"
        assert all("\x00" not in p for p in article.paragraphs)


@pytest.mark.parametrize("name", sorted(SCALABLE))
def test_hostile_input_costs_grow_linearly(name: str) -> None:
    """No hostile shape makes extraction superlinear (in production the parse pool's deadline
    bounds it too). Absolute times: bench/speed.py."""
    build, _, n = SCALABLE[name]

    def extract(size: int) -> Callable[[], object]:
        html = build(size)
        return lambda: _extract_or_error(html)

    assert_linear(lambda job: job(), extract, n, what=name)


@pytest.mark.parametrize("name", ["empty", "whitespace"])
def test_nothing_to_read_is_an_extraction_error(name: str) -> None:
    with pytest.raises(ExtractionError):
        extract_article(HOSTILE[name], URL, today=TODAY)


def test_binary_is_not_an_article() -> None:
    assert extract_article(HOSTILE["binary"], URL, today=TODAY).kind == "not_article"


def test_parse_limit_applies_to_markup_not_scripts() -> None:
    # Inline scripts larger than the parse limit must not push the article out of it.
    script = b"<script>var x = '" + b"x" * 120_000 + b"';</script>"
    text = b"".join(
        b"<p>Paragraph %d of plain article prose, long enough to count as text.</p>" % i
        for i in range(40)
    )
    page = b"<html><head>" + script + b"</head><body><article>" + text + b"</article></body></html>"
    article = extract_article(page, URL, max_bytes=50_000, today=TODAY)
    assert article.kind == "article"
    assert article.paragraphs[-1].startswith("Paragraph 39 ")
    # Markup itself does count.
    cut = extract_article(
        b"<html><body>" + b"<p>x</p>" * 20_000 + text, URL, max_bytes=50_000, today=TODAY
    )
    assert "plain article prose" not in cut.text


def test_scripts_are_emptied_where_they_are_after_letters_lowercase_lengthens() -> None:
    # "İ".lower() is two code points: positions found in a lowercased copy cut the text beside
    # the script instead of the script (its code was read as the article's, a paragraph's
    # opening cut off).
    title = "İSTANBUL İZMİR İSKENDERUN İNEBOLU İĞNEADA " * 3
    text = "".join(
        f"<p>Paragraph {i} of plain article prose, long enough to count as text.</p>"
        for i in range(12)
    )
    page = (
        f"<html><head><title>{title}</title><script>var secret = 'SCRIPT BODY';</script></head>"
        f"<body><article>{text}</article></body></html>"
    ).encode()
    article = extract_article(page, URL, today=TODAY)
    assert "SCRIPT BODY" not in article.text and "var secret" not in article.text
    assert article.paragraphs[0].startswith("Paragraph 0 of plain")
    assert article.title is not None and article.title.startswith("İSTANBUL İZMİR")


def test_invisible_characters_are_stripped() -> None:
    prose = (
        "Readers \u202eecnetnes\u202c see this \u200bsentence with hidden marks "
        "in the middle of it. " * 15
    )
    page = f"<html><body><article><p>{prose}</p><p>{prose}.</p></article></body></html>".encode()
    article = extract_article(page, URL, today=TODAY)
    assert article.paragraphs
    for p in article.paragraphs:
        assert not re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", p)


def test_not_bytes_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract_article("<p>text</p>", URL, today=TODAY)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise_anything_else(body: bytes) -> None:
    article = _extract_or_error(body)
    if article is not None:
        assert article.kind in {"article", "paywall", "too_short", "not_article"}


# --- saved pages, field by field ---------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    kind: str = "article"
    title: Any = ANY
    site_name: Any = ANY
    authors: Any = ANY
    published: Any = ANY
    language: Any = ANY
    first: str | None = None
    last: str | None = None
    absent: tuple[str, ...] = ()
    count: int | None = None


COMMON_FURNITURE = (
    "Share on",
    "Advertisement",
    "Subscribe",
    "Privacy",
    "Skip to",
    "Most read",
    "All rights",
)

EXPECTED: dict[str, Expected] = {
    "article_jsonld.html": Expected(
        title="Harbour city votes to close coal terminal by 2030",
        site_name="The Coastal Courier",
        authors=["Priya Raman"],
        published=dt.date(2024, 3, 14),
        language="en",
        first="Councillors backed the plan 31 to 12 after a six-hour debate.",
        last="The operator's lease runs until 2029.",
        absent=(
            *COMMON_FURNITURE,
            "By Priya Raman",
            "Photograph: Tom Ellis",
            "Ferry timetable",
            "News › Local",
        ),
        count=10,
    ),
    "article_opengraph.html": Expected(
        title="Rail operator fined over winter timetable chaos",
        site_name="Daily Ledger",
        authors=[],
        published=dt.date(2023, 11, 2),
        language="en",
        first="The national rail regulator fined Midland Express $4.5 million on Wednesday",
        last="The company carried 48 million passengers last year.",
        absent=(*COMMON_FURNITURE, "Popular now", "Fuel prices fall", "1 Market Street"),
        count=6,
    ),
    "article_byline.html": Expected(
        title="Library reopens after two-year restoration",
        site_name="Valley Herald",
        authors=["Tomas Lindqvist"],
        published=dt.date(2022, 9, 18),
        language="en",
        first="The Carnegie library on Mill Street reopened to readers on Saturday",
        last="The restoration cost 2.3 million,",
        absent=(
            *COMMON_FURNITURE,
            "By Tomas Lindqvist",
            "Posted in",
            "Proudly powered",
            "since 1911",
        ),
        count=6,
    ),
    "article_boilerplate.html": Expected(
        title="Drought forces farmers to sell cattle early",
        site_name="Plains Observer",
        authors=["Luis Ortega"],
        published=dt.date(2023, 7, 21),
        language="en",
        first="Ranchers across the southern plains are selling cattle months earlier",
        last="Forecasters give a better than even chance of a wet autumn.",
        absent=(
            *COMMON_FURNITURE,
            "cookies",
            "Related stories",
            "Hay prices hit record",
            "Morning Roundup",
            "newsletter",
            "Recommended for you",
            "Ten tractors",
            "comments",
            "cowboy_dan",
            "sixty miles",
            "Trending",
            "Grain silo",
            "By Luis Ortega",
            "Copy link",
        ),
        count=6,
    ),
    "paywall_teaser.html": Expected(
        kind="paywall",
        title="Inside the bidding war for the last downtown hotel",
        site_name="Metro Business Journal",
        authors=["Grace Whitfield"],
        published=dt.date(2024, 1, 9),
        language="en",
        first="When the owners of the Grand Meridian put the 1928 hotel up for sale",
        absent=("Subscribe", "$1 a week", "Already a subscriber"),
    ),
    "article_german.html": Expected(
        title="Stadtrat beschließt autofreie Innenstadt ab 2026",
        site_name="Rheinische Abendpost",
        authors=["Katharina Weiß"],
        published=dt.date(2024, 6, 5),
        language="de",
        first="Der Stadtrat hat am Mittwochabend mit großer Mehrheit beschlossen,",
        last="Ob der Zeitplan hält, ist offen:",
        absent=("Von Katharina Weiß", "Impressum", "Datenschutz", "Lokales"),
        count=6,
    ),
    "legacy_cp1252.html": Expected(
        title="Café owners “priced out” as rents double",
        site_name="The Harbourside Gazette",
        authors=["Renée François"],
        published=dt.date(2019, 4, 11),
        first="Owners of the small cafés that line the old quay say they are being “priced out”",
        last="Three of the eleven cafés on the quay have already given notice.",
        absent=("Archive", "Terms", "By Renée", "Letters"),
        count=6,
    ),
    "legacy_iso8859_2.html": Expected(
        title="Nowy most na Wiśle otwarty po czterech latach budowy",
        site_name="Gazeta Pomorska Wieczór",
        authors=["Małgorzata Żukowska"],
        published=dt.date(2021, 10, 29),
        language="pl",
        first="W piątek w południe przez nowy most na Wiśle przejechały pierwsze samochody.",
        last="Ruch na moście będzie na razie ograniczony do pojazdów o masie do ośmiu ton.",
        absent=("Regulamin", "Kraj", "prawa zastrzeżone"),
        count=5,
    ),
    "error_404.html": Expected(kind="not_article", site_name="The Coastal Courier"),
    "home_listing.html": Expected(
        kind="not_article", site_name="Daily Ledger", authors=[], published=None
    ),
}


def test_every_saved_page_has_expectations() -> None:
    saved = {p.name for p in PAGES.glob("*.html") if not p.name.startswith(("meta_", "brief_"))}
    assert saved == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_saved_page(name: str) -> None:
    want = EXPECTED[name]
    article = extract_article(_page(name), f"https://news.example.com/{name}", today=TODAY)
    assert article.kind == want.kind
    for attr in ("title", "site_name", "authors", "published", "language"):
        expected = getattr(want, attr)
        if expected is not ANY:
            assert getattr(article, attr) == expected, attr
    if want.first is not None:
        assert article.paragraphs[0].startswith(want.first)
    if want.last is not None:
        assert article.paragraphs[-1].startswith(want.last)
    if want.count is not None:
        assert len(article.paragraphs) == want.count
    for text in want.absent:
        assert text not in article.text, text
    assert len(set(article.paragraphs)) == len(article.paragraphs)


def test_charset_header_is_used_when_the_page_declares_none() -> None:
    body = _page("legacy_cp1252.html").replace(b"; charset=windows-1252", b"")
    assert "cafés" in extract_article(body, URL, charset="windows-1252", today=TODAY).text
    assert "cafés" in extract_article(body, URL, charset="iso-8859-1", today=TODAY).text


# --- properties under mutation -----------------------------------------------------------------

ARTICLE_PAGES = sorted(name for name, want in EXPECTED.items() if want.kind == "article")
# The extractor turns control characters into spaces; whitespace itself is not compared.
_WS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _squashed(text: str) -> str:
    return _WS.sub("", _INVISIBLE.sub("", text))


def _page_text(html: bytes) -> str:
    """All text of the page by a route independent of the extractor: lxml's text_content."""
    try:
        doc = lxml.html.document_fromstring(
            decode_html(html).encode("utf-8", "replace"),
            parser=lxml.html.HTMLParser(encoding="utf-8"),
        )
    except Exception:  # noqa: BLE001 - no document, so no text to compare against
        return ""
    # what a reader sees: a script's or a style's text is not (with it, a paragraph that runs
    # across a script the page never closes is not found: "<script>…\x00/script>")
    lxml.etree.strip_elements(doc, "script", "style", with_tail=False)
    return _squashed(doc.text_content())


@st.composite
def mutated_pages(draw: st.DrawFn) -> bytes:
    page = _page(draw(st.sampled_from(ARTICLE_PAGES)))
    mutation = draw(st.sampled_from(["truncate", "flip", "drop_tag", "drop_closing_tags"]))
    if mutation == "truncate":
        return page[: draw(st.integers(0, len(page)))]
    if mutation == "flip":
        flipped = bytearray(page)
        for _ in range(draw(st.integers(1, 20))):
            flipped[draw(st.integers(0, len(flipped) - 1))] = draw(st.integers(0, 255))
        return bytes(flipped)
    tags = list(re.finditer(rb"<[^>]*>", page))
    if mutation == "drop_tag":
        chosen = draw(
            st.lists(st.sampled_from(tags), min_size=1, max_size=10, unique_by=lambda m: m.start())
        )
        data = page
        for match in sorted(chosen, key=lambda m: m.start(), reverse=True):
            data = data[: match.start()] + data[match.end() :]
        return data
    return re.sub(rb"</(?:p|div|article|li|h\d)>", b"", page)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_pages())
def test_mutated_pages_give_page_text_or_extraction_error(page: bytes) -> None:
    article = _extract_or_error(page)
    if article is None:
        return
    assert article.kind in {"article", "paywall", "too_short", "not_article"}
    source = _page_text(page)
    for paragraph in article.paragraphs:
        assert _squashed(paragraph) in source, paragraph


# --- behaviours on small inline pages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            "<div>one line<br>same paragraph<br><br>second paragraph</div>",
            ["one line same paragraph", "second paragraph"],
        ),
        (
            "<div><h2>Heading</h2><ul><li>first item</li><li>second item</li></ul></div>",
            ["Heading", "first item", "second item"],
        ),
        (
            "<div><blockquote>a quoted passage</blockquote><p>after it</p></div>",
            ["a quoted passage", "after it"],
        ),
        ("<div><p>  spaced \n\t out   text </p></div>", ["spaced out text"]),
        (
            "<div><table><tr><td>Pos.</td><td>Driver</td></tr><tr><td>1</td><td>Ana</td></tr></table></div>",
            ["Pos. Driver", "1 Ana"],
        ),
        ("<div><p>text <script>var x;</script>and tail</p></div>", ["text and tail"]),
        (
            "<div><figure><img src=x><figcaption>Photo: someone</figcaption></figure>"
            "<p>body</p></div>",
            ["body"],
        ),
    ],
)
def test_blocks_become_paragraphs(markup: str, expected: list[str]) -> None:
    from bot.article.body import _paragraphs_from

    assert _paragraphs_from(lxml.html.fromstring(markup), set()) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "Read more: Ferry timetable cut",
        "Share this article",
        "By Jane Doe",
        "Sign up for our daily newsletter",
        "Photo: Getty Images",
        "We use cookies to improve this site.",
        "Like this:",
        "&lt;span class=x&gt;",
    ],
)
def test_boilerplate_lines_are_dropped(line: str) -> None:
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    assert line not in extract_article(page, URL, today=TODAY).paragraphs


def test_repeats_dropped_only_when_long_or_adjacent() -> None:
    question = "What inspired you?"
    long_repeat = PROSE[0] + " " + PROSE[1]
    paragraphs = [
        long_repeat,
        question,
        PROSE[2],
        question,
        PROSE[3],
        PROSE[3],
        PROSE[4],
        long_repeat,
    ]
    article = extract_article(_html(_article(paragraphs), OG_ARTICLE), URL, today=TODAY)
    assert article.paragraphs.count(question) == 2
    assert article.paragraphs.count(long_repeat) == 1
    assert article.paragraphs.count(PROSE[3]) == 1


def test_headline_is_not_repeated_as_a_paragraph() -> None:
    article = extract_article(_html(_article(PROSE), OG_ARTICLE), URL, today=TODAY)
    assert article.paragraphs[0] == PROSE[0]


def test_dropped_prose_between_kept_paragraphs_is_put_back() -> None:
    # An embedded post readability scores low, between two long paragraphs.
    embed = (
        '<blockquote class="twitter-tweet"><p>Council votes tonight on the harbour plan, '
        'follow along here <a href="https://t.co/x">pic.twitter.com/x</a></p>'
        "&mdash; City Desk (@citydesk) "
        '<a href="https://twitter.com/x">March 14, 2024</a></blockquote>'
    )
    related = '<div><a href="/a">Ferry timetable cut for winter as operator loses crew</a></div>'
    paragraphs = ["".join(f"<p>{p}</p>" for p in PROSE[i:j]) for i, j in ((0, 2), (2, 4), (4, 8))]
    body = paragraphs[0] + related + paragraphs[1] + embed + paragraphs[2]
    page = _html(f"<article><h1>Harbour plan</h1>{body}</article>", OG_ARTICLE)
    article = extract_article(page, URL, today=TODAY)
    text = article.text
    assert "Council votes tonight on the harbour plan" in text
    assert text.index(PROSE[3]) < text.index("Council votes tonight") < text.index(PROSE[4])
    assert "Ferry timetable" not in text


def test_json_ld_article_body_replaces_a_thin_extraction() -> None:
    body_text = "\\n\\n".join(PROSE)
    head = OG_ARTICLE + (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour plan", '
        f'"articleBody": "{body_text}"}}</script>'
    )
    page = _html("<div id=app><p>Loading the story…</p></div>", head)
    article = extract_article(page, URL, today=TODAY)
    assert article.paragraphs == PROSE
    assert article.kind == "article"


@pytest.mark.parametrize(
    "line",
    [
        "By Tuesday, officials said the bridge would reopen.",
        "By the end of the year, we will see.",
        "Share prices rose.",
        "Read the full statement below.",
    ],
)
def test_short_prose_that_looks_like_furniture_is_kept(line: str) -> None:
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    assert line in extract_article(page, URL, today=TODAY).paragraphs


@pytest.mark.parametrize(
    "line",
    [
        "14 March 2024",
        "November 20, 2019",
        "Nov. 20, 2019 5:52 AM EST",
        "November 20, 2019 / 1:07 AM / CBS News",
        "Updated: 18 Nov 2019 9:38 pm",
        "Mon 18 Nov 2019 18.54 GMT Last modified on Mon 18 Nov 2019 18.56 GMT",
        "Stand: 05.06.2024 14:30 Uhr",
        "sexta-feira, 22 de outubro de 2010 às 20:13",
        "5 min read",
        "Reading time: 3 minutes",
        "Tempo de leitura: 1 minuto",
    ],
)
def test_datelines_timestamps_and_reading_times_are_not_paragraphs(line: str) -> None:
    for markup in (f"<p>{line}</p>", f"<time>{line}</time>", f"<div>{line}</div>"):
        page = _html(_article(PROSE[:3] + [markup] + PROSE[3:]), OG_ARTICLE)
        paragraphs = extract_article(page, URL, today=TODAY).paragraphs
        assert line not in paragraphs
        assert paragraphs == PROSE


@pytest.mark.parametrize(
    "line",
    [
        "The vote on 14 March 2024 was close, officials said.",
        "Sales rose 4.5% in May 2023.",
        "Election 2024",
        "— Rep. Jane Roe (@janeroe) November 19, 2019",  # signs an embedded post
    ],
)
def test_sentences_and_labels_with_dates_are_kept(line: str) -> None:
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    assert line in extract_article(page, URL, today=TODAY).paragraphs


@pytest.mark.parametrize(
    ("markup", "headings"),
    [
        ("<h2>Jobs plan for dock workers</h2>", {"Jobs plan for dock workers"}),
        ("<h3>What happens <em>next</em>?</h3>", {"What happens next?"}),
        ("<h2><span>Nested</span> heading text</h2>", {"Nested heading text"}),
        ("<p><strong>Bold lead-in line</strong></p>", set()),
        ("<p>A paragraph after a heading, not one.</p>", set()),
    ],
)
def test_subheadings_stay_paragraphs_and_are_marked(markup: str, headings: set[str]) -> None:
    page = _html(_article(PROSE[:3] + [markup] + PROSE[3:]), OG_ARTICLE)
    article = extract_article(page, URL, today=TODAY)
    assert len(article.paragraphs) == len(PROSE) + 1
    assert article.headings == headings
    assert not article.headings & set(PROSE)


def test_the_pages_canonical_link_is_read_and_made_absolute() -> None:
    html = (
        b"<html><head><link rel='alternate' href='/feed'>"
        b"<link rel='Canonical' href='/news/story?id=1'></head><body><p>x</p></body></html>"
    )
    article = extract_article(html, "https://m.example.com/a/1", today=TODAY)
    assert article.canonical == "https://m.example.com/news/story?id=1"
    assert extract_article(b"<p>no head</p>", "https://e.com/", today=TODAY).canonical is None


# A standfirst in a box of its own between the headline and the story, then a byline and a
# caption: readability keeps the story's element only.
_STANDFIRST = (
    "The council backed the plan after a six-hour debate, ending more than a century of coal "
    "shipments through the port."
)
_CAPTION = "Dock workers on the terminal's last coal berth, seen from the harbour wall."


def _standfirst_page(description: str, head: str = OG_ARTICLE) -> bytes:
    head += f'<meta name="description" content="{description}">'
    story = "".join(f"<p>{p}</p>" for p in PROSE)
    body = (
        "<header><h1>Harbour plan</h1>"
        f'<div class="teaser"><p>{_STANDFIRST}</p></div>'
        "<p>By Priya Raman, March 14, 2024</p>"
        f'<div class="hero"><img src="/a.jpg" alt="{_CAPTION}"><p>{_CAPTION}</p></div></header>'
        f'<div class="story">{story}</div>'
    )
    return _html(body, head)


def test_the_standfirst_between_headline_and_story_is_the_articles() -> None:
    article = extract_article(_standfirst_page("Harbour news."), URL, today=TODAY)
    assert article.paragraphs[0] == _STANDFIRST
    assert article.paragraphs[1:] == PROSE  # not the byline, not the caption


def test_a_standfirst_that_repeats_the_description_stays_the_description() -> None:
    # the brief already shows the page's description as its lead
    article = extract_article(_standfirst_page(_STANDFIRST), URL, today=TODAY)
    assert article.paragraphs == PROSE
    assert article.description == _STANDFIRST


def test_a_standfirst_in_the_storys_column_is_read_even_when_the_description_repeats_it() -> None:
    # the headline's box (a <header> with the byline) holds no standfirst; the paragraph set above
    # the story in the story's own column is its opening, whatever the description copies
    story = "".join(f"<p>{p}</p>" for p in PROSE)
    body = (
        "<article><header><h1>Harbour plan</h1><p>By Priya Raman, March 14, 2024</p></header>"
        f'<div class="column"><div class="intro"><p>{_STANDFIRST}</p></div>'
        f'<div class="story">{story}</div></div></article>'
    )
    head = OG_ARTICLE + f'<meta name="description" content="{_STANDFIRST}">'
    article = extract_article(_html(body, head), URL, today=TODAY)
    assert article.paragraphs == [_STANDFIRST, *PROSE]
    # set in the headline's box, the same standfirst is the publisher's summary
    boxed = body.replace("</p></header>", f"</p><p>{_STANDFIRST}</p></header>").replace(
        f'<div class="intro"><p>{_STANDFIRST}</p></div>', ""
    )
    assert extract_article(_html(boxed, head), URL, today=TODAY).paragraphs == PROSE


def test_finding_the_standfirsts_box_grows_linearly_with_small_text_nodes() -> None:
    # thousands of one-letter text nodes in the story's block, each starting like its first
    # paragraph: the block's text was read again for each of them (quadratic; 12 s at 70 KB)
    first = PROSE[0]
    head = OG_ARTICLE + f'<meta name="description" content="{_STANDFIRST}">'

    def page(n: int) -> bytes:
        junk = f"<i>{first[0]}</i> " * n
        story = "".join(f"<p>{p}</p>" for p in PROSE[1:])
        body = (
            f'<article><h1>Harbour plan</h1><div class="intro"><p>{_STANDFIRST}</p></div>'
            f'<div class="story"><p>{first}</p><div>{junk}</div>{story}</div></article>'
        )
        return _html(body, head)

    assert_linear(lambda html: _extract_or_error(html), page, 1000, what="standfirst box")


def test_the_standfirst_is_read_when_readability_joined_the_storys_first_paragraph() -> None:
    # an ad slot inside the story's first paragraph makes two page blocks of it, which
    # readability joins: the block that begins the joined paragraph marks where the story starts
    opening, rest = PROSE[0][:60], PROSE[0][60:].lstrip()
    blocks = [("Harbour plan", 0.0), (_STANDFIRST, 0.0), (opening, 0.0), ("Anzeige", 0.0)]
    blocks += [(rest, 0.0)] + [(p, 0.0) for p in PROSE[1:]]
    kept = [PROSE[0], *PROSE[1:]]
    assert missed.with_lead(kept, blocks, {"harbour plan"}, set()) == [_STANDFIRST, *kept]
    # a short block that only begins the paragraph by chance marks nothing
    blocks[2] = (PROSE[0][:12], 0.0)
    assert missed.with_lead(kept, blocks, {"harbour plan"}, set()) == kept


def test_a_recipes_ingredients_and_steps_named_by_its_structured_data_are_read() -> None:
    # list items readability scores low; the page's schema.org Recipe names them (one step's
    # text escaped twice, as publishers often write it, in a section of steps)
    ingredients = ["200 g flour", "3 eggs", "1 pinch of salt"]
    steps = ["Whisk the eggs with the salt.", "Fold in the flour and bake for 20 minutes."]
    recipe = {
        "@context": "https://schema.org",
        "@type": "Recipe",
        "name": "Harbour cake",
        "recipeIngredient": ingredients,
        "recipeInstructions": [
            {"@type": "HowToStep", "text": steps[0]},
            {
                "@type": "HowToSection",
                "itemListElement": [
                    {"@type": "HowToStep", "text": steps[1].replace("o", "&#111;")}
                ],
            },
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(recipe)}</script>'
    story = "".join(f"<p>{p}</p>" for p in PROSE)
    body = (
        f'<h1>Harbour cake</h1><div class="story">{story}</div>'
        '<div class="card"><ul>' + "".join(f"<li>{i}</li>" for i in ingredients) + "</ul>"
        "<ol>"
        + "".join(f"<li><span>{n}.</span><div>{t}</div></li>" for n, t in enumerate(steps))
        + "</ol><ul><li>Share</li><li>Print</li></ul></div>"
    )
    article = extract_article(_html(body, head), URL, today=TODAY)
    assert article.paragraphs == [*PROSE, *ingredients, *steps]


def test_on_a_page_not_typed_an_article_the_opening_under_the_headline_is_read() -> None:
    # a club's or an institution's page (no og:type "article", no JSON-LD article) copies its
    # opening paragraph into the description: the paragraph is still the page's text
    page = _standfirst_page(_STANDFIRST, head="<title>Harbour plan</title>")
    article = extract_article(page, URL, today=TODAY)
    assert article.paragraphs == [_STANDFIRST, *PROSE]


def test_on_a_page_not_typed_an_article_only_the_block_under_the_headline_is_read() -> None:
    # below the byline, a paragraph that repeats the description is the summary box again
    page = _standfirst_page(_STANDFIRST, head="<title>Harbour plan</title>").replace(
        b'<div class="teaser">', b'<p>By Priya Raman</p><div class="teaser">'
    )
    article = extract_article(page, URL, today=TODAY)
    assert article.paragraphs == PROSE


def test_a_post_written_in_noscript_for_readers_without_scripts_is_read() -> None:
    # the blog renders the post with a script; the same post, for readers without scripts, is in
    # <noscript>: the article, not a fallback notice
    story = "".join(f"<p>{p}</p>" for p in PROSE)
    body = (
        '<div class="post-body"><script>render(post)</script>'
        f"<noscript>{story}</noscript></div>"
        "<div><noscript>Please enable JavaScript to see the comments.</noscript></div>"
    )
    article = extract_article(_html(body, OG_ARTICLE), URL, today=TODAY)
    assert article.paragraphs == PROSE

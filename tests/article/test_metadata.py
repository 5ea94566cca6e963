"""extract_metadata: each source and cleaning rule on small snippets, then realistic saved pages."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article.metadata.read import Metadata, extract_metadata
from bot.clock import Clock
from tests._dates import TODAY

PAGES = Path(__file__).parent.parent / "pages"
URL = "https://www.example-news.com/world/2020/story.html"


def page(head: str = "", body: str = "", lang: str = "") -> lxml.html.HtmlElement:
    attr = f' lang="{lang}"' if lang else ""
    return lxml.html.document_fromstring(
        f"<!DOCTYPE html><html{attr}><head>{head}</head><body>{body}<p>text</p></body></html>"
    )


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def meta(key: str, content: str, attr: str = "name") -> str:
    return f'<meta {attr}="{key}" content="{content}">'


def og(key: str, content: str) -> str:
    return meta(key, content, "property")


# --- title ---------------------------------------------------------------------------------------

TITLE_CASES = [
    ("title tag only", "<title>Plain headline</title>", "", "Plain headline"),
    (
        "suffix equal to site name",
        "<title>Ships collide - Reuters</title>" + og("og:site_name", "Reuters"),
        "",
        "Ships collide",
    ),
    (
        "pipe suffix",
        "<title>Budget passes | The Guardian</title>" + og("og:site_name", "The Guardian"),
        "",
        "Budget passes",
    ),
    (
        "prefix brand with colon",
        "<title>Reuters: Ships collide</title>" + og("og:site_name", "Reuters"),
        "",
        "Ships collide",
    ),
    (
        "suffix is the host's brand",
        "<title>Storm hits coast | Example News</title>",
        "",
        "Storm hits coast",
    ),
    (
        "og:title over <title>",
        og("og:title", "Storm hits coast") + "<title>Home</title>",
        "",
        "Storm hits coast",
    ),
    (
        "JSON-LD headline first",
        ld({"@type": "NewsArticle", "headline": "From JSON-LD"}) + og("og:title", "From OG"),
        "",
        "From JSON-LD",
    ),
    (
        "h1 agreeing with a meta title wins",
        og("og:title", "Storm hits the coast - Example News"),
        "<h1>Storm hits the coast</h1>",
        "Storm hits the coast",
    ),
    (
        "h1 contained in the title tag",
        "<title>Breaking: storm hits the coast tonight | Daily</title>",
        "<h1>storm hits the coast tonight</h1>",
        "storm hits the coast tonight",
    ),
    (
        "unrelated h1 ignored",
        og("og:title", "Storm hits coast"),
        "<h1>Example News</h1>",
        "Storm hits coast",
    ),
    (
        "colon inside a headline kept",
        "<title>Interview: what comes next</title>",
        "",
        "Interview: what comes next",
    ),
    ("only an h1", "", "<h1>Lonely headline</h1>", "Lonely headline"),
    ("nothing", "", "", None),
]


@pytest.mark.parametrize(
    ("head", "body", "want"), [c[1:] for c in TITLE_CASES], ids=[c[0] for c in TITLE_CASES]
)
def test_title(head: str, body: str, want: str | None) -> None:
    assert extract_metadata(page(head, body), URL, today=TODAY).title == want


# --- site name -----------------------------------------------------------------------------------

SITE_CASES = [
    ("og:site_name", og("og:site_name", "Daily Planet"), "Daily Planet"),
    (
        "JSON-LD publisher",
        ld({"@type": "Article", "publisher": {"@type": "Organization", "name": "Planet Media"}}),
        "Planet Media",
    ),
    (
        "publisher by @id",
        ld(
            {
                "@graph": [
                    {"@type": "Organization", "@id": "#o", "name": "Linked"},
                    {"@type": "Article", "publisher": {"@id": "#o"}},
                ]
            }
        ),
        "Linked",
    ),
    ("application-name", meta("application-name", "Planet App"), "Planet App"),
    (
        "brand from the title suffix",
        "<title>Storm hits the coast - Daily Planet</title>"
        + og("og:title", "Storm hits the coast"),
        "Daily Planet",
    ),
    ("never the bare host", "<title>Storm hits coast</title>", None),
]


@pytest.mark.parametrize(
    ("head", "want"), [c[1:] for c in SITE_CASES], ids=[c[0] for c in SITE_CASES]
)
def test_site_name(head: str, want: str | None) -> None:
    assert extract_metadata(page(head), URL, today=TODAY).site_name == want


# --- authors -------------------------------------------------------------------------------------

# Every name the cases declare, shown on each case's page: a name counts only if the page shows
# it (tests/article/test_authors.py), and here each case's own rule must decide.
SHOWN_NAMES = (
    "<p>Jane Doe, John Roe, Ann Poe, Bo Lin, Jürgen Müller, Anne Dupont, Daily Planet, Example "
    "News, Andrea, Planet Media GmbH, Ann Poe Ltd, The Friends Of The Old Town Hall, admin.</p>"
)

AUTHOR_CASES = [
    ("meta author", meta("author", "Jane Doe"), "", ["Jane Doe"]),
    ("By prefix", meta("author", "By Jane Doe"), "", ["Jane Doe"]),
    ("Von prefix", meta("author", "Von Jürgen Müller"), "", ["Jürgen Müller"]),
    ("Par / Por prefixes", meta("author", "Par Anne Dupont"), "", ["Anne Dupont"]),
    ("and-split", meta("author", "Jane Doe and John Roe"), "", ["Jane Doe", "John Roe"]),
    ("und-split", meta("author", "Jane Doe und John Roe"), "", ["Jane Doe", "John Roe"]),
    (
        "ampersand and comma",
        meta("author", "Jane Doe, John Roe &amp; Ann Poe"),
        "",
        ["Jane Doe", "John Roe", "Ann Poe"],
    ),
    ("agency in parentheses", meta("author", "Jane Doe (dpa)"), "", ["Jane Doe"]),
    (
        "email and handle removed",
        meta("author", "Jane Doe jane@example.com @janedoe"),
        "",
        ["Jane Doe"],
    ),
    ("all caps name", meta("author", "JANE DOE"), "", ["Jane Doe"]),
    ("By Staff", meta("author", "By Staff"), "", []),
    ("By REUTERS", meta("author", "By REUTERS"), "", []),
    ("dpa", meta("author", "dpa"), "", []),
    ("AFP and AP", meta("author", "AFP and AP"), "", []),
    ("Redaktion", meta("author", "Redaktion"), "", []),
    ("Editorial team", meta("author", "Editorial team"), "", []),
    (
        "author = site name",
        meta("author", "Daily Planet") + og("og:site_name", "Daily Planet"),
        "",
        [],
    ),
    ("author = host brand", meta("author", "Example News"), "", []),
    ("author = URL", meta("author", "https://www.facebook.com/janedoe"), "", []),
    ("article:author URL", og("article:author", "https://example.com/jane"), "", []),
    ("digits", meta("author", "Jane Doe 12.03.2020"), "", ["Jane Doe"]),
    ("single word", meta("author", "admin"), "", []),
    ("single capitalised word", meta("author", "Andrea"), "", []),
    ("too many words", meta("author", "The Friends Of The Old Town Hall"), "", []),
    ("organisation word", meta("author", "Planet Media GmbH"), "", []),
    (
        "JSON-LD Person",
        ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ann Poe"}}),
        "",
        ["Ann Poe"],
    ),
    (
        "JSON-LD Organization skipped",
        ld({"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Ann Poe Ltd"}}),
        "",
        [],
    ),
    (
        "JSON-LD list of authors",
        ld(
            {
                "@type": "Article",
                "author": [
                    {"@type": "Person", "name": "Ann Poe"},
                    {"@type": "Person", "name": "Bo Lin"},
                ],
            }
        ),
        "",
        ["Ann Poe", "Bo Lin"],
    ),
    (
        "JSON-LD author by @id",
        ld(
            {
                "@graph": [
                    {"@type": "Person", "@id": "#p", "name": "Ann Poe"},
                    {"@type": "BlogPosting", "author": {"@id": "#p"}},
                ]
            }
        ),
        "",
        ["Ann Poe"],
    ),
    ("JSON-LD string author", ld({"@type": "Article", "author": "By Ann Poe"}), "", ["Ann Poe"]),
    (
        "JSON-LD over meta",
        ld({"@type": "Article", "author": {"@type": "Person", "name": "Ann Poe"}})
        + meta("author", "Jane Doe"),
        "",
        ["Ann Poe"],
    ),
    ("rel=author", "", '<a rel="author" href="/a/jd">Jane Doe</a>', ["Jane Doe"]),
    (
        "itemprop author name",
        "",
        '<span itemprop="author"><span itemprop="name">Jane Doe</span></span>',
        ["Jane Doe"],
    ),
    (
        "byline class, split markup",
        "",
        '<div class="article-byline"><span>By</span><a>Jane Doe</a></div>',
        ["Jane Doe"],
    ),
    (
        "commenter is no author",
        "",
        '<div class="comments"><b class="author">Jane Doe</b></div>',
        [],
    ),
    (
        "citation list under one key",
        "".join(meta("author", f"Ann Poe{c}") for c in "BCDEFGH").replace("Ann Poe", "Ann P"),
        "",
        [],
    ),
]


@pytest.mark.parametrize(
    ("head", "body", "want"), [c[1:] for c in AUTHOR_CASES], ids=[c[0] for c in AUTHOR_CASES]
)
def test_authors(head: str, body: str, want: list[str]) -> None:
    assert extract_metadata(page(head, body + SHOWN_NAMES), URL, today=TODAY).authors == want


# --- published -----------------------------------------------------------------------------------

# a story's address: a date declared only in meta tags counts on it (see test_template_dates)
STORY = "https://example.org/news/story-4711"
# stands for a date 30 days after the pinned today: see _on_day
FUTURE = "@future@"


def _on_day(text: str, today: dt.date) -> str:
    return text.replace(FUTURE, (today + dt.timedelta(days=30)).isoformat())


DATE_CASES = [
    (
        "JSON-LD datePublished",
        ld({"@type": "NewsArticle", "datePublished": "2020-05-06T10:00:00+02:00"}),
        "",
        dt.date(2020, 5, 6),
    ),
    (
        "article:published_time",
        og("article:published_time", "2019-11-02T08:00:00Z"),
        "",
        dt.date(2019, 11, 2),
    ),
    ("meta date, German order", meta("date", "02.11.2019"), "", dt.date(2019, 11, 2)),
    ("parsely-pub-date", meta("parsely-pub-date", "2018-01-15"), "", dt.date(2018, 1, 15)),
    (
        "itemprop datePublished",
        "",
        '<time itemprop="datePublished" datetime="2017-07-07">7 July</time>',
        dt.date(2017, 7, 7),
    ),
    ("date in the future refused", meta("date", FUTURE), "", None),
    ("date before 1995 refused", meta("date", "1990-01-02"), "", None),
    (
        "future JSON-LD falls back to meta",
        ld({"@type": "Article", "datePublished": FUTURE})
        + og("article:published_time", "2021-02-03"),
        "",
        dt.date(2021, 2, 3),
    ),
    (
        "invalid calendar date skipped",
        ld({"@type": "Article", "datePublished": "2021-02-30"})
        + og("article:published_time", "2021-03-05"),
        "",
        dt.date(2021, 3, 5),
    ),
    ("nothing", "", "", None),
]


@pytest.mark.parametrize(
    ("head", "body", "want"), [c[1:] for c in DATE_CASES], ids=[c[0] for c in DATE_CASES]
)
def test_published(head: str, body: str, want: dt.date | None, dated_clock: Clock) -> None:
    today = dated_clock.today()
    doc = page(_on_day(head, today), body)
    assert extract_metadata(doc, STORY, today=today).published == want


def test_a_date_after_tomorrow_in_the_pages_zone_is_refused(dated_clock: Clock) -> None:
    today = dated_clock.today()
    tomorrow = today + dt.timedelta(days=1)
    head = og("article:published_time", f"{tomorrow}T20:00:00Z")

    def published(url: str) -> dt.date | None:
        return extract_metadata(page(head), url, today=today).published

    # in Tokyo that instant is the day after tomorrow: later than any zone's today
    assert published("https://www.example.jp/a/4711") is None
    # in New York it is still tomorrow, which east of UTC may already be today
    assert published("https://www.example.us/a/4711") == tomorrow


# JSON-LD and Open Graph name different days: htmldate, which reads Open Graph first, picks
DISAGREEING = ld({"@type": "NewsArticle", "datePublished": "2021-03-04T07:29:00Z"}) + og(
    "article:published_time", "2021-03-06T08:29:34+01:00"
)

LOCAL_DATE_CASES = [
    (
        "UTC near midnight takes the offset of the page's other timestamps",
        og("article:published_time", "2022-05-04T03:37:37+00:00"),
        '<time datetime="2022-05-03T23:37:37-04:00">May 3</time>',
        STORY,
        dt.date(2022, 5, 3),
    ),
    (
        "a second declared value with its offset",
        ld({"@type": "NewsArticle", "datePublished": "2019-10-18T22:04:00Z"})
        + meta("date", "Sat, 19 Oct 2019 00:04:00 +0200"),
        "",
        STORY,
        dt.date(2019, 10, 19),
    ),
    (
        "dateModified's offset",
        ld(
            {
                "@type": "NewsArticle",
                "datePublished": "2020-12-24T23:59:50Z",
                "dateModified": "2020-12-25T03:00:00+02:00",
            }
        ),
        "",
        STORY,
        dt.date(2020, 12, 25),
    ),
    (
        "an explicit local offset is the local date",
        ld({"@type": "NewsArticle", "datePublished": "2020-06-29T00:16:15+03:00"}),
        "",
        STORY,
        dt.date(2020, 6, 29),
    ),
    (
        "UTC just after midnight: the address's date one day earlier",
        og("article:published_time", "2020-02-18T02:18:11Z"),
        "",
        "https://example.org/2020/02/17/story/",
        dt.date(2020, 2, 17),
    ),
    (
        "compact timestamp and compact address date",
        og("article:published_time", "20200414T00:38:07Z"),
        "",
        "https://example.org/news/20200413/story",
        dt.date(2020, 4, 13),
    ),
    (
        "an address date no zone explains is not taken",
        ld({"@type": "NewsArticle", "datePublished": "2020-07-09T10:04:04Z"}),
        "",
        "https://example.org/politics/2020/07/08/story.html",
        dt.date(2020, 7, 9),
    ),
    (
        "UTC with no other hint stays the UTC date",
        og("article:published_time", "2020-05-02T02:54:29.000Z"),
        "",
        STORY,
        dt.date(2020, 5, 2),
    ),
    (
        "feed-style date with a US zone",
        ld({"@type": "NewsArticle", "datePublished": "Tue, Sep 15 2020 10:01:41 EDT"}),
        "",
        STORY,
        dt.date(2020, 9, 15),
    ),
    (
        "feed-style date, day first, GMT",
        ld({"@type": "NewsArticle", "datePublished": "Wed, 04 May 2022 22:41:00 GMT"})
        + ld({"@type": "WebPage", "dateModified": "2022-05-04T20:00:00-04:00"}),
        "",
        STORY,
        dt.date(2022, 5, 4),
    ),
    (
        "12-hour clock",
        meta("date", "Sep 15, 2020 11:30 pm +0000")
        + og("article:modified_time", "2020-09-16T01:00:00+02:00"),
        "",
        STORY,
        dt.date(2020, 9, 16),
    ),
    (
        "a comment's datePublished is not the article's",
        og("article:published_time", "2015-12-12T05:00:37+00:00"),
        '<ol class="commentlist"><li><time itemprop="datePublished" '
        'datetime="2015-12-13T01:10:03+01:00">13.12.</time></li></ol>',
        STORY,
        dt.date(2015, 12, 12),
    ),
    (
        "the article node's date before page-level meta",
        ld({"@type": "NewsArticle", "datePublished": "2021-03-04"}) + meta("date", "2021-05-06"),
        "",
        STORY,
        dt.date(2021, 3, 4),
    ),
    (
        "JSON-LD and Open Graph disagree: htmldate's pick",
        DISAGREEING,
        "",
        STORY,
        dt.date(2021, 3, 6),
    ),
    (
        "JSON-LD and Open Graph disagree: the page shows JSON-LD's day",
        DISAGREEING,
        "<p>4 March 2021</p>",
        STORY,
        dt.date(2021, 3, 4),
    ),
    (
        "one instant in two zones is no disagreement",
        ld({"@type": "NewsArticle", "datePublished": "2020-12-25T01:59:50+02:00"})
        + og("article:published_time", "2020-12-24T23:59:50+00:00"),
        "",
        STORY,
        dt.date(2020, 12, 25),
    ),
    (
        "a wiki revision's date is its edit",
        ld({"@type": "Article", "datePublished": "2005-07-26", "dateModified": "2020-04-07"}),
        "",
        "https://wiki.example.org/index.php?title=Page&diff=591343&oldid=588001",
        dt.date(2020, 4, 7),
    ),
    (
        "the wiki article itself keeps its creation date",
        ld({"@type": "Article", "datePublished": "2005-07-26", "dateModified": "2020-04-07"}),
        "",
        "https://wiki.example.org/wiki/Page",
        dt.date(2005, 7, 26),
    ),
    (
        "a country's domain: local midnight in Berlin, written in UTC",
        og("article:published_time", "2022-11-06T23:00:00.000Z"),
        "",
        "https://www.example.de/artikel/reise-4711",
        dt.date(2022, 11, 7),
    ),
    (
        "a country's domain follows summer time",
        og("article:published_time", "2021-07-01T22:30:00Z"),
        "",
        "https://www.example.de/artikel/reise-4711",
        dt.date(2021, 7, 2),
    ),
    (
        "a country's domain in winter: 23:30 is still the same day",
        og("article:published_time", "2021-01-01T22:30:00Z"),
        "",
        "https://www.example.de/artikel/reise-4711",
        dt.date(2021, 1, 1),
    ),
    (
        "a second-level country domain",
        og("article:published_time", "2022-05-04T02:41:00Z"),
        "",
        "https://example.com.bo/santa-cruz/story-4711",
        dt.date(2022, 5, 3),
    ),
    (
        "a country code sold as a generic name is no hint",
        og("article:published_time", "2022-05-04T02:41:00Z"),
        "",
        "https://startup.co/story-4711",
        dt.date(2022, 5, 4),
    ),
    (
        "the page's own offset before its domain's zone",
        og("article:published_time", "2022-05-04T03:37:37+00:00")
        + og("article:modified_time", "2022-05-03T23:40:00-04:00"),
        "",
        "https://www.example.it/story-4711",
        dt.date(2022, 5, 3),
    ),
]


@pytest.mark.parametrize(
    ("head", "body", "url", "want"),
    [c[1:] for c in LOCAL_DATE_CASES],
    ids=[c[0] for c in LOCAL_DATE_CASES],
)
def test_published_local_date(
    head: str, body: str, url: str, want: dt.date, dated_clock: Clock
) -> None:
    assert extract_metadata(page(head, body), url, today=dated_clock.today()).published == want


def test_published_from_the_url_when_the_page_declares_nothing() -> None:
    doc = page("", "<p>No dates anywhere in this text.</p>")
    got = extract_metadata(doc, "https://example.org/2016/04/12/some-story/", today=TODAY)
    assert got.published == dt.date(2016, 4, 12)


TEMPLATE_DATE = og("og:type", "article") + ld(
    {"@type": "WebPage", "datePublished": "2019-11-02T08:00:00+00:00"}
)


@pytest.mark.parametrize(
    ("head", "body", "url", "want"),
    [
        # a CMS stamps its "about us" page like a post: nothing on the page backs the date
        (TEMPLATE_DATE, "<p>We sell shoes.</p>", "https://example.org/about-us/", None),
        (
            TEMPLATE_DATE,
            "<p>Posted on 2 November 2019</p>",
            "https://example.org/about-us/",
            dt.date(2019, 11, 2),
        ),
        (
            TEMPLATE_DATE,
            "<p>Veröffentlicht am 02.11.2019</p>",
            "https://example.org/about-us/",
            dt.date(2019, 11, 2),
        ),
        (
            ld({"@type": "NewsArticle", "datePublished": "2019-11-02"}),
            "<p>We sell shoes.</p>",
            "https://example.org/about-us/",
            dt.date(2019, 11, 2),
        ),
        (TEMPLATE_DATE, "<p>We sell shoes.</p>", STORY, dt.date(2019, 11, 2)),
        (
            TEMPLATE_DATE + og("article:published_time", "2019-11-02T08:00:00Z"),
            "<p>We sell shoes.</p>",
            "https://example.org/about-us/",
            dt.date(2019, 11, 2),
        ),
        (
            TEMPLATE_DATE,
            '<p class="byline">By Jane Roe</p><p>We sell shoes.</p>',
            "https://example.org/about-us/",
            dt.date(2019, 11, 2),
        ),
        (
            TEMPLATE_DATE,
            "<p>We sell shoes.</p>",
            "https://example.org/2019/11/02/shoes/",
            dt.date(2019, 11, 2),
        ),
        # the page shows the UTC date while the reader's local date is the next day
        (
            og("article:published_time", "2021-07-01T22:30:00Z"),
            "<p>1. Juli 2021</p>",
            "https://www.example.de/ueber-uns/",
            dt.date(2021, 7, 2),
        ),
    ],
)
def test_template_dates(
    head: str, body: str, url: str, want: dt.date | None, dated_clock: Clock
) -> None:
    assert extract_metadata(page(head, body), url, today=dated_clock.today()).published == want


SHOP_IMAGE = '<p>Our shoes.</p><img src="/uploads/2019/05/14/shoe.jpg" alt="">'


@pytest.mark.parametrize(
    ("body", "url", "want"),
    [
        # htmldate's extensive search finds the date in the image's address: nobody sees it
        (SHOP_IMAGE, "https://shop.example.org/shoes/", None),
        (SHOP_IMAGE, "https://shop.example.org/shoes/4711-red", dt.date(2019, 5, 14)),
        (
            SHOP_IMAGE + "<p>Stand: 14. Mai 2019</p>",
            "https://shop.example.org/shoes/",
            dt.date(2019, 5, 14),
        ),
        (
            SHOP_IMAGE + "<p>May 14th, 2019</p>",
            "https://shop.example.org/shoes/",
            dt.date(2019, 5, 14),
        ),
        (SHOP_IMAGE + "<p>14/05/19</p>", "https://shop.example.org/shoes/", dt.date(2019, 5, 14)),
        # in the languages and digits of the dates set's pages
        *[
            (
                SHOP_IMAGE + f"<p>{shown}</p>",
                "https://shop.example.org/shoes/",
                dt.date(2019, 5, 14),
            )
            for shown in (
                "14 мая 2019",
                "14 Mayıs 2019 Salı",
                "الثلاثاء، ١٤ مايو ٢٠١٩",
                "2019. május 14.",
            )
        ],
        # Polish November ("listopada", which is October in Croatian: in both months' names)
        (
            SHOP_IMAGE.replace("2019/05/14", "2019/11/05") + "<p>5 listopada 2019</p>",
            "https://shop.example.org/shoes/",
            dt.date(2019, 11, 5),
        ),
        (
            SHOP_IMAGE + '<time datetime="2019-05-14">gestern</time>',
            "https://shop.example.org/shoes/",
            dt.date(2019, 5, 14),
        ),
        # a date in a script is not shown either
        (
            SHOP_IMAGE + "<script>var d = '14.05.2019';</script>",
            "https://shop.example.org/shoes/",
            None,
        ),
    ],
)
def test_undeclared_date_is_shown_or_on_a_story_address(
    body: str, url: str, want: dt.date | None, dated_clock: Clock
) -> None:
    doc = page("<title>Shoes</title>", body)
    assert extract_metadata(doc, url, today=dated_clock.today()).published == want


_DATE_TEXT = st.lists(
    st.sampled_from(
        [
            "2019",
            "19",
            "5",
            "05",
            "14",
            " ",
            ".",
            "/",
            "-",
            "de ",
            "th",
            "mai",
            "may",
            "May",
            "мая",
            "年",
            "月",
            "日",
            "x",
            "\n",
        ]
    ),
    max_size=12,
).map("".join)


def _own_patterns(date: dt.date) -> list[str]:
    """The patterns of one date, its numbers written in, that _shown searched before its
    patterns were compiled once for every date: the reference the compiled ones must agree with."""
    from bot.article.metadata import dates

    y, m, d = date.year, date.month, date.day
    months = "|".join(re.escape(name) for name in dates._MONTH_NAMES[m - 1])
    return [
        rf"(?<!\d){y}\s?[-/.]\s?0?{m}\s?[-/.]\s?0?{d}(?!\d)",
        rf"(?<!\d)0?{d}\s?[-/.]\s?0?{m}\s?[-/.]\s?(?:{y}|{y % 100:02})(?!\d)",
        rf"(?<!\d)0?{m}/0?{d}/(?:{y}|{y % 100:02})(?!\d)",
        rf"(?<!\d){y}\s?年\s?0?{m}\s?月\s?0?{d}\s?日",
        rf"(?<!\d)0?{d}(?:st|nd|rd|th|er)?\.?\s*(?:de\s+)?(?:{months})\.?,?\s*(?:de\s+)?{y}(?!\d)",
        rf"(?<![^\W\d])(?:{months})\.?\s+0?{d}(?:st|nd|rd|th)?,?\s+{y}(?!\d)",
        rf"(?<!\d){y}\.?\s+(?:{months})\s+0?{d}(?!\d)",
    ]


_SPELLING_DAYS = [dt.date(2019, 5, 14), dt.date(2005, 5, 5), dt.date(2010, 10, 1)]


@st.composite
def _date_like(draw: st.DrawFn) -> tuple[str, dt.date]:
    """Numbers near one date's (its own, with and without a leading zero, and others) between
    the separators and month names its spellings use."""
    day = draw(st.sampled_from(_SPELLING_DAYS))
    y, m, d = day.year, day.month, day.day
    numbers = [str(y), f"{y % 100:02}", str(m), f"0{m}", str(d), f"0{d}", "1", "0", "٥", "00"]
    between = [" ", ".", "/", "-", ". ", ", ", " de ", "th ", "er ", "年", "月", "日", "x", "\n"]
    between += [" may ", " mai ", "мая ", " october ", " octubre ", "may ", " "]
    parts = draw(
        st.lists(st.tuples(st.sampled_from(numbers), st.sampled_from(between)), max_size=6)
    )
    return draw(st.sampled_from(["", "x", " may ", "dismay "])) + "".join(
        a + b for a, b in parts
    ), day


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_date_like() | st.tuples(_DATE_TEXT, st.sampled_from(_SPELLING_DAYS)))
def test_a_date_spelling_matches_where_the_dates_own_pattern_does(
    case: tuple[str, dt.date],
) -> None:
    # the patterns compiled once for every date, their numbers checked after the match, find a
    # date exactly where its own pattern (its numbers written in) does; and _shown searches one
    # only when the text holds the strings it names as needed
    from bot.article.metadata import dates

    text, day = case
    spellings = dates._date_spellings(day)
    assert len(spellings) == len(_own_patterns(day))
    for own, (pattern, numbers, required) in zip(_own_patterns(day), spellings, strict=True):
        found = dates._spells(pattern, numbers, text)
        assert found == bool(re.search(own, text)), own
        if found:
            assert all(any(n in text for n in needles) for needles in required), own


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2019-05-14", dt.date(2019, 5, 14)),
        ("14.05.19", dt.date(2019, 5, 14)),
        ("5/14/2019", dt.date(2019, 5, 14)),
        ("2019年5月14日", dt.date(2019, 5, 14)),
        ("14th may 2019", dt.date(2019, 5, 14)),
        ("may 14, 2019", dt.date(2019, 5, 14)),
        ("2019. május 14", dt.date(2019, 5, 14)),
        # the runs overlap: 2010-05-2019 is no date, 2019-05-14 starts inside it
        ("2010-05-2019-05-14", dt.date(2019, 5, 14)),
        ("1 octubre 2010", dt.date(2010, 10, 1)),
        # a leading zero on the day or the month
        ("05.05.05", dt.date(2005, 5, 5)),
        ("2005-05-05", dt.date(2005, 5, 5)),
        ("05/05/2005", dt.date(2005, 5, 5)),
        ("05 may 2005", dt.date(2005, 5, 5)),
        ("may 05, 2005", dt.date(2005, 5, 5)),
        ("2005 may 05", dt.date(2005, 5, 5)),
        # overlapping runs of each shape
        ("3/5/14/2019", dt.date(2019, 5, 14)),
        ("7.14.05.2019", dt.date(2019, 5, 14)),
        ("2005年2019年5月14日", dt.date(2019, 5, 14)),
        ("1 may 14 may 2019", dt.date(2019, 5, 14)),
        ("may 1 may 14, 2019", dt.date(2019, 5, 14)),
        ("2019 may 2019 may 14", dt.date(2019, 5, 14)),
    ],
)
def test_each_spelling_of_a_date_is_found(text: str, day: dt.date) -> None:
    from bot.article.metadata import dates

    assert any(dates._spells(p, n, text) for p, n, _ in dates._date_spellings(day))
    assert not any(
        dates._spells(p, n, text) for p, n, _ in dates._date_spellings(day + dt.timedelta(1))
    )


@pytest.mark.parametrize("text", ["dismay 14, 2019", "2019.05.140", "142019/5/14"])
def test_a_date_inside_other_words_or_numbers_is_not_found(text: str) -> None:
    from bot.article.metadata import dates

    day = dt.date(2019, 5, 14)
    assert not any(dates._spells(p, n, text) for p, n, _ in dates._date_spellings(day))


# htmldate's answers when a page has no full date it may return. Its values: a month alone comes
# back as that month's 1st and a year alone as 1 January, and a date after its ``max_date`` is
# shortened to its month (or year) when that one is not later still.
_MONTHS = "January February March April May June July August September October November December"


def _in_words(date: dt.date) -> str:
    return f"{date.day} {_MONTHS.split()[date.month - 1]} {date.year}"


def _days(today: dt.date, n: int) -> dt.date:
    return today + dt.timedelta(days=n)


def _shortened(date: dt.date, today: dt.date) -> dt.date | None:
    """What htmldate makes of a date after its latest: its month's 1st, else 1 January."""
    latest = _days(today, 1)
    return next(
        (d for d in (date.replace(day=1), date.replace(month=1, day=1)) if d <= latest), None
    )


HTMLDATE_CASES: list[tuple[str, Any]] = [
    # (name, today -> (head, body, htmldate's own answer, the published date newslink gives))
    (
        "month alone, this month",
        lambda t: ("", f"<p>Issue {t.month}/{t.year}</p>", t.replace(day=1), None),
    ),
    (
        "month alone, in an image's address",
        lambda t: ("", f'<img src="/uploads/{t:%Y/%m}/a.jpg" alt="">', t.replace(day=1), None),
    ),
    ("month alone, years ago", lambda t: ("", "<p>Archive 2019/03</p>", dt.date(2019, 3, 1), None)),
    ("year alone", lambda t: ("", "<footer>© 2019 Example</footer>", dt.date(2019, 1, 1), None)),
    (
        "declared two days ahead, shortened to a 1st",
        lambda t: (meta("date", _days(t, 2).isoformat()), "", _shortened(_days(t, 2), t), None),
    ),
    (
        "shown three weeks ahead",
        lambda t: ("", f"<p>Published {_days(t, 21)}</p>", _shortened(_days(t, 21), t), None),
    ),
    (
        "a <time> three weeks ahead",
        lambda t: (
            "",
            f'<time datetime="{_days(t, 21)}">soon</time>',
            _shortened(_days(t, 21), t),
            None,
        ),
    ),
    # a real 1st, which the page shows or declares in full: believed
    (
        "a 1st shown in full",
        lambda t: ("", "<p>Published 1 March 2019</p>", dt.date(2019, 3, 1), dt.date(2019, 3, 1)),
    ),
    (
        "1 January shown in full",
        lambda t: ("", "<p>Published 1 January 2021</p>", dt.date(2021, 1, 1), dt.date(2021, 1, 1)),
    ),
    (
        "this month's 1st shown in full",
        lambda t: (
            "",
            f"<p>Published {_in_words(t.replace(day=1))}</p>",
            t.replace(day=1),
            t.replace(day=1),
        ),
    ),
    (
        "a 1st declared in full as the page's last change",
        lambda t: (
            og("article:modified_time", "2019-03-01T10:00:00+01:00"),
            "<p>Archive 2019/03</p>",
            dt.date(2019, 3, 1),
            dt.date(2019, 3, 1),
        ),
    ),
    # a day ahead is today somewhere east of UTC (the 1st of a month, or of a year, on the 31st)
    (
        "shown a day ahead",
        lambda t: ("", f"<p>Published {_in_words(_days(t, 1))}</p>", _days(t, 1), _days(t, 1)),
    ),
]


@pytest.mark.parametrize("case", [c[1] for c in HTMLDATE_CASES], ids=[c[0] for c in HTMLDATE_CASES])
def test_htmldate_month_only_and_future_answers(case: Any, dated_clock: Clock) -> None:
    from htmldate import find_date

    today = dated_clock.today()
    head, body, htmldate_says, want = case(today)
    latest = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.max)
    said = find_date(page(head, body), original_date=True, url=STORY, max_date=latest)
    # the premise: what htmldate answers on such a page, with the latest date it may give
    assert (dt.date.fromisoformat(said) if said else None) == htmldate_says
    assert extract_metadata(page(head, body), STORY, today=today).published == want


DATED_LINKS = (
    "<h2>Popular right now</h2><ul>"
    '<li><a href="/news/2024/03/14/vote">Harbour city votes, 14.03.2024</a></li>'
    '<li><a href="/news/2024/03/13/ferry">Ferry timetable cut, 13.03.2024</a></li></ul>'
)


@pytest.mark.parametrize(
    ("title", "url", "dated"),
    [
        # the control: the same links on an article's address do give htmldate a date
        ("Harbour city votes", "https://example.org/news/story", True),
        ("Harbour city votes", "https://example.org/", False),
        ("Harbour city votes", "https://example.org/index.html", False),
        # a post's address at the site's root (WordPress, Joomla): a story's dates
        ("Harbour city votes", "https://example.org/?p=3289", True),
        ("Harbour city votes", "https://example.org/index.php?id=7", True),
        ("Harbour city votes", "https://example.org/?lang=de", False),
        ("Page not found | Courier", "https://example.org/news/story", False),
        ("Seite nicht gefunden", "https://example.org/news/story", False),
    ],
)
def test_no_date_from_the_links_of_home_and_error_pages(title: str, url: str, dated: bool) -> None:
    doc = page(f"<title>{title}</title>", DATED_LINKS)
    assert (extract_metadata(doc, url, today=TODAY).published is not None) == dated


def test_saved_error_page_has_no_date() -> None:
    doc = lxml.html.document_fromstring((PAGES / "error_404.html").read_bytes())
    url = "https://www.coastal-courier.example/news/missing"
    assert extract_metadata(doc, url, today=TODAY).published is None


# --- image, description, language ----------------------------------------------------------------

FIELD_CASES = [
    ("image_url", og("og:image", "/img/a.jpg"), "", "https://www.example-news.com/img/a.jpg"),
    (
        "image_url",
        og("og:image", "javascript:alert(1)") + meta("twitter:image", "//cdn.x.org/b.png"),
        "",
        "https://cdn.x.org/b.png",
    ),
    (
        "image_url",
        ld({"@type": "Article", "image": ["https://cdn.x.org/c.jpg"]}),
        "",
        "https://cdn.x.org/c.jpg",
    ),
    ("image_url", og("og:image", "data:image/png;base64,AAAA"), "", None),
    (
        "description",
        og("og:description", " Two\n  lines ") + meta("description", "other"),
        "",
        "Two lines",
    ),
    ("description", meta("twitter:description", "From Twitter"), "", "From Twitter"),
    ("language", "", "en-GB", "en"),
    ("language", og("og:locale", "de_DE"), "", "de"),
    ("language", meta("content-language", "pt-BR", "http-equiv"), "", "pt"),
    ("language", "", "nonsense-value-1", None),
]


@pytest.mark.parametrize(
    ("name", "head", "lang", "want"),
    FIELD_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(FIELD_CASES)],
)
def test_other_fields(name: str, head: str, lang: str, want: str | None) -> None:
    assert getattr(extract_metadata(page(head, lang=lang), URL, today=TODAY), name) == want


# --- JSON-LD robustness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        "{not json",
        "[]",
        "null",
        '"a string"',
        '{"@graph": "not a list"}',
        '{"@type": ["NewsArticle", 3], "author": [null, 5, {"name": ["x"]}], "headline": {"a": 1}}',
        '{"@type": "Article", "datePublished": 20200101, "image": {"url": 7}}',
        "[" * 500 + "]" * 500,
    ],
)
def test_broken_json_ld_never_raises(script: str) -> None:
    doc = page(f'<script type="application/ld+json">{script}</script><title>Fine</title>')
    assert extract_metadata(doc, URL, today=TODAY).title == "Fine"


def test_multiple_json_ld_blocks_use_the_article() -> None:
    head = ld({"@type": "WebSite", "name": "Planet"}) + ld(
        [
            {"@type": "BreadcrumbList"},
            {
                "@type": "ReportageNewsArticle",
                "headline": "Real headline",
                "author": {"@type": "Person", "name": "Ann Poe"},
                "datePublished": "2020-02-02",
            },
        ]
    )
    got = extract_metadata(page(head, "<p>By Ann Poe</p>"), URL, today=TODAY)
    assert (got.title, got.authors, got.published) == (
        "Real headline",
        ["Ann Poe"],
        dt.date(2020, 2, 2),
    )


def test_document_is_not_modified() -> None:
    doc = lxml.html.document_fromstring((PAGES / "meta_jsonld_news.html").read_bytes())
    before = lxml.etree.tostring(doc)
    extract_metadata(doc, URL, today=TODAY)
    assert lxml.etree.tostring(doc) == before


# --- realistic pages -----------------------------------------------------------------------------

PAGE_CASES = {
    "meta_jsonld_news.html": Metadata(
        title="Harbour bridge reopens after two-year repair",
        site_name="Example Gazette",
        authors=["Jane Doe", "Rahul Mehta"],
        published=dt.date(2021, 3, 4),
        image_url="https://gazette.example.com/images/bridge.jpg",
        description="The bridge carries 40,000 vehicles a day.",
        language="en",
    ),
    "meta_og_blog.html": Metadata(
        title="Why my tomatoes split",
        site_name="Green Thumbs",
        authors=["Mara Lindqvist"],
        published=dt.date(2019, 8, 14),
        image_url="https://greenthumbs.example.net/wp-content/tomatoes.png",
        description="Irregular watering, mostly.",
        language="en",
    ),
    "meta_german_von.html": Metadata(
        title="Stadtrat beschließt neues Radwegenetz",
        site_name="Nordstadt Kurier",
        authors=["Jürgen Müller-Lüdenscheidt", "Anna von Bergen"],
        published=dt.date(2022, 6, 30),
        image_url=None,
        description="Der Ausbau soll bis 2026 abgeschlossen sein.",
        language="de",
    ),
    "meta_org_author.html": Metadata(
        title="La récolte de blé en baisse de 12 %",
        site_name="Agence Exemple",
        authors=[],
        published=dt.date(2020, 9, 1),
        image_url="https://img.agence-exemple.fr/ble.jpg",
        description=None,
        language="fr",
    ),
}
PAGE_URLS = {
    "meta_jsonld_news.html": "https://gazette.example.com/city/bridge-reopens",
    "meta_og_blog.html": "https://greenthumbs.example.net/why-tomatoes-split/",
    "meta_german_von.html": "https://www.nordstadt-kurier.example.de/lokales/radwege",
    "meta_org_author.html": "https://www.agence-exemple.fr/economie/ble",
}


@pytest.mark.parametrize("name", sorted(PAGE_CASES))
@pytest.mark.parametrize(
    "field_name",
    [
        "title",
        "site_name",
        "authors",
        "published",
        "image_url",
        "description",
        "language",
    ],
)
def test_saved_page(name: str, field_name: str) -> None:
    doc = lxml.html.document_fromstring((PAGES / name).read_bytes())
    got = extract_metadata(doc, PAGE_URLS[name], today=TODAY)
    assert getattr(got, field_name) == getattr(PAGE_CASES[name], field_name)


def test_every_saved_page_is_checked() -> None:
    assert {p.name for p in PAGES.glob("meta_*.html")} == set(PAGE_CASES)


# --- never raises --------------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "<title>",
        "</title>",
        "<h1>",
        "</h1>",
        "<meta property='og:title' content='x'>",
        "<meta name='author' content='By Staff and'>",
        "<meta name='date' content='2099-99-99'>",
        '<script type="application/ld+json">',
        "</script>",
        '{"@graph": [',
        '{"@type": "Article",',
        '"author": {"@id": "#a"}',
        '"datePublished": "20201301"',
        "]}",
        "<time datetime='x'>",
        "<a rel='author'>",
        "</a>",
        "<html lang='\u202e'>",
        "\x00",
        "&amp;",
        "\ud7ff",
        " | ",
        " - ",
    ]
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    parts=st.lists(st.one_of(_FRAGMENTS, st.text(max_size=20)), max_size=30),
    url=st.one_of(st.just(URL), st.text(max_size=30)),
)
def test_never_raises_on_garbage(
    parts: list[str], url: str, caplog: pytest.LogCaptureFixture
) -> None:
    text = "".join(parts)
    try:
        doc = lxml.html.document_fromstring(
            "<html><head>" + text + "</head><body><p>x</p></body></html>"
        )
    except (ValueError, lxml.etree.ParserError):
        return
    with caplog.at_level(logging.WARNING, logger="bot.article.metadata.read"):
        got = extract_metadata(doc, url, today=TODAY)
    # extract_metadata swallows its own failures, logging them: a logged failure is the bug
    assert not [r for r in caplog.records if r.name == "bot.article.metadata.read"]
    if got.published is not None:
        assert dt.date(1995, 1, 1) <= got.published <= TODAY + dt.timedelta(days=1)


# --- warm-up -------------------------------------------------------------------------------------

_WARM_UP_CHECK = """
import sys, time
import bot.article.metadata.dates
assert "dateparser" not in sys.modules, "imported at import time"
bot.article.metadata.dates.warm_up()
assert "dateparser" in sys.modules, "warm_up did not load dateparser"
"""


def test_warm_up_loads_the_date_parser_and_import_does_not() -> None:
    # a fresh interpreter: this one may have loaded dateparser in other tests already
    done = subprocess.run(
        [sys.executable, "-c", _WARM_UP_CHECK],
        cwd=Path(__file__).parent.parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# --- site names that are not an outlet's, descriptions that start with buttons --------------------

SITE_NAME_GUARD_CASES = [
    (
        "a handle is not a site name; the title names the outlet",
        og("og:site_name", "@politifact")
        + "<title>What drugs cross the border? | PolitiFact West Virginia</title>"
        + og("og:title", "What drugs cross the border?"),
        "https://www.politifact.com/west-virginia/statements/2019/nov/18/x/y/",
        "PolitiFact West Virginia",
    ),
    (
        "a handle is skipped for the publisher",
        og("og:site_name", "@planet")
        + ld({"@type": "Article", "publisher": {"@type": "Organization", "name": "Planet Media"}}),
        URL,
        "Planet Media",
    ),
    (
        "the host's subdomain label is not the outlet",
        og("og:site_name", "Hosted") + "<title>Sondland faces questions | Hosted</title>",
        "https://hosted.ap.org/berkshireeagle/article/6486944b/unpredictable-sondland",
        None,
    ),
    (
        "a generic word is not the outlet",
        og("og:site_name", "Home") + meta("application-name", "Daily Planet"),
        URL,
        "Daily Planet",
    ),
    (
        "one word that is the registrable brand stays",
        og("og:site_name", "Reuters"),
        "https://www.reuters.com/article/x",
        "Reuters",
    ),
    (
        "one word on a subdomain that is not that label stays",
        og("og:site_name", "Politico"),
        "https://subscriber.politico.com/article/x",
        "Politico",
    ),
    (
        "several words with a generic one stay",
        og("og:site_name", "Hosted News Network"),
        "https://hosted.example.org/a",
        "Hosted News Network",
    ),
]


@pytest.mark.parametrize(
    ("head", "url", "want"),
    [c[1:] for c in SITE_NAME_GUARD_CASES],
    ids=[c[0] for c in SITE_NAME_GUARD_CASES],
)
def test_site_name_is_never_a_handle_or_a_generic_label(
    head: str, url: str, want: str | None
) -> None:
    assert extract_metadata(page(head), url, today=TODAY).site_name == want


DESCRIPTION_CASES = [
    ("Share this on WhatsAppNesta página você terá", "Nesta página você terá"),
    ("Share on Facebook Share on Twitter Email | The council voted.", "The council voted."),
    ("Tweet this | Share | The council voted.", "The council voted."),
    ("Share prices rose after the vote.", "Share prices rose after the vote."),
    ("Printers jammed at the polling station.", "Printers jammed at the polling station."),
    ("Share on Xbox arrives next month.", "Share on Xbox arrives next month."),
    ("Posted to Facebook by the council.", "Posted to Facebook by the council."),
]


@pytest.mark.parametrize(("raw", "want"), DESCRIPTION_CASES)
def test_description_without_share_buttons(raw: str, want: str) -> None:
    assert extract_metadata(page(og("og:description", raw)), URL, today=TODAY).description == want


def test_description_of_only_share_buttons_falls_back() -> None:
    head = og("og:description", "Share this on WhatsApp") + meta("description", "The real summary.")
    assert extract_metadata(page(head), URL, today=TODAY).description == "The real summary."


def test_date_published_elements_are_marked_or_pubdate_times_once_each_in_page_order() -> None:
    from bot.article.metadata.dates import _date_published_elements
    from bot.article.page import read_page
    from tests.article._inline import tags_and_texts

    markup = (
        '<html><head><meta itemprop="datePublished" content="2024-01-01"></head><body>'
        '<time pubdate datetime="2024-01-02">a</time><span itemprop="datepublished">no</span>'
        '<time pubdate itemprop="datePublished">b</time><time>no</time>'
        '<p itemprop="datePublished">c</p></body></html>'
    )
    found = tags_and_texts(lambda doc: _date_published_elements(read_page(doc, URL)), markup)
    assert found == [
        ("meta", None),
        ("time", "a"),
        ("time", "b"),
        ("p", "c"),
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_squash_keeps_exactly_the_letters_and_digits(text: str) -> None:
    import unicodedata

    from bot.article.metadata.headline import squash

    folded = unicodedata.normalize("NFKD", text).casefold()
    assert squash(text) == "".join(ch for ch in folded if ch.isalnum())

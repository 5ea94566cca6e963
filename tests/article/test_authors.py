"""Authors a reader can see (issue 15): a declared name counts only if the page shows it, a home
page has no author, and a byline inside a quotation or a linked story's teaser is not this
story's. Table cases on snippets, then the saved pages of the shared data that named someone
the reference does not."""

from __future__ import annotations

import lxml.html
import pytest

from bot.article.metadata.read import extract_metadata
from tests._dates import TODAY
from tests._shared_data import metadata_keys, metadata_page, read
from tests.article.test_metadata import ld, meta, page

URL = "https://www.example-news.com/world/2020/story-4711.html"
PERSON = ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ann Poe"}})

CASES = [
    ("JSON-LD name the page never shows", PERSON, "<p>The story.</p>", URL, []),
    ("meta author the page never shows", meta("author", "Jane Doe"), "<p>Story.</p>", URL, []),
    ("JSON-LD name shown", PERSON, "<p>By Ann Poe</p>", URL, ["Ann Poe"]),
    ("shown in capitals", PERSON, "<p>BY ANN POE</p>", URL, ["Ann Poe"]),
    ("shown surname first", PERSON, "<p>Poe, Ann</p>", URL, ["Ann Poe"]),
    ("shown across elements", PERSON, "<p><b>Ann</b>\n<i>Poe</i></p>", URL, ["Ann Poe"]),
    ("only in a script", PERSON, "<script>var a = 'Ann Poe';</script>", URL, []),
    (
        "unshown JSON-LD name, shown meta name",
        PERSON + meta("author", "Jane Doe"),
        "<p>Jane Doe</p>",
        URL,
        ["Jane Doe"],
    ),
    ("home page", PERSON, "<p>By Ann Poe</p>", "https://www.example-news.com/", []),
    ("home page index.html", PERSON, "<p>Ann Poe</p>", "https://example.de/index.html", []),
    ("a post at the root", PERSON, "<p>Ann Poe</p>", "https://example.de/?p=3289", ["Ann Poe"]),
    (
        "byline of a quotation",
        "",
        '<blockquote>Words.<span class="quote-author">Ann Poe</span></blockquote>',
        URL,
        [],
    ),
    (
        "byline in a linked story's teaser",
        "",
        '<a href="/other-story-1234"><h3>Another headline about something else entirely</h3>'
        '<span class="author">Ann Poe</span></a>',
        URL,
        [],
    ),
    (
        "link around the name alone",
        "",
        '<a href="/author/ann-poe"><span class="author">Ann Poe</span></a>',
        URL,
        ["Ann Poe"],
    ),
    (
        "a picture's credit beside the byline",
        meta("author", "Text: Jane Doe / Fotos: John Roe"),
        "<p>Text: Jane Doe / Fotos: John Roe</p>",
        URL,
        ["Jane Doe"],
    ),
    ("photo by", meta("author", "Photo by John Roe"), "<p>Photo by John Roe</p>", URL, []),
    (
        "byline in a figure",
        "",
        '<figure><img src="a.jpg"><span class="author">John Roe</span></figure>',
        URL,
        [],
    ),
    (
        "a section where the author belongs",
        meta("author", "Middle East") + '<meta property="article:section" content="Middle East">',
        "<p>Middle East</p>",
        URL,
        [],
    ),
    (
        "an author's card linking to the author's page",
        "",
        '<a href="/author/ann-poe"><span class="author">Ann Poe</span>'
        "<span>Ann covers climate policy, energy markets and the courts.</span></a>",
        URL,
        ["Ann Poe"],
    ),
    ("the newsroom in Spanish", meta("author", "Redacción LR"), "<p>Redacción LR</p>", URL, []),
    (
        "the newsroom in Italian",
        meta("author", "Redazione Cronaca"),
        "<p>Redazione Cronaca</p>",
        URL,
        [],
    ),
    # names on pages outside the metadata set (the dates and extraction sets) that were no person's
    (
        "the newsroom in Greek",
        meta("author", "ΣΥΝΤΑΚΤΙΚΗ ΟΜΑΔΑ"),
        "<p>ΣΥΝΤΑΚΤΙΚΗ ΟΜΑΔΑ</p>",
        URL,
        [],
    ),
    ("a police station", meta("author", "Polizei Steinfurt"), "<p>Polizei Steinfurt</p>", URL, []),
    (
        "a newsletter named 'The …'",
        meta("author", "The Water Coolest"),
        "<p>By The Water Coolest</p>",
        URL,
        [],
    ),
    (
        "a sentence in a byline's class",
        "",
        '<p class="author">The Russian and Syrian defense ministries</p>',
        URL,
        [],
    ),
    (
        "the outlet in capitals after the names",
        meta("author", "Christal Hayes, Nicholas Wu | USA TODAY"),
        "<p>Christal Hayes, Nicholas Wu | USA TODAY</p>",
        URL,
        ["Christal Hayes", "Nicholas Wu"],
    ),
    (
        "the weekday of the byline's date",
        "",
        '<p class="byline">by Jeff Foust Monday, November 18, 2019</p>',
        URL,
        ["Jeff Foust"],
    ),
    (
        "the outlet the author wrote for",
        meta("author", "Jane Doe For Dailymail.com"),
        "<p>By Jane Doe For Dailymail.com</p>",
        URL,
        ["Jane Doe"],
    ),
    # issue 15, fold B (El Tiempo): the author's card is hidden, the byline names a city, and the
    # one "autor" element is the photographer's, after a "Foto:" label
    (
        "a name shown only in an element styled display: none",
        PERSON,
        '<div style="display: none;"><span class="who">Ann Poe</span></div><p>medellín</p>',
        URL,
        [],
    ),
    ("a name shown only in a hidden element", PERSON, "<p hidden>By Ann Poe</p>", URL, []),
    # fold B (jagd-oesterreich.at): the theme's byline is in a class its stylesheet hides
    (
        "a byline in a class that hides it",
        PERSON,
        '<span class="vcard rich-snippet-hidden"><a rel="author" href="/author/ann-poe/">'
        "Ann Poe</a></span>",
        URL,
        [],
    ),
    ("a byline in class 'hidden'", PERSON, '<p class="byline hidden">By Ann Poe</p>', URL, []),
    (
        "hidden on small screens only",
        PERSON,
        '<p class="hidden md:block">By Ann Poe</p><p class="overflow-hidden">Ann Poe</p>',
        URL,
        ["Ann Poe"],
    ),
    (
        "a hidden element elsewhere, the name shown",
        PERSON,
        '<div style="display:none">Menu</div><p>By Ann <span hidden>x</span>Poe</p>',
        URL,
        ["Ann Poe"],
    ),
    (
        "a photographer's name after a picture's label",
        "",
        '<div class="credit"><strong>Foto:</strong>\n<p class="autor">John Roe</p></div>',
        URL,
        [],
    ),
    (
        "a byline element after the photo credit",
        "",
        "<div><strong>Foto:</strong> John Roe</div>"
        '<div><span>Text:</span> <span class="author">Ann Poe</span></div>',
        URL,
        ["Ann Poe"],
    ),
    (
        "the clock's 'A. M.' after a byline's time",
        "",
        '<p class="author">medellín 04 de mayo 2022, 12:00 A. M.</p>',
        URL,
        [],
    ),
    ("initials alone", meta("author", "J. K."), "<p>J. K.</p>", URL, []),
    # issue 15: the JSON-LD author of the page's own article node, not of a listed related story
    (
        "JSON-LD: related stories listed before the story",
        ld(
            {
                "@type": "ItemList",
                "itemListElement": [
                    {"@type": "NewsArticle", "url": "/other-1", "author": {"name": "Kim Lo"}}
                ],
            }
        )
        + ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ann Poe"}}),
        "<p>By Ann Poe</p><ul><li>Another story, by Kim Lo</li></ul>",
        URL,
        ["Ann Poe"],
    ),
    (
        "JSON-LD: the article node whose address is the page's",
        ld({"@type": "NewsArticle", "url": "/other-1", "author": {"name": "Kim Lo"}})
        + ld({"@type": "NewsArticle", "url": URL, "author": {"name": "Ann Poe"}}),
        "<p>By Ann Poe</p><ul><li>Another story, by Kim Lo</li></ul>",
        URL,
        ["Ann Poe"],
    ),
    (
        "JSON-LD: only listed stories",
        ld(
            {"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle", "author": "Kim Lo"}]}
        ),
        "<ul><li>Another story, by Kim Lo</li></ul>",
        URL,
        [],
    ),
    # issue 15: a related story's card beside the story, its link on the heading, not the byline
    (
        "byline in a related story's card",
        "",
        "<article><h1>The story</h1><p>Text.</p></article>"
        '<article><h3><a href="/other-story-1234">Another story</a></h3>'
        '<span class="author">Ann Poe</span></article>',
        URL,
        [],
    ),
    (
        "the story's own heading links to the page",
        "",
        f'<article><h2><a href="{URL}">The story</a></h2><span class="author">Ann Poe</span>'
        "</article>",
        URL,
        ["Ann Poe"],
    ),
    (
        "related stories inside the story's article",
        "",
        '<article><h1>The story</h1><span class="author">Ann Poe</span>'
        '<h3><a href="/other-story-1234">Another story</a></h3></article>',
        URL,
        ["Ann Poe"],
    ),
]


@pytest.mark.parametrize(
    ("head", "body", "url", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_authors_the_reader_sees(head: str, body: str, url: str, want: list[str]) -> None:
    assert extract_metadata(page(head, body), url, today=TODAY).authors == want


@pytest.mark.parametrize("where", ["body", "html"])
def test_a_page_states_class_hides_nothing(where: str) -> None:
    """ "sidebar-hidden" on <body> or <html> says what the page hides, not that it hides all."""
    body = '<body class="sidebar-hidden">' if where == "body" else "<body>"
    html = '<html class="js-hidden">' if where == "html" else "<html>"
    doc = lxml.html.document_fromstring(f"{html}<head>{PERSON}</head>{body}<p>By Ann Poe</p>")
    assert extract_metadata(doc, URL, today=TODAY).authors == ["Ann Poe"]


def _key(prefix: str) -> str:
    return next(k for k in metadata_keys() if k.startswith(prefix))


@pytest.mark.parametrize(
    "prefix",
    [
        # the lawyer's home page: its meta author is the site's owner
        "https://anwaltniemeyer.de/index.html",
        # the one byline element is a quotation's author, in a teaser of another story
        "https://ostbelgiendirekt.be/tv-tipp-loriot-100-367167",
        # JSON-LD and meta name a person the page never shows
        "https://www.brasil247.com/regionais/brasilia/militares-enviaram-88-questoes",
        "https://www.rhein-neckar-loewen.de/kleiner-vorverkauf-fuer-liga-heimspiele",
        # the declared author is not this article's (the reference names another)
        "https://www.bewusster-leben.de/hope/",
        # the author's card is hidden (display: none), the byline names the city ("medellín"),
        # and the "autor" element beside the picture follows "Foto:"
        "https://www.eltiempo.com/colombia/medellin/elecciones-2022",
    ],
    ids=[
        "home page",
        "quotation teaser",
        "brasil247",
        "rhein-neckar-loewen",
        "bewusster-leben",
        "eltiempo",
    ],
)
def test_saved_page_names_no_author_the_page_does_not_show(prefix: str) -> None:
    key = _key(prefix)
    assert read(metadata_page(key, key.strip())).authors == []


def test_saved_page_keeps_the_byline_it_shows() -> None:
    key = _key("https://www.dailymail.co.uk/news/article-8772683/")
    # "By Glen Owen And Brendan Carlin For The Mail On Sunday": the outlet follows the second name
    assert read(metadata_page(key)).authors == ["Glen Owen", "Brendan Carlin"]


def test_byline_candidates_are_marked_or_named_elements_once_each_in_page_order() -> None:
    from bot.article.metadata.authors import _byline_candidates
    from tests.article._inline import tags_and_texts

    markup = (
        '<html><head><link rel="author" href="/a"></head><body>'
        '<div class="Post-BYLINE"><a rel="author" class="AUTHOR-link">A</a></div>'
        '<p class="x">no</p><span itemprop="author" class="autor">B</span>'
        '<p class="nope" rel="authors">no</p><em class="by author">C</em></body></html>'
    )
    assert tags_and_texts(_byline_candidates, markup) == [
        ("link", None),
        ("div", None),
        ("a", "A"),
        ("span", "B"),
        ("em", "C"),
    ]

"""bot.article.readable: readability driven without serialising chooses exactly what readability's
own passes choose.

Readable overrides readability-lxml's steps for speed (the div-to-paragraph test read from the
tree, class and id patterns matched lowercase, lengths remembered while scoring, the article
returned as a node). Each must decide as readability's own does: here the node it returns,
serialised as summary() serialises it, is compared with readability's summary() of the same tree,
on the saved pages and on markup made to reach each overridden step's corner cases. A readability
release that changes its steps fails here rather than silently changing the briefs.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
import readability.readability
from hypothesis import given, settings
from hypothesis import strategies as st
from readability import Document
from readability.cleaners import clean_attributes
from readability.readability import clean

from bot.article.document import parse_page
from bot.article.readable import Readable, _clean, _holds_long_space

PAGES = Path(__file__).parent.parent / "pages"


class _Reference(Document):  # type: ignore[misc]
    """readability's own passes, on the tree as Readable's _parse prepares it (scripts, styles,
    hidden elements gone): only the steps Readable overrides for speed differ."""

    _parse = Readable._parse


def _both(doc: lxml.html.HtmlElement) -> tuple[str, str]:
    want = _Reference(copy.deepcopy(doc)).summary(html_partial=True)
    node = Readable(doc).article()
    return clean_attributes(lxml.etree.tounicode(node, method="html")), want


def _doc(markup: str) -> lxml.html.HtmlElement:
    parsed = parse_page(markup.encode(), "https://example.com/a", charset=None, max_bytes=1 << 20)
    assert parsed is not None
    return parsed[1]


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_saved_page_gets_readabilitys_own_choice(name: str) -> None:
    raw = (PAGES / name).read_bytes()
    parsed = parse_page(raw, "https://news.example.com/saved/a", charset=None, max_bytes=1 << 20)
    assert parsed is not None
    got, want = _both(parsed[1])
    assert got == want


_PROSE = (
    "The council voted on Thursday night to close the harbour's coal terminal by the end of the "
    "decade, ending more than a century of coal shipments through the port, officials said. "
)

_CORNERS = {
    # a div whose only block-like descendant is a <picture> (its name starts like <p>) stays a div
    "picture": f"<div class='story'><div><picture></picture><span>{_PROSE}</span></div>"
    f"<p>{_PROSE}</p><p>{_PROSE}</p></div>",
    # an inline child holding a div: readability does not gather it into a paragraph
    "inline holding a div": f"<div class='entry'>Lead text, {_PROSE}<a href='#'><div>{_PROSE}"
    f"</div></a><b>bold</b> tail {_PROSE}<br>after<br></div><p>{_PROSE}</p>",
    # div text and tails become paragraphs; nested divs below an inline element
    "text and tails": f"<article><div>{_PROSE}<span>x<div><p>{_PROSE}</p></div></span>"
    f"{_PROSE}<em>e</em>{_PROSE}</div><div><img src='a.jpg'>{_PROSE}</div></article>",
    # unlikely candidates by class and id, upper case and not ASCII, one inside <pre>
    "unlikely names": f"<div id='SideBar'><p>{_PROSE}</p></div><div class='Kommentar-Sidebar-ü'>"
    f"<p>{_PROSE}</p></div><pre><div class='comment'>{_PROSE}</div></pre>"
    f"<div class='MAIN-Content'><p>{_PROSE}</p><p>{_PROSE}</p></div>"
    f"<div class='footer'><article><p>{_PROSE}</p></article></div>",
    # unlikely by one name, kept by the other ("comment" beside "article-main"); unlikely
    # elements inside one dropped already (a menu's items), one of them holding an <article>
    "unlikely and maybe": f"<div class='comment' id='article-main'><p>{_PROSE}</p></div>"
    f"<div id='Menu'><ul class='menu-list'><li class='menu-item'><article><p>{_PROSE}</p>"
    f"</article></li><li id='footer-x'>{_PROSE}</li></ul></div><div><p>{_PROSE}</p></div>"
    f"<div class='content' id='sidebar'><p>{_PROSE}</p></div>",
    # class weights: positive and negative names, mixed case and not ASCII
    "weights": f"<div class='Related-Widget'><p>{_PROSE}</p><p>{_PROSE}</p></div>"
    f"<div class='Article-Body-ä'><p>{_PROSE}</p></div><div id='Post'><p>{_PROSE}</p></div>",
    # links inside paragraphs count for the paragraph's parent and grandparent
    "links": "<div class='content'>"
    + "".join(f"<p><a href='#{i}'>link {i} {_PROSE[:40]}</a> {_PROSE}</p>" for i in range(6))
    + "</div><div><p><a href='#'>x</a><a href='#'>"
    + _PROSE
    + "</a></p></div>",
    # too little text on the ruthless pass: the lenient pass runs (retry_length)
    "short": "<div class='comment'><p>Too short for the first pass to keep it, yes.</p></div>",
    # the ruthless pass keeps less than retry_length characters: the lenient pass, which keeps
    # the menu, decides
    "retry": f"<div class='menu'><p>{_PROSE}</p><p>{_PROSE}</p></div>"
    "<div><p>A short paragraph, long enough to be scored.</p></div>",
    # no candidate at all: the body is the article
    "no candidate": "<span>one</span><span>two</span>",
}


@pytest.mark.parametrize("name", sorted(_CORNERS))
def test_corner_case_gets_readabilitys_own_choice(name: str) -> None:
    got, want = _both(
        _doc(f"<html><head><title>t</title></head><body>{_CORNERS[name]}</body></html>")
    )
    assert got == want


_SPACES = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\xa0", "\u2009", "\x0b", "a", ","])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_SPACES, st.sampled_from([1, 2, 254, 255, 256, 400])), max_size=8).map(
        lambda runs: "".join(unit * n for unit, n in runs)
    )
)
def test_clean_is_readabilitys_clean(text: str) -> None:
    # Readable's scoring measures text with _clean; a length it got differently would change
    # the scores, and the choice of the article.
    assert _clean(text) == clean(text)


def test_a_run_of_255_spaces_is_found_wherever_it_starts() -> None:
    # _clean looks for the long run only where _holds_long_space says it may be: at every
    # offset a run of 255 is (the blocks it samples start at multiples of 128), and 127 is not
    for start in range(300):
        for unit in (" ", "\xa0", "\n"):
            text = "x" * start + unit * 255 + "y" * 3
            assert _holds_long_space(text), (start, unit)
            assert _clean(text) == clean(text)
        assert not _holds_long_space("x" * start + " " * 127 + "x" * 300)


def test_readabilitys_debug_lines_describe_nodes_only_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Its debug lines are formatted only when they are logged; at DEBUG they are its own.
    page = (PAGES / "article_jsonld.html").read_bytes()
    doc = parse_page(page, "https://example.com/", charset=None, max_bytes=1_048_576)[1]
    with caplog.at_level(logging.DEBUG, logger="readability.readability"):
        Readable(copy.deepcopy(doc)).article()
    described = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Top 5")]
    assert any(">" in m for m in described), described  # parent>node, as readability writes it
    assert readability.readability.describe(doc) == ""  # the level is back: nothing formatted


@pytest.mark.parametrize("name", ["article_jsonld.html", "legacy_iso8859_2.html"])
def test_text_length_readability_measures_with_is_its_own(name: str) -> None:
    # Readable gives readability a faster text_length (its _clean for readability's clean).
    doc = parse_page(
        (PAGES / name).read_bytes(), "https://example.com/", charset=None, max_bytes=1_048_576
    )[1]
    for el in doc.iter():
        assert readability.readability.text_length(el) == len(clean(el.text_content() or ""))

"""Body paragraphs are page text: none joins text that is apart on the page (bot/article/verbatim)."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from bot.article.read import extract_article
from bot.article.verbatim import as_on_page, page_text
from tests._dates import TODAY
from tests._growth import assert_linear
from tests.article._inline import OG_ARTICLE, PROSE
from tests.article._inline import html_page as _html
from tests.article.test_read import _page_text, _squashed

URL = "https://news.example.com/2024/05/story"
PAGES = Path(__file__).parent.parent / "pages"


def _extract(page: bytes) -> list[str]:
    return extract_article(page, URL, today=TODAY).paragraphs


def _assert_page_text(page: bytes, paragraphs: list[str]) -> None:
    source = _page_text(page)
    for paragraph in paragraphs:
        assert _squashed(paragraph) in source, paragraph


def _on_page(body: str, paragraphs: list[str]) -> list[str]:
    return as_on_page(paragraphs, page_text(lxml.html.document_fromstring(_html(body))))


# --- whole pages ---------------------------------------------------------------------------------


def test_site_name_and_headline_are_not_stitched_across_a_removed_menu() -> None:
    # The page Hypothesis found (test_read's mutated pages): legacy_iso8859_2.html with its
    # doctype, the header's </div>, <div id=tresc> and <h1> dropped. Readability removed the menu
    # between the site-name link and the headline and quoted "Gazeta Pomorska Wieczór Nowy most
    # na Wiśle otwarty po czterech latach budowy" as one paragraph.
    page = (
        (PAGES / "legacy_iso8859_2.html")
        .read_bytes()
        .replace(b"<!DOCTYPE html>", b"")
        .replace(b'</ul></div>\n<div id="tresc">\n<h1>', b"</ul>\n\n")
    )
    paragraphs = _extract(page)
    _assert_page_text(page, paragraphs)
    assert not any(p.startswith("Gazeta Pomorska") for p in paragraphs), paragraphs
    assert paragraphs[1].startswith("W piątek w południe przez nowy most")
    assert len([p for p in paragraphs if p.endswith(".")]) == 5


_MENU = (
    '<div><a href="/">Harbour Gazette</a><ul class="menu"><li><a href="/news">News</a></li>'
    '<li><a href="/sport">Sport</a></li></ul>Council approves the new harbour plan after a long '
    "night</div>"
)


def test_text_around_a_removed_menu_is_not_one_paragraph() -> None:
    # No space at either seam: the pieces are found inside "GazetteCouncil" too.
    page = _html("<article>" + _MENU + "".join(f"<p>{p}</p>" for p in PROSE[:4]) + "</article>")
    paragraphs = _extract(page)
    _assert_page_text(page, paragraphs)
    # the site name alone is a label, dropped; the headline text stays, whole
    assert paragraphs[0] == "Council approves the new harbour plan after a long night"
    assert paragraphs[1:] == PROSE[:4]


@pytest.mark.parametrize(
    ("inline", "mended"),
    [
        ('<sup><a class="footnote" href="#fn1">1</a></sup> ', "Tuesday1 and voted"),
        (' <span class="ad-label">Advertisement</span> ', "Tuesday Advertisement and voted"),
    ],
)
def test_a_sentence_missing_an_inline_mark_is_quoted_whole_as_the_page_has_it(
    inline: str, mended: str
) -> None:
    # A footnote mark or an ad label that readability or chrome removal took out of a sentence
    # is put back rather than the sentence cut in two: the quote reads as the page does.
    sentence = (
        f"The council met on Tuesday{inline}and voted for the plan by a wide margin, he said."
    )
    body = "".join(f"<p>{p}</p>" for p in [*PROSE[:2], sentence, *PROSE[2:4]])
    page = _html(f"<article><h1>Harbour plan</h1>{body}</article>", OG_ARTICLE)
    paragraphs = _extract(page)
    _assert_page_text(page, paragraphs)
    whole = [p for p in paragraphs if "Tuesday" in p]
    assert len(whole) == 1 and mended in whole[0], paragraphs
    assert whole[0].endswith("by a wide margin, he said.")


# --- as_on_page ----------------------------------------------------------------------------------


def test_page_text_is_kept_as_extracted() -> None:
    body = "<p>One  line<br>and the next,\n  with odd spacing.</p><p>Second.</p>"
    kept = ["One line and the next, with odd spacing.", "Second.", "line and the next"]
    assert _on_page(body, kept) == kept


def test_hidden_text_is_no_seam_and_script_text_no_page_text() -> None:
    body = (
        '<p>bockelmann@<span style="display:none">no spam</span>dkrz.de writes</p>'
        "<p>before <span hidden>x</span>after</p><p>a <script>var b;</script>c</p>"
    )
    assert _on_page(body, ["bockelmann@dkrz.de writes", "before after", "a c"]) == [
        "bockelmann@dkrz.de writes",
        "before after",
        "a c",
    ]
    assert _on_page("<p>a</p><script>var stitched = 1;</script>", ["var stitched = 1;"]) == []


def test_pieces_are_cut_at_block_seams_and_labels_dropped() -> None:
    body = (
        "<div>Site<ul><li>Home</li></ul>The first piece has words enough to stay</div>"
        "<div>Then a short gap<nav>menu</nav>stays cut when a block is in it, five words.</div>"
    )
    paragraphs = [
        "SiteThe first piece has words enough to stay",
        "Then a short gap stays cut when a block is in it, five words.",
    ]
    assert _on_page(body, paragraphs) == [
        "The first piece has words enough to stay",
        "stays cut when a block is in it, five words.",
    ]


def test_long_gaps_inside_one_block_are_cut() -> None:
    left_out = "a long run of related links the reader sees between the two halves"
    body = f"<p>The first half of the sentence, <a>{left_out}</a> and the second half of it.</p>"
    assert _on_page(body, ["The first half of the sentence, and the second half of it."]) == [
        "The first half of the sentence,",
        "and the second half of it.",
    ]


def test_text_the_page_does_not_hold_is_dropped() -> None:
    assert _on_page("<p>What the page says.</p>", ["Words the page never held at all"]) == []


def test_many_stitched_paragraphs_cost_linear_time() -> None:
    def make(n: int) -> tuple[list[str], object]:
        body = "".join(
            f"<div>Label {i}<ul><li>menu</li></ul>Heading number {i} here</div>" for i in range(n)
        )
        stitched = [f"Label {i} Heading number {i} here" for i in range(n)]
        return stitched, page_text(lxml.html.document_fromstring(_html(body)))

    assert_linear(lambda job: as_on_page(*job), make, 200, what="stitched paragraphs")


def test_a_mended_paragraph_is_not_quoted_twice_beside_the_page_copy_gap_filling_added() -> None:
    # steinzeitwissen: readability quoted two sentences without their footnote marks and gap
    # filling added the page's own blocks after them; mended, the first two were the same text
    # as the last two, and the brief could quote each sentence twice.
    first = ["Scrapers are among the most common tools of the period.", "They have an edge."]
    second = ["Scrapers are typical of the period.", "Yet a few later pieces resemble them."]
    body = f"<p>{'<sup>3</sup> '.join(first)}</p><p>{'<sup>4</sup> '.join(second)}</p>"
    marked = ["3 ".join(first), "4 ".join(second)]
    first, second = " ".join(first), " ".join(second)
    assert _on_page(body, [first, second, *marked]) == marked
    # nor when the mended text is only part of the page's block (more marks than one, a gap
    # too long to mend: the page's copy holds it all)
    three = [*first.split(". "), "It is long and sharp enough for most work, they say."]
    body = "<p>{}<sup>3</sup> {}.<sup>33</sup> <a>(see the sources listed below the article)</a> {}</p>".format(
        *three
    )
    page_copy = "{}3 {}.33 (see the sources listed below the article) {}".format(*three)
    assert _on_page(body, [" ".join(three), page_copy]) == [page_copy]


def test_share_counts_the_page_holds_are_no_paragraph_when_the_rest_is_not_page_text() -> None:
    # tafelblog: "Facebook0Email0Print0", a share bar's labels and counts, with "Facebook" not
    # contiguous on the page: only "0Email0Print0" was found, a single piece, and it was quoted.
    body = "<div><a>Facebook</a><nav>Share</nav><span>0</span><a>Email</a>0<a>Print</a>0</div>"
    assert _on_page(body, ["Facebook0Email0Print0"]) == []
    # a paragraph the page holds whole stays, however short, as does a sentence only a
    # footnote mark kept from being found whole
    assert _on_page(body, ["0Email0Print0"]) == ["0Email0Print0"]


def test_many_mended_paragraphs_beside_their_page_copies_cost_linear_time() -> None:
    # Each paragraph is mended (its footnote mark left out) and then looked for among the kept
    # ones, the page's copies gap filling added: n looks over text growing with n.
    def make(n: int) -> tuple[list[str], object]:
        sentences = [
            (f"Sentence number {i} of the story", f"and what it says next {i}.") for i in range(n)
        ]
        body = "".join(f"<p>{a}<sup>{i}</sup> {b}</p>" for i, (a, b) in enumerate(sentences))
        unmarked = [f"{a} {b}" for a, b in sentences]
        marked = [f"{a}{i} {b}" for i, (a, b) in enumerate(sentences)]
        return [*unmarked, *marked], page_text(lxml.html.document_fromstring(_html(body)))

    paragraphs, page = make(3)
    assert as_on_page(paragraphs, page) == paragraphs[3:]  # type: ignore[arg-type]
    assert_linear(lambda job: as_on_page(*job), make, 200, what="mended paragraphs")


def test_paragraphs_out_of_page_order_cost_linear_time() -> None:
    # Most paragraphs are looked for from where the last one was found; these, in reverse page
    # order, each need a scan from the start: the budget keeps that linear.
    def make(n: int) -> tuple[list[str], object]:
        sentences = [f"Paragraph number {i} of a long page, in its own words." for i in range(n)]
        body = "".join(f"<p>{s}</p>" for s in sentences)
        return sentences[::-1], page_text(lxml.html.document_fromstring(_html(body)))

    paragraphs, page = make(3)
    assert as_on_page(paragraphs, page) == paragraphs  # type: ignore[arg-type]
    assert_linear(lambda job: as_on_page(*job), make, 200, what="paragraphs out of order")


@pytest.mark.parametrize(
    "body",
    [
        '<p>bockelmann@<span style="display:none">no spam</span>dkrz.de writes</p>',
        "<div>Site<ul><li>Home</li></ul>The first piece has words enough to stay</div>",
        "<p>a <script>var b;</script>c, and words enough to stay as one piece</p>",
    ],
)
def test_page_text_without_a_copy_reads_a_reparse_when_cut_up(body: str) -> None:
    # extract_article hands page_text a reparse: the body is read without a copy, and a paragraph
    # to cut up is cut against a new parse, not the tree chrome removal has changed since.
    paragraphs = [
        "bockelmann@dkrz.de writes",
        "SiteThe first piece has words enough to stay",
        "a c, and words enough to stay as one piece",
    ]
    markup = _html(body)
    doc = lxml.html.document_fromstring(markup)
    reparses: list[int] = []

    def reparse() -> lxml.html.HtmlElement:
        reparses.append(1)
        return lxml.html.document_fromstring(markup)

    on_page = page_text(doc, reparse)
    for el in list(doc.find("body")):
        el.drop_tree()  # what later steps do to the tree
    assert as_on_page(paragraphs, on_page) == _on_page(body, paragraphs)
    assert len(reparses) == (0 if "<script>" in body else 1)  # script text: a copy, as before

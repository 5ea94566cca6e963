"""A scholarly paper's abstract, put back when readability keeps the reference list instead."""

from __future__ import annotations

import lxml.html

from bot.article.page import read_page
from bot.article.paper import is_paper, with_abstract
from bot.article.read import extract_article
from tests._dates import TODAY
from tests._growth import assert_linear
from tests.article._inline import html_page

URL = "https://journal.example.org/article/10.1000/harbour"
TITLE = "Coal shipments and harbour air quality: a cohort study"
ABSTRACT = [
    "Coal shipments through urban harbours are thought to worsen the air that nearby residents "
    "breathe, but the size of the effect has not been measured directly.",
    "We followed the air quality at twelve monitoring stations for five years before and after "
    "the harbour stopped its coal shipments.",
]
REFERENCES = [
    f"{n}. Raman P, Okafor T, Lindqvist M, et al. Particulate matter near bulk cargo terminals, "
    f"a review of {n} studies. J Port Health. 2019;{n}:{100 + n}-{120 + n}."
    for n in range(1, 31)
]
PAPER_HEAD = (
    f"<title>{TITLE}</title>"
    f'<meta name="citation_title" content="{TITLE}">'
    '<meta name="citation_journal_title" content="Journal of Port Health">'
)


def _paper(head: str = PAPER_HEAD) -> bytes:
    # what a publisher's page holds: the title, the authors and their metrics, the abstract
    # in a section of its own, and the references as paragraphs (many, long: readability
    # scores them above the abstract)
    authors = "".join(f'<li><a href="/a/{n}">Author {n}</a></li>' for n in range(6))
    abstract = "".join(f"<p>{p}</p>" for p in ABSTRACT)
    references = "".join(f"<p>{r}</p>" for r in REFERENCES)
    body = (
        f'<main><article><h1>{TITLE}</h1><ul class="authors">{authors}</ul>'
        "<div>1786 Accesses</div><div>12 Citations</div>"
        f"<section><h2>Abstract</h2><div>{abstract}</div></section>"
        f'<section><h2>References</h2><div class="refs">{references}</div></section>'
        "</article></main>"
    )
    return html_page(body, head)


def test_a_papers_abstract_is_read_when_readability_keeps_its_references() -> None:
    article = extract_article(_paper(), URL, today=TODAY)
    assert article.paragraphs[:2] == ABSTRACT
    assert REFERENCES[0] in article.paragraphs  # what readability kept stays


def test_a_page_that_does_not_declare_a_paper_is_left_as_readability_read_it() -> None:
    article = extract_article(_paper(head=f"<title>{TITLE}</title>"), URL, today=TODAY)
    assert article.paragraphs[0] != ABSTRACT[0]


def test_a_scholarly_article_in_json_ld_declares_a_paper() -> None:
    head = '<script type="application/ld+json">{"@type": ["ScholarlyArticle"]}</script>'
    doc = lxml.html.document_fromstring(html_page("<p>x</p>", head))
    assert is_paper(read_page(doc, URL))
    assert not is_paper(read_page(lxml.html.document_fromstring(html_page("<p>x</p>")), URL))


def test_the_abstract_ends_at_what_readability_kept() -> None:
    page = read_page(lxml.html.document_fromstring(_paper()), URL)
    blocks = [(TITLE, 1.0), ("Author 1", 1.0)] + [(p, 0.0) for p in ABSTRACT]
    headlines = {TITLE.casefold()}
    kept = [*ABSTRACT, "Discussion follows."]
    assert with_abstract(kept, blocks, headlines, page) == kept  # kept: not put back twice
    # readability kept the abstract's end: its opening goes before it
    assert with_abstract(kept[1:], blocks, headlines, page) == kept
    assert with_abstract(["Notes."], blocks, headlines, page) == [*ABSTRACT, "Notes."]


def test_finding_the_abstract_grows_linearly_with_the_blocks() -> None:
    page = read_page(lxml.html.document_fromstring(_paper()), URL)

    def blocks(n: int) -> list[tuple[str, float]]:
        # the title repeated by the thousand, each followed by a short block, then the abstract
        return [(TITLE, 0.0), ("Author", 1.0)] * n + [(p, 0.0) for p in ABSTRACT * n]

    assert_linear(
        lambda b: with_abstract(["Notes."], b, {TITLE.casefold()}, page),
        blocks,
        500,
        what="abstract",
    )

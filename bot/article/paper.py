"""A scholarly paper's abstract, which readability leaves out when it keeps the reference list
or the authors' notes (the longest stretch of text on a paper's page) instead.

A paper's page says it is one in the tags every scholarly publisher writes for Google Scholar
(``citation_title``, ``citation_journal_title``: the Highwire Press tags) or in its JSON-LD
(``ScholarlyArticle``). On such a page the prose that starts first below the title, past the
authors, their affiliations and the metrics, is the abstract: the paper's own summary and the
text a reader comes for. It is put first when readability kept none of it.
"""

from __future__ import annotations

from bot.article.jsonld import node_types
from bot.article.missed import headline_key, stretch_from, stretch_text
from bot.article.page import Page

__all__ = ["is_paper", "with_abstract"]

_PAPER_META = ("citation_title", "citation_journal_title")
# Between a paper's title and its abstract: authors (one block each), affiliations, dates,
# metrics, links to the PDF and the figures. A long list of authors runs past this: no abstract.
_ABSTRACT_MAX_START = 40


def is_paper(page: Page) -> bool:
    """The page declares a scholarly paper (its meta tags or its JSON-LD)."""
    if page.first(*_PAPER_META):
        return True
    return any(
        kind.endswith("scholarlyarticle")
        for node in page.json_ld.nodes
        for kind in node_types(node)
    )


def with_abstract(
    paragraphs: list[str], blocks: list[tuple[str, float]], headlines: set[str], page: Page
) -> list[str]:
    """``paragraphs``, with the first prose stretch below the title first on a paper's page, up
    to the first block readability kept."""
    if not is_paper(page):
        return paragraphs
    keys = {headline_key(h) for h in headlines} - {""}
    # the title is often a link to the paper's own address: any link share
    top = next((i for i, (text, _) in enumerate(blocks) if headline_key(text) in keys), None)
    if top is None:
        return paragraphs
    words, first, end = stretch_from(blocks, top + 1, _ABSTRACT_MAX_START)
    if not words:
        return paragraphs
    # the stretch may run on into what readability kept (the abstract's last paragraph, then
    # the first section's heading and its text): the abstract ends there
    kept = set(paragraphs)
    stop = next((i for i in range(first, end) if blocks[i][0] in kept), end)
    return [*stretch_text(blocks[first:stop]), *paragraphs]

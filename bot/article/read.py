"""Reading a fetched page into an :class:`~bot.article.types.Article`: the one entry point,
:func:`extract_article`, pure and synchronous (callers run it off the event loop). Each step is a
module of :mod:`bot.article`:

1. :mod:`~bot.article.document`: decode the page (at most four times ``max_bytes``), empty the
   inline scripts and styles (JSON-LD aside), keep at most ``max_bytes``, and parse it within
   bounds that hold on hostile pages;
2. :mod:`~bot.article.page`: read the meta tags and the JSON-LD (:mod:`~bot.article.jsonld`) once,
   from the whole tree before anything is removed; the metadata (:mod:`~bot.article.metadata`)
   and the page-kind signals (:mod:`~bot.article.kind`) are read from that one :class:`Page`;
3. :mod:`~bot.article.furniture.chrome`: remove site chrome readability sometimes keeps (cookie
   banners, related-article boxes, comments, share bars, captions, navigation), and mark embedded
   posts and signed captions (:mod:`~bot.article.furniture.credits`);
4. :mod:`~bot.article.body`: let readability choose the article node and turn it into plain-text
   paragraphs, put back prose it dropped between two paragraphs it kept, drop link lists, and fall
   back to JSON-LD ``articleBody`` when readability found clearly less;
5. drop the headline if it repeats as a paragraph, datelines, credits and wire footers
   (:mod:`~bot.article.furniture.lines`), and classify the page (:mod:`~bot.article.kind`).

Only a page that cannot be parsed at all (empty, not bytes) raises
:class:`~bot.errors.ExtractionError`; every other page returns an :class:`Article`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from urllib.parse import urljoin

import lxml.html

from bot.article import body as bodies
from bot.article import cards, facts, howto, missed, paper, verbatim
from bot.article import kind as kinds
from bot.article.document import parse_page
from bot.article.furniture.chrome import remove_chrome
from bot.article.furniture.credits import is_credit_or_footer, is_marked_furniture, marked_furniture
from bot.article.furniture.lines import is_metadata_line, without_trailing_furniture
from bot.article.genre import genre_of
from bot.article.metadata.read import Metadata, metadata_of
from bot.article.page import Page, read_page
from bot.article.types import Article, ArticleKind
from bot.errors import ExtractionError

log = logging.getLogger(__name__)

__all__ = ["extract_article"]


def _first_h1(doc: lxml.html.HtmlElement) -> str | None:
    h1 = next(doc.iter("h1"), None)
    return h1.text_content() if h1 is not None else None


# A page names itself in its head; a hostile page with thousands of links is not read to the end.
_MAX_LINKS_READ = 200


def _canonical(doc: lxml.html.HtmlElement, url: str) -> str | None:
    """The page's ``<link rel="canonical" href>``, resolved against ``url``."""
    for n, link in enumerate(doc.iter("link")):
        if n >= _MAX_LINKS_READ:
            break
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" in rel and href:
            try:
                return urljoin(url, href)
            except ValueError:
                return None
    return None


def _heading(doc: lxml.html.HtmlElement, meta: Metadata, h1: str | None) -> str:
    parts = [meta.title or "", doc.findtext(".//title") or "", h1 or ""]
    return " ".join(parts)[:1000]


def extract_article(
    html: bytes,
    url: str,
    *,
    today: dt.date,
    charset: str | None = None,
    max_bytes: int = 1_048_576,
) -> Article:
    """Read the article in ``html`` (a fetched page, as bytes) found at ``url``.

    ``today`` is the caller's date (UTC): a page dated later is not believed. ``charset`` is the
    Content-Type header's charset, if any. At most ``max_bytes`` of markup
    and text are parsed (inline script bodies do not count). Raises
    :class:`~bot.errors.ExtractionError` only for pages that cannot be parsed at all; see
    :mod:`bot.article.kind` for :attr:`Article.kind`.
    """
    if not isinstance(html, bytes | bytearray | memoryview):
        raise ExtractionError(detail=f"expected bytes, got {type(html).__name__}")
    parsed = parse_page(bytes(html), url, charset=charset, max_bytes=max_bytes)
    if parsed is None:
        return Article(url=url, kind=ArticleKind.NOT_ARTICLE)
    text, doc = parsed

    def reparse() -> lxml.html.HtmlElement:
        # the same markup parses into the same tree (verbatim.page_text reads it when needed)
        again = parse_page(bytes(html), url, charset=charset, max_bytes=max_bytes)
        if again is None:  # it parsed the first time: never
            raise ExtractionError(detail="the page no longer parses")
        return again[1]

    # The page is read once, before anything is removed: meta tags and JSON-LD feed the
    # metadata, the page kind and the body alike.
    page = read_page(doc, url)
    canonical = _canonical(doc, url)
    # never raises: a metadata bug costs fields, not the text
    meta = metadata_of(page, today=today)
    signals = kinds.read_signals(page, text)
    h1 = _first_h1(doc)  # (a page without one is walked to the end)
    heading = _heading(doc, meta, h1)
    headlines = {bodies.clean_text(h).casefold() for h in (meta.title, h1) if h}
    body = doc.find("body")
    page_text = kinds.page_text(body)
    typed = signals.typed_article or signals.og_type == "article"
    paragraphs, blocks, headings, marked = _body(
        doc, body, page, url, headlines, meta.description, typed=typed, reparse=reparse
    )
    # The headline is shown on its own; repeated as the first paragraph it would be quoted twice.
    # Datelines go only now: gap filling used them as anchors (see is_metadata_line).
    paragraphs = [
        p
        for p in paragraphs
        if p.casefold() not in headlines and not is_metadata_line(p) and not is_credit_or_footer(p)
    ]
    paragraphs = without_trailing_furniture(paragraphs, headings)
    names = {a.casefold() for a in meta.authors}
    link_share = bodies.link_share(paragraphs, blocks)
    kind = kinds.classify(signals, heading, paragraphs, page_text, link_share, url)
    return Article(
        url=url,
        title=meta.title,
        site_name=meta.site_name,
        authors=list(meta.authors),
        # A listing or login page's dates belong to the stories it links to or to the site's
        # template; the date reader itself refuses only what the address and headings show
        # (kind.is_home_address, kind.is_error_heading), as it also reads pages on its own.
        published=meta.published if kind != ArticleKind.NOT_ARTICLE else None,
        image_url=meta.image_url,
        description=meta.description,
        language=meta.language,
        paragraphs=paragraphs,
        kind=kind,
        canonical=canonical,
        headings=frozenset(p for p in paragraphs if p in headings),
        # An author box repeats the byline's name on a line of its own (FAZ): not prose.
        furniture=frozenset(
            p for p in paragraphs if is_marked_furniture(p, marked) or p.casefold() in names
        ),
        genre=genre_of(page, meta.title, meta.description),
    )


def _body(
    doc: lxml.html.HtmlElement,
    body: lxml.html.HtmlElement | None,
    page: Page,
    url: str,
    headlines: set[str],
    description: str | None,
    *,
    typed: bool,
    reparse: Callable[[], lxml.html.HtmlElement],
) -> tuple[list[str], list[tuple[str, float]], set[str], set[str]]:
    """The body paragraphs, the page's blocks, the heading texts and the marked furniture;
    ``typed``: the page declares itself an article (:func:`bot.article.missed.with_lead`).

    Changes the tree: site chrome is removed first (after the page was read)."""
    marked: set[str] = set()
    descriptions: set[str] = set()
    # The text as the page shows it, before anything is removed: quotes are checked against it.
    on_page = verbatim.page_text(doc, reparse)
    if body is not None:
        descriptions = missed.picture_descriptions(body)
        remove_chrome(body)
        marked = marked_furniture(body)
    headings: set[str] = set()
    paragraphs = bodies.readability_paragraphs(doc, url, headings)
    blocks = bodies.page_blocks(body, headings) if body is not None else []
    paragraphs = bodies.fill_gaps(paragraphs, blocks)
    paragraphs = bodies.without_link_lists(paragraphs, blocks)
    paragraphs = missed.with_prose_fallback(paragraphs, blocks)
    paragraphs = missed.with_story_under_headline(paragraphs, blocks, headlines)
    paragraphs = missed.with_lead(
        paragraphs, blocks, headlines, headings, description, descriptions, body, typed=typed
    )
    paragraphs = paper.with_abstract(paragraphs, blocks, headlines, page)
    paragraphs = cards.with_cards(paragraphs, blocks, body)
    paragraphs = facts.with_facts(paragraphs, blocks)
    paragraphs = missed.with_recipe(paragraphs, blocks, page.json_ld)
    paragraphs = verbatim.as_on_page(paragraphs, on_page)
    article_body = page.json_ld.article_body()
    # a how-to's or a recipe's steps, when a script draws them (bot.article.howto)
    from_json = (
        bodies.article_body_paragraphs(article_body)
        if article_body
        else howto.structured_paragraphs(page.json_ld)
    )
    if from_json:
        # JSON-LD text is the publisher's own; prefer it when readability clearly missed text.
        if kinds.word_count(from_json) > 1.5 * kinds.word_count(paragraphs) + 20:
            paragraphs = from_json
    return paragraphs, blocks, headings, marked

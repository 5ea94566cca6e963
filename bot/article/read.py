"""Article extraction: body text from readability-lxml, metadata from
:mod:`bot.article.metadata.read`.

:func:`extract_article` is pure and synchronous (callers run it off the event loop). The pipeline:

1. decode the page (:func:`bot.fetch.charset.decode_html`; at most four times ``max_bytes``),
   empty the inline scripts and styles (JSON-LD aside), and keep at most ``max_bytes`` of what is
   left;
2. parse it with lxml, ``huge_tree=False``: libxml2 then stops nesting at depth 255 and refuses
   oversized text nodes; a page of more than :data:`MAX_ELEMENTS` elements is cut to that size.
   Together these bound the work on hostile pages;
3. read the metadata and the page-level signals (JSON-LD, og:type, paywall and error markers) from
   the whole tree before anything is removed;
4. remove page furniture readability sometimes keeps (cookie banners, related-article boxes,
   comments, share bars, captions, navigation);
5. let readability choose the article node, and turn it into plain-text paragraphs (``<p>``,
   headings, list items, blockquotes; ``<br><br>`` splits; boilerplate lines and long repeats
   dropped; invisible and bidi-control characters removed);
6. put back prose readability dropped between two paragraphs it kept (embedded posts, short
   paragraphs), and fall back to JSON-LD ``articleBody`` when readability found clearly less;
7. drop the headline if it repeats as a paragraph, and classify the page (:attr:`Article.kind`).

``kind`` (:class:`~bot.article.types.ArticleKind`) is decided in :mod:`bot.article.kind`.

Only a page that cannot be parsed at all (empty, not bytes) raises
:class:`~bot.errors.ExtractionError`; every other page returns an :class:`Article`.
"""

from __future__ import annotations

import datetime as dt
import logging

import lxml.html

from bot.article import body as bodies
from bot.article import kind as kinds
from bot.article.document import parse_page
from bot.article.furniture.chrome import remove_chrome
from bot.article.furniture.credits import is_credit_or_footer, is_marked_furniture, marked_furniture
from bot.article.furniture.lines import is_metadata_line
from bot.article.metadata.read import Metadata, metadata_of
from bot.article.page import read_page
from bot.article.types import Article, ArticleKind
from bot.errors import ExtractionError

log = logging.getLogger(__name__)

__all__ = ["extract_article"]


def _first_h1(doc: lxml.html.HtmlElement) -> str | None:
    h1 = next(doc.iter("h1"), None)
    return h1.text_content() if h1 is not None else None


def _heading(doc: lxml.html.HtmlElement, meta: Metadata) -> str:
    parts = [meta.title or "", doc.findtext(".//title") or "", _first_h1(doc) or ""]
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
    :class:`~bot.errors.ExtractionError` only for pages that cannot be parsed at all; see the
    module docstring for :attr:`Article.kind`.
    """
    if not isinstance(html, bytes | bytearray | memoryview):
        raise ExtractionError(detail=f"expected bytes, got {type(html).__name__}")
    parsed = parse_page(bytes(html), url, charset=charset, max_bytes=max_bytes)
    if parsed is None:
        return Article(url=url, kind=ArticleKind.NOT_ARTICLE)
    text, doc = parsed
    # The page is read once, before anything is removed: meta tags and JSON-LD feed the
    # metadata, the page kind and the body alike.
    page = read_page(doc, url)
    # never raises: a metadata bug costs fields, not the text
    meta = metadata_of(page, today=today)
    signals = kinds.read_signals(page, text)
    heading = _heading(doc, meta)
    headlines = {bodies.clean_text(h).casefold() for h in (meta.title, _first_h1(doc)) if h}
    body = doc.find("body")
    page_text = kinds.page_text(body)
    marked: set[str] = set()
    if body is not None:
        remove_chrome(body)
        marked = marked_furniture(body)
    headings: set[str] = set()
    paragraphs = bodies.readability_paragraphs(doc, url, headings)
    blocks = bodies.page_blocks(body, headings) if body is not None else []
    paragraphs = bodies.fill_gaps(paragraphs, blocks)
    paragraphs = bodies.without_link_lists(paragraphs, blocks)
    article_body = page.json_ld.article_body()
    if article_body:
        from_json = bodies.article_body_paragraphs(article_body)
        # JSON-LD text is the publisher's own; prefer it when readability clearly missed text.
        if kinds.word_count(from_json) > 1.5 * kinds.word_count(paragraphs) + 20:
            paragraphs = from_json
    # The headline is shown on its own; repeated as the first paragraph it would be quoted twice.
    # Datelines go only now: gap filling used them as anchors (see is_metadata_line).
    paragraphs = [
        p
        for p in paragraphs
        if p.casefold() not in headlines and not is_metadata_line(p) and not is_credit_or_footer(p)
    ]
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
        headings=frozenset(p for p in paragraphs if p in headings),
        furniture=frozenset(p for p in paragraphs if is_marked_furniture(p, marked)),
    )

"""Decoding and parsing the fetched page once, within bounds that hold on hostile pages."""

from __future__ import annotations

import logging
import re

import lxml.etree
import lxml.html

from bot.errors import ExtractionError
from bot.fetch.charset import decode_html

log = logging.getLogger(__name__)

__all__ = ["MAX_ELEMENTS", "html_parser", "parse_page"]

# News pages in the benchmark set have at most about 1,600 elements once scripts are skipped.
MAX_ELEMENTS = 10_000


# Every element is an HtmlElement, chosen in C. lxml.html's own lookup is a Python method called
# each time lxml makes a Python object for an element (every iteration, xpath result and parent
# step), a tenth of the extraction time; what it adds is the form-field classes (FormElement,
# InputElement...), whose form API nothing here uses. Comments and processing instructions are
# not parsed at all (remove_comments, remove_pis).
_ELEMENT_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def html_parser() -> lxml.html.HTMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe, and callers may use threads.
    parser = lxml.html.HTMLParser(
        encoding="utf-8", huge_tree=False, remove_comments=True, remove_pis=True, no_network=True
    )
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    return parser


# Replacement characters and control characters but tab, line feed, form feed and carriage return.
_ODD_CHARACTER = re.compile(r"[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    # one search through the sample, not a Python loop over 4,096 characters
    odd = len(_ODD_CHARACTER.findall(sample))
    return odd > len(sample) * 0.1


# Pages often carry megabytes of inline scripts before the article; skipping their contents keeps
# the parse limit for markup and text. JSON-LD is kept: metadata and signals read it.
_RAW_TEXT_TAGS = ("script", "style")
_READ_LIMIT_FACTOR = 4


# The tags are found case-insensitively in ASCII (what lowercasing the page found, without a
# lowercased copy of the whole page: that copy was most of this step's time).
_RAW_TEXT_OPEN = re.compile(r"<(script|style)", re.IGNORECASE | re.ASCII)
_RAW_TEXT_CLOSE = {tag: re.compile("</" + tag, re.IGNORECASE | re.ASCII) for tag in _RAW_TEXT_TAGS}


def _without_scripts(text: str) -> str:
    """``text`` with the bodies of non-JSON-LD ``<script>`` and all ``<style>`` elements removed.

    Each search starts where the last one ended, so an unclosed ``<script`` cannot make it
    quadratic.
    """
    kept: list[str] = []
    pos = 0
    while (opening := _RAW_TEXT_OPEN.search(text, pos)) is not None:
        start, tag = opening.start(), opening.group(1).lower()
        open_end = text.find(">", start)
        closing = _RAW_TEXT_CLOSE[tag].search(text, open_end + 1) if open_end >= 0 else None
        if closing is None:
            break
        close = closing.start()
        if tag == "script" and "ld+json" in text[start:open_end].lower():
            kept.append(text[pos:close])
        else:
            kept.append(text[pos : open_end + 1])
        pos = close
    kept.append(text[pos:])
    return "".join(kept)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# The same characters in the UTF-8 the parser reads: the controls are single bytes that no
# multi-byte sequence contains, U+FFFE and U+FFFF three bytes each. Looking for them in the bytes
# is many times faster than the regex over the text, and most pages hold none.
_NOT_XML_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def _holds_non_xml(data: bytes) -> bool:
    return (
        len(data.translate(None, _NOT_XML_BYTES)) != len(data)
        or b"\xef\xbf\xbe" in data
        or b"\xef\xbf\xbf" in data
    )


def _parse(data: bytes) -> lxml.html.HtmlElement:
    try:
        doc = lxml.html.document_fromstring(data, parser=html_parser())
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(detail=f"unparseable HTML: {exc}") from exc
    if not isinstance(doc, lxml.html.HtmlElement):
        raise ExtractionError(detail="parser returned no document")
    return doc


def parse_page(
    html: bytes, url: str, *, charset: str | None, max_bytes: int
) -> tuple[str, lxml.html.HtmlElement] | None:
    """The page's markup (scripts emptied, at most ``max_bytes``) and its tree; None for binary
    data served as HTML.

    Decodes at most four times ``max_bytes``; parses with ``huge_tree=False`` (libxml2 then stops
    nesting at depth 255 and refuses oversized text nodes), and a page of more than
    :data:`MAX_ELEMENTS` elements is cut to that size: together these bound the work on hostile
    pages. Raises :class:`~bot.errors.ExtractionError` for a page that cannot be parsed at all.
    """
    text = decode_html(html[: max_bytes * _READ_LIMIT_FACTOR], charset)
    text = _without_scripts(text)[:max_bytes]
    if not text.strip():
        raise ExtractionError(detail="empty page")
    if _looks_binary(text):
        log.info("binary data served as HTML at %s", url)
        return None
    # lxml refuses to set text holding characters XML forbids, which tree edits do.
    data = text.encode("utf-8", "replace")
    if _holds_non_xml(data):
        text = _NOT_XML.sub(" ", text)
        data = text.encode("utf-8", "replace")
    doc = _parse(data)
    elements = int(doc.xpath("count(/descendant::*)"))
    if elements > MAX_ELEMENTS:
        # Readability and metadata work grows with the element count; real articles stay far
        # below the cap, so keep the part of the page that fits under it.
        log.info("%s has %d elements; reading only the first %d", url, elements, MAX_ELEMENTS)
        doc = _parse(text[: len(text) * MAX_ELEMENTS // elements].encode("utf-8", "replace"))
    return text, doc

"""The article's body text: readability chooses the article node, its blocks become paragraphs,
prose readability dropped between kept paragraphs is put back, and link lists are left out. What
readability left out or chose wrong further away (the standfirst, the story under the headline,
the page's prose elsewhere) is :mod:`bot.article.missed`'s."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import lxml.etree
import lxml.html

from bot.article.furniture.lines import is_boilerplate
from bot.article.readable import Readable

log = logging.getLogger(__name__)

# --- text clean-up ---------------------------------------------------------------------------

# Zero-width, soft hyphen and bidirectional controls: invisible, and the bidi overrides can make
# quoted text read differently from what it is (SECURITY.md "Content").
_INVISIBLE = (
    "\u00ad\u061c\u180e"
    + "".join(
        chr(c)
        for r in ((0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069))
        for c in range(r[0], r[1] + 1)
    )
    + "\ufeff"
)
_CONTROL = [c for c in range(0x20) if chr(c) not in "\t\n\r"] + list(range(0x7F, 0xA0))
_TEXT_TABLE = {**{ord(c): None for c in _INVISIBLE}, **{c: " " for c in _CONTROL}}
# translate() with a table looks every character up (half a millisecond for a block of German
# text); finding first whether any character of the table is there at all is twenty times faster.
_TRANSLATED = re.compile("[" + "".join(f"\\u{c:04x}" for c in sorted(_TEXT_TABLE)) + "]")


def clean_text(text: str) -> str:
    if _TRANSLATED.search(text) is not None:
        text = text.translate(_TEXT_TABLE)
    return " ".join(text.split())


def squash(text: str) -> str:
    """``clean_text(text)`` without its spaces: how bot.article.verbatim compares text. Fast on a
    whole page (the characters of the table are few, and a regular expression finds them)."""
    return "".join(_TRANSLATED.sub("", text).split())


# Short lines that are page furniture, not article text. Linear on any text: "." also matches a


# --- summary HTML to paragraphs --------------------------------------------------------------

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "pre",
        "dd",
        "dt",
        "section",
        "article",
        "ul",
        "ol",
        "dl",
        "table",
        "tr",
        "figure",
        "header",
        "footer",
        "hr",
        "address",
        "main",
        "body",
        "center",
        "details",
        "summary",
    }
)
_SKIP_TAGS = frozenset(
    {"script", "style", "figcaption", "noscript", "button", "select", "textarea", "template"}
)
_BREAK = "\x00"
_PARAGRAPH_BREAK = re.compile(_BREAK + r"\s*" + _BREAK)


_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def iter_blocks(root: lxml.html.HtmlElement) -> Iterator[tuple[str, float, bool]]:
    """Plain-text blocks of ``root`` in document order, each with the share of its text that is
    link text and whether it is a heading; iterative, not recursive, since trees may be deep.

    One loop over one walk, a little over 60 lines: its state (the open blocks, the buffer, the
    link depth) is shared by every branch, and split apart it would be passed around instead."""
    buffer: list[str] = []
    linked = 0
    in_link = 0
    # Open block elements: the innermost one owns the text being collected.
    open_blocks: list[str] = []

    def flush() -> Iterator[tuple[str, float, bool]]:
        nonlocal linked
        if buffer:
            joined = "".join(buffer)
            if joined.isspace():
                buffer.clear()
                linked = 0
                return
            share = linked / len(joined) if joined else 0.0
            heading = bool(open_blocks) and open_blocks[-1] in _HEADING_TAGS
            # Two line breaks in a row end a paragraph; one is only a line break.
            for part in _PARAGRAPH_BREAK.split(joined):
                yield part.replace(_BREAK, " "), share, heading
            buffer.clear()
            linked = 0

    # The loop runs once per element and end tag of the page: the text is added in line and
    # the names it looks up are local (a third of its time went to calls and lookups).
    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    skip_subtree = walker.skip_subtree
    append = buffer.append
    block_tags, skip_tags = BLOCK_TAGS, _SKIP_TAGS
    for event, el in walker:
        tag = el.tag
        if tag.__class__ is not str:
            tag = ""
        if event == "start":
            if tag in skip_tags or not tag:
                # The end event still comes, and takes the tail.
                skip_subtree()
                continue
            if tag in block_tags:
                if buffer:
                    yield from flush()
                open_blocks.append(tag)
            elif tag == "br":
                append(_BREAK)
            elif tag in ("td", "th"):
                # A table row reads as one line, its cells apart.
                append(" ")
            elif tag == "a":
                in_link += 1
            text = el.text
            if text:
                append(text)
                if in_link:
                    linked += len(text)
        else:
            if tag in block_tags:
                if buffer:
                    yield from flush()
                if open_blocks:
                    open_blocks.pop()
            elif tag == "a" and in_link:
                in_link -= 1
            text = el.tail
            if text and el is not root:
                append(text)
                if in_link:
                    linked += len(text)
    if buffer:
        yield from flush()


# Repeats shorter than this are legitimate (a recurring interview question, a menu line, a table
# cell) unless they follow each other; a long repeat is a duplicated block (a pull quote, a
# second copy of the article for another screen size).
_DEDUP_MIN_CHARS = 200


def _paragraphs_from(
    root: lxml.html.HtmlElement, headings: set[str], max_link_share: float = 1.0
) -> list[str]:
    """The paragraphs of ``root``; the text of those that are headings is added to ``headings``."""
    seen: set[str] = set()
    paragraphs: list[str] = []
    for block, link_share, heading in iter_blocks(root):
        text = clean_text(block)
        if not text or text in seen or link_share > max_link_share or is_boilerplate(text):
            continue
        if heading:
            headings.add(text)
        if paragraphs and paragraphs[-1] == text:
            continue
        if len(text) >= _DEDUP_MIN_CHARS:
            seen.add(text)
        paragraphs.append(text)
    return paragraphs


_TEXTLESS_TAGS = (
    "head",
    "svg",
    "iframe",
    "link",
    "meta",
    "input",
    "picture",
    "source",
    "video",
    "audio",
    "canvas",
    "map",
    "object",
    "embed",
)
_UNREAD_ATTRIBUTES = (
    "href",
    "srcset",
    "sizes",
    "action",
    "background",
    "longdesc",
    "usemap",
    "codebase",
    "classid",
    "profile",
    "poster",
    "data-src",
    "data-srcset",
    "data-lazy-src",
    "target",
    "rel",
    "alt",
    "width",
    "height",
    "loading",
    "decoding",
    "itemprop",
    "itemscope",
    "itemtype",
    "tabindex",
)


def readability_paragraphs(doc: lxml.html.HtmlElement, url: str, headings: set[str]) -> list[str]:
    # Attributes readability never reads for text, but its cleaner and link rewriter visit.
    lxml.etree.strip_attributes(doc, *_UNREAD_ATTRIBUTES)
    # Elements that carry no article text: readability would copy and score them for nothing.
    lxml.etree.strip_elements(doc, *_TEXTLESS_TAGS, with_tail=False)
    try:
        # Readable copies the tree it is given before changing it.
        # No url: readability would only make links absolute, which plain text does not need.
        root = Readable(doc).article()
    except Exception as exc:  # readability's steps may fail on odd trees, RecursionError too
        log.warning("readability failed on %s: %s", url, exc)
        return []
    return _paragraphs_from(root, headings)


# Readability drops blocks it scores low (embedded posts, one-line paragraphs, short lists) even
# when they sit between paragraphs it kept; a gap this small inside the article is article text.
_MAX_GAP_BLOCKS = 6


# Dropped blocks that are mostly link text are related-story teasers, not article text.
_MAX_GAP_LINK_SHARE = 0.5
# Labels ("VIDEO", "Author:", a date, a section name) sit between paragraphs too; prose is longer.
_MIN_GAP_WORDS = 5


def page_blocks(body: lxml.html.HtmlElement, headings: set[str]) -> list[tuple[str, float]]:
    """Every non-empty text block of the (cleaned) page with its link-text share; the text of
    heading blocks is added to ``headings``."""
    out: list[tuple[str, float]] = []
    for raw, share, heading in iter_blocks(body):
        text = clean_text(raw)
        if text:
            out.append((text, share))
            if heading:
                headings.add(text)
    return out


def link_share(paragraphs: list[str], blocks: list[tuple[str, float]]) -> float:
    """How much of the extracted text is link text on the page (headline lists score high)."""
    shares: dict[str, float] = {}
    for text, share in blocks:
        shares.setdefault(text, share)
    total = sum(len(p) for p in paragraphs)
    linked = sum(len(p) * shares.get(p, 0.0) for p in paragraphs)
    return linked / total if total else 0.0


# A kept block that is (nearly) all link text is a related-story teaser or a tag list.
_MAX_KEPT_LINK_SHARE = 0.8


def without_link_lists(paragraphs: list[str], blocks: list[tuple[str, float]]) -> list[str]:
    shares: dict[str, float] = {}
    for text, share in blocks:
        shares[text] = min(share, shares.get(text, 1.0))
    return [p for p in paragraphs if shares.get(p, 0.0) <= _MAX_KEPT_LINK_SHARE]


def fill_gaps(kept: list[str], blocks: list[tuple[str, float]]) -> list[str]:
    """``kept`` with the page ``blocks`` readability dropped between two kept paragraphs."""
    if len(kept) < 2:
        return kept
    texts = [text for text, _ in blocks]
    result: list[str] = []
    cursor = 0
    previous: int | None = None
    for paragraph in kept:
        try:
            found = texts.index(paragraph, cursor)
        except ValueError:
            # Readability rewrote this block (or it sits out of order): keep it, fill nothing.
            result.append(paragraph)
            continue
        if previous is not None and found - previous - 1 <= _MAX_GAP_BLOCKS:
            result.extend(
                text
                for text, share in blocks[previous + 1 : found]
                if share <= _MAX_GAP_LINK_SHARE
                and len(text.split()) >= _MIN_GAP_WORDS
                and not is_boilerplate(text)
                # The page may hold a kept paragraph twice, split by markup in one of the copies.
                and not any(text in other or (len(other) > 40 and other in text) for other in kept)
            )
        result.append(paragraph)
        previous = found
        cursor = found + 1
    return result


_BLANK_LINE = re.compile(r"\n\s*\n|\r\n\s*\r\n")


def article_body_paragraphs(article_body: str) -> list[str]:
    parts = _BLANK_LINE.split(article_body)
    if len(parts) == 1:
        parts = article_body.splitlines()
    return [p for p in (clean_text(part) for part in parts) if p]

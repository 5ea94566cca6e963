"""The article's body text: readability chooses the article node, its blocks become paragraphs,
prose readability dropped between kept paragraphs is put back, and link lists are left out."""

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


# Short lines that are page furniture, not article text. Linear on any text: "." also matches a


# --- summary HTML to paragraphs --------------------------------------------------------------

_BLOCK_TAGS = frozenset(
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


def _iter_blocks(root: lxml.html.HtmlElement) -> Iterator[tuple[str, float, bool]]:
    """Plain-text blocks of ``root`` in document order, each with the share of its text that is
    link text and whether it is a heading; iterative, not recursive, since trees may be deep.

    One loop over one walk, a little over 60 lines: its state (the open blocks, the buffer, the
    link depth) is shared by every branch, and split apart it would be passed around instead."""
    buffer: list[str] = []
    linked = 0
    in_link = 0
    # Open block elements: the innermost one owns the text being collected.
    open_blocks: list[str] = []

    def add(text: str) -> None:
        nonlocal linked
        buffer.append(text)
        if in_link:
            linked += len(text)

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

    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP_TAGS or not tag:
                # The end event still comes, and takes the tail.
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                if buffer:
                    yield from flush()
                open_blocks.append(tag)
            elif tag == "br":
                buffer.append(_BREAK)
            elif tag in ("td", "th"):
                # A table row reads as one line, its cells apart.
                buffer.append(" ")
            elif tag == "a":
                in_link += 1
            if el.text:
                add(el.text)
        else:
            if tag in _BLOCK_TAGS:
                if buffer:
                    yield from flush()
                if open_blocks:
                    open_blocks.pop()
            elif tag == "a" and in_link:
                in_link -= 1
            if el.tail and el is not root:
                add(el.tail)
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
    for block, link_share, heading in _iter_blocks(root):
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
    for raw, share, heading in _iter_blocks(body):
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


# --- the standfirst, between the headline and the node readability chose ----------------------

# Readability often keeps the story's body but not its standfirst (a teaser, an abstract, a
# subtitle) when the page sets it in a box of its own between the headline and the body. A prose
# block there is the article's: the headline bounds the article above, the first kept paragraph
# below, and what sits between is the lead, the byline, the date and perhaps a caption. Only
# blocks that read as prose (or as a subtitle: a long heading) are put back, so the byline and
# the date stay out; so does a standfirst that repeats the page's description, which the brief
# already shows as its lead.
_LEAD_MAX_BLOCKS = 8
_LEAD_MIN_WORDS = 8
_LEAD_MAX_LINK_SHARE = 0.3
_LEAD_MIN_DESCRIPTION_CHARS = 30
_NOT_WORD = re.compile(r"[\W_]+")
# "By Matthew Digby, Minh Do on Monday, November 18th, 2019 at 11:08 a.m.": a byline, however long
_BYLINE_START = re.compile(r"(?:[Bb]y|BY|[Vv]on|[Pp]ar)\s+[A-ZÀ-Þ]")
_QUOTE_OPENING = "\"“„«»‹›'‘‚「『"


def _headline_key(text: str) -> str:
    """``text`` casefolded with punctuation and spacing dropped ("Abrechnung : Musik" is the
    headline "Abrechnung: Musik")."""
    return _NOT_WORD.sub("", text.casefold())


def _is_lead(text: str, share: float, heading: bool, description: str) -> bool:
    if share > _LEAD_MAX_LINK_SHARE or _words(text) < _LEAD_MIN_WORDS or is_boilerplate(text):
        return False
    # a byline; a quotation set above the story (a pull quote, the claim a fact check checks)
    if _BYLINE_START.match(text) or text[0] in _QUOTE_OPENING:
        return False
    if description:
        key = _headline_key(text)
        if key in description or description in key:
            return False
    return heading or text.rstrip()[-1:] in _PROSE_FINAL


# A picture's caption sits with it in a small box: the picture's nearest ancestor with text,
# a few levels up at most, holding little text. Its blocks are not the standfirst.
_CAPTION_BOX_MAX_CHARS = 400
_CAPTION_BOX_LEVELS = 3


def picture_descriptions(root: lxml.html.HtmlElement) -> set[str]:
    """The pictures' descriptions (``alt``), which their captions often repeat: read before the
    chrome goes, as it may take a picture and leave its caption."""
    return {clean_text(alt) for img in root.iter("img") if (alt := img.get("alt"))}


def _caption_boxes(root: lxml.html.HtmlElement) -> set[str]:
    """The block texts of the small boxes that hold a picture (its caption, its credit)."""
    captions: set[str] = set()
    for img in root.iter("img", "picture"):
        box = img.getparent()
        for _ in range(_CAPTION_BOX_LEVELS):
            if box is None:
                break
            text = box.text_content()
            if text.strip():
                if len(text) <= _CAPTION_BOX_MAX_CHARS:
                    captions.update(clean_text(raw) for raw, _, _ in _iter_blocks(box))
                break
            box = box.getparent()
    return captions


def with_lead(
    kept: list[str],
    blocks: list[tuple[str, float]],
    headlines: set[str],
    headings: set[str],
    description: str | None = None,
    descriptions: frozenset[str] | set[str] = frozenset(),
    body: lxml.html.HtmlElement | None = None,
) -> list[str]:
    """``kept`` with the prose blocks between the headline and the first kept paragraph first,
    but for the pictures' captions (their ``descriptions``, :func:`picture_descriptions`, and
    the boxes that hold them in ``body``) and the items of lists in ``body`` (a box of key
    points, a table of contents: not the standfirst)."""
    if not kept or not headlines:
        return kept
    texts = [text for text, _ in blocks]
    try:
        first = texts.index(kept[0])
    except ValueError:
        return kept
    keys = {_headline_key(h) for h in headlines} - {""}
    top = next(
        (
            i
            for i in range(first - 1, max(first - _LEAD_MAX_BLOCKS, 0) - 1, -1)
            if _headline_key(texts[i]) in keys
        ),
        None,
    )
    if top is None:
        return kept
    summary = _headline_key(description or "")
    if len(summary) < _LEAD_MIN_DESCRIPTION_CHARS:
        summary = ""
    present = set(kept)
    lead = [
        text
        for text, share in blocks[top + 1 : first]
        if text not in present
        and text not in descriptions
        and _is_lead(text, share, text in headings, summary)
    ]
    if lead and body is not None:
        # looked for only now: most pages have no standfirst to check
        boxed = _caption_boxes(body) | {clean_text(li.text_content()) for li in body.iter("li")}
        lead = [text for text in lead if text not in boxed]
    return lead + kept


# --- the story under the headline, when readability chose prose elsewhere ---------------------

# On some pages readability keeps prose far from the headline: a second document saved after the
# first one's footer, the reference list of a paper, one card of a list. The story sits under the
# headline: when the prose stretch that starts there does not hold readability's choice and holds
# at least as much prose as it, it is the article.
_STORY_MAX_START = 8


def _stretch_from(blocks: list[tuple[str, float]], start: int) -> tuple[int, int, int]:
    """(prose words, first, end) of the prose stretch whose first prose block is at most
    _STORY_MAX_START blocks after ``start``; (0, 0, 0) if none starts there."""
    first = next(
        (
            i
            for i in range(start, min(start + _STORY_MAX_START, len(blocks)))
            if _is_prose(*blocks[i])
        ),
        None,
    )
    if first is None:
        return 0, 0, 0
    words = gap = 0
    end = first
    for i in range(first, len(blocks)):
        text, share = blocks[i]
        if _is_prose(text, share):
            words += _words(text)
            gap = 0
            end = i + 1
        else:
            gap += 1
            short = _words(text) <= _PROSE_GAP_MAX_WORDS and share <= _PROSE_MAX_LINK_SHARE
            if gap > _PROSE_MAX_GAP or not short:
                break
    return words, first, end


def with_story_under_headline(
    kept: list[str], blocks: list[tuple[str, float]], headlines: set[str]
) -> list[str]:
    """``kept``, or the prose stretch under the headline when readability's choice lies outside
    it and holds no more prose."""
    keys = {_headline_key(h) for h in headlines} - {""}
    top = next(
        (
            i
            for i, (text, share) in enumerate(blocks)
            if share <= _PROSE_MAX_LINK_SHARE and _headline_key(text) in keys
        ),
        None,
    )
    if top is None:
        return kept
    words, first, end = _stretch_from(blocks, top + 1)
    if not words or words < prose_words(kept):
        return kept
    inside = {text for text, _ in blocks[top:end]}
    if any(p in inside for p in kept):
        return kept
    return _stretch_text(blocks[first:end])


# --- the page's prose, when readability chose the wrong node -----------------------------------

# On shops, recipe sites, club and institutional pages readability sometimes keeps a small box
# (opening hours, "your browser is out of date", a list of signatories) while the page's prose
# sits elsewhere. A block is prose when it is mostly not link text, has a few words and ends like
# a sentence, with at least one sentence end per _WORDS_PER_SENTENCE words (a list of names has
# none). The densest stretch of prose blocks, with the short blocks between them (subheadings),
# replaces readability's choice only when it holds far more prose than that choice does.
_PROSE_MIN_WORDS = 10
_PROSE_MAX_LINK_SHARE = 0.3
_WORDS_PER_SENTENCE = 60
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*(?:\s|$)")
_PROSE_FINAL = ".!?…。！？\"'”’»):"
# Non-prose blocks a stretch may run over (subheadings, captions) before it ends.
_PROSE_MAX_GAP = 3
_PROSE_GAP_MAX_WORDS = 20
# The stretch must hold more than this many times readability's prose words, plus a margin.
_PROSE_GAIN = 2.0
_PROSE_MARGIN_WORDS = 60
_UNSPACED_TEXT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _words(text: str) -> int:
    return max(len(text.split()), len(_UNSPACED_TEXT.findall(text)) // 2)


def _is_prose(text: str, share: float) -> bool:
    words = _words(text)
    if words < _PROSE_MIN_WORDS or share > _PROSE_MAX_LINK_SHARE:
        return False
    if text.rstrip()[-1:] not in _PROSE_FINAL:
        return False
    return len(_SENTENCE_END.findall(text)) * _WORDS_PER_SENTENCE >= words


def prose_words(paragraphs: list[str]) -> int:
    return sum(_words(p) for p in paragraphs if _is_prose(p, 0.0))


def prose_stretch(blocks: list[tuple[str, float]]) -> list[str]:
    """The stretch of ``blocks`` with the most prose words: prose blocks, and the short non-link
    blocks between them (at most _PROSE_MAX_GAP in a row). Linear in the number of blocks."""
    best: tuple[int, int, int] = (0, 0, 0)  # words, start, end (exclusive)
    start = -1
    words = 0
    gap = 0
    for i, (text, share) in enumerate(blocks):
        if _is_prose(text, share):
            if start < 0:
                start, words = i, 0
            words += _words(text)
            gap = 0
            if words > best[0]:
                best = (words, start, i + 1)
        elif start >= 0:
            gap += 1
            short = _words(text) <= _PROSE_GAP_MAX_WORDS and share <= _PROSE_MAX_LINK_SHARE
            if gap > _PROSE_MAX_GAP or not short:
                start, gap = -1, 0
    _, first, end = best
    return _stretch_text(blocks[first:end])


def _stretch_text(stretch: list[tuple[str, float]]) -> list[str]:
    """The paragraphs of a prose stretch: its blocks but link text and boilerplate, and a block
    repeated (a template's teaser, a page of one paragraph over and over) only once."""
    seen: set[str] = set()
    out = []
    for text, share in stretch:
        if share <= _PROSE_MAX_LINK_SHARE and text not in seen and not is_boilerplate(text):
            seen.add(text)
            out.append(text)
    return out


def with_prose_fallback(paragraphs: list[str], blocks: list[tuple[str, float]]) -> list[str]:
    """``paragraphs``, or the page's densest prose stretch when it holds far more prose."""
    stretch = prose_stretch(blocks)
    if not stretch:
        return paragraphs
    if prose_words(stretch) > _PROSE_GAIN * prose_words(paragraphs) + _PROSE_MARGIN_WORDS:
        return stretch
    return paragraphs


_BLANK_LINE = re.compile(r"\n\s*\n|\r\n\s*\r\n")


def article_body_paragraphs(article_body: str) -> list[str]:
    parts = _BLANK_LINE.split(article_body)
    if len(parts) == 1:
        parts = article_body.splitlines()
    return [p for p in (clean_text(part) for part in parts) if p]

"""Article text readability did not keep: the standfirst between the headline and the node it
chose, the story under the headline when it chose prose elsewhere, and the page's densest prose
when it chose a box that is not the article. Each works on the page's blocks
(:func:`bot.article.body.page_blocks`) and puts back or replaces whole blocks, never edits them.
"""

from __future__ import annotations

import functools
import re

import lxml.html

from bot.article.body import clean_text, iter_blocks
from bot.article.furniture.lines import is_boilerplate

# --- the standfirst, between the headline and the node readability chose ----------------------

# Readability often keeps the story's body but not its standfirst (a teaser, an abstract, a
# subtitle) when the page sets it in a box of its own between the headline and the body. A prose
# block there is the article's: the headline bounds the article above, the first kept paragraph
# below, and what sits between is the lead, the byline, the date and perhaps a caption. Only
# blocks that read as prose (or as a subtitle: a long heading) are put back, so the byline and
# the date stay out; so does a standfirst that repeats the page's description, which the brief
# already shows as its lead. That last exclusion holds on a page that declares itself an
# article (JSON-LD article node, og:type "article"), whose standfirst is the publisher's summary;
# on a page that does not (an institutional page, a club's report, a guide) the paragraph set
# directly under the headline is the page's opening prose even when the description copies it.
# The brief still does not show it twice: ranking leaves a paragraph that restates the
# description out of the quotes.
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
                    captions.update(clean_text(raw) for raw, _, _ in iter_blocks(box))
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
    *,
    typed: bool = True,
) -> list[str]:
    """``kept`` with the prose blocks between the headline and the first kept paragraph first,
    but for the pictures' captions (their ``descriptions``, :func:`picture_descriptions`, and
    the boxes that hold them in ``body``) and the items of lists in ``body`` (a box of key
    points, a table of contents: not the standfirst). ``typed``: the page declares itself an
    article, and a standfirst that repeats its description stays out even right under the
    headline."""
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
        for i, (text, share) in enumerate(blocks[top + 1 : first], top + 1)
        if text not in present
        and text not in descriptions
        and _is_lead(text, share, text in headings, summary if typed or i > top + 1 else "")
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


# Pure answers for a string, asked of the same blocks and paragraphs by several steps (the prose
# stretch, the story under the headline, the lead, the fallback's comparison): each read once.
@functools.lru_cache(maxsize=4096)
def _words(text: str) -> int:
    words = len(text.split())
    # ASCII text holds no unspaced script (a scan in C, not a list of matches)
    return words if text.isascii() else max(words, len(_UNSPACED_TEXT.findall(text)) // 2)


@functools.lru_cache(maxsize=4096)
def _reads_as_prose(text: str) -> bool:
    """:func:`_is_prose` but the link share."""
    words = _words(text)
    if words < _PROSE_MIN_WORDS:
        return False
    if text.rstrip()[-1:] not in _PROSE_FINAL:
        return False
    return len(_SENTENCE_END.findall(text)) * _WORDS_PER_SENTENCE >= words


def _is_prose(text: str, share: float) -> bool:
    return share <= _PROSE_MAX_LINK_SHARE and _reads_as_prose(text)


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

"""Article text readability did not keep: the standfirst between the headline and the node it
chose, the story under the headline when it chose prose elsewhere, and the page's densest prose
when it chose a box that is not the article. Each works on the page's blocks
(:func:`bot.article.body.page_blocks`) and puts back or replaces whole blocks, never edits them.
"""

from __future__ import annotations

import html
import re

import lxml.html

from bot.article.body import BLOCK_TAGS, clean_text, iter_blocks
from bot.article.furniture.lines import is_boilerplate
from bot.article.jsonld import JsonLd, node_types
from bot.article.memo import short_string_memo

# --- the standfirst, between the headline and the node readability chose ----------------------

# Readability often keeps the story's body but not its standfirst (a teaser, an abstract, a
# subtitle) when the page sets it in a box of its own between the headline and the body. A prose
# block there is the article's: the headline bounds the article above, the first kept paragraph
# below, and what sits between is the lead, the byline, the date and perhaps a caption. Only
# blocks that read as prose (or as a subtitle: a long heading) are put back, so the byline and
# the date stay out; so does a standfirst that repeats the page's description, which the brief
# already shows as its lead. That last exclusion holds on a page that declares itself an
# article (JSON-LD article node, og:type "article"), whose standfirst is the publisher's summary,
# when it is set in the headline's box (:func:`_beside_headline`): in the story's own column it
# is the story's opening and is read;
# on a page that does not (an institutional page, a club's report, a guide) the paragraph set
# directly under the headline is the page's opening prose even when the description copies it.
# The brief still does not show it twice: ranking leaves a paragraph that restates the
# description out of the quotes.
_LEAD_MAX_BLOCKS = 8
_LEAD_MIN_WORDS = 8
_LEAD_MAX_LINK_SHARE = 0.3
_LEAD_MIN_DESCRIPTION_CHARS = 30
_LEAD_MIN_JOINED_CHARS = 40
_NOT_WORD = re.compile(r"[\W_]+")
# "By Matthew Digby, Minh Do on Monday, November 18th, 2019 at 11:08 a.m.": a byline, however long
_BYLINE_START = re.compile(r"(?:[Bb]y|BY|[Vv]on|[Pp]ar)\s+[A-ZÀ-Þ]")
_QUOTE_OPENING = "\"“„«»‹›'‘‚「『"


def headline_key(text: str) -> str:
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
        key = headline_key(text)
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
        # readability joined the story's first paragraph across a block inside it (an ad slot,
        # a link box): the page block that begins it marks where the story starts
        first = next(
            (
                i
                for i, text in enumerate(texts)
                if len(text) >= _LEAD_MIN_JOINED_CHARS and kept[0].startswith(text)
            ),
            -1,
        )
        if first < 0:
            return kept
    keys = {headline_key(h) for h in headlines} - {""}
    top = next(
        (
            i
            for i in range(first - 1, max(first - _LEAD_MAX_BLOCKS, 0) - 1, -1)
            if headline_key(texts[i]) in keys
        ),
        None,
    )
    if top is None:
        return kept
    summary = headline_key(description or "")
    if len(summary) < _LEAD_MIN_DESCRIPTION_CHARS:
        summary = ""
    present = set(kept)
    lead: list[str] = []
    summaries: set[str] = set()  # standfirsts that repeat the description, on an article page
    for i, (text, share) in enumerate(blocks[top + 1 : first], top + 1):
        if text in present or text in descriptions:
            continue
        heading = text in headings
        if _is_lead(text, share, heading, summary if typed or i > top + 1 else ""):
            lead.append(text)
        elif typed and summary and _is_lead(text, share, heading, ""):
            lead.append(text)
            summaries.add(text)
    if lead and body is not None:
        # looked for only now: most pages have no standfirst to check
        boxed = _caption_boxes(body) | {clean_text(li.text_content()) for li in body.iter("li")}
        if summaries:
            boxed |= _beside_headline(body, summaries, texts[top], kept[0])
        lead = [text for text in lead if text not in boxed]
    elif summaries:
        lead = [text for text in lead if text not in summaries]
    return lead + kept


# An article page's standfirst that repeats its description is the publisher's summary when it
# is set in one box with the headline (a <header>, a "heading" block) that the story is not in;
# set in the story's own column, above its first paragraph, it is the story's opening and is read.
def _beside_headline(
    body: lxml.html.HtmlElement, summaries: set[str], headline: str, story: str
) -> set[str]:
    """The ``summaries`` that share a box with the ``headline`` block but not with the
    ``story``'s first block; those not found on the page count as beside it."""
    found = block_elements(body, summaries | {headline, story})
    beside = set()
    for text in summaries:
        places = found.get(text)
        if not places:
            beside.add(text)
            continue
        order, element = places[0]
        above = [el for o, el in found.get(headline, ()) if o < order]
        below = [el for o, el in found.get(story, ()) if o > order]
        if not above or not below:
            beside.add(text)
            continue
        headline_box = _ancestors(above[-1])
        story_box = _ancestors(below[0])
        for ancestor in element.iterancestors():
            if ancestor in story_box:
                break
            if ancestor in headline_box:
                beside.add(text)
                break
    return beside


def _ancestors(element: lxml.html.HtmlElement) -> set[lxml.html.HtmlElement]:
    return {element, *element.iterancestors()}


def block_elements(
    body: lxml.html.HtmlElement, texts: set[str]
) -> dict[str, list[tuple[int, lxml.html.HtmlElement]]]:
    """Where each of ``texts`` (block texts, :func:`bot.article.body.page_blocks`) is on the
    page: the block elements that hold it, each with the document position of its first text.
    One pass over the page's text nodes; only a node that starts like one of ``texts`` is read."""
    starts = {text[:1] for text in texts}
    found: dict[str, list[tuple[int, lxml.html.HtmlElement]]] = {}
    # Each block's text is read once: many small text nodes in one big block (a hostile page's
    # thousands of <i>T</i>) would otherwise read the whole block again for each of them.
    block_texts: dict[lxml.html.HtmlElement, str] = {}
    for order, element in enumerate(body.iter()):
        for raw, owner in ((element.text, element), (element.tail, element.getparent())):
            if not raw or owner is None or raw.lstrip()[:1] not in starts:
                continue
            piece = clean_text(raw)
            for text in texts:
                if piece and text.startswith(piece):
                    block = _block_of(owner)
                    if block not in block_texts:
                        block_texts[block] = clean_text(block.text_content())
                    if block_texts[block].startswith(text):
                        found.setdefault(text, []).append((order, block))
    return found


def _block_of(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The innermost block element that holds ``element`` (itself, if it is one)."""
    for candidate in (element, *element.iterancestors()):
        if candidate.tag in BLOCK_TAGS:
            return candidate
    return element


# --- the story under the headline, when readability chose prose elsewhere ---------------------

# On some pages readability keeps prose far from the headline: a second document saved after the
# first one's footer, the reference list of a paper, one card of a list. The story sits under the
# headline: when the prose stretch that starts there does not hold readability's choice and holds
# at least as much prose as it, it is the article.
_STORY_MAX_START = 8


def stretch_from(
    blocks: list[tuple[str, float]], start: int, reach: int = _STORY_MAX_START
) -> tuple[int, int, int]:
    """(prose words, first, end) of the prose stretch whose first prose block is at most
    ``reach`` blocks after ``start``; (0, 0, 0) if none starts there."""
    first = next(
        (i for i in range(start, min(start + reach, len(blocks))) if is_prose(*blocks[i])),
        None,
    )
    if first is None:
        return 0, 0, 0
    words = gap = 0
    end = first
    for i in range(first, len(blocks)):
        text, share = blocks[i]
        if is_prose(text, share):
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
    keys = {headline_key(h) for h in headlines} - {""}
    top = next(
        (
            i
            for i, (text, share) in enumerate(blocks)
            if share <= _PROSE_MAX_LINK_SHARE and headline_key(text) in keys
        ),
        None,
    )
    if top is None:
        return kept
    words, first, end = stretch_from(blocks, top + 1)
    if not words or words < prose_words(kept):
        return kept
    inside = {text for text, _ in blocks[top:end]}
    if any(p in inside for p in kept):
        return kept
    return stretch_text(blocks[first:end])


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
@short_string_memo(maxsize=4096, longest=1024)
def _words(text: str) -> int:
    words = len(text.split())
    # ASCII text holds no unspaced script (a scan in C, not a list of matches)
    return words if text.isascii() else max(words, len(_UNSPACED_TEXT.findall(text)) // 2)


@short_string_memo(maxsize=4096, longest=1024)
def _reads_as_prose(text: str) -> bool:
    """:func:`_is_prose` but the link share."""
    words = _words(text)
    if words < _PROSE_MIN_WORDS:
        return False
    if text.rstrip()[-1:] not in _PROSE_FINAL:
        return False
    return len(_SENTENCE_END.findall(text)) * _WORDS_PER_SENTENCE >= words


def is_prose(text: str, share: float) -> bool:
    return share <= _PROSE_MAX_LINK_SHARE and _reads_as_prose(text)


def prose_words(paragraphs: list[str]) -> int:
    return sum(_words(p) for p in paragraphs if is_prose(p, 0.0))


def prose_stretch(blocks: list[tuple[str, float]]) -> list[str]:
    """The stretch of ``blocks`` with the most prose words: prose blocks, and the short non-link
    blocks between them (at most _PROSE_MAX_GAP in a row). Linear in the number of blocks."""
    best: tuple[int, int, int] = (0, 0, 0)  # words, start, end (exclusive)
    start = -1
    words = 0
    gap = 0
    for i, (text, share) in enumerate(blocks):
        if is_prose(text, share):
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
    return stretch_text(blocks[first:end])


def stretch_text(stretch: list[tuple[str, float]]) -> list[str]:
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


# --- a recipe's ingredients and steps, which its structured data names -----------------------

# A recipe page's ingredients and steps are list items and short lines that readability scores
# low and the prose rules do not read. The page's schema.org Recipe names them: the page blocks
# that are one of its recipeIngredient or recipeInstructions texts are the recipe's text.
_RECIPE_MAX_TEXTS = 300
_RECIPE_MAX_DEPTH = 4


def _recipe_texts(value: object, out: set[str], depth: int = 0) -> None:
    if len(out) >= _RECIPE_MAX_TEXTS or depth > _RECIPE_MAX_DEPTH:
        return
    if isinstance(value, str):
        # publishers often escape the text twice: "Fa&ccedil;a" in the JSON for "Faça"
        text = clean_text(html.unescape(value) if "&" in value else value)
        if text:
            out.add(text)
    elif isinstance(value, list):
        for item in value[:_RECIPE_MAX_TEXTS]:
            _recipe_texts(item, out, depth + 1)
    elif isinstance(value, dict):
        # a HowToStep's text, a HowToSection's steps
        _recipe_texts(value.get("text"), out, depth + 1)
        _recipe_texts(value.get("itemListElement"), out, depth + 1)


def with_recipe(
    paragraphs: list[str], blocks: list[tuple[str, float]], json_ld: JsonLd
) -> list[str]:
    """``paragraphs`` and, after them, the page blocks its Recipe's ingredients and steps name."""
    texts: set[str] = set()
    for node in json_ld.nodes:
        if "recipe" in node_types(node):
            _recipe_texts(node.get("recipeIngredient"), texts)
            _recipe_texts(node.get("recipeInstructions"), texts)
    if not texts:
        return paragraphs
    present = set(paragraphs)
    added = []
    for text, share in blocks:
        if text in texts and text not in present and share <= _PROSE_MAX_LINK_SHARE:
            present.add(text)
            added.append(text)
    return paragraphs + added

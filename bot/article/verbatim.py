"""The body paragraphs as the page shows them: no paragraph joins text that is apart on the page.

Readability drops children of an element it keeps (a menu between a site name and a headline, a
footnote mark, a linked word, an ad label) and joins what is left; chrome removal can do the
same. The brief quotes paragraphs verbatim, so :func:`as_on_page` checks each one against the
page's visible text, read before anything was removed, whitespace aside:

- a paragraph found there is kept as it is;
- otherwise it is cut at its seams into the pieces that are found, in order. Pieces in one block
  of the page with only a few characters left out between them (a footnote mark, a linked word,
  an ad label inside a sentence) are mended: the page's own text from the first to the last is
  quoted, gap included, so a sentence is not cut in two. Pieces a block boundary or a longer gap
  separates stay apart. Unless one piece holds all of the paragraph (a mended sentence), those
  that are labels (fewer than :data:`_MIN_PIECE_WORDS` words, or boilerplate: a site name, a
  menu entry, share counts) are dropped;
- a piece that a paragraph kept as it is already holds is dropped too: gap filling often put
  the page's own block beside the paragraph readability quoted without its marks.

Measured on the 511 benchmark pages (bench/extraction.py and bench/snippets.py data): 16 of
10,994 paragraphs on 8 pages (all metadata set) change; most were prose missing a footnote mark,
a linked word or an ad label (half of them beside gap filling's copy), the rest furniture
stitched across a removed menu, related-story box or share button.

Linear in the page: the paragraphs are looked for in order, from where the last one was found
(about one ``str.find`` scan of the page text in all); one out of order or cut up costs a few
scans more, within a budget that grows with the page (:class:`_Scans`).
"""

from __future__ import annotations

import bisect
import copy
import itertools
import logging
import re
from collections.abc import Callable

import lxml.etree
import lxml.html
from readability.readability import REGEXES

from bot.article.body import clean_text, squash
from bot.article.furniture.lines import is_boilerplate

log = logging.getLogger(__name__)

__all__ = ["PageText", "as_on_page", "page_text"]

# What a reader never sees: their text is not page text, and a join across them is no seam.
# (<noscript> is seen: the bot reads pages as a reader without scripts, and chrome removal
# keeps a <noscript> that holds the article, bot.article.furniture.chrome.)
_UNSEEN_TAGS = frozenset({"script", "style", "template", "head"})
_DISPLAY_NONE = REGEXES["displayNoneRe"]
# Tags that start a new block of text, as bot.article.body reads them (lists, tables, headings).
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li blockquote pre dd dt section article ul ol dl table tr figure "
    "figcaption header footer hr address main body center details summary nav aside form".split()
)
# Elements a style or an attribute may hide (lxml finds them; :func:`_is_hidden` decides).
_MAYBE_HIDDEN = lxml.etree.XPath(".//*[@hidden or @style]")
_BREAK = "\x00"
_PARAGRAPH_BREAK = re.compile(_BREAK + r"\s*" + _BREAK)
# Left out of a sentence and put back (squashed characters per gap): a footnote mark, a word.
_MAX_MENDED_GAP = 24
# A shorter run of characters found on the page is chance, not a piece of it ("the", "ing").
_MIN_PIECE_CHARS = 10
# Cut pieces shorter than this are labels: a site name, a menu entry, "Share".
_MIN_PIECE_WORDS = 5
# Page-text scans allowed per page, each a C-speed ``str.find``: at least _MIN_SCANS, and more
# on small pages, within _SCAN_CHARS characters in all. Bounds hostile pages, linearly.
_MIN_SCANS = 64
_SCAN_CHARS = 8_000_000


class PageText:
    """The page's text without whitespace; its visible text block by block when a paragraph
    needs cutting (:meth:`cut_up`: rare, so the common path costs C-speed work only)."""

    def __init__(
        self, root: lxml.html.HtmlElement | Callable[[], lxml.html.HtmlElement], squashed: str
    ) -> None:
        # a copy of the page's body, its unseen parts removed, or what makes one when needed
        self._root: lxml.html.HtmlElement | Callable[[], lxml.html.HtmlElement] | None = root
        self.squashed = squashed
        self.blocks: list[str] = []
        self.starts: list[int] = []
        self._offsets: dict[int, list[int]] = {}

    def cut_up(self) -> None:
        """Read the blocks (once), for :meth:`block_at`, :meth:`block_end` and :meth:`text`."""
        if self._root is None:
            return
        root = self._root if isinstance(self._root, lxml.html.HtmlElement) else self._root()
        if _is_hidden(root):
            root.clear()
        for el in _MAYBE_HIDDEN(root):
            if _is_hidden(el):
                el.drop_tree()  # its tail stays: a join across it is no seam
        self.blocks = _blocks(root)
        self._root = None
        parts = [block.replace(" ", "") for block in self.blocks]
        self.starts = [0, *itertools.accumulate(len(p) for p in parts)][:-1]
        # the same text as before, read another way; the offsets below are in this one
        self.squashed = "".join(parts)

    def block_at(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1

    def block_end(self, block: int) -> int:
        return self.starts[block] + len(self.blocks[block]) - self.blocks[block].count(" ")

    def text(self, block: int, start: int, end: int) -> str:
        """Block ``block``'s text from squashed ``start`` to ``end`` (page offsets)."""
        ends = self._offsets.get(block)
        if ends is None:
            # squashed length up to the end of each word
            ends = self._offsets[block] = list(
                itertools.accumulate(map(len, self.blocks[block].split(" ")))
            )
        base = self.starts[block]

        def at(k: int) -> int:
            word = bisect.bisect_right(ends, k)
            return k + word  # one space before each earlier word

        return self.blocks[block][at(start - base) : at(end - 1 - base) + 1]


def _is_hidden(el: lxml.html.HtmlElement) -> bool:
    return el.get("hidden") is not None or _DISPLAY_NONE.search(el.get("style") or "") is not None


def _shown(doc: lxml.html.HtmlElement, *, copied: bool) -> lxml.html.HtmlElement:
    """``doc``'s body (a copy if ``copied``) without its unseen parts (their tails stay)."""
    body = doc.find("body")
    root = body if body is not None else doc
    if copied:
        root = copy.deepcopy(root)
    lxml.etree.strip_elements(
        root, *_UNSEEN_TAGS, lxml.etree.Comment, lxml.etree.ProcessingInstruction, with_tail=False
    )
    return root


def _text(root: lxml.html.HtmlElement) -> str:
    return lxml.etree.tostring(root, method="text", encoding=str, with_tail=False)


def page_text(
    doc: lxml.html.HtmlElement, reparse: Callable[[], lxml.html.HtmlElement] | None = None
) -> PageText:
    """The text of ``doc``'s body; read it before the tree changes.

    lxml does the work: a copy of the body without scripts, styles and comments, and its text.
    (A walk over the page in Python took 4 ms a page, a tenth of the extraction's time; finding
    the hidden elements alone takes a millisecond, so that waits for :meth:`PageText.cut_up`.)
    Hidden text counts here: it is the page's own text, and readability's choice to read it is
    no stitching; a join across a hidden element is looked at when the paragraph is cut up.

    ``reparse`` makes ``doc`` again as it is now (a parse of the same markup): when the body holds
    no unseen text (most pages: the parse emptied their scripts and styles), the body's own text
    is the same text, no copy is made, and :meth:`PageText.cut_up` (on few pages) reads a parse."""
    body = doc.find("body")
    if reparse is None or body is None or _holds_unseen(body):
        root = _shown(doc, copied=True)
        return PageText(root, squash(_text(root)))
    return PageText(lambda: _shown(reparse(), copied=False), squash(_text(body)))


def _holds_unseen(body: lxml.html.HtmlElement) -> bool:
    """Whether an unseen element of ``body`` holds text (comments' text is never page text)."""
    return any(el.text or len(el) for el in body.iter(*_UNSEEN_TAGS))


def _blocks(root: lxml.html.HtmlElement) -> list[str]:
    """The text of ``root`` (no unseen parts left) block by block, as bot.article.body reads
    blocks."""
    blocks: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        # Two line breaks in a row end a paragraph, as bot.article.body reads blocks.
        for part in _PARAGRAPH_BREAK.split("".join(buffer)):
            text = clean_text(part)
            if text:
                blocks.append(text)
        buffer.clear()

    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag in _BLOCK_TAGS:
                flush()
            elif tag == "br":
                buffer.append(_BREAK)
            if el.text:
                buffer.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
            if el.tail and el is not root:
                buffer.append(el.tail)
    flush()
    return blocks


class _Scans:
    def __init__(self, page: PageText) -> None:
        self.left = max(_MIN_SCANS, _SCAN_CHARS // max(len(page.squashed), 1))
        self.cursor = 0

    def find(self, page: PageText, needle: str, start: int = 0) -> int:
        if self.left <= 0:
            return -1
        self.left -= 1
        return page.squashed.find(needle, start)

    def holds(self, page: PageText, needle: str) -> bool:
        """Whether the page holds ``needle``. Paragraphs come mostly in page order: each is
        looked for from where the last one was found, so they cost about one scan of the page
        in all; one found before that costs a scan from the start, within the budget."""
        at = page.squashed.find(needle, self.cursor)
        if at < 0:
            at = self.find(page, needle)
            if at < 0:
                return False
        self.cursor = at + len(needle)
        return True


class _Quoted:
    """The paragraphs kept as they are, squashed: a piece one of them holds is quoted already.
    Each look is a ``str.find`` over them all, within a budget like :class:`_Scans`'s; past it,
    only a piece that is one of them whole counts."""

    def __init__(self, kept: list[str]) -> None:
        self.whole = frozenset(kept)
        self.joined = _BREAK.join(kept)
        self.left = max(_MIN_SCANS, _SCAN_CHARS // max(len(self.joined), 1))

    def hold(self, piece: str) -> bool:
        squashed = piece.replace(" ", "")
        if squashed in self.whole:
            return True
        if self.left <= 0:
            return False
        self.left -= 1
        return squashed in self.joined


def _pieces(paragraph: str, page: PageText, scans: _Scans) -> list[tuple[int, int]]:
    """Page spans of the longest runs of ``paragraph`` the page holds in order, each within one
    block of the page and at least _MIN_PIECE_CHARS long; text in no such run is left out."""
    squashed = paragraph.replace(" ", "")
    # Where the paragraph's words end, squashed: a piece ends at one when it can, since the
    # removed text may begin with the letters that follow the seam ("sentence, a long run").
    word_ends = list(itertools.accumulate(map(len, paragraph.split(" "))))
    spans: list[tuple[int, int]] = []
    cursor = 0
    i = 0
    while i + _MIN_PIECE_CHARS <= len(squashed) and scans.left > 0:
        if scans.find(page, squashed[i : i + _MIN_PIECE_CHARS], cursor) < 0:
            i += 1  # no piece starts here
            continue
        # The most characters from i on that the page holds after the cursor: a prefix found
        # means every shorter one is, so a binary search finds it.
        low, high = _MIN_PIECE_CHARS, len(squashed) - i
        while low < high:
            mid = (low + high + 1) // 2
            if scans.find(page, squashed[i : i + mid], cursor) >= 0:
                low = mid
            else:
                high = mid - 1
        word_end = word_ends[bisect.bisect_right(word_ends, i + low) - 1] if word_ends else 0
        if word_end - i >= _MIN_PIECE_CHARS:
            low = word_end - i
        at = scans.find(page, squashed[i : i + low], cursor)
        if at < 0:
            break
        spans.extend(_within_blocks(at, at + low, page))
        cursor = at + low
        i += low
    return spans


def _within_blocks(start: int, end: int, page: PageText) -> list[tuple[int, int]]:
    """The span cut at the page's block boundaries, its chance fragments left out."""
    parts = []
    for block in range(page.block_at(start), page.block_at(end - 1) + 1):
        part = (max(start, page.starts[block]), min(end, page.block_end(block)))
        if part[1] - part[0] >= _MIN_PIECE_CHARS:
            parts.append(part)
    return parts


def _mended(spans: list[tuple[int, int]], page: PageText) -> list[str]:
    """The page text of ``spans``, neighbours in one block with a short gap quoted as one."""
    runs: list[tuple[int, int]] = []
    for start, end in spans:
        if runs:
            last_start, last_end = runs[-1]
            same_block = page.block_at(last_start) == page.block_at(start)
            if same_block and start - last_end <= _MAX_MENDED_GAP:
                runs[-1] = (last_start, end)
                continue
        runs.append((start, end))
    return [page.text(page.block_at(start), start, end) for start, end in runs]


def as_on_page(paragraphs: list[str], page: PageText) -> list[str]:
    """``paragraphs`` cut where they join text that is not contiguous on ``page`` (see above)."""
    scans = _Scans(page)
    squashed = [squash(p) for p in paragraphs]
    held = [scans.holds(page, s) for s in squashed]
    if not all(held):
        page.cut_up()
    # Gap filling may already have put the page's own block in the list, beside the paragraph
    # readability quoted without a mark or a few paragraphs on (steinzeitwissen: two sentences
    # without their footnote marks, then both blocks as the page has them): a piece that a kept
    # paragraph holds is not quoted again.
    quoted = _Quoted([s for s, kept in zip(squashed, held, strict=True) if kept])
    out: list[str] = []
    for paragraph, whole, kept in zip(paragraphs, squashed, held, strict=True):
        if kept:
            out.append(paragraph)
            continue
        spans = _pieces(clean_text(paragraph), page, scans)
        pieces = _mended(spans, page)
        if len(pieces) == 1 and sum(end - start for start, end in spans) == len(whole):
            # All of the paragraph is on the page, with only marks or words left out between.
            log.debug("mended a paragraph from the page: %.80s", paragraph)
        else:
            # Part of it is not page text: what is left is a label unless it reads as prose
            # (tafelblog: "Facebook0Email0Print0", of which the page held "0Email0Print0").
            log.debug("cut a paragraph the page does not hold: %.80s", paragraph)
            pieces = [p for p in pieces if _words(p) >= _MIN_PIECE_WORDS and not is_boilerplate(p)]
        out.extend(p for p in pieces if not quoted.hold(p))
    return [p for n, p in enumerate(out) if n == 0 or out[n - 1] != p]


def _words(text: str) -> int:
    return len(text.split())

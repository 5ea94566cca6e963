"""Characters that show nothing, and how page text loses them before anyone reads it.

A page can hide text, blank a headline or a thread name, or smuggle data in characters that are
drawn as nothing. :func:`strip_invisible` removes, wherever page text is shown:

- format characters, Unicode category Cf: zero-width space and non-joiner, bidirectional marks,
  embeddings, overrides and isolates, word joiner and invisible operators, the deprecated format
  characters U+206A–206F, soft hyphen, byte order mark, tag characters, and any added later;
- control characters (Cc) other than whitespace (callers collapse whitespace their own way);
- :data:`BLANKS`, the few characters of other categories that are drawn as nothing, and
  :data:`BLANK_CELLS`, drawn as an empty cell, which become plain spaces.

Kept, because there they are part of a visible emoji rather than hidden:

- ZERO WIDTH JOINER between two pictographs (👩‍💻, 🏳️‍🌈): without it one glyph becomes two;
- either joiner after a virama, before a letter (RFC 5892's CONTEXTJ rule for hosts): it picks
  the form of an Indic conjunct, as in Sinhala's ශ්‍රී ("Sri");
- one variation selector directly after a visible character: it picks emoji or text style, or a
  CJK glyph variant (some names are written with one). A second one, or one after nothing
  visible, selects nothing: runs of them are how data is hidden inside "one emoji";
- a subdivision flag: 🏴, two to six tag letters or digits, CANCEL TAG (the flag of Scotland).

Everything kept is visible, so a quote stripped of the rest reads exactly as the article does: it
stays verbatim for anyone who checks it against the page.
"""

from __future__ import annotations

import re
import unicodedata

# Drawn as nothing, though not format characters: the default-ignorable marks (Mn), i.e. the
# combining grapheme joiner, Khmer inherent vowels and Mongolian free variation selectors, and
# the conjoining Hangul fillers (letters, Lo), which only pad a syllable block.
BLANKS: frozenset[str] = frozenset(
    "\u034f"  # COMBINING GRAPHEME JOINER
    "\u17b4\u17b5"  # KHMER VOWEL INHERENT AQ, AA
    "\u180b\u180c\u180d\u180f"  # MONGOLIAN FREE VARIATION SELECTOR ONE to FOUR
    "\u115f\u1160"  # HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
)
# Drawn as an empty cell, and used as a space no whitespace rule sees: a "name" of U+3164 looks
# blank. Each becomes a space, so words it separates stay apart and callers' collapsing sees it.
BLANK_CELLS: frozenset[str] = frozenset(
    "\u3164\uffa0"  # HANGUL FILLER, HALFWIDTH HANGUL FILLER (letters, Lo)
    "\u2800"  # BRAILLE PATTERN BLANK (a symbol, So)
)
ZWJ = "\u200d"
ZWNJ = "\u200c"
_JOINERS = frozenset({ZWJ, ZWNJ})
_BLACK_FLAG = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"
# Tag letters and digits, the only ones a subdivision flag spells ("gbsct").
_FLAG_TAGS = frozenset(chr(0xE0030 + i) for i in range(10)) | frozenset(
    chr(0xE0061 + i) for i in range(26)
)


# What may stay or go depending on its neighbours: the joiners, the variation selectors, and the
# whole tag block (tags spell subdivision flags; the variation selector supplement is in it too).
_CONTEXTUAL = re.compile("[\u200c\u200d\ufe00-\ufe0f\U000e0000-\U000e0fff]+")


def is_variation_selector(ch: str) -> bool:
    return "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def _is_contextual(ch: str) -> bool:
    return ch in _JOINERS or "\ufe00" <= ch <= "\ufe0f" or "\U000e0000" <= ch <= "\U000e0fff"


def _is_skin_tone(ch: str) -> bool:
    return "\U0001f3fb" <= ch <= "\U0001f3ff"


def _always_invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cf" or ch in BLANKS:
        return True
    return category == "Cc" and not ch.isspace()


def _table(chars: set[str]) -> dict[int, str]:
    """A translation table for the characters of ``chars`` that go wherever they stand."""
    table: dict[int, str] = {}
    for ch in chars:
        if ch in BLANK_CELLS:
            table[ord(ch)] = " "
        elif not _is_contextual(ch) and _always_invisible(ch):
            table[ord(ch)] = ""
    return table


def strip_invisible(text: str) -> str:
    """``text`` without the characters that show nothing (see the module docstring).

    Linear, and mostly at C speed: the characters that always go are translated away, and only
    runs of joiners, selectors and tags are looked at one by one, with their neighbours.
    """
    if text.isascii():
        # Only controls can hide in ASCII, and most page text is ASCII.
        if text.isprintable():
            return text
        return "".join(c for c in text if c.isprintable() or c.isspace())
    chars = set(text)
    table = _table(chars)
    if table:
        text = text.translate(table)
    if any(_is_contextual(ch) for ch in chars):
        text = _CONTEXTUAL.sub(_judge, text)
    return text


def _judge(match: re.Match[str]) -> str:
    """What stays of one run of joiners, variation selectors and tags: at most a subdivision
    flag's tags, a selector for the character before, and a joiner for the character after.

    Only those can stay, so the run is never read one by one (a run can be a page long): a
    selector is kept only right after its visible base, so first; a joiner only before a
    pictograph or a letter, which no character of the run is, so last.
    """
    text, start, end = match.string, match.start(), match.end()
    previous = text[start - 1] if start else ""
    following = text[end] if end < len(text) else ""
    flag = _flag_tags(text, start, end) if previous == _BLACK_FLAG else ""
    rest = match.group()[len(flag) :]
    if not rest:
        return flag
    first, last = rest[0], rest[-1]
    selector = (
        first
        if not flag and previous and not previous.isspace() and is_variation_selector(first)
        else ""
    )
    joiner = ""
    if last in _JOINERS and following:
        category = unicodedata.category(following)
        if last == ZWJ and category == "So" and (flag or _pictograph_before(text, start)):
            joiner = last
        # Canonical combining class 9 is the virama of every Indic script.
        elif category.startswith("L") and not flag and not selector:
            joiner = last if unicodedata.combining(previous or " ") == 9 else ""
    return flag + selector + joiner


def _flag_tags(text: str, start: int, end: int) -> str:
    """The tags and CANCEL TAG at ``start`` making a subdivision flag of the black flag before."""
    for length in range(2, 7):
        if start + length < end and text[start + length] == _CANCEL_TAG:
            spec = text[start : start + length]
            return spec + _CANCEL_TAG if all(c in _FLAG_TAGS for c in spec) else ""
    return ""


def _pictograph_before(text: str, start: int) -> bool:
    """Whether a pictograph ends before ``start``, past its variation selector and skin tone."""
    i = start - 1
    while i >= 0 and (is_variation_selector(text[i]) or _is_skin_tone(text[i])):
        i -= 1
    return i >= 0 and unicodedata.category(text[i]) == "So"

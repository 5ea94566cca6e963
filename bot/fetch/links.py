"""Links in a member's message, read the way Discord renders it, and the sharer's own words.

``find_links``: links in code (inline or fenced), in spoilers, or wrapped in ``<...>`` ("no
preview", DISCORD.md) are not shared links; a masked link ``[text](url)`` shares its URL;
punctuation and markdown that end a sentence are not part of the URL, but balanced parentheses
(Wikipedia) are. Each link is returned exactly as posted, because that is what is fetched.
``sharer_words`` is the rest of the message, the sharer's commentary.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.fetch.urls import url_key

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- finding links

# Discord's precedence: code first (nothing inside it is markdown), then spoilers, then links.
_FENCED_CODE = re.compile(r"```.*?```", re.DOTALL)
_INLINE_CODE = re.compile(r"``(?!`).+?``|`[^`]+`", re.DOTALL)
_SPOILER = re.compile(r"\|\|.+?\|\|", re.DOTALL)
_MASKED_LINK = re.compile(
    r"\[(?P<label>[^\[\]\n]*)\]\(\s*(?P<open><)?"
    r"(?P<url>https?://(?:[^\s()<>]|\([^\s()<>]*\))+)(?P<close>>)?\s*\)",
    re.IGNORECASE,
)
_SUPPRESSED_LINK = re.compile(r"<https?://[^\s<>]+>", re.IGNORECASE)
# Not glued to a preceding letter or digit ("xhttps://" is not a link); after "_" or "*" it is.
_BARE_LINK = re.compile(r"(?<![^\W_])https?://[^\s<>]+", re.IGNORECASE)

# Sentence punctuation, closing quotes and emphasis markers that end prose rather than a URL.
_TRAILING_JUNK = frozenset(
    ".,;:!?'\"*~\u201d\u2019\u00bb\u203a\u3002\uff0c\u3001\uff01\uff1f\uff1a\uff1b\u2026"
)
_CLOSERS = {")": "(", "]": "[", "}": "{"}


@dataclass
class _Found:
    """Where a link sits in the message: ``url`` is ``text[start:end]``, as posted."""

    url: str
    start: int
    end: int
    # For a masked link, the whole ``[label](url)`` construct and its label.
    outer: tuple[int, int] | None = None
    label: str = ""


@dataclass
class _Scan:
    links: list[_Found] = field(default_factory=list)
    # Code, spoilers and ``<...>`` links: not shared, and not the sharer's commentary either.
    hidden: list[tuple[int, int]] = field(default_factory=list)


def _blank(text: str, start: int, end: int) -> str:
    # Same length, so offsets into the blanked copy are offsets into the message.
    return text[:start] + " " * (end - start) + text[end:]


def _trim(url: str, after_underscore: bool) -> str:
    # Counted once and kept up to date: counting again for each character taken off made a URL
    # ending in thousands of ")" quadratic.
    counts = {bracket: url.count(bracket) for bracket in "()[]{}"}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _TRAILING_JUNK or (last == "_" and after_underscore):
            end -= 1
        elif last in _CLOSERS and counts[last] > counts[_CLOSERS[last]]:
            counts[last] -= 1
            end -= 1
        else:
            break
    return url[:end]


def _has_host(url: str) -> bool:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return any(char.isalnum() for char in host)


def _scan(text: str) -> _Scan:
    scan = _Scan()
    work = text
    for pattern in (_FENCED_CODE, _INLINE_CODE, _SPOILER):
        for match in pattern.finditer(work):
            scan.hidden.append(match.span())
            work = _blank(work, *match.span())
    for match in _MASKED_LINK.finditer(work):
        if not _has_host(match.group("url")):
            continue
        if match.group("open") and match.group("close"):
            scan.hidden.append(match.span())
        else:
            scan.links.append(
                _Found(
                    url=match.group("url"),
                    start=match.start("url"),
                    end=match.end("url"),
                    outer=match.span(),
                    label=match.group("label"),
                )
            )
        work = _blank(work, *match.span())
    for match in _SUPPRESSED_LINK.finditer(work):
        scan.hidden.append(match.span())
        work = _blank(work, *match.span())
    for match in _BARE_LINK.finditer(work):
        start = match.start()
        url = _trim(match.group(), after_underscore=start > 0 and text[start - 1] == "_")
        if _has_host(url):
            scan.links.append(_Found(url=url, start=start, end=start + len(url)))
    scan.links.sort(key=lambda found: found.start)
    return scan


def find_links(text: str, limit: int = 3) -> list[str]:
    """The http(s) links shared in a Discord message, as posted, in order, without repeats.

    Two links with the same ``url_key`` count once (the first is kept as written); at most
    ``limit`` links are returned.
    """
    links: list[str] = []
    seen: set[str] = set()
    for found in _scan(text).links:
        if len(links) >= limit:
            break
        key = url_key(found.url)
        if key not in seen:
            seen.add(key)
            links.append(found.url)
    return links


# --------------------------------------------------------------------------- the sharer's words

_LINE_MARKUP = re.compile(r"^[ \t]*(?:>>> |> |#{1,3} |[-*] )", re.MULTILINE)
# Markdown and brackets left empty by the removal, e.g. "**<link>**" or "(<link>)": the openers
# and what closes each, found by one pass with a stack (removing the innermost pair and searching
# again, as before, cost one pass per level: quadratic in "((((…))))").
# "**" is two "*", so "** **" is a pair inside a pair; "__" is a marker of its own, and an empty
# "_" pair itself outside a word; "~" alone marks nothing.
_PAIRS = {"*": "*", "_": "_", "__": "__", "~~": "~~", "(": ")", "[": "]", '"': '"'}
_PAIRS |= {"\u201c": "\u201d"}
_PAIR_TOKEN = re.compile(r"__|~~|[*_()\[\]\"\u201c\u201d]|\s+|[^\s*_~()\[\]\"\u201c\u201d]+|~")
# Each starts where its run starts: tried from every character of a long run of spaces or commas,
# it would rescan the rest of the run each time (the matches are the same).
_SPACE_BEFORE_PUNCT = re.compile(r"(?<!\s)\s+([.,;:!?)\]])")
_PUNCT_BEFORE_STOP = re.compile(r"(?<![,;:])[,;:]+(?=[.!?])")
_REPEATED_SEPARATOR = re.compile(r"([,;:])[,;:]+")
_LEADING_JUNK = " ,.;:!?)]|-\u2013\u2014>"
_TRAILING_SEPARATORS = " ,;:([|-\u2013\u2014"


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So"


def _drop_empty_pairs(words: str) -> str:
    """``words`` without the pairs of markers that hold only spaces, nested ones included."""
    out: list[str] = []
    for token in _PAIR_TOKEN.finditer(words):
        piece = token.group()
        if piece.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        last = len(out) - 1 if not out or out[-1] != " " else len(out) - 2
        closes = last >= 0 and _PAIRS.get(out[last]) == piece
        if closes and _may_pair(out, last, words, token.end()):
            del out[last:]
        elif piece == "__" and _outside_words(out, len(out), words, token.end()):
            pass  # "_" then "_": an empty pair by itself
        else:
            out.append(piece)
            continue
        if out and out[-1] != " ":
            out.append(" ")
    return " ".join("".join(out).split())


def _may_pair(out: list[str], opening: int, words: str, after: int) -> bool:
    # "_" marks emphasis only outside a word: "snake_case_name" holds no pair.
    return out[opening] != "_" or _outside_words(out, opening, words, after)


def _outside_words(out: list[str], opening: int, words: str, after: int) -> bool:
    """Whether the marker that would open at ``out[opening]`` and close before ``words[after]``
    has no word character on either side."""
    before = out[opening - 1][-1] if opening > 0 else " "
    return not _is_word_char(before) and not (after < len(words) and _is_word_char(words[after]))


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def sharer_words(text: str, links: list[str]) -> str | None:
    """What the sharer wrote around ``links``: their commentary, or ``None`` if they wrote none.

    Those links, ``<...>`` links, code and spoilers are removed (a masked link leaves its label),
    whitespace is collapsed, and markdown or punctuation orphaned by the removal is trimmed.
    """
    scan = _scan(text)
    keys = {url_key(link) for link in links}
    edits: list[tuple[int, int, str]] = [(start, end, " ") for start, end in scan.hidden]
    for found in scan.links:
        if url_key(found.url) not in keys:
            continue
        if found.outer is not None:
            edits.append((*found.outer, found.label))
        else:
            edits.append((found.start, found.end, " "))
    words = text
    for start, end, replacement in sorted(edits, reverse=True):
        words = words[:start] + replacement + words[end:]
    words = _LINE_MARKUP.sub("", words)
    words = _drop_empty_pairs(" ".join(words.split()))
    words = _SPACE_BEFORE_PUNCT.sub(r"\1", words)
    words = _PUNCT_BEFORE_STOP.sub("", words)
    words = _REPEATED_SEPARATOR.sub(r"\1", words)
    words = words.lstrip(_LEADING_JUNK).rstrip(_TRAILING_SEPARATORS)
    if not any(char.isalnum() or _is_emoji(char) for char in words):
        return None
    if len(words) < 2 and not _is_emoji(words):
        return None
    return words

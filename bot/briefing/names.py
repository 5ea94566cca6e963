"""Paragraphs that name a person by surname alone ("Vindman testified…", "Mr. Smith said…") after
an earlier paragraph gave the full name: quoted without that paragraph, the reader meets a name
nobody introduced (issue 15). See :func:`surname_introductions`.

The signals are kept to what holds across languages that write names in capitals:

- a full name is two adjacent capitalised words ("Alexander Vindman"), neither of which the
  article ever writes in lower case (so "The Pentagon", "Die Regierung", "President Trump" are
  not full names: "the", "die" and "president" occur in lower case);
- a paragraph leans on it when its opening (its first word, after a title such as "Mr." or a word
  the article also writes in lower case, or the speaker after an opening quotation) is the
  surname of a full name given earlier, and the paragraph does not give the full name itself;
- the rule is off where capitals mark common nouns too: in German every noun is capitalised, so
  "Design" after "Responsive Design" would look like a surname. Such text has many capitalised
  words inside sentences (a median of 30% on the shared German pages, 10% on English ones), and
  a capitalised word there is no evidence of a name. Above 20% the rule is off: for 97% of the
  215 German pages of the metadata set, and for 19% of the 183 English pages of both sets (those
  dense with names and titles).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence

from bot.briefing.ranking import split_sentences

log = logging.getLogger(__name__)

# A word of letters, with inner apostrophes or hyphens ("O'Brien", "Ocasio-Cortez").
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PART_BREAK = re.compile(r"['’-]")
_POSSESSIVE = ("'s", "’s")
# Above this share of capitalised words inside sentences, capitals also mark common nouns.
_MAX_INNER_CAPITALS = 0.2
# A title before a surname: a short abbreviation ending in a full stop ("Mr.", "Dr.", "Sen.").
_TITLE_MAX_LETTERS = 4
_OPENING_QUOTES = '“"„«‘'
_CLOSING_QUOTES = '”"“»’'


def _name_like(word: str) -> bool:
    """Capitalised, the rest lower case but after an apostrophe or hyphen ("Vindman",
    "O'Brien", "Ocasio-Cortez"; not "NASA", not "iPhone")."""
    parts = _PART_BREAK.split(word)
    return (
        sum(len(p) for p in parts) >= 2
        and word[0].isupper()
        and all(p[1:].islower() or len(p) == 1 for p in parts if p)
    )


def _bare(word: str) -> str:
    return word[:-2] if word.endswith(_POSSESSIVE) else word


def _inner_capital_share(paragraphs: Sequence[str]) -> float:
    inner = capitalised = 0
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph):
            for m in list(_WORD.finditer(sentence))[1:]:
                inner += 1
                capitalised += m.group()[0].isupper()
    return capitalised / inner if inner else 0.0


def _full_names(text: str, lower: set[str]) -> list[tuple[str, str]]:
    """(given name, surname) pairs in ``text``, in order. At the start of a sentence the first
    word is capitalised anyway ("But Beijing…", "Because Google…"): there a pair counts only
    with an apposition after it ("Alexander Vindman, the director…")."""
    words = list(_WORD.finditer(text))
    out = []
    for a, b in zip(words, words[1:], strict=False):
        first, last = a.group(), _bare(b.group())
        if (
            text[a.end() : b.start()] == " "
            and (not _starts_sentence(text, a.start()) or text[b.end() : b.end() + 1] == ",")
            and not _abbreviation(text, b)
            and _name_like(first)
            and _name_like(last)
            and first.lower() not in lower
            and last.lower() not in lower
        ):
            out.append((first, last))
    return out


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 8) : start].rstrip().rstrip(_OPENING_QUOTES + "([")
    return not before or before[-1] in ".!?…"


def _abbreviation(text: str, word: re.Match[str]) -> bool:
    """ "Mr." or "Dr.": a title, not a name."""
    return len(word.group()) <= _TITLE_MAX_LETTERS and text[word.end() : word.end() + 1] == "."


def _opening_words(paragraph: str, lower: set[str]) -> list[str]:
    """The words that open ``paragraph`` as its subject: the first word, or the one after a title
    or a common word ("Mr. Smith", "The Smith family"), and the speaker after an opening
    quotation ("“…,” Aderholt said"). A word followed by another capitalised one is a given
    name or part of a longer name ("Alexander Vindman said…"), not a surname alone."""
    words = list(itertools.islice(_WORD.finditer(paragraph), 3))
    out: list[str] = []

    def add(i: int) -> None:
        nxt = words[i + 1] if i + 1 < len(words) else None
        if (
            nxt is None
            or paragraph[words[i].end() : nxt.start()] != " "
            or not _name_like(nxt.group())
        ):
            out.append(_bare(words[i].group()))

    if words:
        title = _abbreviation(paragraph, words[0])
        if not title:
            add(0)
        if len(words) > 1 and (title or words[0].group().lower() in lower):
            add(1)
    stripped = paragraph.lstrip()
    if stripped[:1] in _OPENING_QUOTES:
        closing = min(
            (i for i in (stripped.find(q, 1) for q in _CLOSING_QUOTES) if i > 0), default=-1
        )
        if closing > 0:
            after = _WORD.search(stripped, closing + 1)
            if after is not None and stripped[closing + 1 : after.start()].strip(" ,") == "":
                out.append(_bare(after.group()))
    return out


def surname_introductions(
    paragraphs: Sequence[str], context: str = ""
) -> dict[int, tuple[int, str]]:
    """``{k: (j, full name)}`` for each paragraph ``k`` that opens with the surname of a person
    whose full name only an earlier paragraph ``j`` gives (the first to give it). ``context`` is
    text the reader sees anyway (the headline, the lead): a name it gives needs no introduction.
    Linear in the article's length."""
    if _inner_capital_share(paragraphs) > _MAX_INNER_CAPITALS:
        return {}
    lower = {w for p in paragraphs for w in _WORD.findall(p) if w.islower()}
    introduced: dict[str, tuple[int, str]] = {}  # surname -> (paragraph, full name)
    out: dict[int, tuple[int, str]] = {}
    for k, paragraph in enumerate(paragraphs):
        for word in _opening_words(paragraph, lower):
            if word not in introduced:
                continue
            j, full = introduced[word]
            if full not in paragraph and full not in context:
                out[k] = (j, full)
                break
        for first, last in _full_names(paragraph, lower):
            introduced.setdefault(last, (k, f"{first} {last}"))
    return out

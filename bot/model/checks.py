"""The one output checker for model text: commentary pieces (lead, bridge) and thread answers.

A model may write anything; nothing it writes reaches a member unless it passes every check
here. A piece either comes back as :class:`Accepted` (its text, trimmed) or as :class:`Refused`
naming the first check it failed (one of :data:`CHECKS`, so the bench counts refusals by check)
and a detail for the log. The caller then uses the text built without a model.

The checks, in order:

``empty``      nothing left after trimming.
``characters`` control characters or U+FFFD (broken text).
``mention``    ``@`` anything (``@everyone``, ``<@123>``, an e-mail address) or a channel link.
``link``       a URL (``scheme://`` or ``www.``).
``markdown``   Discord markup: ``*``, `````, ``~~``, ``||``, ``__``, ``](``, a line opening with
               ``#``, ``>`` or ``-``, or more than one line; square brackets other than citations.
``long``       over the piece's character bound.
``sentences``  more than two sentences (a bridge: more than one).
``quote``      text in quotation marks that is not verbatim in the article (typography,
               whitespace and the case of its first letter aside; ``...`` may join verbatim
               parts in order), or a quotation mark that is never closed.
``number``     a number (digits) that the article (for answers: the sentence's cited paragraphs)
               does not have.
``name``       a capitalised name that the article (for answers: the cited paragraphs) does not
               have; a capitalised first word of a sentence passes when the article has the
               word in lower case, or it is a common function word.
``citation``   (answers) a sentence that cites no paragraph, a ``[¶n]`` outside the article, or
               one that was not among the retrieved passages.
``repeats``    (leads) mostly the same word pairs as a quoted paragraph: the lead would say
               again what the quote below it says.

"The article does not say." is an accepted answer as it stands (no citation needed).

Every regular expression here reads model or page text and is linear-time
(tests/test_regex_linear.py finds and checks them).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

CHECKS = (
    "empty",
    "characters",
    "mention",
    "link",
    "markdown",
    "long",
    "sentences",
    "quote",
    "number",
    "name",
    "citation",
    "repeats",
)

LEAD_MAX_CHARS = 450
BRIDGE_MAX_CHARS = 100
ANSWER_MAX_CHARS = 600
# A lead whose word pairs are this much a quoted paragraph's says it again.
REPEAT_SHARE = 0.5

DOES_NOT_SAY = "The article does not say."
_DOES_NOT_SAY_FORMS = frozenset(
    {"the article does not say", "the article doesn't say", "the article doesn’t say"}
)


@dataclass(frozen=True)
class Accepted:
    text: str
    ok: bool = True


@dataclass(frozen=True)
class Refused:
    check: str
    detail: str
    ok: bool = False


Verdict = Accepted | Refused

# Typography folded before any comparison: quotes, apostrophes, dashes, spaces, ellipses.
_TYPOGRAPHY = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "−": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "…": "...",
    }
)
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")
_MENTION = re.compile(r"@|<#\d")
_LINK = re.compile(r"://|\bwww\.", re.IGNORECASE)
_MARKDOWN = re.compile(r"[*`]|~~|\|\||__|\]\(|^[ \t]*[#>-]", re.MULTILINE)
# "[¶7]", "[¶ 7]", "[¶7, ¶9]" is not supported: one paragraph per bracket.
CITATION = re.compile(r"\[¶ ?(\d{1,5})\]")
_CITATION = CITATION
_BRACKET = re.compile(r"[\[\]]")
# Double quotation marks after folding; a quotation is what lies between two of them.
_QUOTED = re.compile(r'"([^"]*)"')
# ‘single’ quotations, read before folding (the closing mark is also an apostrophe: "it’s").
_SINGLE_QUOTED = re.compile(r"‘([^‘’]*)’")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_][\w'-]*")
# A sentence ends at . ! ? (runs of them), closing quotes or brackets, then space. Only the
# first mark of a run may start a match: a search must not rescan a long run from each mark.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]+[\"')\]]*(?:\s+|$)")
_PAIR_WORD = re.compile(r"\w+")

# Capitalised at a sentence's start only because it starts it.
_FUNCTION_WORDS = frozenset(
    """a an the this that these those it its it's he she they we you i his her their our my
    in on at for from by with without of to as after before while when where why how what who
    which whose but and or so yet if then there here both some many most more other another
    each every all no not one also still however meanwhile despite according although though
    because since until unless during among between over under into about against
    """.split()
)
# Abbreviations whose full stop ends no sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof gen col lt sgt rep sen gov pres no vs etc inc ltd co corp".split()
)


def normalise(text: str) -> str:
    """Text with typography and whitespace folded, for verbatim comparison (case kept)."""
    return _SPACE.sub(" ", text.translate(_TYPOGRAPHY)).strip()


def check_lead(
    text: str, *, article: str, quoted: Sequence[str] = (), max_chars: int = LEAD_MAX_CHARS
) -> Verdict:
    """A lead: one or two sentences about the story, not a repeat of a quoted paragraph.

    ``article`` is every text the lead may draw on (headline, outlet, byline, paragraphs, the
    sharer's words); ``quoted`` the paragraphs the brief quotes."""
    verdict = _check_piece(text, article=article, max_chars=max_chars, max_sentences=2)
    if isinstance(verdict, Accepted):
        for paragraph in quoted:
            if repeats(verdict.text, paragraph):
                return Refused("repeats", "the lead says again what a quoted paragraph says")
    return verdict


def check_bridge(text: str, *, article: str, max_chars: int = BRIDGE_MAX_CHARS) -> Verdict:
    """A bridge: one short line introducing the next run (a trailing colon is added if missing)."""
    verdict = _check_piece(text, article=article, max_chars=max_chars, max_sentences=1)
    if isinstance(verdict, Accepted):
        line = verdict.text.rstrip(" .;,-")
        if not line.endswith(":"):
            line += ":"
        return Accepted(line)
    return verdict


def check_answer(
    text: str,
    *,
    paragraphs: Sequence[str],
    retrieved: Collection[int],
    max_chars: int = ANSWER_MAX_CHARS,
) -> Verdict:
    """An answer in a thread: one or two sentences, each citing the paragraph it rests on.

    ``paragraphs`` are the article's, in order; citations are 1-based (``[¶7]`` is
    ``paragraphs[6]``); ``retrieved`` holds the 0-based indices of the passages the model was
    shown. Names and numbers of a sentence must be in the paragraphs that sentence cites."""
    trimmed = text.strip()
    if normalise(trimmed).rstrip(" .!").lower() in _DOES_NOT_SAY_FORMS:
        return Accepted(DOES_NOT_SAY)
    article = "\n".join(paragraphs)
    refused = _surface(trimmed, max_chars, allow_citations=True)
    if refused is not None:
        return refused
    refused = _quotes(trimmed, normalise(article))
    if refused is not None:
        return refused
    sentences = _attach_citations(_split_sentences(trimmed))
    if len(sentences) > 2:
        return Refused("sentences", f"{len(sentences)} sentences")
    lower_article = _lower_words(article)
    for sentence in sentences:
        cited = [int(n) for n in _CITATION.findall(sentence)]
        if not cited:
            return Refused("citation", "a sentence cites no paragraph")
        for n in cited:
            if not 1 <= n <= len(paragraphs):
                return Refused("citation", f"¶{n} is not in the article ({len(paragraphs)})")
            if n - 1 not in retrieved:
                return Refused("citation", f"¶{n} was not among the retrieved passages")
        source = normalise("\n".join(paragraphs[n - 1] for n in cited))
        claim = _CITATION.sub(" ", sentence)
        refused = _facts(claim, source, lower_article)
        if refused is not None:
            return refused
    return Accepted(_SPACE.sub(" ", trimmed))


def repeats(lead: str, paragraph: str) -> bool:
    """Whether ``lead`` is mostly ``paragraph``'s word pairs (case folded): the lead would say
    again what that quote says. The measure the bench reports as ``lead_repeats``."""
    pairs = _pairs(lead)
    if not pairs:
        return False
    theirs = _pairs(paragraph)
    return len(pairs & theirs) / len(pairs) >= REPEAT_SHARE


def _pairs(text: str) -> set[tuple[str, str]]:
    words = _PAIR_WORD.findall(normalise(text).lower())
    return set(zip(words, words[1:], strict=False))


def _check_piece(text: str, *, article: str, max_chars: int, max_sentences: int) -> Verdict:
    trimmed = _unwrap(text.strip())
    refused = _surface(trimmed, max_chars, allow_citations=False)
    if refused is not None:
        return refused
    sentences = _split_sentences(trimmed)
    if len(sentences) > max_sentences:
        return Refused("sentences", f"{len(sentences)} sentences, at most {max_sentences}")
    folded = normalise(article)
    refused = _quotes(trimmed, folded) or _facts(trimmed, folded, _lower_words(article))
    if refused is not None:
        return refused
    return Accepted(_SPACE.sub(" ", trimmed))


def _unwrap(text: str) -> str:
    # Small models often put their whole reply in quotation marks: that pair quotes nothing.
    folded = text.translate(_TYPOGRAPHY)
    if len(folded) > 2 and folded[0] == folded[-1] == '"' and folded.count('"') == 2:
        return text[1:-1].strip()
    return text


def _surface(text: str, max_chars: int, *, allow_citations: bool) -> Refused | None:
    """The checks that need no article: empty, characters, mentions, links, markup, length."""
    if not text:
        return Refused("empty", "nothing to use")
    if _CONTROL.search(text):
        return Refused("characters", "control or replacement characters")
    if _MENTION.search(text):
        return Refused("mention", "an @ or a channel reference")
    if _LINK.search(text):
        return Refused("link", "a URL")
    plain = _CITATION.sub("", text) if allow_citations else text
    if _MARKDOWN.search(plain) or "\n" in text or _BRACKET.search(plain):
        return Refused("markdown", "markup or more than one line")
    if len(text) > max_chars:
        return Refused("long", f"{len(text)} characters, at most {max_chars}")
    return None


def _quotes(text: str, folded_article: str) -> Refused | None:
    quotations = _SINGLE_QUOTED.findall(text)
    folded = normalise(text)
    if folded.count('"') % 2:
        return Refused("quote", "a quotation mark that is never closed")
    quotations += _QUOTED.findall(folded)
    for quotation in quotations:
        if not _verbatim(normalise(quotation), folded_article):
            return Refused("quote", f"not in the article: {quotation[:80]!r}")
    return None


def _verbatim(quotation: str, folded_article: str) -> bool:
    # "...", leading or trailing punctuation are the writer's: the words between are checked,
    # in order.
    at = 0
    parts = [p.strip(" ,.;:!?'") for p in quotation.split("...")]
    if not any(parts):
        return True
    for part in parts:
        if not part:
            continue
        found = folded_article.find(part, at)
        if found < 0:
            # A quotation may change the case of its first letter to fit the sentence around it.
            found = folded_article.find(part[0].swapcase() + part[1:], at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _facts(text: str, folded_source: str, lower_article: set[str]) -> Refused | None:
    """Numbers and capitalised names in ``text`` must be in ``folded_source``."""
    source_numbers = {_plain_number(n) for n in _NUMBER.findall(folded_source)}
    for number in _NUMBER.findall(normalise(text)):
        if _plain_number(number) not in source_numbers:
            return Refused("number", f"{number!r} is not in the article")
    source_words = {_bare(w) for w in _WORD.findall(folded_source)}
    for name, first_of_sentence in _names(text):
        words = name.split(" ")
        if first_of_sentence and (
            words[0].lower() in _FUNCTION_WORDS or words[0].lower() in lower_article
        ):
            words = words[1:]
        if not words:
            continue
        phrase = " ".join(words)
        if not _has_phrase(folded_source, phrase, source_words):
            return Refused("name", f"{phrase!r} is not in the article")
    return None


def _plain_number(number: str) -> str:
    # "2,000" and "2000" are one number; a trailing full stop was the sentence's.
    return number.replace(",", "").rstrip(".")


def _has_phrase(folded_source: str, phrase: str, source_words: set[str]) -> bool:
    if " " not in phrase:
        return phrase in source_words
    start = folded_source.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        before = folded_source[start - 1] if start else " "
        after = folded_source[end] if end < len(folded_source) else " "
        if not (before.isalnum() or after.isalnum()):
            return True
        start = folded_source.find(phrase, start + 1)
    return False


def _names(text: str) -> Iterable[tuple[str, bool]]:
    """Runs of capitalised words (joined by single spaces), possessives dropped, and whether the
    run opens a sentence."""
    folded = normalise(_CITATION.sub(" ", text))
    run: list[str] = []
    run_first = False
    previous_end = -2
    sentence_start = True
    for m in _WORD.finditer(folded):
        word = _bare(m.group(0))
        between = folded[previous_end : m.start()] if previous_end >= 0 else ""
        # A quotation's first word is capitalised too (and quotations are checked verbatim).
        opens = (
            sentence_start
            or bool(_SENTENCE_END.search(between))
            or any(mark in between for mark in ':"(')
        )
        if not word or not word[0].isupper():
            if run:
                yield " ".join(run), run_first
                run = []
        elif run and between == " " and not opens:
            run.append(word)
        else:
            if run:
                yield " ".join(run), run_first
            run, run_first = [word], opens
        previous_end = m.end()
        sentence_start = False
        # A possessive or a closing quote ends a name: "NATO's Rutte" is two names.
        if m.group(0).endswith("'s") and run:
            yield " ".join(run), run_first
            run = []
    if run:
        yield " ".join(run), run_first


def _bare(word: str) -> str:
    # "NATO's" is NATO; a word's edges may carry an apostrophe or a hyphen that is no part of it.
    word = word.strip("'-")
    return word[:-2] if word.endswith("'s") else word


def _lower_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalise(text)) if w[0].islower()}


def _split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; a full stop after an abbreviation or an initial ends none."""
    folded = normalise(text)
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(folded):
        before = folded[start : m.start()].rsplit(" ", 1)[-1]
        last = before.rsplit(".", 1)[-1]
        if m.group(0).startswith(".") and (
            last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper()) or "." in before
        ):
            continue
        if m.end() < len(folded) and not folded[m.end()].isupper() and folded[m.end()] != "[":
            continue
        out.append(folded[start : m.end()].strip())
        start = m.end()
    if folded[start:].strip():
        out.append(folded[start:].strip())
    return out


def _attach_citations(sentences: list[str]) -> list[str]:
    # "It rose. [¶3] Then…": a citation after the full stop belongs to the sentence before it.
    out: list[str] = []
    for sentence in sentences:
        rest = sentence
        moved = ""
        while out and (m := _CITATION.match(rest)):
            moved += " " + m.group(0)
            rest = rest[m.end() :].lstrip()
        if moved:
            out[-1] += moved
        if rest:
            out.append(rest)
    return out

"""How a lead frames a piece, in the article's language: news "reports", opinion "writes in",
analysis "analyses", satire labelled; and the cleaning that keeps a lead whole (no e-mail
addresses, copyright lines, timestamps or broken characters, sentences never cut)."""

from __future__ import annotations

import logging
import re

from bot.choices import Genre

log = logging.getLogger(__name__)

# {o}: the outlet, {a}: the author. A language missing here, or a genre missing for a language,
# gets no framing at all rather than English words in a foreign brief.
_FRAMES: dict[str, dict[str, str]] = {
    "en": {
        "news": "{o} reports:",
        "opinion_by": "{a} writes in {o}:",
        "opinion": "An opinion piece in {o}:",
        "analysis": "{o} analyses:",
        "satire": "Satire from {o}:",
        "review": "A review in {o}:",
        "bare": "From {o}:",
    },
    "de": {
        "news": "{o} berichtet:",
        "opinion_by": "{a} schreibt in {o}:",
        "opinion": "Ein Meinungsbeitrag in {o}:",
        "analysis": "{o} analysiert:",
        "satire": "Satire von {o}:",
        "review": "Eine Rezension in {o}:",
        "bare": "Aus {o}:",
    },
    "fr": {
        "news": "{o} rapporte :",
        "opinion_by": "{a} écrit dans {o} :",
        "opinion": "Une tribune dans {o} :",
        "analysis": "{o} analyse :",
        "satire": "Satire de {o} :",
        "review": "Une critique dans {o} :",
        "bare": "De {o} :",
    },
    "es": {
        "news": "{o} informa:",
        "opinion_by": "{a} escribe en {o}:",
        "opinion": "Una columna de opinión en {o}:",
        "analysis": "{o} analiza:",
        "satire": "Sátira de {o}:",
        "review": "Una reseña en {o}:",
        "bare": "De {o}:",
    },
    "pt": {
        "news": "{o} informa:",
        "opinion_by": "{a} escreve em {o}:",
        "analysis": "{o} analisa:",
        "satire": "Sátira de {o}:",
        "bare": "De {o}:",
    },
    "it": {
        "news": "{o} riporta:",
        "opinion_by": "{a} scrive su {o}:",
        "analysis": "{o} analizza:",
        "satire": "Satira da {o}:",
        "bare": "Da {o}:",
    },
    "nl": {
        "news": "{o} meldt:",
        "opinion_by": "{a} schrijft in {o}:",
        "analysis": "{o} analyseert:",
        "satire": "Satire van {o}:",
        "bare": "Van {o}:",
    },
}
_LATIN = re.compile(r"[A-Za-z]")
_LETTER = re.compile(r"[^\W\d_]")


def lead_language(language: str | None, sample: str) -> str | None:
    """The two-letter language to frame in: the page's own, else English when the text is
    plainly Latin-script (most pages that declare nothing), else None (no framing)."""
    if language:
        return language.strip().lower()[:2] or None
    letters = _LETTER.findall(sample[:2000])
    if letters and sum(1 for c in letters if _LATIN.match(c)) >= 0.9 * len(letters):
        return "en"
    return None


def frame(genre: str, language: str | None, outlet: str, author: str | None) -> str | None:
    """The framing words for ``genre`` in ``language`` (None: none exist, say nothing)."""
    words = _FRAMES.get(language or "")
    if words is None:
        return None
    if genre == Genre.OPINION and author:
        key = "opinion_by"
    elif genre == Genre.OTHER:
        return None
    else:
        key = str(genre)
    template = words.get(key)
    return template.format(o=outlet, a=author) if template else None


def bare_frame(language: str | None, outlet: str) -> str | None:
    words = _FRAMES.get(language or "")
    return words["bare"].format(o=outlet) if words else None


# --- cleaning ----------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}")
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|copyright|all rights reserved|무단|저작권", re.IGNORECASE)
# "[입력시간 : 2018-08-25 15:24]", "2018-08-25 15:24", "Updated 10:42 GMT"
_TIMESTAMP = re.compile(
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}\.?\s{0,3}\d{1,2}:\d{2}|\b\d{1,2}:\d{2}\s?(?:gmt|utc|[ap]\.?m\.?)\b",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\[[^\[\]]{0,60}\]")
# U+FFFD, and the marks of UTF-8 read as Latin-1 ("â€™", "Ã©")
_BROKEN = re.compile(r"\ufffd|â€|Ã[\x80-\xbf©¨¢¤]|Â[\xa0-\xbf]")
# A sentence that "ends" on an initial ("How did John M.") was cut inside a name.
_ENDS_ON_INITIAL = re.compile(r"(?:^|\s)[A-Z]\.$")
_CUT_MARK = re.compile(r"(?:\.\.\.|…|\[\.\.\.\])$")


def _drop_timestamp(m: re.Match[str]) -> str:
    return "" if _TIMESTAMP.search(m.group(0)) else m.group(0)


def clean_sentence(sentence: str) -> str | None:
    """``sentence`` without bracketed timestamps, or None when it carries what a lead must not
    (an e-mail address, a copyright line, a timestamp, broken characters) or was cut."""
    sentence = _BRACKETED.sub(
        lambda m: "" if _TIMESTAMP.search(m.group(0)) else m.group(0), sentence
    ).strip()
    if not sentence:
        return None
    if _EMAIL.search(sentence) or _COPYRIGHT.search(sentence) or _TIMESTAMP.search(sentence):
        return None
    if _BROKEN.search(sentence) or _CUT_MARK.search(sentence) or _ENDS_ON_INITIAL.search(sentence):
        return None
    return sentence

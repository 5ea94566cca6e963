"""The words around the quotes: the lead and the bridges between runs. They never say more than
the publisher did (the publisher's description or lede with attribution, or "From {outlet}:")."""

from __future__ import annotations

import logging
import re

from bot.article.invisible import strip_invisible
from bot.article.types import Article
from bot.briefing.ranking import (
    MIN_SUMMARY_CHARS,
    NAME_ADJECTIVE,
    PROPER_NAME,
    SENTENCE_FINAL,
    STANDFIRST_SPAN,
    STOPWORDS,
    collapse,
    content_terms,
    description_for_lead,
    plain,
    split_sentences,
)
from bot.briefing.types import LEAD_MAX_CHARS
from bot.fetch.urls import display_host

log = logging.getLogger(__name__)

_BRIDGE_PHRASE_MAX = 60


_REPORTING = r"(?:said|says|told|argued|added|warned|announced|explained|insisted|wrote|noted)"
# Two to four capitalised words: a person or organisation named in an attribution. No word of a
# name is that long; the bound keeps a search from rescanning a long run of letters from each one.
_NAME = r"[A-Z][\w'’.-]{1,40}(?:\s+(?:[A-Z][\w'’-]+|de|van|von|al|bin|da|del|la|le)){1,3}"
_SPEAKER = re.compile(
    rf"\b{_REPORTING}\s+(?:(?P<role>the\s+[a-z][\w'’ -]{{2,40}}?),\s+)?(?P<after>{_NAME})"
    rf"|(?P<before>{_NAME})\s+{_REPORTING}\b"
)
# The subject of a sentence that opens "The …" and reaches a verb within six words.
_SUBJECT = re.compile(
    rf"^(?:The|A|An)\s+(?P<np>(?:[\w'’-]+\s+){{0,5}}?[\w'’-]+)\s+"
    rf"(?:{_REPORTING}|is|are|was|were|has|have|had|will|would|could|can|plans?|wants?)\b"
)
# A closing quote then "Maley said": a speaker the article already named, by surname.
_REPEAT_SPEAKER = re.compile(rf"[,.!?…][\"”’']\s+(?P<name>[A-Z][\w'’-]+)\s+{_REPORTING}\b")
# "Commissioner for Human Rights", "Customs and Border Protection": capitals after one of these
# words are the end of a longer name, and alone they name something else.
_NAME_JOINER = re.compile(r"[A-Z][\w'’.-]{0,40}\s+(?:for|of|and|on|de|del|la|the|&)\s+$")


def _inside_longer_name(text: str, start: int) -> bool:
    return _NAME_JOINER.search(text[max(0, start - 40) : start]) is not None


_NOT_NAME_START = frozenset(
    "The A An But And In On At For If When This That It He She They We His Her Their Its "
    "Some Many Most More Other Meanwhile However".split()
)


def bridge_before(paras: list[str], article: Article, mentioned: str) -> str:
    """A line introducing the next run by what it is about, from the run's own words: a person
    it quotes ("Derek Hollis:"), the subject of its first sentence ("On the dock workers'
    union:"), or a name the article keeps returning to ("On Vladimir Putin:"), each only if the
    brief has not mentioned it yet; otherwise a neutral "Further on:". Never a fact of its own."""
    for order, p in enumerate(paras):
        for m in _SPEAKER.finditer(p):
            name = (m.group("after") or m.group("before")).rstrip(".")
            start = m.start("after") if m.group("after") else m.start("before")
            if (
                name.split()[0] in _NOT_NAME_START
                or len(name) > _BRIDGE_PHRASE_MAX
                or _inside_longer_name(p, start)
            ):
                continue
            if name.lower() not in mentioned:
                role = m.group("role")
                # "said the council leader, Margaret Okafor": the article's own description.
                return f"{role[0].upper()}{role[1:]}, {name}:" if role else f"{name}:"
        if order == 0:
            again = _REPEAT_SPEAKER.search(p)
            if again is not None and again.group("name").lower() in mentioned:
                # The run opens with someone the brief already quoted: naming a speaker from
                # further down would put these words in the wrong mouth.
                return f"More from {again.group('name')}:"
    first = split_sentences(paras[0])
    if first:
        subject = _SUBJECT.match(first[0])
        if subject is not None:
            phrase = first[0][: subject.end("np")]
            words = set(content_terms(phrase))
            if words and len(phrase) <= _BRIDGE_PHRASE_MAX and phrase.lower() not in mentioned:
                return f"On {phrase[0].lower()}{phrase[1:]}:"
    name = _salient_name(paras, article, mentioned)
    return f"On {name}:" if name else "Further on:"


_EARLY_CHARS = 80
_ADJECTIVE_ENDINGS = ("ian", "ese", "ish", "ean", "ic", "an", "i")
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december today yesterday".split()
)


def _salient_name(paras: list[str], article: Article, mentioned: str) -> str | None:
    """The run's name that recurs most in the article and was not mentioned yet."""
    text = article.text
    best: tuple[bool, int, int, str] | None = None
    for order, p in enumerate(paras):
        for sentence in split_sentences(p):
            # A sentence that opens with a quotation still opens there: "Hold onto …" is no name.
            sentence = sentence.lstrip("\"'“‘([")
            for m in PROPER_NAME.finditer(sentence):
                phrase = m.group(0).strip(" '’-")
                if (
                    _inside_longer_name(sentence, m.start())
                    or NAME_ADJECTIVE.search(phrase)
                    or len(phrase) < 3
                    or len(phrase) > _BRIDGE_PHRASE_MAX
                    or phrase.lower() in mentioned
                    or phrase.lower() in STOPWORDS
                ):
                    continue
                count = text.count(phrase)
                multiword = " " in phrase
                # A lone capitalised word may be an adjective ("Syrian", "Turkish") or a date;
                # said once, late in the run, it is a detail rather than what the run is about.
                if not multiword and (
                    phrase.endswith(_ADJECTIVE_ENDINGS)
                    or phrase.lower() in _CALENDAR
                    or (count < 2 and (order > 0 or p.find(phrase) > _EARLY_CHARS))
                ):
                    continue
                key = (not multiword, -count, order, phrase)
                if best is None or key < best:
                    best = key
    return best[3] if best else None


# --- the lead ----------------------------------------------------------------------------------


def source_host(url: str) -> str:
    """The host to name a source by: without "www.", punycode if it mixes scripts (SECURITY.md)."""
    return display_host(url).lower().removeprefix("www.")


def outlet_of(article: Article, url: str) -> str:
    # A site name only of invisible characters (a Hangul filler) names nobody: fall back.
    name = collapse(strip_invisible(article.site_name or ""))
    return name or source_host(article.url or url) or source_host(url) or "the source"


def _two_sentences(text: str) -> str:
    """At most two sentences and LEAD_MAX_CHARS; a cut mid-sentence is marked with an ellipsis."""
    sentences = split_sentences(text)
    if len(sentences) > 1 and sentences[-1][-1] not in SENTENCE_FINAL:
        # A description that stops mid-sentence was cut by the publisher ("…live off the"):
        # a full stop after it would pass the cut off as their words.
        sentences.pop()
    out = ""
    for s in sentences[:2]:
        candidate = f"{out} {s}".strip()
        if len(candidate) > LEAD_MAX_CHARS:
            break
        out = candidate
    if not out and sentences:
        cut = sentences[0][: LEAD_MAX_CHARS - 1]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        out = cut.rstrip(" ,;:") + "…"
    if out and out[-1] not in ".!?…\"'”’)":
        out += "."
    return out


def _uncut_description(article: Article, description: str) -> str:
    """``description``, or the opening paragraph it was cut from when the publisher cut it off
    mid-sentence ("…illegal, wh"): the paragraph's own sentences end where its author ended them."""
    if description[-1] in SENTENCE_FINAL:
        return description
    d = plain(description)
    for paragraph in article.paragraphs[:STANDFIRST_SPAN]:
        if plain(paragraph).startswith(d):
            return paragraph
    return description


def generated_lead(article: Article, outlet: str, chosen: list[int], *, has_quotes: bool) -> str:
    """The lead "{outlet} reports: {summary}", from the publisher's description (whose
    standfirst the ranking then leaves unquoted), else from the lede sentence when the lede is not
    quoted, else a neutral "From {outlet}:"; rendering sets the quotes that follow apart."""
    quoted = {collapse(article.paragraphs[k]).lower() for k in chosen}
    summary = ""
    description = description_for_lead(article)
    if description and not any(description.lower() in q for q in quoted):
        summary = _two_sentences(_uncut_description(article, description))
    elif article.paragraphs and 0 not in chosen:
        lede = split_sentences(article.paragraphs[0])
        if lede and len(lede[0]) >= MIN_SUMMARY_CHARS:
            summary = _two_sentences(lede[0])
    if not summary:
        return f"From {outlet}:" if has_quotes else f"From {outlet}."
    return f"{outlet} reports: {summary}"


_NOT_ARTICLE_REASONS: dict[str, str] = {
    "paywall": "Paywalled: showing the publisher's summary only.",
    "paywalled": "Paywalled: showing the publisher's summary only.",
    "login": "This page asks for a login: showing the publisher's summary only.",
    "cookie_wall": (
        "This page hides its text behind a cookie wall: showing the publisher's summary only."
    ),
    "too_short": "Too little text to quote.",
    "short": "Too little text to quote.",
    "empty": "Too little text to quote.",
    "error": "This page looks like an error page, not an article.",
}


def not_article_lead(article: Article) -> str:
    kind = article.kind.lower()
    reason = _NOT_ARTICLE_REASONS.get(kind)
    if reason is None:
        reason = next(
            (r for key, r in _NOT_ARTICLE_REASONS.items() if key in kind),
            "This page does not look like a news article.",
        )
    description = collapse(article.description or "")
    # Only a wall's own summary is worth showing; an error page's description is not the story.
    if description and reason.endswith("summary only."):
        return f"{reason} {_two_sentences(description)}"
    return reason

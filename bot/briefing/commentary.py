"""The words around the quotes: the lead and the bridges between runs. They never say more than
the publisher did (the publisher's description or lede with attribution, or "From {outlet}:")."""

from __future__ import annotations

import logging
import re

from bot.article.genre import label_prefix
from bot.article.invisible import strip_invisible
from bot.article.types import Article
from bot.briefing.framing import bare_frame, clean_sentence, frame, lead_language
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
from bot.model.checks import repeats

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


_QUOTATION = re.compile(r"[\"“”„«»]")
# What may follow a complete name without being more of it: a name followed by a capital, an
# initial or a particle ("George R.R. Martin", "Bashar al-Assad") was cut short.
_NAME_GOES_ON = re.compile(r"^\s+(?:[A-Z]|(?:al|el|bin|ibn|van|von|de|da|del|di|le|la)[\s-])")
_OPENS_WITH_SPEAKER = re.compile(rf"(?:{_NAME})\s+{_REPORTING}\b")
_TICKER = re.compile(r"\b(?:[A-Z]{2,}\d|\d+[A-Z]{2,}|[A-Z]{2,6}:[A-Z]{1,6})")


def _english(article: Article) -> bool:
    """Bridges are words ("On …:", "More from …:"): only in an English brief."""
    return lead_language(article.language, article.text) == "en"


def bridge_before(paras: list[str], article: Article, mentioned: str) -> str | None:
    """A line introducing the next run by what it is about, from the run's own words: a person
    who speaks in it ("Derek Hollis:", only over a paragraph that quotes them), the subject of
    its first sentence ("On the dock workers' union:"), or a complete name the article keeps
    returning to ("On Vladimir Putin:"), each only if the brief has not mentioned it yet;
    otherwise None (the bare separator). Never a fact of its own, and only in English."""
    if not _english(article):
        return None
    for order, p in enumerate(paras):
        # Someone speaks in the run only where the paragraph quotes them or opens with their
        # statement ("Ana Ruiz said …"), not where a columnist mentions what they once said.
        speaks = _QUOTATION.search(p) is not None or _OPENS_WITH_SPEAKER.match(p) is not None
        for m in _SPEAKER.finditer(p) if speaks else ():
            name = (m.group("after") or m.group("before")).rstrip(".")
            start = m.start("after") if m.group("after") else m.start("before")
            end = m.end("after") if m.group("after") else m.end("before")
            if (
                name.split()[0] in _NOT_NAME_START
                or len(name) > _BRIDGE_PHRASE_MAX
                or _inside_longer_name(p, start)
                or _NAME_GOES_ON.match(p[end : end + 8])
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
            if (
                words
                and len(phrase) <= _BRIDGE_PHRASE_MAX
                and phrase.lower() not in mentioned
                and not _TICKER.search(phrase)
            ):
                return f"On {phrase[0].lower()}{phrase[1:]}:"
    name = _salient_name(paras, article, mentioned)
    return f"On {name}:" if name else None


_EARLY_CHARS = 80


_ADJECTIVE_ENDINGS = ("ian", "ese", "ish", "ean", "ic", "an", "i")
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december today yesterday".split()
)
_PRONOUNS = frozenset("i he she it we you they me him her us them sie er es ihr".split())


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
                # Half a name ("George" of George R.R. Martin, "Bashar" of al-Assad) or a
                # ticker ("US10YT") is no subject.
                if _TICKER.search(phrase) or _NAME_GOES_ON.match(sentence[m.end() : m.end() + 8]):
                    continue
                count = text.count(phrase)
                multiword = " " in phrase
                # A lone capitalised word may be a pronoun, an adjective ("Syrian") or a date;
                # said once, late in the run, it is a detail rather than what the run is about.
                if not multiword and (
                    phrase.endswith(_ADJECTIVE_ENDINGS)
                    or phrase.lower() in _CALENDAR
                    or phrase.lower() in _PRONOUNS
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
    """At most two whole, clean sentences within LEAD_MAX_CHARS, or "" when not even the first
    is: a lead is never cut inside a sentence, a name or a word."""
    sentences = split_sentences(text)
    out = ""
    for s in sentences[:2]:
        if s[-1] not in SENTENCE_FINAL:
            # A description that stops mid-sentence was cut by the publisher ("…live off the"):
            # a full stop after it would pass the cut off as their words.
            break
        clean = clean_sentence(s)
        if clean is None:
            break
        candidate = f"{out} {clean}".strip()
        if len(candidate) > LEAD_MAX_CHARS:
            break
        out = candidate
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


def _says_again(summary: str, quoted: list[str]) -> bool:
    """Whether ``summary`` repeats a quoted paragraph: mostly its word pairs, or a stretch of it."""
    folded = plain(summary)
    return any(repeats(summary, q) or folded[:80] in plain(q) for q in quoted)


def _summaries(article: Article, chosen: list[int]) -> list[str]:
    """What could say what the story is, best first: the publisher's description (or the
    paragraph it was cut from), then the lede's first sentence."""
    out = []
    description = description_for_lead(article)
    if description:
        _, description = label_prefix(description)
        if description:
            out.append(_two_sentences(_uncut_description(article, description)))
    if article.paragraphs and 0 not in chosen:
        lede = split_sentences(article.paragraphs[0])
        if lede and len(lede[0]) >= MIN_SUMMARY_CHARS:
            out.append(_two_sentences(lede[0]))
    return [s for s in out if s]


def generated_lead(article: Article, outlet: str, chosen: list[int], *, has_quotes: bool) -> str:
    """The lead: a framing by the kind of piece, in the article's language ("Reuters reports:",
    "Jane Doe writes in the Guardian:", "Satire from …:"), then the publisher's description or
    the lede sentence unless it would say again what a quote says; with nothing to add, the
    framing alone (the quotes follow). A language without framing words gets none."""
    quoted = [article.paragraphs[k] for k in chosen]
    language = lead_language(article.language, article.text)
    author = article.authors[0] if article.authors else None
    framing = frame(article.genre, language, outlet, author)
    summary = next((s for s in _summaries(article, chosen) if not _says_again(s, quoted)), "")
    if not summary:
        lead = framing or bare_frame(language, outlet) or f"{outlet}:"
        return lead if has_quotes else lead.rstrip(" :") + "."
    return f"{framing} {summary}" if framing else summary


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

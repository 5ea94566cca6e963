"""One ranking of an article's paragraphs, computed without regard to length: centrality,
position, the headline's terms, and penalties for what should not be quoted alone."""

from __future__ import annotations

import logging
import math
import re

from bot.article.furniture.kinds import paragraph_kinds
from bot.article.furniture.lines import is_boilerplate
from bot.article.types import Article

log = logging.getLogger(__name__)


_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_WORD_END = re.compile(r"\s|$")
# "Trump-imposed", "Kremlin-backed": an adjective made from a name.
NAME_ADJECTIVE = re.compile(r"-[a-z]")
# A capitalised word that does not start a sentence: a cheap stand-in for a named entity.
PROPER_NAME = re.compile(
    r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+(?:\s+(?:(?:of|for|and|de)\s+)?[A-Z][\w'’-]+)*"
)
_QUOTE_MARKS = re.compile(r"[\"“”]|(?:^|\s)'|'(?:\s|$)")
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|according to|stated|added|explained|warned|announced|wrote|tweeted)\b",
    re.IGNORECASE,
)
# Page furniture that readability sometimes keeps: calls to action, credits, bylines, share bars.
_BOILERPLATE = re.compile(
    r"click here|sign up|subscribe|newsletter|read more|read next|related:|follow us|"
    r"all rights reserved|copyright|©|photo(?:graph)?:|image:|credit:|getty images|"
    r"\bap photo\b|reuters/|advertisement|share this|cookies?\b|terms of (?:use|service)|"
    r"privacy policy|^updated\b|^published\b|e-?mail us|download (?:the|our) app",
    re.IGNORECASE,
)


# A paragraph that opens with a connective or a pronoun leans on the one before it ("Which is
# not to say…", "It wasn't the first time he…"): quoted without it, it reads as a fragment.
_LEANS_BACK = re.compile(
    r"[\"“‘'(]?\s?(?:Which|But|And|Or|So|Yet|Still|However|Also|Moreover|Furthermore|Meanwhile|"
    r"Instead|Otherwise|Nevertheless|Nonetheless|Indeed|Besides|Then|Thus|Therefore|Hence|"
    r"Not\s+that|That['’]s|That\s+is|This\s+is|This\s+was|Such|He|She|They|It|His|Her|Their|"
    r"Its|Him|Them|Aber|Doch|Dennoch|Trotzdem|Außerdem|Zudem|Deshalb|Daher|Er)\b(?![-’'.])"
)
# Market data: Reuters instrument codes ("US10YT=RR", ".SPX", "AAPL.O") in a line of prices.
_TICKER = re.compile(
    r"(?<![\w.])[A-Z0-9]{2,12}=[A-Z]{0,4}(?![\w=])|(?<=[\s(])\.[A-Z][A-Z0-9]{1,11}\b"
)
# A pull quote repeats a sentence of the body; only this many of the best paragraphs are checked,
# so the check stays linear in the article's length.
_PULL_QUOTE_CHECKS = 40
_PULL_QUOTE_MIN_CHARS = 30
_PULL_QUOTE_CONTAINER = 1.25  # the body paragraph is at least this much longer
_QUOTE_EDGES = "\"'“”‘’«»„ "


def leans_on_previous(paragraph: str) -> bool:
    """Whether ``paragraph`` opens with a connective or a pronoun that needs the paragraph
    before it (a run never starts with one: see bot.briefing.selection)."""
    return _LEANS_BACK.match(paragraph.lstrip()) is not None


def is_market_data(paragraph: str) -> bool:
    return _TICKER.search(paragraph) is not None


STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves said says
    say one two new would could may might must also like get got s t n't 's re ve ll d""".split()
)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(collapse(text)) if s]


MIN_SUMMARY_CHARS = 30


def description_for_lead(article: Article) -> str:
    """The publisher's description if it is long enough to be the lead, else ""."""
    description = collapse(article.description or "")
    return description if len(description) >= MIN_SUMMARY_CHARS else ""


# --- ranking -----------------------------------------------------------------------------------


def content_terms(text: str) -> list[str]:
    # A crude plural strip merges "missile"/"missiles" without a stemmer dependency.
    out = []
    for w in _WORD.findall(text.lower()):
        if w in STOPWORDS or len(w) < 2 or w.isdigit():
            continue
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


# Weights of the ranking, tuned on SummEval (bench/quotes.py) with the position prior dominant,
# as it is for news; the other signals reorder paragraphs of similar standing.
_POSITION_DECAY = 0.5
_W_CENTRAL = 1.0
_W_HEADLINE = 0.6


def rank_paragraphs(article: Article) -> list[int]:
    """Paragraph indices, best first. Unsupervised and deterministic: a lead-position prior plus
    similarity to the headline and description, centrality in the article and newsworthy signals,
    less boilerplate. Paragraphs that look like page furniture (calls to action, credits, fragments)
    and near-duplicates of a better paragraph (pull quotes, repeated captions) are left out."""
    paras = article.paragraphs
    n = len(paras)
    if n == 0:
        return []
    term_lists = [content_terms(p) for p in paras]
    term_sets = [set(t) for t in term_lists]
    doc_freq: dict[str, int] = {}
    for s in term_sets:
        for w in s:
            doc_freq[w] = doc_freq.get(w, 0) + 1
    headline = set(content_terms(" ".join(x for x in (article.title, article.description) if x)))
    lead_description = description_for_lead(article)
    furniture = paragraph_kinds(article.paragraphs, article.furniture)

    scores: list[float] = []
    unquotable: set[int] = set()
    for i, (text, terms, tset) in enumerate(zip(paras, term_lists, term_sets, strict=True)):
        score = (1.0 + i) ** -_POSITION_DECAY  # news is written lead-first
        if tset:
            # Words shared with the rest of the article, per distinct word, saturating.
            shared = sum(min(doc_freq[w] - 1, 3) for w in tset) / (3.0 * len(tset))
            score += _W_CENTRAL * shared
            if headline:
                score += _W_HEADLINE * len(tset & headline) / math.sqrt(len(tset) * len(headline))
        if _DIGIT.search(text):
            score += 0.03
        if _QUOTE_MARKS.search(text) and _ATTRIBUTION.search(text):
            score += 0.05
        if PROPER_NAME.search(text):
            score += 0.03
        penalty = _boilerplate_penalty(text, len(terms))
        score -= penalty
        scores.append(score)
        if (
            penalty >= _UNQUOTABLE
            or furniture[i] is not None
            or is_heading(article, text)
            or is_market_data(text)
            # "… as he wrote on Twitter:" points at an embed the brief does not show
            or (text.rstrip().endswith(":") and (i + 1 >= n or furniture[i + 1] is not None))
            # The lead already says it (see generated_lead): quoting it again would repeat it.
            or (i < STANDFIRST_SPAN and lead_description and _restates(lead_description, text))
        ):
            unquotable.add(i)

    order = sorted((k for k in range(n) if k not in unquotable), key=lambda k: (-scores[k], k))
    kept: list[int] = []
    seen_exact: set[str] = set()
    plains = [plain(p) for p in paras]
    for rank, k in enumerate(order):
        norm = collapse(paras[k]).lower()
        # Comparing with the best 40 only keeps this linear on pages of thousands of paragraphs.
        if norm in seen_exact or any(_jaccard(term_sets[k], term_sets[j]) > 0.7 for j in kept[:40]):
            continue
        if rank < _PULL_QUOTE_CHECKS and _is_pull_quote(k, plains):
            continue
        seen_exact.add(norm)
        kept.append(k)
    return kept


_UNQUOTABLE = 0.5
# A standfirst sits among the first paragraphs; further down a match is a coincidence.
STANDFIRST_SPAN = 3
_HEADING_MAX_CHARS = 160
_HEADING_MAX_WORDS = 25
SENTENCE_FINAL = ".!?\"'”’)…:;"
# A short line ending in a colon introduces what follows ("The winners:"); a short lone question
# is a subheading ("Who pays the cost?"). Quoted alone, either promises what the brief leaves out.
_LABEL_MAX_CHARS = 100


def is_heading(article: Article, paragraph: str) -> bool:
    """Whether ``paragraph`` is a subheading: marked so by extraction, or a short line that does
    not end like a sentence. A brief never quotes one on its own nor ends a run with one."""
    if paragraph in article.headings:
        return True
    stripped = paragraph.strip()
    if not stripped:
        return False
    if len(stripped) <= _LABEL_MAX_CHARS and (
        stripped[-1] == ":" or (stripped[-1] == "?" and len(split_sentences(stripped)) == 1)
    ):
        return True
    return (
        len(stripped) <= _HEADING_MAX_CHARS
        and len(stripped.split()) <= _HEADING_MAX_WORDS
        and stripped[-1] not in SENTENCE_FINAL
    )


# Typographic variants a description and its paragraph often differ by.
_TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})
# A paragraph restates the lead when the lead holds this much of it from its start.
_RESTATED_SHARE = 0.6
_RESTATED_MIN_CHARS = 40


def plain(text: str) -> str:
    return collapse(text).lower().translate(_TYPOGRAPHY).replace("...", "…").rstrip(".…!?").strip()


def _restates(description: str, paragraph: str) -> bool:
    """Whether ``paragraph`` says (nearly) what ``description`` says."""
    d = plain(description)
    p = plain(paragraph)
    if not d or not p:
        return False
    if d == p or p in d:
        return True
    # A description cut from a longer lede, or cut from two paragraphs, holds a long start of
    # the paragraph: quoting the paragraph would repeat the lead.
    if _restated_prefix(d, p) >= max(_RESTATED_MIN_CHARS, _RESTATED_SHARE * len(p)):
        return True
    return _jaccard(set(content_terms(d)), set(content_terms(p))) >= 0.8


def _restated_prefix(description: str, paragraph: str) -> int:
    """Characters from the start of ``paragraph`` that ``description`` holds, whole words."""
    best = 0
    for m in _WORD_END.finditer(paragraph):
        if paragraph[: m.start()] not in description:
            break
        best = m.start()
    return best


def _boilerplate_penalty(text: str, n_terms: int) -> float:
    penalty = 0.0
    stripped = text.strip()
    if len(stripped) < 25 or n_terms < 3:
        penalty += 0.6
    elif len(stripped) < 60:
        penalty += 0.2
    # A byline ("By Jane Doe") is a line of its own; "By mid-June there were…" is a sentence.
    if _BOILERPLATE.search(stripped[:200]) or is_boilerplate(stripped):
        penalty += 0.5
    if stripped and stripped[-1] not in ".!?\"'”’)…:;":
        # Captions, headings and credits rarely end like a sentence.
        penalty += 0.1
    letters = [c for c in stripped if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        penalty += 0.3
    return penalty


def _is_pull_quote(k: int, plains: list[str]) -> bool:
    """Whether paragraph ``k`` (its quotation marks aside) is a sentence or two of a clearly
    longer paragraph: a pull quote, typeset apart from the body that says it again."""
    core = plains[k].strip(_QUOTE_EDGES)
    if len(core) < _PULL_QUOTE_MIN_CHARS:
        return False
    longer = _PULL_QUOTE_CONTAINER * len(core)
    return any(j != k and len(q) >= longer and core in q for j, q in enumerate(plains))


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)

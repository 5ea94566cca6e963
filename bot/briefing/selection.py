"""Briefs: the commentary lead and the verbatim quoted runs chosen from an article.

A brief quotes whole paragraphs of the article, verbatim and in article order, grouped into runs of
consecutive paragraphs. Which paragraphs is decided by one ranking of the article (see
:func:`rank_paragraphs`), computed without regard to length, and a budget of quoted characters
(:data:`LENGTHS`): a longer brief adds passages to a shorter one and never swaps them.

The commentary around the quotes (the lead and the bridges between runs) is never set as a quote and
never says more than the publisher did: it is the sharer's own ``take``, or the publisher's own
description or lede sentence with attribution, or a neutral "From {outlet}:".
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any

from bot.article import read as extract
from bot.article.invisible import strip_invisible
from bot.article.read import Article
from bot.fetch.urls import display_host

log = logging.getLogger(__name__)

# Characters of quoted paragraph text per preset. ``long`` leaves measured room in Discord's
# 4096-character description for the lead (at most LEAD_MAX_CHARS), bridges, `* * *`, `> ` markers,
# markdown escaping and the "Read the full article" line; render.py still drops whole runs if a
# pathological page needs more.
LENGTHS: dict[str, int] = {"compact": 700, "standard": 1500, "long": 3000}
# Compact is a single quoted paragraph however short the candidates are.
# Standard stays readable in a busy channel: at most five paragraphs, however short they are.
_MAX_PARAGRAPHS: dict[str, int | None] = {"compact": 1, "standard": 5, "long": None}

LEAD_MAX_CHARS = 450
_BRIDGE_PHRASE_MAX = 60

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_DIGIT = re.compile(r"\d")
_WORD_END = re.compile(r"\s|$")
# "Trump-imposed", "Kremlin-backed": an adjective made from a name.
_NAME_ADJECTIVE = re.compile(r"-[a-z]")
# A capitalised word that does not start a sentence: a cheap stand-in for a named entity.
_PROPER = re.compile(
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
    r"privacy policy|^by\s+[A-Z]|^updated\b|^published\b|e-?mail us|download (?:the|our) app",
    re.IGNORECASE,
)
# Page furniture that is never quoted, whatever its rank, and never carried inside a run: each
# rule describes a kind of line publishers add around the story, not words of any one site.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_AGENCY = (
    r"getty\s*images|shutterstock|afp|ap\s*photo|associated\s*press|reuters|bloomberg|epa(?:-efe)?|"
    r"alamy|istock(?:photo)?|pa\s*(?:images|wire|media)|xinhua|anadolu|nurphoto|sipa|zuma|"
    r"wireimage|filmmagic|rex(?:/shutterstock)?|dpa|imago"
)
_NAMES = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*"
_FURNITURE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "credit",
        re.compile(
            # "Natalie Naccache | Bloomberg | Getty Images", "Photo: Jane Doe/AP", "(Image: GETTY)",
            # "photos © Inexhibit, 2018": a credit names who made the picture, not what happened.
            rf"^[(\[]?(?:(?:photo(?:graph)?s?|images?|pictures?|credits?|illustration|video|"
            rf"source)\s*(?:by\b|:|courtesy\b)|courtesy\s+(?:of\s+)?[A-Z]|©)"
            rf"|\bphotos?\s*(?:by\s+\S+.{{0,40}})?©|\((?:photo|image|picture|credit)s?\s*[:/].{{0,80}}\)\s*$"
            # Names are one to four words with spaces between: "(?:Word\s*){1,4}" could cut
            # "AAAAAAAAAA|AAAAAAAAAA|…" into pieces in so many ways that 45 characters took
            # minutes to refuse (issue 10).
            rf"|(?-i:^{_NAMES}(?:[|/]\s*{_NAMES}){{1,4}}$)"
            rf"|(?:{_AGENCY})\)?\s*$",
            re.IGNORECASE,
        ),
    ),
    (
        "dateline",
        # "WASHINGTON (Reuters) —", "LONDON:", "Nov. 19, 2019", "Updated 3:45 p.m. ET Nov 19, 2019"
        re.compile(
            # An all-capitals line without the dash or the agency is a subheading, not a dateline.
            rf"(?-i:^[A-Z][A-Z .,'’]{{1,40}}(?:\([A-Za-z .]{{1,30}}\)\s*[-—–:]?|\s*[-—–:])\s*$)"
            rf"|^(?:(?:updated|published|posted|last\s+modified)\b:?\s*)?[\w ,:./-]{{0,30}}\b"
            rf"{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}[\w ,:./()-]{{0,30}}$",
            re.IGNORECASE,
        ),
    ),
    (
        "link",
        # "Read more: …", "RELATED: …", "See also …", "Watch: …", "More from CNBC:"
        re.compile(
            r"^(?:read|see|watch|listen|related|recommended|also|more|next|previous|trending|"
            r"don['’]t\s+miss|must\s+read|further\s+reading)(?:\s+[\w'’-]+){0,3}\s*[:|»›>–—-]"
            r"|^(?:read\s+(?:more|next|also|the\s+full)|also\s+read|see\s+also|related\s+"
            r"(?:articles?|stories|coverage|links?|content))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "plea",
        # Newsletters, subscriptions, donations, app downloads, "follow us".
        re.compile(
            r"\b(?:sign\s+up\s+(?:for|to)\s+(?:our|my|the)\s+(?:[\w-]+\s+){0,2}(?:newsletter|mailing|"
            r"e-?mail)|subscribe\s+(?:to\s+(?:our|my)\b|now|today|here)|newsletters?\b.{0,80}"
            r"\b(?:sign\s+up|subscribe|inbox)|delivered\s+(?:straight\s+)?to\s+your\s+inbox|"
            r"support\s+(?:our|independent|quality)\s+journalism|become\s+a\s+(?:member|"
            r"subscriber|patron|supporter)|to\s+continue\s+reading|already\s+a\s+subscriber|"
            r"unlimited\s+(?:digital\s+)?access|download\s+(?:the|our)\s+(?:\w+\s+)?app|"
            r"follow\s+us\s+on|like\s+us\s+on\s+facebook|make\s+a\s+(?:donation|contribution))",
            re.IGNORECASE,
        ),
    ),
    (
        "bio",
        # "Jane Doe is a senior reporter for …", "Follow her on Twitter", "Reporting by …"
        re.compile(
            r"^(?:[A-Z][\w.'’-]+\s+){1,3}[A-Z][\w.'’-]+\s+(?:is|was|has\s+been)\s+(?:a|an|the)\s+"
            r"(?:[\w,-]+\s+){0,5}(?:reporter|writer|editor|correspondent|columnist|journalist|"
            r"contributor|producer|author|critic|freelancer|intern|fellow|blogger|host)\b"
            r"|\b(?:follow|reach|contact|email|e-mail)\s+(?:him|her|them|me|the\s+(?:author|"
            r"writer|reporter))\s+(?:on|at|via)\b|^(?:additional\s+)?reporting\s+by\b|"
            r"\bediting\s+by\b|\bcontributed\s+(?:to\s+)?(?:this\s+)?report(?:ing)?\b|"
            r"^(?:written|compiled|edited)\s+by\b",
            re.IGNORECASE,
        ),
    ),
    (
        "note",
        # Editor's notes, corrections, syndication lines.
        re.compile(
            r"^[(\[*]*(?:editor['’]?s['’]?\s+note|note\s+to\s+(?:readers|editors)|correction|"
            r"clarification|update|disclosure)s?\b\s*(?:\(.{0,40}\))?\s*[:—–-]"
            r"|^(?:an?\s+)?(?:earlier|previous)\s+version\s+of\s+this\s+(?:story|article|report|post)"
            r"|^this\s+(?:story|article|report|post|piece)\s+(?:has\s+been|was|is|originally|first)\s+"
            r"(?:updated|corrected|amended|originally|first|published|appeared|republished|"
            r"produced|part\s+of|adapted)"
            r"|^(?:an?\s+)?version\s+of\s+this\s+(?:story|article|report|post)\s+(?:first\s+)?"
            r"(?:appeared|ran|was\s+published)",
            re.IGNORECASE,
        ),
    ),
    (
        "embed",
        # What an embedded tweet or post leaves behind once its markup is gone.
        re.compile(
            rf"pic\.twitter\.com/|https?://t\.co/|\(@\w{{1,15}}\)\s+{_MONTH}\s+\d{{1,2}},\s+\d{{4}}|"
            rf"a\s+post\s+shared\s+by\b|view\s+this\s+post\s+on\s+instagram|"
            rf"^[—–-]\s*[^—–]{{1,60}}\(@\w{{1,15}}\)",
            re.IGNORECASE,
        ),
    ),
)
# A credit or a note is a line; a long paragraph that matches is prose that happens to mention one.
_FURNITURE_MAX_CHARS = {
    "credit": 160,
    "dateline": 80,
    "link": 200,
    "plea": 300,
    "bio": 400,
    "note": 600,
    "embed": 600,
}
# The caption a credit line belongs to sits right before it.
_CAPTION_MAX_CHARS = 400
# Captions describe a picture; a paragraph that quotes someone is the story.
_QUOTATION = re.compile(r"[\"“”]")


def page_furniture(paragraph: str) -> str | None:
    """The kind of page furniture ``paragraph`` is ("credit", "dateline", "link", "plea", "bio",
    "note", "embed"), or None for article text. Furniture is never quoted nor carried in a run."""
    text = _collapse(paragraph)
    for kind, pattern in _FURNITURE:
        if len(text) <= _FURNITURE_MAX_CHARS[kind] and pattern.search(text):
            return kind
    return None


def _article_furniture(article: Article) -> list[str | None]:
    """:func:`furniture_kinds`, plus what extraction marked (embedded posts, captions, copyright
    lines kept in the text because the page shows them there)."""
    return [
        kind if kind is not None or p not in article.furniture else "marked"
        for p, kind in zip(article.paragraphs, furniture_kinds(article.paragraphs), strict=True)
    ]


def furniture_kinds(paragraphs: list[str]) -> list[str | None]:
    """:func:`page_furniture` of each paragraph, and "caption" for a paragraph followed by a
    credit line (captions and credits come in that order under a picture)."""
    kinds = [page_furniture(p) for p in paragraphs]
    for i in range(len(paragraphs) - 1):
        if (
            kinds[i] is None
            and kinds[i + 1] == "credit"
            and len(_collapse(paragraphs[i])) <= _CAPTION_MAX_CHARS
            and _QUOTATION.search(paragraphs[i]) is None
        ):
            kinds[i] = "caption"
    return kinds


_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves said says
    say one two new would could may might must also like get got s t n't 's re ve ll d""".split()
)


@dataclass(frozen=True)
class QuoteRun:
    paragraphs: list[str]
    bridge: str | None = None
    # Index of the run's first paragraph in ``article.paragraphs``.
    start: int = 0


@dataclass(frozen=True)
class Brief:
    article: Article
    url: str
    lead: str
    runs: list[QuoteRun] = field(default_factory=list)
    # True when ``lead`` is the sharer's own words: rendering keeps their markdown.
    lead_is_take: bool = False

    @property
    def kind(self) -> str:
        return self.article.kind

    @property
    def quoted(self) -> list[str]:
        return [p for run in self.runs for p in run.paragraphs]

    def to_dict(self) -> dict[str, Any]:
        a = self.article
        return {
            "article": {
                "url": a.url,
                "title": a.title,
                "site_name": a.site_name,
                "authors": list(a.authors),
                "published": a.published.isoformat() if a.published else None,
                "image_url": a.image_url,
                "description": a.description,
                "language": a.language,
                "paragraphs": list(a.paragraphs),
                "text": a.text,
                "kind": a.kind,
            },
            "url": self.url,
            "lead": self.lead,
            "lead_is_take": self.lead_is_take,
            "runs": [{"paragraphs": list(r.paragraphs), "bridge": r.bridge} for r in self.runs],
            "kind": self.kind,
        }


def build_brief(
    html: bytes,
    url: str,
    *,
    today: dt.date,
    take: str | None = None,
    length: str = "long",
    budget: int | None = None,
    charset: str | None = None,
) -> Brief:
    """Extract the article from ``html`` and compose its brief (``today``: the caller's date)."""
    return compose_brief(
        extract.extract_article(html, url, today=today, charset=charset),
        url,
        take=take,
        length=length,
        budget=budget,
    )


def compose_brief(
    article: Article,
    url: str,
    *,
    take: str | None = None,
    length: str = "long",
    budget: int | None = None,
) -> Brief:
    """The brief of ``article``: quotes within the ``length`` preset (or ``budget`` characters of
    quoted text), a lead, and a bridge before every run after the first."""
    if length not in LENGTHS:
        raise ValueError(f"unknown length {length!r}; expected one of {sorted(LENGTHS)}")
    limit = LENGTHS[length] if budget is None else max(0, budget)
    take_text = _collapse(take) if take else ""
    outlet = _outlet(article, url)
    if article.kind != "article":
        lead = take_text or _not_article_lead(article)
        return Brief(article=article, url=url, lead=lead, runs=[], lead_is_take=bool(take_text))

    chosen = select_paragraphs(article, limit, max_paragraphs=_MAX_PARAGRAPHS[length])
    runs = _runs(article, chosen)
    if take_text:
        lead, is_take = take_text, True
    else:
        lead, is_take = _generated_lead(article, outlet, chosen, has_quotes=bool(runs)), False
    return Brief(article=article, url=url, lead=lead, runs=runs, lead_is_take=is_take)


# --- ranking -----------------------------------------------------------------------------------


def _terms(text: str) -> list[str]:
    # A crude plural strip merges "missile"/"missiles" without a stemmer dependency.
    out = []
    for w in _WORD.findall(text.lower()):
        if w in _STOPWORDS or len(w) < 2 or w.isdigit():
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
    term_lists = [_terms(p) for p in paras]
    term_sets = [set(t) for t in term_lists]
    doc_freq: dict[str, int] = {}
    for s in term_sets:
        for w in s:
            doc_freq[w] = doc_freq.get(w, 0) + 1
    headline = set(_terms(" ".join(x for x in (article.title, article.description) if x)))
    lead_description = _lead_description(article)
    furniture = _article_furniture(article)

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
        if _PROPER.search(text):
            score += 0.03
        penalty = _boilerplate_penalty(text, len(terms))
        score -= penalty
        scores.append(score)
        if (
            penalty >= _UNQUOTABLE
            or furniture[i] is not None
            or is_heading(article, text)
            # The lead already says it (see _generated_lead): quoting it again would repeat it.
            or (i < _STANDFIRST_SPAN and lead_description and _restates(lead_description, text))
        ):
            unquotable.add(i)

    order = sorted((k for k in range(n) if k not in unquotable), key=lambda k: (-scores[k], k))
    kept: list[int] = []
    seen_exact: set[str] = set()
    for k in order:
        norm = _collapse(paras[k]).lower()
        # Comparing with the best 40 only keeps this linear on pages of thousands of paragraphs.
        if norm in seen_exact or any(_jaccard(term_sets[k], term_sets[j]) > 0.7 for j in kept[:40]):
            continue
        seen_exact.add(norm)
        kept.append(k)
    return kept


_UNQUOTABLE = 0.5
# A standfirst sits among the first paragraphs; further down a match is a coincidence.
_STANDFIRST_SPAN = 3
_HEADING_MAX_CHARS = 160
_HEADING_MAX_WORDS = 25
_SENTENCE_FINAL = ".!?\"'”’)…:;"
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
        stripped[-1] == ":" or (stripped[-1] == "?" and len(_sentences(stripped)) == 1)
    ):
        return True
    return (
        len(stripped) <= _HEADING_MAX_CHARS
        and len(stripped.split()) <= _HEADING_MAX_WORDS
        and stripped[-1] not in _SENTENCE_FINAL
    )


# Typographic variants a description and its paragraph often differ by.
_TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})
# A paragraph restates the lead when the lead holds this much of it from its start.
_RESTATED_SHARE = 0.6
_RESTATED_MIN_CHARS = 40


def _plain(text: str) -> str:
    return _collapse(text).lower().translate(_TYPOGRAPHY).replace("...", "…").rstrip(".…!?").strip()


def _restates(description: str, paragraph: str) -> bool:
    """Whether ``paragraph`` says (nearly) what ``description`` says."""
    d = _plain(description)
    p = _plain(paragraph)
    if not d or not p:
        return False
    if d == p or p in d:
        return True
    # A description cut from a longer lede, or cut from two paragraphs, holds a long start of
    # the paragraph: quoting the paragraph would repeat the lead.
    if _restated_prefix(d, p) >= max(_RESTATED_MIN_CHARS, _RESTATED_SHARE * len(p)):
        return True
    return _jaccard(set(_terms(d)), set(_terms(p))) >= 0.8


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
    if _BOILERPLATE.search(stripped[:200]):
        penalty += 0.5
    if stripped and stripped[-1] not in ".!?\"'”’)…:;":
        # Captions, headings and credits rarely end like a sentence.
        penalty += 0.1
    letters = [c for c in stripped if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        penalty += 0.3
    return penalty


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def entry_budgets(ranked: list[int], lengths: list[int]) -> dict[int, int]:
    """For each paragraph, the smallest budget at which it is quoted.

    Plain greedy filling with skips is not nested (budget 500 might take paragraphs 1 and 3, budget
    700 paragraphs 1 and 2). Instead each paragraph, in rank order, joins at the smallest budget
    where it fits beside every better paragraph at that budget and at every larger one, so for any
    budget B the quoted set is ``{p: entry[p] <= B}``: within B and a subset of any larger budget's.
    """
    points: list[int] = []  # sorted entry budgets so far
    sizes: list[int] = []  # paragraph length at the same position
    total = 0
    entry: dict[int, int] = {}
    for k in ranked:
        size = lengths[k]
        # Walk down from the largest budget: below it, the cumulative size is total minus above.
        cumulative = total
        base = 0
        for t in range(len(points) - 1, -1, -1):
            if points[t] - cumulative < size:
                base = cumulative
                break
            cumulative -= sizes[t]
        e = base + size
        entry[k] = e
        pos = bisect.bisect_right(points, e)
        points.insert(pos, e)
        sizes.insert(pos, size)
        total += size
    return entry


def select_paragraphs(
    article: Article, budget: int, *, max_paragraphs: int | None = None
) -> list[int]:
    """Indices (in article order) of the paragraphs quoted within ``budget`` characters."""
    ranked = rank_paragraphs(article)
    paras = article.paragraphs
    lengths = [len(p) for p in paras]
    # Every paragraph takes part, even one longer than this budget: leaving it out here but not
    # at a larger budget would break the nesting.
    entry = entry_budgets(ranked, lengths)
    # Furniture between two quotes is not carried in their run: the run breaks around it.
    heading = [
        kind is None and is_heading(article, p)
        for p, kind in zip(paras, _article_furniture(article), strict=True)
    ]
    # Subheadings between two quoted paragraphs are quoted with them, so that a run reads as the
    # article does instead of breaking into "* * *" and a bridge over one line. They count
    # towards the budget: the quoted set is the one at the largest entry budget whose paragraphs
    # plus enclosed headings fit. Enclosed headings only grow with the set, so that budget grows
    # with ``budget`` and the nesting holds. A paragraph cap takes a prefix of the same order
    # (the order paragraphs join in as the budget grows), so it nests too.
    position = {k: r for r, k in enumerate(ranked)}
    joining = sorted(ranked, key=lambda k: (entry[k], position[k]))
    if max_paragraphs is not None:
        joining = joining[:max_paragraphs]
    chosen: set[int] = set()
    total = 0
    best: set[int] = set()
    for k in joining:
        if entry[k] > budget:
            break
        chosen.add(k)
        total += lengths[k] + _enclosed_length(k, chosen, heading, lengths)
        if total <= budget:
            best = set(chosen)
    return sorted(_with_enclosed_headings(best, heading))


def _enclosed_length(k: int, chosen: set[int], heading: list[bool], lengths: list[int]) -> int:
    """Characters of the headings that adding ``k`` to ``chosen`` encloses between quotes."""
    added = 0
    for step in (-1, 1):
        j = k + step
        span = 0
        while 0 <= j < len(heading) and heading[j]:
            span += lengths[j]
            j += step
        if j != k + step and j in chosen:
            added += span
    return added


def _with_enclosed_headings(chosen: set[int], heading: list[bool]) -> set[int]:
    out = set(chosen)
    for k in chosen:
        j = k + 1
        while j < len(heading) and heading[j]:
            j += 1
        if j > k + 1 and j in chosen:
            out.update(range(k + 1, j))
    return out


def _runs(article: Article, chosen: list[int]) -> list[QuoteRun]:
    groups: list[list[int]] = []
    for k in chosen:
        if groups and groups[-1][-1] == k - 1:
            groups[-1].append(k)
        else:
            groups.append([k])
    runs: list[QuoteRun] = []
    mentioned = " ".join(x for x in (article.title, article.description) if x).lower()
    for g, group in enumerate(groups):
        paras = [article.paragraphs[k] for k in group]
        bridge = None if g == 0 else _bridge(paras, article, mentioned)
        if bridge is not None:
            mentioned += " " + bridge.lower()
        for p in paras:
            mentioned += " " + p.lower()
        runs.append(QuoteRun(paragraphs=paras, bridge=bridge, start=group[0]))
    return runs


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


def _bridge(paras: list[str], article: Article, mentioned: str) -> str:
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
    first = _sentences(paras[0])
    if first:
        subject = _SUBJECT.match(first[0])
        if subject is not None:
            phrase = first[0][: subject.end("np")]
            words = set(_terms(phrase))
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
        for sentence in _sentences(p):
            # A sentence that opens with a quotation still opens there: "Hold onto …" is no name.
            sentence = sentence.lstrip("\"'“‘([")
            for m in _PROPER.finditer(sentence):
                phrase = m.group(0).strip(" '’-")
                if (
                    _inside_longer_name(sentence, m.start())
                    or _NAME_ADJECTIVE.search(phrase)
                    or len(phrase) < 3
                    or len(phrase) > _BRIDGE_PHRASE_MAX
                    or phrase.lower() in mentioned
                    or phrase.lower() in _STOPWORDS
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


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def source_host(url: str) -> str:
    """The host to name a source by: without "www.", punycode if it mixes scripts (SECURITY.md)."""
    return display_host(url).lower().removeprefix("www.")


def _outlet(article: Article, url: str) -> str:
    # A site name only of invisible characters (a Hangul filler) names nobody: fall back.
    name = _collapse(strip_invisible(article.site_name or ""))
    return name or source_host(article.url or url) or source_host(url) or "the source"


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(_collapse(text)) if s]


def _two_sentences(text: str) -> str:
    """At most two sentences and LEAD_MAX_CHARS; a cut mid-sentence is marked with an ellipsis."""
    sentences = _sentences(text)
    if len(sentences) > 1 and sentences[-1][-1] not in _SENTENCE_FINAL:
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


_MIN_SUMMARY_CHARS = 30


def _lead_description(article: Article) -> str:
    """The publisher's description if it is long enough to be the lead, else ""."""
    description = _collapse(article.description or "")
    return description if len(description) >= _MIN_SUMMARY_CHARS else ""


def _uncut_description(article: Article, description: str) -> str:
    """``description``, or the opening paragraph it was cut from when the publisher cut it off
    mid-sentence ("…illegal, wh"): the paragraph's own sentences end where its author ended them."""
    if description[-1] in _SENTENCE_FINAL:
        return description
    d = _plain(description)
    for paragraph in article.paragraphs[:_STANDFIRST_SPAN]:
        if _plain(paragraph).startswith(d):
            return paragraph
    return description


def _generated_lead(article: Article, outlet: str, chosen: list[int], *, has_quotes: bool) -> str:
    """The lead "{outlet} reports: {summary}", from the publisher's description (whose
    standfirst the ranking then leaves unquoted), else from the lede sentence when the lede is not
    quoted, else a neutral "From {outlet}:"; rendering sets the quotes that follow apart."""
    quoted = {_collapse(article.paragraphs[k]).lower() for k in chosen}
    summary = ""
    description = _lead_description(article)
    if description and not any(description.lower() in q for q in quoted):
        summary = _two_sentences(_uncut_description(article, description))
    elif article.paragraphs and 0 not in chosen:
        lede = _sentences(article.paragraphs[0])
        if lede and len(lede[0]) >= _MIN_SUMMARY_CHARS:
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


def _not_article_lead(article: Article) -> str:
    kind = article.kind.lower()
    reason = _NOT_ARTICLE_REASONS.get(kind)
    if reason is None:
        reason = next(
            (r for key, r in _NOT_ARTICLE_REASONS.items() if key in kind),
            "This page does not look like a news article.",
        )
    description = _collapse(article.description or "")
    # Only a wall's own summary is worth showing; an error page's description is not the story.
    if description and reason.endswith("summary only."):
        return f"{reason} {_two_sentences(description)}"
    return reason

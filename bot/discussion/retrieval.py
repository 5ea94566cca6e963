"""Finding the paragraphs of an article that answer a member's question, or saying none does.

An :class:`ArticleIndex` is built once per article from its stored paragraphs (whole paragraphs,
verbatim: a quoted passage is always a substring of the stored text) and its language.
:meth:`ArticleIndex.search` ranks the paragraphs and decides whether to abstain.

**Ranking.** BM25 (k1, b as usual) over Snowball-stemmed words (PyStemmer, about 25 languages; a
language without a stemmer uses the lower-cased words as they are), plus two cues that plain
BM25 misses:

- *proximity*: a pair of the question's words that stand next to each other in the question and
  in the paragraph ("Scottish Parliament", "oil crisis") adds the pair's weight again;
- *question type* (English): ``who`` wants a name, ``when`` / ``what year`` a date, ``how many``
  / ``how much`` a number; a paragraph holding that kind of token gets a small bonus.

The sum may be multiplied by how much of the question's rare-word weight the paragraph covers
(``coverage ** COVERAGE_POWER``); cross-validation found no gain (BM25's saturation already
favours a paragraph holding many of the words), so the power is 0.

**Embeddings** (English articles, when :mod:`.embedding` loads): the paragraphs' BM25 scores
are scaled to the best one's and ``EMBED_RANK_WEIGHT`` times the cosine similarity of question
and paragraph is added; every paragraph is then a candidate, not only those sharing a word. The
similarity is the paragraph's plus ``SENTENCE_EMBED_WEIGHT`` times that of its best sentence:
a SQuAD answer sits in one sentence, and a long paragraph's vector dilutes it (held out across
articles, +0.8 and +1.2 points of top-1). A lexical best-sentence bonus (``sentence_weight``) was
tried too and gained nothing over BM25 with the pair cue, so it is 0.

**Abstaining.** A question about something the article does not discuss uses words the article
never has (names, places, subjects of another story), and what it shares with the best
paragraph is a word or two by chance. The decision reads the *confidence*: the share of the
question's words found in the best paragraph, plus ``SCORE_WEIGHT`` times that paragraph's
score divided by the question's total idf weight (words the article lacks weigh as the rarest);
with embeddings, plus ``EMBED_CONFIDENCE_WEIGHT`` times the best cosine similarity. Below
:data:`ABSTAIN_BELOW` (:data:`ABSTAIN_BELOW_EMBEDDED`) the article "does not seem to say".
The score is read relative to the question's own weight, not as an absolute ``log(1 + score)``:
idf, and so every BM25 score, grows with an article's paragraph count, and an absolute score let
a question about another subject through a long article on a few shared words (held out, one
article left out at a time, thresholds at 2.5% of answerable: off-topic abstained 91.5% ->
92.9%; with words alone 78% -> 82%). Tried and dropped on held-out evidence: the idf-weighted
share of the question's words found anywhere in the article, the gap between the best and the
median paragraph, the question's similarity to the article's centroid (none separated better;
in this set an off-topic question comes from a related article and shares its common words).
The weights: ``bench/questions.py``; the thresholds abstain on 2% of the answerable questions of
all 8 articles (2.5% left top-1 short of its goal held out: each answerable question abstained on
is a top-1 miss). Its ``--cv`` chooses weights and thresholds on training articles only and
reports the held-out ones (two halves, and leave one article out).

Cost: tokenising (and embedding) the question, then one pass over the question's words per
paragraph: a 40-paragraph article answers in under a millisecond (``bench/questions.py``).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import Stemmer

from bot.discussion.embedding import Embedder

log = logging.getLogger(__name__)

# Linear-time: one character class, repeated.
_WORD = re.compile(r"[^\W_]+")
# A name: a capitalised word that does not start a sentence (checked by position below).
_CAPITALISED = re.compile(r"[A-Z][a-z]+")
_YEAR_OR_DATE = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2}|[0-9]{1,2}(?:st|nd|rd|th))\b|\b(?:January|February|March|April|"
    r"May|June|July|August|September|October|November|December|century|centuries|decade)\b"
)
_NUMBER = re.compile(
    r"[0-9]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|dozen|percent)\b"
)

# A sentence ends at . ! ? before a space and a capital or an opening quote. Linear: fixed-width
# lookarounds around one repeated class.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“(]?[A-Z0-9])")

# Ranking with embeddings: BM25 scaled to the best paragraph's, plus this times cosine similarity.
EMBED_RANK_WEIGHT = 1.0
# Confidence with embeddings: plus this times the best cosine similarity of any paragraph.
EMBED_CONFIDENCE_WEIGHT = 1.0
K1 = 1.2
B = 0.75
PAIR_WEIGHT = 0.5
TYPE_BONUS = 0.1  # of the question's total idf weight
COVERAGE_POWER = 0.0
SCORE_WEIGHT = 0.3
ABSTAIN_BELOW = 0.444  # without embeddings (a language other than English, or none loaded)
ABSTAIN_BELOW_EMBEDDED = 1.373  # with them
# The best sentence of a paragraph: this times the idf weight of the question's words that one
# sentence holds (an answer's words stand together), added to the paragraph's BM25.
SENTENCE_WEIGHT = 0.0
# With embeddings: this times the best sentence's cosine similarity, added to the ranking score.
SENTENCE_EMBED_WEIGHT = 1.5
# A passage after the first is shown only if it scores at least this share of the best.
SHOW_RATIO = 0.75
MAX_PASSAGES = 3

# ISO 639-1 codes (what pages declare in <html lang>) to PyStemmer's algorithm names.
_STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "fa": "persian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}  # fmt: skip

# Function words of English questions: they carry no topic, and "what"/"who" are read as cues.
_ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom whose why will with would you your yours also did many much name named called
    type kind s t""".split()
)


@dataclass(frozen=True, slots=True)
class Tuning:
    """The weights and thresholds of ranking and abstaining (defaults: the bot's)."""

    k1: float = K1
    b: float = B
    pair_weight: float = PAIR_WEIGHT
    type_bonus: float = TYPE_BONUS
    coverage_power: float = COVERAGE_POWER
    score_weight: float = SCORE_WEIGHT
    abstain_below: float = ABSTAIN_BELOW
    embed_rank_weight: float = EMBED_RANK_WEIGHT
    embed_confidence_weight: float = EMBED_CONFIDENCE_WEIGHT
    abstain_below_embedded: float = ABSTAIN_BELOW_EMBEDDED
    sentence_weight: float = SENTENCE_WEIGHT
    sentence_embed_weight: float = SENTENCE_EMBED_WEIGHT


@dataclass(frozen=True, slots=True)
class Passage:
    """One paragraph of the article, verbatim, with its 0-based index and score."""

    index: int
    text: str
    score: float
    coverage: float  # share of the question's idf weight this paragraph holds, 0..1
    matched: float  # share of the question's words this paragraph holds, 0..1


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Paragraphs best first (only those that share a word with the question), and the verdict."""

    passages: tuple[Passage, ...]
    abstain: bool
    confidence: float  # what the abstention reads (module docstring)

    def shown(self, ratio: float = SHOW_RATIO, limit: int = MAX_PASSAGES) -> tuple[Passage, ...]:
        """The one to ``limit`` passages worth quoting: the best, then any close behind it."""
        if self.abstain or not self.passages:
            return ()
        best = self.passages[0].score
        return tuple(p for p in self.passages[:limit] if p.score >= ratio * best)


@lru_cache(maxsize=64)
def _stemmer(language: str | None) -> Stemmer.Stemmer | None:
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    name = _STEMMERS.get(code)
    return Stemmer.Stemmer(name) if name else None


def _fold(text: str) -> str:
    # Case and accents ignored alike in question and article (café = cafe).
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _question_kind(words: Sequence[str]) -> str | None:
    """``name``, ``date`` or ``number`` for an English question that asks for one."""
    joined = " ".join(words[:6])
    if "how many" in joined or "how much" in joined or "percent" in joined:
        return "number"
    if "when" in words[:4] or "what year" in joined or "which year" in joined:
        return "date"
    if "what century" in joined or "which century" in joined or "what decade" in joined:
        return "date"
    if words[:1] == ["who"] or "whom" in words[:4] or "who" in words[:3]:
        return "name"
    return None


def _kinds(text: str) -> frozenset[str]:
    kinds = set()
    if _YEAR_OR_DATE.search(text):
        kinds.add("date")
    if _NUMBER.search(text):
        kinds.add("number")
    for m in _CAPITALISED.finditer(text):
        start = m.start()
        before = text[max(0, start - 2) : start].strip()
        if start > 0 and before not in (".", "!", "?", '"', "“", ""):
            kinds.add("name")
            break
    return frozenset(kinds)


class ArticleIndex:
    """BM25 over one article's paragraphs; build once per article, then :meth:`search`."""

    def __init__(
        self,
        paragraphs: Sequence[str],
        language: str | None = "en",
        tuning: Tuning | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.paragraphs: tuple[str, ...] = tuple(paragraphs)
        self.language = language
        self.tuning = tuning or Tuning()
        self._stem = _stemmer(language)
        self._english = (
            self._stem is not None
            and _STEMMERS.get((language or "").lower().split("-")[0]) == "english"
        )
        self._docs: list[list[str]] = [self._terms(p) for p in self.paragraphs]
        self._tf: list[Counter[str]] = [Counter(d) for d in self._docs]
        self._pairs: list[frozenset[tuple[str, str]]] = [
            frozenset(zip(d, d[1:], strict=False)) for d in self._docs
        ]
        self._kinds: list[frozenset[str]] = (
            [_kinds(p) for p in self.paragraphs] if self._english else []
        )
        self._len = [len(d) for d in self._docs]
        # Each paragraph's sentences, as sets of terms (and, with embeddings, vectors).
        sentences = [_SENTENCE_BREAK.split(p) for p in self.paragraphs]
        self._sentences: list[list[frozenset[str]]] = [
            [frozenset(self._terms(x)) for x in ss] for ss in sentences
        ]
        self._avglen = (sum(self._len) / len(self._len)) if self._len else 1.0
        df: Counter[str] = Counter()
        self._postings: dict[str, list[int]] = defaultdict(list)
        for i, tf in enumerate(self._tf):
            for term in tf:
                df[term] += 1
                self._postings[term].append(i)
        n = len(self.paragraphs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        # A word the article never uses weighs like the rarest possible word (df = 0).
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        # English only: the embeddings were trained on English text.
        self._embedder = embedder if self._english and self.paragraphs else None
        self._vectors = self._embedder.embed(self.paragraphs) if self._embedder else None
        self._sentence_vectors = None
        self._sentence_of: list[int] = []
        if self._embedder is not None and self.tuning.sentence_embed_weight:
            flat = [x for ss in sentences for x in ss]
            self._sentence_of = [i for i, ss in enumerate(sentences) for _ in ss]
            self._sentence_vectors = self._embedder.embed(flat)

    def _words(self, text: str) -> list[str]:
        return _WORD.findall(_fold(text))

    def _terms(self, text: str) -> list[str]:
        words = self._words(text)
        if self._english:
            words = [w for w in words if w not in _ENGLISH_STOPWORDS]
        else:
            # No stopword list outside English: very short words are mostly function words.
            words = [w for w in words if len(w) > 1 or w.isdigit()]
        return self._stem.stemWords(words) if self._stem else words

    def search(self, question: str, limit: int = 10) -> SearchResult:
        """The paragraphs that answer ``question``, best first, and whether to abstain."""
        t = self.tuning
        terms = list(dict.fromkeys(self._terms(question)))
        if not terms or not self.paragraphs:
            return SearchResult((), True, 0.0)
        weight = {term: self._idf.get(term, self._unseen_idf) for term in terms}
        total = sum(weight.values())
        q_terms = self._terms(question)
        q_pairs = [(a, b) for a, b in zip(q_terms, q_terms[1:], strict=False) if a != b]
        kind = _question_kind(self._words(question)) if self._english else None
        similarity: list[float] | None = None
        if self._embedder is not None:
            q_vector = self._embedder.embed([question])[0]
            similarity = (self._vectors @ q_vector).tolist()
            candidates: Sequence[int] = range(len(self.paragraphs))
        else:
            candidates = sorted({i for term in terms for i in self._postings.get(term, ())})
        scored: list[Passage] = []
        for i in candidates:
            tf = self._tf[i]
            norm = t.k1 * (1 - t.b + t.b * self._len[i] / self._avglen)
            score = 0.0
            covered = 0.0
            matched = 0
            for term in terms:
                f = tf.get(term)
                if f:
                    idf = self._idf[term]
                    score += idf * f * (t.k1 + 1) / (f + norm)
                    covered += weight[term]
                    matched += 1
            pairs = self._pairs[i]
            for a, b in q_pairs:
                if (a, b) in pairs:
                    score += t.pair_weight * (self._idf[a] + self._idf[b]) / 2
            if kind is not None and kind in self._kinds[i]:
                score += t.type_bonus * total
            if t.sentence_weight and matched > 1:
                best_sentence = max(
                    sum(weight[term] for term in terms if term in sentence)
                    for sentence in self._sentences[i]
                )
                score += t.sentence_weight * best_sentence
            coverage = covered / total
            score *= coverage**t.coverage_power
            scored.append(Passage(i, self.paragraphs[i], score, coverage, matched / len(terms)))
        if not scored:
            return SearchResult((), True, 0.0)
        lexical = max(scored, key=lambda p: (p.score, -p.index))
        # The best score per unit of the question's own idf weight: relative, so it reads alike
        # in a short or long article (idf grows with the paragraph count) and for a short or
        # long question (module docstring).
        confidence = lexical.matched + t.score_weight * lexical.score / total
        threshold = t.abstain_below
        if similarity is not None:
            # Both on one scale: BM25 relative to the best paragraph's, plus cosine similarity.
            top = lexical.score or 1.0
            if self._sentence_vectors is not None:
                best = [-1.0] * len(self.paragraphs)
                for j, sim in enumerate((self._sentence_vectors @ q_vector).tolist()):
                    i = self._sentence_of[j]
                    best[i] = max(best[i], sim)
                similarity = [
                    s + t.sentence_embed_weight * b for s, b in zip(similarity, best, strict=True)
                ]
            scored = [
                replace(p, score=p.score / top + t.embed_rank_weight * similarity[p.index])
                for p in scored
            ]
            confidence += t.embed_confidence_weight * max(similarity)
            threshold = t.abstain_below_embedded
        scored.sort(key=lambda p: (-p.score, p.index))
        abstain = confidence < threshold
        log.debug("%d question terms: confidence %.2f, abstain %s", len(terms), confidence, abstain)
        return SearchResult(tuple(scored[:limit]), abstain, confidence)

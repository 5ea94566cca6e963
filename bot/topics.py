"""Topics members follow with ``/subscribe``, and which of them a brief is about.

A topic is a plain word or phrase, never a pattern (a member-supplied regular expression could
stall the bot): 2 to 50 characters of letters, digits, spaces, hyphens and apostrophes.

**The rule.** Text and topics are compared as sequences of words after the same normalisation:
case and accents are ignored (``Zelenskyy`` = ``zélenskyy``), hyphens and other punctuation
separate words (``cease-fire`` = ``cease fire``, and ``nato`` is found in ``pro-NATO``), a
possessive ``'s`` is dropped (``NATO's`` → ``nato``), and plurals are folded lightly
(``missiles`` → ``missile``, ``policies`` → ``policy``, ``boxes`` → ``box``; ``news``, ``bus``
and ``analysis`` are left alone). A topic matches only whole words in order, so ``nato`` never
matches ``Donato``. A brief is about a topic when the phrase occurs **in the headline, the
description or the lead at least once, or in the body at least twice** (a single passing
mention deep in an article is not what a member asked to hear about). Scripts written without
spaces between words (Chinese, Japanese, Thai) only match where the text has word breaks.

**Speed.** :class:`TopicIndex` is built once from every topic of a server; matching a brief
normalises its text once into words and looks each word and each following n-gram (up to the
longest topic, and only after a word that begins some topic) up in a dict, so its cost follows the
brief's length, not the number of subscriptions (``bench/topics.py`` measures it).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.brief import Brief
from bot.errors import InvalidTopic

log = logging.getLogger(__name__)

MIN_LENGTH = 2
MAX_LENGTH = 50
BODY_MIN_OCCURRENCES = 2

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'", "`": "'"})
_TOPIC_CHARS = re.compile(r"[^\W_]|[ '\-]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

# Words ending in s that are not plurals, or whose plural the suffix rules below would get wrong.
_NOT_PLURAL = frozenset(
    "news series species means physics mathematics economics politics ethics athletics "
    "lens gas yes its this thus plus bias atlas canvas texas kansas arkansas paris davos mars "
    "jesus chaos ethos cosmos kudos always perhaps whereas overseas sometimes".split()
)
_IRREGULAR = {
    "buses": "bus",
    "viruses": "virus",
    "gases": "gas",
    "lenses": "lens",
    "crises": "crisis",
    "analyses": "analysis",
    "theses": "thesis",
    "diagnoses": "diagnosis",
    "biases": "bias",
    "movies": "movie",
    "cookies": "cookie",
    "zombies": "zombie",
    "rookies": "rookie",
    "calories": "calorie",
    "selfies": "selfie",
    "goalies": "goalie",
    "species": "species",
    "series": "series",
}


def fold(word: str) -> str:
    """Fold an English plural onto its singular, lightly: ``missiles`` → ``missile``,
    ``policies`` → ``policy``, ``boxes`` → ``box``; short words, ``news``, ``bus``,
    ``analysis`` and the like stay as they are. ``word`` is already normalised."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.endswith("s") or word in _NOT_PLURAL or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    # ss (boss), us (status), is (crisis): singular already.
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1]


def _fold_case_and_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The folded words of ``text``, as matching sees them."""
    words: list[str] = []
    for match in _WORD.finditer(_fold_case_and_accents(text)):
        word = match.group()
        if word.endswith("'s"):
            word = word[:-2]
        words.append(fold(word.replace("'", "")))
    return words


def normalize_topic(text: str) -> str:
    """A topic as stored: accents stripped, case folded, spaces collapsed; InvalidTopic if it is
    not 2 to 50 characters of letters, digits, spaces, hyphens and apostrophes or has no word."""
    topic = " ".join(_fold_case_and_accents(text).split())
    if not MIN_LENGTH <= len(topic) <= MAX_LENGTH:
        raise InvalidTopic(detail=f"length {len(topic)}")
    if not all(_TOPIC_CHARS.fullmatch(c) for c in topic) or not tokens(topic):
        raise InvalidTopic(detail="characters")
    return topic


@dataclass(frozen=True)
class BriefText:
    """The parts of a brief that topics are matched against."""

    headline: str = ""
    description: str = ""
    lead: str = ""
    body: Sequence[str] = ()

    @classmethod
    def from_brief(cls, brief: Brief) -> BriefText:
        article = brief.article
        return cls(
            article.title or "", article.description or "", brief.lead, tuple(article.paragraphs)
        )


@dataclass
class TopicIndex:
    """Every topic of a server, keyed by its words, ready to match briefs against.

    Built from ``{topic: subscribers}``; topics that fold to the same words (``missile`` and
    ``missiles``) are kept apart so each subscriber hears about their own wording.
    """

    subscribers: Mapping[str, frozenset[int]]
    _phrases: dict[tuple[str, ...], list[str]] = field(init=False, repr=False)
    _longest_after: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._phrases = {}
        self._longest_after = {}
        for topic in self.subscribers:
            words = tuple(tokens(topic))
            if not words:
                continue
            self._phrases.setdefault(words, []).append(topic)
            self._longest_after[words[0]] = max(self._longest_after.get(words[0], 0), len(words))

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, int]]) -> TopicIndex:
        """From (topic, subscriber) pairs, such as the rows of a server's subscriptions."""
        grouped: dict[str, set[int]] = {}
        for topic, user in pairs:
            grouped.setdefault(topic, set()).add(user)
        return cls({t: frozenset(users) for t, users in grouped.items()})

    def __len__(self) -> int:
        return len(self.subscribers)

    def _count(self, words: Sequence[str], counts: Counter[tuple[str, ...]]) -> None:
        phrases, longest_after = self._phrases, self._longest_after
        for i, word in enumerate(words):
            longest = longest_after.get(word)
            if longest is None:
                continue
            for n in range(1, min(longest, len(words) - i) + 1):
                key = tuple(words[i : i + n])
                if key in phrases:
                    counts[key] += 1

    def match(self, text: BriefText) -> dict[str, str]:
        """``{topic: where}`` for every topic the brief is about, ``where`` being the first of
        ``headline``, ``description``, ``lead``, ``body`` that qualifies (see the module rule)."""
        found: dict[str, str] = {}
        for where, value in (
            ("headline", text.headline),
            ("description", text.description),
            ("lead", text.lead),
        ):
            counts: Counter[tuple[str, ...]] = Counter()
            self._count(tokens(value), counts)
            for key in counts:
                for topic in self._phrases[key]:
                    found.setdefault(topic, where)
        body_counts: Counter[tuple[str, ...]] = Counter()
        # Paragraph by paragraph: a phrase does not run across a paragraph break.
        for paragraph in text.body:
            self._count(tokens(paragraph), body_counts)
        for key, count in body_counts.items():
            if count >= BODY_MIN_OCCURRENCES:
                for topic in self._phrases[key]:
                    found.setdefault(topic, "body")
        return found

    def subscribers_of(self, matches: Iterable[str]) -> dict[int, list[str]]:
        """``{subscriber: [topics]}`` for the matched topics, topics sorted."""
        result: dict[int, list[str]] = {}
        for topic in sorted(set(matches)):
            for user in self.subscribers.get(topic, ()):
                result.setdefault(user, []).append(topic)
        return result


def match_topics(text: BriefText, topics: Iterable[str]) -> set[str]:
    """The ``topics`` (already normalised) that ``text`` is about; builds a throwaway index."""
    return set(TopicIndex({t: frozenset() for t in topics}).match(text))

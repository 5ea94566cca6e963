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

**Speed.** Matching runs on the event loop, so it reads a bounded part of the brief (the
headline, description and lead up to :data:`FIELD_MAX_CHARS` each, the body up to
:data:`BODY_MAX_CHARS`: a topic mentioned only further down is not matched) and costs time
linear in that text whatever the topics are. :class:`TopicIndex` is built once from every topic of
a server (its distinct topics, not the members following them) into an Aho–Corasick automaton
over words; matching normalises the text once into words and takes one step per word, so its cost
follows the brief's length, not the number of subscriptions nor the topics' shape (a topic of 25
equal words, which a repetitive page matches at every word, costs what a one-word topic costs;
``bench/topics.py`` measures both).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.briefing.types import Brief
from bot.errors import InvalidTopic

log = logging.getLogger(__name__)

MIN_LENGTH = 2
MAX_LENGTH = 50
BODY_MIN_OCCURRENCES = 2
# What matching reads of a brief (see :func:`bounded`): it runs on the event loop, and an article
# may hold about 1 MB of text. 32,000 characters is some 5,000 words, a long feature; headline,
# description and lead are short in any real article, but come from the page or the member.
FIELD_MAX_CHARS = 2_000
BODY_MAX_CHARS = 32_000
# Topics (or automaton states) per step of :meth:`TopicIndex.in_steps`: about a millisecond each.
BUILD_STEP = 200

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


def bounded(text: BriefText) -> BriefText:
    """``text`` cut to what matching reads: each of headline, description and lead to
    :data:`FIELD_MAX_CHARS`, the body to whole paragraphs within :data:`BODY_MAX_CHARS` (the one
    that crosses the limit cut at a space, so no word is cut into a shorter one)."""
    body: list[str] = []
    budget = BODY_MAX_CHARS
    for paragraph in text.body:
        if len(paragraph) > budget:
            cut = paragraph[:budget]
            # Cut at a space; the next character starting a word means the cut fell between words.
            if not paragraph[budget : budget + 1].isspace():
                cut = cut.rpartition(" ")[0]
            if cut:
                body.append(cut)
            break
        body.append(paragraph)
        budget -= len(paragraph)
    return BriefText(
        text.headline[:FIELD_MAX_CHARS],
        text.description[:FIELD_MAX_CHARS],
        text.lead[:FIELD_MAX_CHARS],
        tuple(body),
    )


class TopicIndex:
    """Every topic of a server, keyed by its words, ready to match briefs against.

    Built from the server's distinct topics, not from its subscriptions: who follows a matched
    topic is read afterwards, for the matched topics only. Topics that fold to the same words
    (``missile`` and ``missiles``) are kept apart so each subscriber hears about their own
    wording. Building costs time linear in the topics' words (some 0.3 s for 10,000 topics): the
    notifier builds it in steps (:meth:`in_steps`) and keeps it while the server's topic version
    holds.

    The phrases form an Aho–Corasick automaton over words: state 0 is the root, ``_goto[s]`` the
    next state by word, ``_fail[s]`` the longest proper suffix of ``s``'s words that is also a
    prefix of some phrase, ``_output[s]`` the nearest state on that suffix chain (``s`` itself
    included) that ends a phrase (-1 if none), ``_next_output[s]`` the same with ``s`` excluded,
    ``_phrase[s]`` the phrase ending at ``s``.
    """

    def __init__(self, topics: Iterable[str]) -> None:
        for _ in self._build(topics, BUILD_STEP):
            pass

    @classmethod
    def in_steps(
        cls, topics: Iterable[str], step: int | None = None
    ) -> tuple[TopicIndex, Iterator[None]]:
        """An index and the steps that build it: usable once every step has run. Each step
        handles about ``step`` (default :data:`BUILD_STEP`) topics or automaton states, so a
        caller on the event loop can let other work run between steps."""
        index = cls.__new__(cls)
        return index, index._build(topics, step or BUILD_STEP)

    def _build(self, topics: Iterable[str], step: int) -> Iterator[None]:
        self.topics = frozenset(topics)
        self._phrases: dict[tuple[str, ...], list[str]] = {}
        self._goto: list[dict[str, int]] = [{}]
        self._phrase: list[tuple[str, ...] | None] = [None]
        for done, topic in enumerate(sorted(self.topics), 1):
            words = tuple(tokens(topic))
            if words:
                self._add(topic, words)
            if done % step == 0:
                yield
        yield from self._link(step)

    def _add(self, topic: str, words: tuple[str, ...]) -> None:
        self._phrases.setdefault(words, []).append(topic)
        state = 0
        for word in words:
            nxt = self._goto[state].get(word)
            if nxt is None:
                nxt = len(self._goto)
                self._goto[state][word] = nxt
                self._goto.append({})
                self._phrase.append(None)
            state = nxt
        self._phrase[state] = words

    def _link(self, step: int) -> Iterator[None]:
        """Failure and output links, breadth first (a state's links need its parent's)."""
        count = len(self._goto)
        self._fail: list[int] = [0] * count
        self._output: list[int] = [-1] * count
        self._next_output: list[int] = [-1] * count
        queue = deque(self._goto[0].values())
        done = 0
        while queue:
            state = queue.popleft()
            fail = self._fail[state]
            # The nearest phrase end strictly shorter than this state's words.
            self._next_output[state] = fail if self._phrase[fail] else self._output[fail]
            self._output[state] = state if self._phrase[state] else self._next_output[state]
            for word, child in self._goto[state].items():
                back = fail
                while back and word not in self._goto[back]:
                    back = self._fail[back]
                target = self._goto[back].get(word, 0)
                self._fail[child] = target
                queue.append(child)
            done += 1
            if done % step == 0:
                yield

    def __len__(self) -> int:
        return len(self.topics)

    def _visit(self, words: Sequence[str], visits: Counter[int]) -> None:
        """Run the automaton over ``words`` from the root, counting the states it ends each word
        in: one dict step per word, amortised, whatever the phrases (a phrase of 25 equal words
        costs no more than one word)."""
        goto, fail = self._goto, self._fail
        state = 0
        for word in words:
            while state and word not in goto[state]:
                state = fail[state]
            state = goto[state].get(word, 0)
            if state:
                visits[state] += 1

    def _occurrences(self, visits: Counter[int]) -> Counter[tuple[str, ...]]:
        """How often each phrase occurred: a visit to a state is an occurrence of every phrase
        on its output chain. Each distinct state visited is walked once, so this costs at most
        (states visited) x (words of the longest topic), independent of the text's length."""
        found: Counter[tuple[str, ...]] = Counter()
        output, next_output, phrase = self._output, self._next_output, self._phrase
        for state, count in visits.items():
            end = output[state]
            while end >= 0:
                words = phrase[end]
                assert words is not None
                found[words] += count
                end = next_output[end]
        return found

    def match(self, text: BriefText) -> dict[str, str]:
        """``{topic: where}`` for every topic the brief is about, ``where`` being the first of
        ``headline``, ``description``, ``lead``, ``body`` that qualifies (see the module rule).
        Only the :func:`bounded` text is read."""
        text = bounded(text)
        found: dict[str, str] = {}
        for where, value in (
            ("headline", text.headline),
            ("description", text.description),
            ("lead", text.lead),
        ):
            visits: Counter[int] = Counter()
            self._visit(tokens(value), visits)
            for key in self._occurrences(visits):
                for topic in self._phrases[key]:
                    found.setdefault(topic, where)
        body_visits: Counter[int] = Counter()
        # Paragraph by paragraph: a phrase does not run across a paragraph break.
        for paragraph in text.body:
            self._visit(tokens(paragraph), body_visits)
        for key, count in self._occurrences(body_visits).items():
            if count >= BODY_MIN_OCCURRENCES:
                for topic in self._phrases[key]:
                    found.setdefault(topic, "body")
        return found

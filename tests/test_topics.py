"""Topic normalisation, plural folding and the matching rule, table-driven."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.article.types import Article
from bot.briefing.types import Brief
from bot.errors import InvalidTopic
from bot.topics import (
    BODY_MAX_CHARS,
    BODY_MIN_OCCURRENCES,
    MAX_LENGTH,
    BriefText,
    TopicIndex,
    bounded,
    fold,
    normalize_topic,
    tokens,
)
from tests._growth import best_time


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NATO", "nato"),
        ("  Cease-Fire   talks ", "cease-fire talks"),
        ("Zélenskyy", "zelenskyy"),
        ("O’Brien", "o'brien"),
        ("Straße", "strasse"),
        ("F-35", "f-35"),
        ("ﬁnance", "finance"),  # compatibility ligature
        ("EU", "eu"),
    ],
)
def test_normalize_topic(raw: str, expected: str) -> None:
    assert normalize_topic(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "a",
        "  b  ",
        "x" * 51,
        "nato|otan",
        "(a+)+$",
        ".*",
        "c++",
        "#news",
        "--",
        "a_b",
        "<@123>",
    ],
)
def test_normalize_topic_refuses(raw: str) -> None:
    with pytest.raises(InvalidTopic):
        normalize_topic(raw)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("missiles", "missile"),
        ("missile", "missile"),
        ("policies", "policy"),
        ("boxes", "box"),
        ("churches", "church"),
        ("classes", "class"),
        ("taxes", "tax"),
        ("tariffs", "tariff"),
        ("days", "day"),
        ("causes", "cause"),
        ("houses", "house"),
        ("news", "news"),
        ("bus", "bus"),
        ("buses", "bus"),
        ("analysis", "analysis"),
        ("analyses", "analysis"),
        ("crisis", "crisis"),
        ("crises", "crisis"),
        ("boss", "boss"),
        ("status", "status"),
        ("series", "series"),
        ("movies", "movie"),
        ("gas", "gas"),
        ("us", "us"),
        ("is", "is"),
        ("f35s", "f35s"),
    ],
)
def test_fold(word: str, expected: str) -> None:
    assert fold(word) == expected


MATCH_CASES = [
    # (topic, headline, description, lead, body paragraphs, expected where or None)
    ("nato", "NATO ministers meet", "", "", [], "headline"),
    ("nato", "Donato wins award", "", "", [], None),
    ("nato", "Pro-NATO parties gain", "", "", [], "headline"),
    ("nato", "NATO's new chief", "", "", [], "headline"),
    ("nato", "", "Allies meet at NATO headquarters", "", [], "description"),
    ("nato", "", "", "Reuters reports on NATO:", [], "lead"),
    ("nato", "Talks", "", "", ["NATO met.", "Later, NATO agreed."], "body"),
    ("nato", "Talks", "", "", ["NATO met and NATO agreed."], "body"),
    ("nato", "Talks", "", "", ["Only one NATO mention here."], None),
    ("missile", "Patriot missiles deployed", "", "", [], "headline"),
    ("missiles", "A missile was fired", "", "", [], "headline"),
    ("patriot missile", "Patriot missiles deployed to Turkey", "", "", [], "headline"),
    ("patriot missile", "Patriot group buys missiles", "", "", [], None),
    ("energy policy", "EU energy policies under review", "", "", [], "headline"),
    ("zelenskyy", "Zélenskyy visits Paris", "", "", [], "headline"),
    ("zélenskyy", "ZELENSKYY visits Paris", "", "", [], "headline"),
    ("cease-fire", "Gaza cease fire holds", "", "", [], "headline"),
    ("cease fire", "Gaza cease-fire holds", "", "", [], "headline"),
    ("ceasefire", "Gaza cease-fire holds", "", "", [], None),
    ("news", "New rules for banks", "", "", [], None),
    ("new", "Fake news spreads", "", "", [], None),
    ("bus", "Buses return to the city", "", "", [], "headline"),
    ("box", "Ballot boxes sealed", "", "", [], "headline"),
    ("f-35", "Denmark buys F-35 jets", "", "", [], "headline"),
    ("f-35", "Denmark buys F-350 trucks", "", "", [], None),
    ("o'brien", "O’Brien resigns", "", "", [], "headline"),
    # a phrase does not run across two paragraphs
    ("climate change", "Summit", "", "", ["We discuss climate", "Change is hard", "climate"], None),
    ("eu", "EU and U.S. agree", "", "", [], "headline"),
]


@pytest.mark.parametrize(("topic", "headline", "description", "lead", "body", "where"), MATCH_CASES)
def test_match_rule(
    topic: str, headline: str, description: str, lead: str, body: list[str], where: str | None
) -> None:
    normalized = normalize_topic(topic)
    index = TopicIndex([normalized])
    found = index.match(BriefText(headline, description, lead, body))
    assert found.get(normalized) == where


def test_index_reports_first_field_and_each_wording() -> None:
    index = TopicIndex(["nato", "turkey", "missile", "missiles", "golf"])
    text = BriefText(
        headline="NATO aims to repair Russia ties despite Patriot row",
        description="Turkey asks for missiles",
        lead="Reuters reports:",
        body=["Turkey wants Patriot missiles.", "NATO will decide on missiles."],
    )
    found = index.match(text)
    assert found == {
        "nato": "headline",
        "turkey": "description",
        "missile": "description",
        "missiles": "description",
    }
    # each wording is its own topic (the notifier reads its subscribers from the subscriptions)
    assert len(index) == 5 and index.topics == {"nato", "turkey", "missile", "missiles", "golf"}


def test_brief_text_from_brief() -> None:
    article = Article(
        url="https://example.org/a",
        title="Title NATO",
        description="Desc",
        paragraphs=["one", "two"],
    )
    text = BriefText.from_brief(Brief(article=article, url=article.url, lead="Lead"))
    assert text == BriefText("Title NATO", "Desc", "Lead", ("one", "two"))


def test_tokens_are_case_accent_and_possessive_blind() -> None:
    assert tokens("NATO’s Zélenskyy, pro-EU") == ["nato", "zelenskyy", "pro", "eu"]


def test_many_overlapping_topics() -> None:
    topics = ["united", "united states", "united states senate", "senate", "states"]
    index = TopicIndex(topics)
    found = index.match(BriefText(headline="United States Senate votes"))
    assert set(found) == set(topics)


# --- bounded text, a matcher linear in it -------------------------------------------------------


def _reference_match(topics: list[str], text: BriefText) -> dict[str, str]:
    """The rule spelled out the slow, obvious way: count each phrase by sliding over the words."""

    def count(words: list[str], phrase: tuple[str, ...]) -> int:
        n = len(phrase)
        return sum(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))

    text = bounded(text)
    found: dict[str, str] = {}
    for topic in topics:
        phrase = tuple(tokens(topic))
        for where, value in (
            ("headline", text.headline),
            ("description", text.description),
            ("lead", text.lead),
        ):
            if count(tokens(value), phrase):
                found[topic] = where
                break
        else:
            if sum(count(tokens(p), phrase) for p in text.body) >= BODY_MIN_OCCURRENCES:
                found[topic] = "body"
    return found


_WORDS = st.sampled_from(["a", "b", "nato", "missiles", "missile", "cease-fire", "fire"])


@settings(max_examples=300, deadline=None)
@given(
    topics=st.lists(st.lists(_WORDS, min_size=1, max_size=5).map(" ".join), max_size=8),
    fields=st.lists(st.lists(_WORDS, max_size=12).map(" ".join), min_size=3, max_size=3),
    body=st.lists(st.lists(_WORDS, max_size=20).map(" ".join), max_size=4),
)
def test_the_automaton_agrees_with_the_rule_spelled_out(
    topics: list[str], fields: list[str], body: list[str]
) -> None:
    # Few distinct words: phrases overlap, repeat and nest, the cases failure links are for.
    normalized = sorted({normalize_topic(t) for t in topics if 2 <= len(t) <= MAX_LENGTH})
    text = BriefText(fields[0], fields[1], fields[2], body)
    index = TopicIndex(normalized)
    assert index.match(text) == _reference_match(normalized, text)


def test_only_the_bounded_text_is_read() -> None:
    filler = ("The talks went on. " * (BODY_MAX_CHARS // 19))[: BODY_MAX_CHARS - 20]
    index = TopicIndex(["nato", "turkey"])
    text = BriefText("Talks", "", "", [filler, "Turkey and Turkey.", "NATO and NATO."])
    # Turkey is within the bound, NATO past it (a long article's tail is not matched).
    assert index.match(text) == {"turkey": "body"}
    assert index.match(BriefText("x" * 5000 + " NATO", "", "", [])) == {}
    # A paragraph cut at the bound is cut between words: "natoville" does not become "nato".
    long = "x " * (BODY_MAX_CHARS // 2 - 2) + "natoville natoville"
    assert bounded(BriefText(body=[long])).body[0].split()[-1] != "nato"
    assert all(len(p) <= BODY_MAX_CHARS for p in bounded(BriefText(body=[long])).body)


def _best_of(fn: Callable[[], object], runs: int = 5) -> float:
    """The fastest of ``runs`` timings of ``fn``: the least disturbed by other work."""
    return best_time(lambda _: fn(), None, runs)  # CPU time: see tests/_growth.py


def _repetitive(words: int) -> BriefText:
    """A page that repeats one word, as a hostile page would, in paragraphs of 200 words."""
    paragraph = " ".join(["a"] * 200)
    return BriefText("a a", "a a", "a a", [paragraph] * (words // 200))


# Every topic of 1 to 25 "a"s (the most words /subscribe accepts): each word of the page ends an
# occurrence of every one of them.
_ALL_A_TOPICS = [" ".join(["a"] * n) for n in range(1, 26)]


def test_matching_cost_grows_linearly_with_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.topics.BODY_MAX_CHARS", 10**7)  # below the bound, to see the growth
    index = TopicIndex(_ALL_A_TOPICS)
    small, large = _repetitive(4_000), _repetitive(32_000)
    assert index.match(small) == {t: "headline" for t in _ALL_A_TOPICS[:2]} | {
        t: "body" for t in _ALL_A_TOPICS[2:]
    }
    ratio = _best_of(lambda: index.match(large)) / _best_of(lambda: index.match(small))
    assert ratio < 8 * 3, f"8x the text took {ratio:.1f}x the time"


def test_matching_cost_does_not_grow_with_the_topics_length() -> None:
    text = _repetitive(20_000)
    # Every topic of 1 to 3 "a"s, then of 1 to 24: 8x the longest topic, and every one of them
    # occurring at every word of the page.
    short = TopicIndex(_ALL_A_TOPICS[:3])
    long = TopicIndex(_ALL_A_TOPICS[:24])
    assert len(short.match(text)) == 3 and len(long.match(text)) == 24
    ratio = _best_of(lambda: long.match(text)) / _best_of(lambda: short.match(text))
    # The old n-gram lookup built every phrase length at every word: 10x the time here.
    assert ratio < 3, f"topics of 8x the words took {ratio:.1f}x the time"


def test_an_index_built_in_steps_is_the_index() -> None:
    topics = ["united", "united states", "united states senate", "senate", "states", "nato"]
    index, steps = TopicIndex.in_steps(topics, 2)
    assert sum(1 for _ in steps) > 3  # 6 topics and 8 states, 2 at a time
    text = BriefText(headline="United States Senate votes on NATO")
    assert index.match(text) == TopicIndex(topics).match(text) and len(index) == 6

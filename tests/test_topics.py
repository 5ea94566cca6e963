"""Topic normalisation, plural folding and the matching rule, table-driven."""

from __future__ import annotations

import pytest

from bot.brief import Brief
from bot.errors import InvalidTopic
from bot.extract import Article
from bot.topics import BriefText, TopicIndex, fold, match_topics, normalize_topic, tokens


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
    index = TopicIndex({normalized: frozenset({1})})
    found = index.match(BriefText(headline, description, lead, body))
    assert found.get(normalized) == where
    assert match_topics(BriefText(headline, description, lead, body), [normalized]) == (
        {normalized} if where else set()
    )


def test_index_reports_first_field_and_subscribers() -> None:
    index = TopicIndex.from_pairs(
        [("nato", 1), ("nato", 2), ("turkey", 2), ("missile", 3), ("missiles", 4), ("golf", 5)]
    )
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
    assert index.subscribers_of(found) == {
        1: ["nato"],
        2: ["nato", "turkey"],
        3: ["missile"],
        4: ["missiles"],
    }


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
    index = TopicIndex({t: frozenset({i}) for i, t in enumerate(topics)})
    found = index.match(BriefText(headline="United States Senate votes"))
    assert set(found) == set(topics)

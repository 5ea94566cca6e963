from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bot.article.types import Article
from bot.discussion.embedding import Embedder, embedder
from bot.discussion.retrieval import ArticleIndex, Tuning

# Both ways the bot answers: with the bundled word embeddings (English), and from words alone.
EMBEDDERS = [pytest.param(None, id="words"), pytest.param("wordllama", id="embedded")]


def _embedder(name: str | None) -> Embedder | None:
    if name is None:
        return None
    loaded = embedder()
    assert loaded is not None
    return loaded


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much coal did the terminal handle last year?", 3),
        ("Who is the council leader?", 6),
        ("When does the operator's lease end?", 9),
        ("What did the dock workers' union say?", 7),
        ("How many people work at the terminal?", 5),
    ],
)
@pytest.mark.parametrize("model", EMBEDDERS)
def test_the_answering_paragraph_comes_first(
    coal: Article, question: str, expected: int, model: str | None
) -> None:
    result = ArticleIndex(coal.paragraphs, coal.language, embedder=_embedder(model)).search(
        question
    )
    assert not result.abstain
    assert result.passages[0].index == expected


def test_passages_are_the_stored_paragraphs_verbatim(coal: Article) -> None:
    result = ArticleIndex(coal.paragraphs, "en").search("What did opposition councillors argue?")
    assert result.passages
    for p in result.passages:
        assert p.text == coal.paragraphs[p.index]
        assert p.text in coal.text


@pytest.mark.parametrize(
    "question",
    [
        "Which team won the football world cup final?",
        "What is the boiling point of mercury?",
        "Who wrote the novel Moby Dick?",
    ],
)
@pytest.mark.parametrize("model", EMBEDDERS)
def test_a_question_the_article_does_not_answer_is_abstained_on(
    coal: Article, question: str, model: str | None
) -> None:
    result = ArticleIndex(coal.paragraphs, "en", embedder=_embedder(model)).search(question)
    assert result.abstain
    assert result.shown() == ()


def test_nothing_to_search_abstains(coal: Article) -> None:
    assert ArticleIndex(coal.paragraphs, "en").search("what is the?").abstain
    assert ArticleIndex([], "en").search("coal terminal").abstain


def test_german_article_is_stemmed_in_german(german: Article) -> None:
    index = ArticleIndex(german.paragraphs, german.language)
    # "Busse" / "Bussen", "Fahrradstraßen" / "Fahrradstraße": only a German stemmer folds these.
    result = index.search("Wie oft fahren die Bussen im Zentrum?")
    assert result.passages[0].index == 4
    plain = ArticleIndex(german.paragraphs, "xx")  # no stemmer: plain tokens still work
    assert plain.search("Wie oft fahren die Busse im Zentrum?").passages[0].index == 4


def test_case_and_accents_are_ignored(german: Article) -> None:
    index = ArticleIndex(german.paragraphs, "de")
    assert index.search("OBERBURGERMEISTERIN KRUGER").passages[0].index == 2


def test_the_threshold_decides_abstention(coal: Article) -> None:
    q = "How many people work at the terminal?"
    confident = ArticleIndex(coal.paragraphs, "en").search(q)
    strict = ArticleIndex(coal.paragraphs, "en", Tuning(abstain_below=99.0)).search(q)
    assert not confident.abstain and strict.abstain
    assert strict.confidence == pytest.approx(confident.confidence)


def test_shown_keeps_the_best_and_close_runners_up(coal: Article) -> None:
    result = ArticleIndex(coal.paragraphs, "en").search("council vote coal terminal")
    shown = result.shown()
    assert 1 <= len(shown) <= 3
    assert shown[0] == result.passages[0]
    assert all(p.score >= 0.75 * shown[0].score for p in shown)


def test_embeddings_are_used_for_english_only(german: Article) -> None:
    loaded = _embedder("wordllama")
    index = ArticleIndex(german.paragraphs, "de", embedder=loaded)
    assert index._embedder is None  # trained on English: German is answered from words alone
    assert index.search("Wie oft fahren die Busse im Zentrum?").passages[0].index == 4


class _ConceptEmbedder:
    """A tiny deterministic embedder: words of one concept share a dimension, any other word
    gets one of its own, so a paragraph's many other words dilute its vector as real ones do."""

    CONCEPTS = ({"ferry", "boat"}, {"leave", "sails", "sail", "depart"}, {"when", "six", "hour"})

    def embed(self, texts: Sequence[str]) -> Any:
        vocabulary: dict[str, int] = {}
        rows = []
        for text in texts:
            counts: dict[int, float] = {}
            for word in re.findall(r"[a-z]+", text.lower()):
                dim = next((i for i, c in enumerate(self.CONCEPTS) if word in c), None)
                if dim is None:
                    dim = 3 + vocabulary.setdefault(word, len(vocabulary) % 61)
                counts[dim] = counts.get(dim, 0.0) + 1.0
            row = np.zeros(64)
            for dim, n in counts.items():
                row[dim] = n
            rows.append(row / (np.linalg.norm(row) or 1.0))
        return np.array(rows)


def test_the_best_sentence_of_a_long_paragraph_counts() -> None:
    # The answer is one short sentence at the end of a paragraph about other things; another
    # paragraph shares the question's word but does not answer.
    paragraphs = [
        "The harbour board met on Monday to discuss the budget, parking fees, repairs to the "
        "fish market roof, a complaint about seagulls, the lifeboat station and the annual "
        "regatta. The boat sails at six.",
        "Passengers complained about ferry fares.",
    ]
    question = "When does the ferry leave?"
    plain = replace(Tuning(), sentence_embed_weight=0.0)
    by_sentence = replace(Tuning(), sentence_embed_weight=1.5)
    concept = _ConceptEmbedder()
    assert ArticleIndex(paragraphs, "en", plain, concept).search(question).passages[0].index == 1
    assert (
        ArticleIndex(paragraphs, "en", by_sentence, concept).search(question).passages[0].index == 0
    )


def _ferry_article() -> list[str]:
    # A 40-paragraph article: many paragraphs make every word's idf, and so BM25 scores, large.
    paragraphs = [f"The council discussed item {chr(97 + i % 26)}{i} at length." for i in range(39)]
    paragraphs.insert(
        7, "The ferry to the island leaves the harbour every hour, the operator said."
    )
    return paragraphs


@pytest.mark.parametrize(
    "question",
    [
        "Which striker scored twice as the island ferry club beat harbour rivals?",
        "Did the island ferry captains' union strike over pensions and night shifts at the harbour?",
    ],
)
def test_a_few_shared_words_in_a_long_article_do_not_make_an_answer(question: str) -> None:
    # Three of the question's words stand in one paragraph by chance; the rest of its words the
    # article never uses. The best paragraph's score is read per unit of the question's own idf
    # weight: an absolute score (high here, as idf grows with the paragraph count) answered.
    index = ArticleIndex(_ferry_article(), "en")
    result = index.search(question)
    assert result.passages[0].index == 7
    assert result.abstain
    assert not index.search("When does the ferry leave the harbour?").abstain
    assert not index.search("How often does the ferry leave?").abstain

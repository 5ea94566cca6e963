from __future__ import annotations

from bot.article.types import Article
from bot.discussion.answer import NOT_SAID, Answerer, render

URL = "https://news.example/2024/coal"


def test_answer_quotes_passages_with_place_and_link(coal: Article) -> None:
    answer = Answerer(coal.paragraphs, "en", URL).answer("Who is the council leader?")
    assert not answer.says_nothing
    best = answer.passages[0]
    assert best.place == f"paragraph 7 of {len(coal.paragraphs)}"
    assert best.text == coal.paragraphs[6]
    assert best.link.startswith(URL + "#:~:text=")
    text = render(answer)
    assert "> " in text and "paragraph 7 of 10" in text
    assert NOT_SAID not in text


def test_off_topic_answer_quotes_nothing(coal: Article) -> None:
    answer = Answerer(coal.paragraphs, "en", URL).answer("Who wrote the novel Moby Dick?")
    assert answer.says_nothing
    text = render(answer)
    assert text.startswith(NOT_SAID)
    assert ">" not in text


def test_page_text_is_escaped_and_cannot_ping() -> None:
    paragraphs = ["The mayor said @everyone should read **this** <@123> plan for the harbour."]
    text = render(Answerer(paragraphs, "en", URL).answer("What did the mayor say about the plan?"))
    assert "@everyone" not in text and "<@123>" not in text
    assert "\\*\\*this\\*\\*" in text


def test_answer_fits_in_one_message() -> None:
    paragraphs = [("harbour terminal coal " * 200).strip()] * 3
    text = render(Answerer(paragraphs, "en", URL).answer("harbour terminal coal"))
    assert len(text) <= 2000

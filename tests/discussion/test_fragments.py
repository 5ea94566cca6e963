from __future__ import annotations

from urllib.parse import unquote

from bot.discussion.fragments import encode, link, text_directive


def test_directive_syntax_characters_are_encoded() -> None:
    assert encode("a-b, c&d") == "a%2Db%2C%20c%26d"
    assert encode("café #1") == "caf%C3%A9%20%231"


def test_short_passage_is_given_whole() -> None:
    assert (
        text_directive("Councillors backed the plan.") == "text=Councillors%20backed%20the%20plan."
    )


def test_long_passage_is_start_and_end() -> None:
    passage = "The city council voted on Thursday night to close the harbour's coal terminal by 2030, ending it."
    value = text_directive(passage)
    start, end = value.removeprefix("text=").split(",")
    assert unquote(start) == "The city council voted"
    assert unquote(end) == "by 2030, ending it."
    assert end.count("%2C") == 1  # the passage's own comma is encoded, not syntax


def test_link_keeps_an_existing_fragment_and_replaces_a_text_directive() -> None:
    assert link("https://n.example/a", "Hello there") == "https://n.example/a#:~:text=Hello%20there"
    assert (
        link("https://n.example/a#top", "Hello there")
        == "https://n.example/a#top:~:text=Hello%20there"
    )
    assert (
        link("https://n.example/a#top:~:text=old", "Hello")
        == "https://n.example/a#top:~:text=Hello"
    )

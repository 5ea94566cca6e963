"""The prompts: one request per piece, carrying headline, outlet, runs and the sharer's words,
bounded in size, page and member text marked as material."""

from __future__ import annotations

import pytest

from bot.model.prompts import (
    MATERIAL_MAX_CHARS,
    PieceContext,
    answer_prompt,
    bridge_prompt,
    lead_prompt,
)

CONTEXT = PieceContext(
    headline="Harbour city votes to close coal terminal",
    outlet="The Coastal Courier",
    runs=[["First run, one."], ["Second run, one.", "Second run, two."], ["Third run."]],
    take="Big news for the port!",
    authors=("Priya Raman",),
)


def user_text(messages: list) -> str:
    assert [m["role"] for m in messages] == ["system", "user"]
    return messages[1]["content"]


def test_lead_prompt_carries_what_the_lead_may_use() -> None:
    text = user_text(lead_prompt(CONTEXT))
    for part in (
        "Harbour city votes to close coal terminal",
        "The Coastal Courier",
        "Priya Raman",
        "Big news for the port!",
        "First run, one.",
        "Second run, one. Second run, two.",
        "Third run.",
    ):
        assert part in text


def test_bridge_prompt_shows_the_run_before_and_the_run_it_introduces() -> None:
    text = user_text(bridge_prompt(CONTEXT, 2))
    assert "Passage A: Second run, one. Second run, two." in text
    assert "Passage B: Third run." in text
    assert "First run" not in text
    assert "Big news for the port!" in text
    with pytest.raises(ValueError):
        bridge_prompt(CONTEXT, 0)
    with pytest.raises(ValueError):
        bridge_prompt(CONTEXT, 3)


def test_prompts_are_bounded() -> None:
    huge = PieceContext(
        headline="H", outlet="O", runs=[["word " * 5000] for _ in range(6)], take="t " * 5000
    )
    assert len(user_text(lead_prompt(huge))) < MATERIAL_MAX_CHARS + 1500
    assert len(user_text(bridge_prompt(huge, 1))) < MATERIAL_MAX_CHARS + 1500


def test_answer_prompt_numbers_passages_from_one() -> None:
    text = user_text(
        answer_prompt(
            "How many work there?",
            [(6, "About 240 people work there."), (0, "The council voted.")],
            headline="H",
            outlet="O",
        )
    )
    assert "[¶7] About 240 people work there." in text
    assert "[¶1] The council voted." in text
    assert "Question: How many work there?" in text


def test_other_languages_are_asked_for_in_their_language() -> None:
    german = PieceContext(headline="H", outlet="O", runs=[["a"], ["b"]], language="de")
    assert "(de)" in user_text(lead_prompt(german))
    assert "(de)" not in user_text(lead_prompt(CONTEXT))

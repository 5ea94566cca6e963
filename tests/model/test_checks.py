"""The one output checker, for commentary pieces and thread answers: each check refuses what it
must and names itself; honest text passes."""

from __future__ import annotations

import pytest

from bot.model.checks import (
    CHECKS,
    DOES_NOT_SAY,
    Accepted,
    Refused,
    check_answer,
    check_bridge,
    check_lead,
    repeats,
)

PARAGRAPHS = [
    "The city council voted on Thursday night to close the harbour’s coal terminal by the end "
    "of 2030, ending more than a century of coal shipments through the port.",
    "Councillors backed the plan by 31 votes to 12 after a six-hour debate.",
    "“Nobody on this council takes these jobs lightly,” said the council leader, Margaret "
    "Okafor. “But the contracts are ending.”",
    "About 240 people work at the terminal. The council said it would spend £18m over six years "
    "on retraining, and 2,000 tonnes a day pass through NATO’s depot.",
]
ARTICLE = "\n".join(
    ["Harbour city votes to close coal terminal by 2030", "The Coastal Courier", *PARAGRAPHS]
)


def refused_by(verdict: Accepted | Refused) -> str | None:
    return verdict.check if isinstance(verdict, Refused) else None


@pytest.mark.parametrize(
    "text",
    [
        "The council will close the coal terminal by 2030, after a six-hour debate.",
        "The Coastal Courier on a vote that ends a century of coal. Jobs are the worry.",
        'Margaret Okafor says "nobody on this council takes these jobs lightly".',
        "Margaret Okafor: “Nobody on this council takes these jobs lightly.”",
        "Okafor says the council takes the jobs seriously.",
        "Councillors voted 31 to 12; 2000 tonnes a day pass through NATO's depot.",
        "Meanwhile, about 240 people work at the terminal.",
        '"Jobs at the terminal are the question."',  # a reply wrapped in quotes quotes nothing
        "“Nobody on this council…” and “the contracts are ending” are Okafor’s words.",
    ],
)
def test_honest_leads_pass(text: str) -> None:
    verdict = check_lead(text, article=ARTICLE)
    assert isinstance(verdict, Accepted), verdict


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("The vote\x00 was close.", "characters"),
        ("The vote was close \ufffd.", "characters"),
        ("@everyone the council voted.", "mention"),
        ("Ask <@123> about the vote.", "mention"),
        ("Write to news@courier.example about it.", "mention"),
        ("See <#42> for the vote.", "mention"),
        ("Read it at https://courier.example/vote.", "link"),
        ("Read it at www.courier.example today.", "link"),
        ("The council **voted**.", "markdown"),
        ("The council `voted`.", "markdown"),
        ("The council ||voted||.", "markdown"),
        ("# The vote", "markdown"),
        ("> The vote", "markdown"),
        ("The council voted.\nThe port closes.", "markdown"),
        ("The [council](https) voted.", "markdown"),
        ("The council [voted].", "markdown"),
        ("The council voted. " * 30, "long"),
        ("The council voted. The port closes. Jobs go.", "sentences"),
        ('Okafor says "we will never close the port".', "quote"),
        ("Okafor says “nobody on this council takes", "quote"),
        ("Okafor says ‘the port stays open’.", "quote"),
        ("Councillors backed the plan by 33 votes.", "number"),
        ("About 250 people work at the terminal.", "number"),
        ("The council will spend £19m.", "number"),
        ("John Okafor backed the plan.", "name"),
        ("The plan worries Greenpeace.", "name"),
        ("Workers fear for the port.", "name"),  # "workers" is not in the article at all
    ],
)
def test_each_check_refuses_and_names_itself(text: str, check: str) -> None:
    assert check in CHECKS
    assert refused_by(check_lead(text, article=ARTICLE)) == check


def test_lead_that_repeats_the_first_quote_is_refused() -> None:
    lede = PARAGRAPHS[0]
    verdict = check_lead(
        "The city council voted on Thursday night to close the harbour's coal terminal.",
        article=ARTICLE,
        quoted=[lede],
    )
    assert refused_by(verdict) == "repeats"
    other = check_lead("Jobs are the worry after the vote.", article=ARTICLE, quoted=[lede])
    assert isinstance(other, Accepted)


def test_repeats_measures_word_pairs() -> None:
    assert repeats("The city council voted on Thursday night to close it", PARAGRAPHS[0])
    assert not repeats("About 240 people work at the terminal", PARAGRAPHS[0])
    assert not repeats("", PARAGRAPHS[0])


def test_abbreviations_and_initials_end_no_sentence() -> None:
    article = ARTICLE + "\nMr. Okafor met U.S. officials and J. Smith."
    verdict = check_lead("Mr. Okafor met U.S. officials and J. Smith.", article=article)
    assert isinstance(verdict, Accepted), verdict


def test_bridge_is_one_short_line_ending_in_a_colon() -> None:
    assert check_bridge("Margaret Okafor on the jobs", article=ARTICLE) == Accepted(
        "Margaret Okafor on the jobs:"
    )
    assert check_bridge("What it costs:", article=ARTICLE) == Accepted("What it costs:")
    assert refused_by(check_bridge("The cost. The jobs.", article=ARTICLE)) == "sentences"
    assert refused_by(check_bridge("On jobs " * 20, article=ARTICLE)) == "long"
    assert refused_by(check_bridge("What Greenpeace says:", article=ARTICLE)) == "name"


# --- answers ------------------------------------------------------------------------------------


def answer(text: str, retrieved: set[int]) -> Accepted | Refused:
    return check_answer(text, paragraphs=PARAGRAPHS, retrieved=retrieved)


def test_cited_answer_passes() -> None:
    assert answer("About 240 people work at the terminal [¶4].", {3}) == Accepted(
        "About 240 people work at the terminal [¶4]."
    )
    two = "The vote was 31 to 12 [¶2]. About 240 people work there. [¶4]"
    assert isinstance(answer(two, {1, 3}), Accepted)


def test_does_not_say_is_an_answer() -> None:
    for text in (
        "The article does not say.",
        "the article doesn’t say",
        " The article does not say ",
    ):
        assert answer(text, set()) == Accepted(DOES_NOT_SAY)


@pytest.mark.parametrize(
    ("text", "retrieved", "check"),
    [
        ("About 240 people work at the terminal.", {3}, "citation"),
        ("About 240 people work at the terminal [¶9].", {3}, "citation"),
        ("About 240 people work at the terminal [¶0].", {3}, "citation"),
        ("About 240 people work at the terminal [¶4].", {1}, "citation"),  # not retrieved
        ("The vote was 31 to 12 [¶2]. About 240 work there.", {1, 3}, "citation"),
        ("About 250 people work at the terminal [¶4].", {3}, "number"),
        # 31 is in the article, but not in the paragraph this sentence cites.
        ("About 31 people work at the terminal [¶4].", {3}, "number"),
        ("Okafor runs the terminal [¶4].", {3}, "name"),  # Okafor is in ¶3, not ¶4
        ('Okafor said "we will keep every job" [¶3].', {2}, "quote"),
        ("It rose [¶2]. It fell [¶2]. It rose again [¶2].", {1}, "sentences"),
        ("See [this](x) [¶2].", {1}, "markdown"),
        ("Ask @here [¶2].", {1}, "mention"),
    ],
)
def test_answer_checks(text: str, retrieved: set[int], check: str) -> None:
    assert refused_by(answer(text, retrieved)) == check

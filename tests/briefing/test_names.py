"""Surnames whose full name an earlier paragraph gives (bot.briefing.names)."""

from __future__ import annotations

import pytest

from bot.briefing.names import surname_introductions

# Ordinary prose, few capitals: the rule reads the share of capitalised words in the article.
PROSE = (
    "The hearing went on for most of the day, and the members asked about the call, the aid that "
    "was held back and what the officials around the president had known about it at the time."
)
VINDMAN = (
    "The committee heard from Lieutenant Colonel Alexander Vindman, the top Ukraine expert on "
    "the National Security Council, on Tuesday morning."
)


@pytest.mark.parametrize(
    ("paragraphs", "context", "expected"),
    [
        # a bare surname, a title and surname, the speaker after an opening quotation
        ([VINDMAN, "Vindman said he reported the call twice."], "", {1: (0, "Alexander Vindman")}),
        ([VINDMAN, "Mr. Vindman said he reported it."], "", {1: (0, "Alexander Vindman")}),
        ([VINDMAN, "“I reported it twice,” Vindman said."], "", {1: (0, "Alexander Vindman")}),
        ([VINDMAN, "Vindman’s lawyer said he had reported it."], "", {1: (0, "Alexander Vindman")}),
        (
            ["The letter was signed by Senator Conan O'Brien of Ohio.", "O'Brien said no."],
            "",
            {1: (0, "Conan O'Brien")},
        ),
        (["Officials said NASA Administrator was away.", "NASA said no."], "", {}),
        # at the start of a sentence a pair counts only with an apposition after it
        (
            ["Alexander Vindman, a colonel, spoke.", "Vindman said so."],
            "",
            {1: (0, "Alexander Vindman")},
        ),
        (["Because Google wants it, it ships.", "Google said so."], "", {}),
        # the paragraph gives the full name itself, or the headline does
        ([VINDMAN, "Alexander Vindman said he reported it."], "", {}),
        ([VINDMAN, "Vindman said he reported it."], "Alexander Vindman testifies", {}),
        # words the article also writes in lower case are not names
        (["Officials at the Pentagon said so.", "Pentagon officials agreed."], "", {}),
        (["The talks were held by President Trump today.", "President Trump said no."], "", {}),
        # the surname is named before its full name: nothing to take along
        (["Vindman said he reported it.", VINDMAN], "", {}),
    ],
)
def test_surname_introductions(
    paragraphs: list[str], context: str, expected: dict[int, tuple[int, str]]
) -> None:
    assert surname_introductions([*paragraphs, PROSE], context) == expected


GERMAN = [
    "Der Sprecher der Deutschen Bahn sagte am Montag, die Strecke werde im Sommer gesperrt.",
    "Bahn und Bund wollen die Sanierung der Strecke bis zum Jahr 2030 abschließen.",
    "Die Arbeiten sollen nachts stattfinden, damit der Verkehr am Tag weiterlaufen kann.",
    "Fahrgäste müssen sich auf Umleitungen und längere Fahrzeiten einstellen, hieß es.",
]


def test_capitalised_nouns_are_not_surnames() -> None:
    # German capitalises every noun: "Deutschen Bahn" looks like a full name and "Bahn und
    # Bund…" like a paragraph opening with its surname; but about a third of the words inside
    # these sentences are capitalised, and there a capital is no evidence of a name.
    assert surname_introductions(GERMAN) == {}
    # The same shape where capitals are rare is read as a name.
    assert surname_introductions(
        [
            "The spokesman of Deutschen Bahn said on Monday that the line would close.",
            "Bahn said no.",
            PROSE,
        ]
    ) == {1: (0, "Deutschen Bahn")}

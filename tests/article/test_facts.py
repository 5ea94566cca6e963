"""A data sheet of "label: value" lines right after the kept text."""

from __future__ import annotations

from bot.article.facts import with_facts
from tests._growth import assert_linear

DESCRIPTION = [
    "The estate is one of the oldest in the valley, founded by two brothers who came from the "
    "Rhine in 1868 and dug the first cellars into the hillside.",
    "This rosé is a light summer wine, fresh and fruity, to drink young and well chilled.",
]
SHEET = [
    "Details",
    "Taste: sweet",
    "Region: Napa Valley",
    "Grape: Zinfandel",
    "Serving temperature: 8 °C",
    "Decanting: not needed",
    "Closure: screw cap",
]


def _blocks(sheet: list[str], between: list[str] | None = None) -> list[tuple[str, float]]:
    between = ["More from this estate", "Close menu"] if between is None else between
    return (
        [(p, 0.0) for p in DESCRIPTION]
        + [(t, 0.9) for t in between]
        + [(t, 0.0) for t in sheet]
        + [("Reviews (1)", 0.8), ("Shipping: 3 days", 0.0)]
    )


def test_a_data_sheet_right_after_the_kept_text_follows_it() -> None:
    assert with_facts(DESCRIPTION, _blocks(SHEET)) == [*DESCRIPTION, *SHEET]


def test_a_few_labelled_lines_or_a_sheet_far_below_are_not_read() -> None:
    # a contact line or two under a story is no data sheet
    assert with_facts(DESCRIPTION, _blocks(SHEET[:4])) == DESCRIPTION
    # nor is a sheet further down the page, past other boxes
    far = ["Tab", "Close", "Newsletter", "Sign up now", "Menu"]
    assert with_facts(DESCRIPTION, _blocks(SHEET, far)) == DESCRIPTION
    # long lines with a colon are prose, not facts
    prose = [
        f"Note {n}: the estate ships to every country of the union within three days."
        for n in range(6)
    ]
    assert with_facts(DESCRIPTION, _blocks(prose)) == DESCRIPTION


def test_reading_the_sheet_grows_linearly_with_its_length() -> None:
    def blocks(n: int) -> list[tuple[str, float]]:
        # a long sheet, and long labels that never reach a colon
        return _blocks([f"Property {i}: value" for i in range(n)] + ["x" * 40 * n])

    assert_linear(lambda b: with_facts(DESCRIPTION, b), blocks, 300, what="facts")

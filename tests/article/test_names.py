"""Tests for bot.article.names: a pattern searched through many class names at once."""

from __future__ import annotations

import re

import pytest

from bot.article.names import names_holding
from tests._growth import assert_linear

_PATTERN = re.compile("byline|auth?or")


@pytest.mark.parametrize(
    "names",
    [
        ["post-byline", "story", "Autor-box", "AUTHOR", "main", "co\nauthor"],
        # "İ" lowercases into two characters: each name is then searched on its own
        ["İnfo", "byline", "author-card", "x"],
        ["story", "body"],
        [],
        ["byline" * 3, "byl", "ine"],  # no match across two names
    ],
    ids=["mixed", "dotted-capital-i", "none", "empty", "split-word"],
)
def test_the_names_found_together_are_those_found_one_by_one(names: list[str]) -> None:
    expected = [name for name in names if _PATTERN.search(name.lower())]
    assert names_holding(_PATTERN, names) == expected


def test_many_names_cost_linear_time() -> None:
    assert_linear(
        lambda names: names_holding(_PATTERN, names),
        lambda n: [f"author-{i}" if i % 3 else f"story-{i}" for i in range(n)],
        2000,
        what="names",
    )

"""Every regular expression that reads page or member text is linear-time on any input.

The patterns are found, not listed: every compiled pattern at module level in ``bot`` and ``cogs``
(and in tables of them, like the brief's furniture rules), so a new one is checked the day it is
added. Each is run with ``search``, ``fullmatch`` and ``findall`` on adversarial strings built the
way backtracking bombs are: a prefix, a unit repeated many times (long runs, ``|`` and ``/``
chains, repeated separators, nested or unclosed brackets), a second repeated unit (closing what
the first opened) and a suffix that makes the match fail at the very end. The words each pattern
looks for are part of the alphabet, so the search reaches deep into it. Growth is compared, never
speed (``tests/_growth.py``); absolute figures are in ``bench/regex_speed.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._growth import assert_linear
from tests._regexes import KNOWN_BOMBS, PATTERNS, AnyPattern, maker

# Pieces of hostile text; each pattern adds the words it looks for.
_ATOMS = [
    " ", "  ", "\n", "\n \n", "\t", "|", "/", " | ", " / ", "(", ")", "[", "]", "((", "))", ".",
    ",", ":", ";", ",;:", "-", "—", "@", "\"", "'", "’", "“", "”", "©", "A", "a", "Ab", "ab", "1",
    "12", "2024", "<", ">", "=", "`", "```", "*", "**", "_", "~~", "#", "&", "ß", "Ж", "あ", "x",
    "AAAAAAAAAA|", "https://", "\x00",
]  # fmt: skip


def _words(pattern: AnyPattern) -> list[str]:
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode()
    words = sorted(set(re.findall(r"[A-Za-z]{2,}", source)))
    return words + [w.capitalize() for w in words] + [w.upper() for w in words]


def _pieces(pattern: AnyPattern) -> st.SearchStrategy[str]:
    atom = st.sampled_from(_ATOMS + _words(pattern))
    return st.lists(atom, min_size=1, max_size=4).map("".join)


def _shapes(pattern: AnyPattern) -> st.SearchStrategy[tuple[str, str, str, str]]:
    optional = st.one_of(st.just(""), _pieces(pattern))
    return st.tuples(optional, _pieces(pattern), optional, optional)


_METHODS: dict[str, Callable[[AnyPattern], Callable[[str | bytes], object]]] = {
    "search": lambda p: p.search,  # type: ignore[return-value]
    "fullmatch": lambda p: p.fullmatch,  # type: ignore[return-value]
    "findall": lambda p: p.findall,  # type: ignore[return-value]
}


def _check(name: str, pattern: AnyPattern, shape: tuple[str, str, str, str]) -> None:
    make = maker(pattern, shape)
    for method, bound in _METHODS.items():
        assert_linear(bound(pattern), make, 400, what=f"{name}.{method} {shape!r}")


@pytest.mark.parametrize("name", sorted(PATTERNS))
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_pattern_is_linear_on_adversarial_text(name: str, data: st.DataObject) -> None:
    pattern = PATTERNS[name]
    shape = data.draw(_shapes(pattern), label="shape")
    _check(name, pattern, shape)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_is_linear_on_known_bombs(name: str) -> None:
    # One test a pattern, not one a pattern and shape: 2,385 tests were 1,000s of reports to pass
    # between pytest-xdist's processes; a failure still names the shape (``_check``'s ``what``).
    for shape in KNOWN_BOMBS:
        _check(name, PATTERNS[name], shape)


def test_patterns_are_found() -> None:
    # The discovery is what makes the tests above complete: it must see the known patterns.
    assert {
        "bot.article.furniture.credits._CREDIT_LINE",
        "bot.article.furniture.kinds._FURNITURE[credit]",
        "bot.article.metadata.authors._NAME_SPLIT",
        "bot.fetch.links._SPACE_BEFORE_PUNCT",
        "bot.fetch.charset._META_CHARSET",
    } <= set(PATTERNS)
    assert len(PATTERNS) > 60


_INLINE_CALL = re.compile(
    r"\bre\.(?:search|match|fullmatch|findall|finditer|sub|subn|split)\(r?[\"']"
)


def test_no_pattern_is_written_inline() -> None:
    """A literal passed to ``re.search(...)`` and the like would escape the tests above."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    inline = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("bot", "cogs")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _INLINE_CALL.search(line)
    ]
    assert inline == []

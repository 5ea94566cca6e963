"""The regular expressions newslink runs on page and member text, and strings that attack them.

Shared by ``tests/test_regex_linear.py`` (growth) and ``bench/regex_speed.py`` (absolute times).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator

import bot
import cogs
from bot.article.metadata import dates

AnyPattern = re.Pattern[str] | re.Pattern[bytes]

# Importing it is the parsers' warm-up (seconds of CPU, at every xdist worker's collection); it
# holds no pattern of its own.
_NOT_IMPORTED = {"bot.sharing.preload"}


def _module_patterns() -> Iterator[tuple[str, AnyPattern]]:
    for package in (bot, cogs):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name in _NOT_IMPORTED:
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern):
                    yield f"{info.name}.{name}", value
                elif isinstance(value, tuple | list):
                    for item in value:
                        # ("credit", re.compile(...)): a table of named rules
                        if isinstance(item, tuple) and len(item) == 2:
                            if isinstance(item[1], re.Pattern):
                                yield f"{info.name}.{name}[{item[0]}]", item[1]


def all_patterns() -> dict[str, AnyPattern]:
    found: dict[str, AnyPattern] = {}
    seen: set[tuple[str | bytes, int]] = set()
    for name, pattern in _module_patterns():
        # Imported into another module too, or the same source compiled with the same flags in
        # two modules (bot.briefing.ranking._WORD and bot.model.checks._PAIR_WORD): one regex,
        # checked once, under its first name.
        key = (pattern.pattern, pattern.flags)
        if key not in seen:
            seen.add(key)
            found[name] = pattern
    # Compiled on first use, one list a month: the date spellings a page may show.
    for i, (pattern, _) in enumerate(dates._NUMERIC_SPELLINGS + dates._named_spellings(3)):
        if (pattern.pattern, pattern.flags) not in seen:
            seen.add((pattern.pattern, pattern.flags))
            found[f"bot.article.metadata.dates._date_spellings[{i}]"] = pattern
    return found


PATTERNS = all_patterns()


def maker(pattern: AnyPattern, shape: tuple[str, str, str, str]) -> Callable[[int], str | bytes]:
    """Text of about ``n`` characters: the prefix, the unit repeated, the closer repeated as
    often (closing what the units opened) and the suffix (bytes for a bytes pattern)."""
    prefix, unit, closer, suffix = shape

    def make(n: int) -> str | bytes:
        count = max(1, n // (len(unit) + len(closer)))
        text = prefix + unit * count + closer * count + suffix
        return text.encode() if isinstance(pattern.pattern, bytes) else text

    return make


# The shapes that broke patterns here before, kept so they are always tried.
KNOWN_BOMBS = [
    ("", "AAAAAAAAAA|", "", "x"),  # issue 10: _CREDIT_LINE and the brief's credit rule
    ("By ", "A", "", "!x"),  # "By" then capitalised words, split every way
    ("Photo by ", "A/", "", "!"),
    ("", "(", ")", ""),  # nested brackets
    ("", "[", "", ""),  # unclosed brackets
    ("", " ", "", "x"),  # a long run of spaces that ends in no match
    ("", "1", "", "x"),  # a long run of digits
    ("", "A ", "", "."),
    ("<meta ", "a ", "", ""),
    ("", "<meta ", "", ""),  # many tags, none closed
    ("", ",", "", "x"),
    ("", "newsletter ", "", "x"),  # a word a rule looks for, again and again
    ("", "a@", "", ""),
    ("", "!", "", "x"),  # issue 13: a run of sentence marks rescanned from each (model checks)
    ("", "\n", "", "x"),  # issue 13: empty lines, each a ^ that \s* scanned past (model checks)
]


METHODS = ("search", "fullmatch", "findall")

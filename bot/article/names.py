"""Which of a page's class or id names hold a pattern, found by one search through them all.

The readers that look for a word in the page's class names (chrome's furniture words, the byline
classes) tested each distinct name with a search of its own, and through a memo keyed on lxml's
string subclass (``functools.lru_cache`` takes its slow path for it): on the metadata set that
cost 0.8 ms a page for chrome removal alone. :func:`names_holding` joins the names by line feeds,
lowercases them once and searches the whole; each search starts after the name the last one
found, so the work is linear in the names' length.
"""

from __future__ import annotations

import bisect
import itertools
import re

__all__ = ["names_holding"]


def names_holding(pattern: re.Pattern[str], names: list[str]) -> list[str]:
    """The names of ``names`` whose lowercased text ``pattern`` is found in, in their order.

    ``pattern`` must match no line feed (the names are joined by them, so that no match spans
    two). A name that lowercases to another length ("İ" into "i" and a dot) would shift the
    positions: then each name is searched on its own."""
    joined = "\n".join(names)
    lowered = joined.lower()
    if len(lowered) != len(joined):
        return [name for name in names if pattern.search(name.lower()) is not None]
    ends = list(itertools.accumulate(len(name) + 1 for name in names))
    found: list[str] = []
    pos = 0
    while (match := pattern.search(lowered, pos)) is not None:
        i = bisect.bisect_right(ends, match.start())
        found.append(names[i])
        pos = ends[i]
    return found

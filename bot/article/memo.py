"""Remembered answers about a page's strings, bounded in memory.

Several steps ask the same pure question of the same strings: every card of a list repeats its
class names, and the prose rules count the words of the same blocks more than once. A plain
``functools.lru_cache`` keyed on those strings keeps up to ``maxsize`` of them alive from page to
page in a long-lived parse worker, a hostile page's megabyte-long class value or block among
them. :func:`short_string_memo` remembers only strings of at most ``longest`` characters, so a
memo never holds more than ``maxsize * longest`` characters; a longer string is answered afresh.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

__all__ = ["short_string_memo"]

T = TypeVar("T")


def short_string_memo(
    maxsize: int, longest: int
) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """Decorate a pure function of one string: strings up to ``longest`` characters are
    remembered (the ``maxsize`` most recent)."""

    def decorate(function: Callable[[str], T]) -> Callable[[str], T]:
        remembered = functools.lru_cache(maxsize=maxsize)(function)

        @functools.wraps(function)
        def answer(text: str) -> T:
            return remembered(text) if len(text) <= longest else function(text)

        answer.cache_info = remembered.cache_info  # type: ignore[attr-defined]
        return answer

    return decorate

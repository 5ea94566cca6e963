"""A product's or an event's facts, set as "label: value" lines right after the text readability
kept: a shop's data sheet ("Region: Napa Valley", "Trinktemperatur: 8 °C"), a listing's details.

Readability keeps the description and drops the sheet that follows it, a list or a table of
short lines it scores as too poor in prose. A run of at least _MIN_FACTS such lines (and the
short headings between them) that starts a few blocks after the last kept paragraph is the
page's text too, and follows it. A lone "Telefon: ..." or a byline's "Von: ..." is no run.
"""

from __future__ import annotations

import re

__all__ = ["with_facts"]

# "Alkoholgehalt: 10 % vol.": a short label, a colon, a value (the label's length is bounded and
# the match anchored: linear in the block's length).
_FACT = re.compile(r"[^:\n]{2,40}: \S")
_MIN_FACTS = 5
_FACT_MAX_WORDS = 12
_HEADING_MAX_WORDS = 4
_FACT_MAX_LINK_SHARE = 0.1
# Blocks between the last kept paragraph and the run (a tab's title, "close menu").
_MAX_SKIPPED = 4


def _is_fact(text: str, share: float) -> bool:
    return (
        share <= _FACT_MAX_LINK_SHARE
        and len(text.split()) <= _FACT_MAX_WORDS
        and _FACT.match(text) is not None
    )


def _in_run(blocks: list[tuple[str, float]], i: int) -> bool:
    """Block ``i`` is a fact, or a short heading right above one."""
    text, share = blocks[i]
    if _is_fact(text, share):
        return True
    return (
        share <= _FACT_MAX_LINK_SHARE
        and len(text.split()) <= _HEADING_MAX_WORDS
        and i + 1 < len(blocks)
        and _is_fact(*blocks[i + 1])
    )


def with_facts(paragraphs: list[str], blocks: list[tuple[str, float]]) -> list[str]:
    """``paragraphs``, and after them the run of fact lines that starts at most _MAX_SKIPPED
    blocks after the last of them."""
    if not paragraphs:
        return paragraphs
    kept = set(paragraphs)
    last = max((i for i, (text, _) in enumerate(blocks) if text in kept), default=-1)
    if last < 0:
        return paragraphs
    start = next(
        (
            i
            for i in range(last + 1, min(last + 1 + _MAX_SKIPPED, len(blocks)))
            if _in_run(blocks, i)
        ),
        None,
    )
    if start is None:
        return paragraphs
    end = start
    while end < len(blocks) and _in_run(blocks, end):
        end += 1
    run = blocks[start:end]
    if sum(1 for text, share in run if _is_fact(text, share)) < _MIN_FACTS:
        return paragraphs
    return paragraphs + [text for text, _ in run if text not in kept]

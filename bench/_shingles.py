"""The article-extraction-benchmark metric: 4-token shingle precision, recall and F1.

As described in ``../shared/data/README.md`` (scrapinghub/article-extraction-benchmark): ``\\w+``
tokens, case kept; sliding windows of 4 tokens counted as a multiset (fewer than 4 tokens make one
shingle, no tokens none); per page tp/fp/fn are normalised by their sum; precision is averaged
over pages with tp + fp > 0, recall over pages with tp + fn > 0, and F1 is the harmonic mean of
the two averages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_TOKEN = re.compile(r"\w+")
SHINGLE_SIZE = 4


def shingles(text: str, n: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def page_scores(truth: str, prediction: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, divided by their sum so every page weighs the same."""
    want, got = shingles(truth), shingles(prediction)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def aggregate(pages: Iterable[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(precision, recall, F1) over pages' normalised (tp, fp, fn)."""
    precisions: list[float] = []
    recalls: list[float] = []
    for tp, fp, fn in pages:
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1

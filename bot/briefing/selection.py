"""Which paragraphs a brief quotes: by rank within a budget of quoted characters, whole and in
article order, grouped into runs of consecutive paragraphs."""

from __future__ import annotations

import bisect
import logging

from bot.article.furniture.kinds import paragraph_kinds
from bot.article.types import Article
from bot.briefing.commentary import bridge_before
from bot.briefing.names import surname_introductions
from bot.briefing.ranking import is_heading, leans_on_previous, rank_paragraphs
from bot.briefing.types import QuoteRun

log = logging.getLogger(__name__)


def entry_budgets(ranked: list[int], lengths: list[int]) -> dict[int, int]:
    """For each paragraph, the smallest budget at which it is quoted.

    Plain greedy filling with skips is not nested (budget 500 might take paragraphs 1 and 3, budget
    700 paragraphs 1 and 2). Instead each paragraph, in rank order, joins at the smallest budget
    where it fits beside every better paragraph at that budget and at every larger one, so for any
    budget B the quoted set is ``{p: entry[p] <= B}``: within B and a subset of any larger budget's.
    """
    points: list[int] = []  # sorted entry budgets so far
    sizes: list[int] = []  # paragraph length at the same position
    total = 0
    entry: dict[int, int] = {}
    for k in ranked:
        size = lengths[k]
        # Walk down from the largest budget: below it, the cumulative size is total minus above.
        cumulative = total
        base = 0
        for t in range(len(points) - 1, -1, -1):
            if points[t] - cumulative < size:
                base = cumulative
                break
            cumulative -= sizes[t]
        e = base + size
        entry[k] = e
        pos = bisect.bisect_right(points, e)
        points.insert(pos, e)
        sizes.insert(pos, size)
        total += size
    return entry


def select_paragraphs(
    article: Article, budget: int, *, max_paragraphs: int | None = None
) -> list[int]:
    """Indices (in article order) of the paragraphs quoted within ``budget`` characters."""
    ranked = rank_paragraphs(article)
    paras = article.paragraphs
    lengths = [len(p) for p in paras]
    # Every paragraph takes part, even one longer than this budget: leaving it out here but not
    # at a larger budget would break the nesting.
    entry = entry_budgets(ranked, lengths)
    # Furniture between two quotes is not carried in their run: the run breaks around it.
    heading = [
        kind is None and is_heading(article, p)
        for p, kind in zip(
            paras, paragraph_kinds(article.paragraphs, article.furniture), strict=True
        )
    ]
    # Subheadings between two quoted paragraphs are quoted with them, so that a run reads as the
    # article does instead of breaking into "* * *" and a bridge over one line. They count
    # towards the budget: the quoted set is the one at the largest entry budget whose paragraphs
    # plus enclosed headings fit. Enclosed headings only grow with the set, so that budget grows
    # with ``budget`` and the nesting holds. A paragraph cap takes a prefix of the same order
    # (the order paragraphs join in as the budget grows), so it nests too.
    position = {k: r for r, k in enumerate(ranked)}
    joining = sorted(ranked, key=lambda k: (entry[k], position[k]))
    if max_paragraphs is not None:
        joining = joining[:max_paragraphs]
    chosen: set[int] = set()
    total = 0
    best: set[int] = set()
    quotable = set(ranked)
    named = surname_introductions(
        paras, " ".join(x for x in (article.title, article.description) if x)
    )
    # Paragraphs held back until the paragraph giving the full name they use, or the one before
    # them, is quoted.
    waiting: dict[int, list[int]] = {}
    for k in joining:
        if entry[k] > budget:
            break
        pending = [k]
        while pending:
            k = pending.pop()
            if k in chosen:
                continue
            joined = _joined(k, chosen, paras, heading, quotable, named)
            if joined is None:
                if k in named:  # tried again once either paragraph is quoted
                    waiting.setdefault(named[k][0], []).append(k)
                    waiting.setdefault(k - 1, []).append(k)
                continue
            for j in joined:
                chosen.add(j)
                total += lengths[j] + _enclosed_length(j, chosen, heading, lengths)
                pending.extend(reversed(waiting.pop(j, [])))
            if total <= budget:
                best = set(chosen)
    return sorted(_with_enclosed_headings(best, heading))


def _joined(
    k: int,
    chosen: set[int],
    paras: list[str],
    heading: list[bool],
    quotable: set[int],
    named: dict[int, tuple[int, str]],
) -> list[int] | None:
    """The paragraphs that quoting ``k`` adds, or None while it cannot be quoted.

    A paragraph that leans on the one before it ("But…", "It…") never opens a run: it joins
    with that paragraph, or not at all. Nor does one that names a person by surname alone while
    the paragraph giving the full name is not quoted ("Vindman said…"): it joins with the
    paragraph before if that one gives the name, else it waits until that paragraph is quoted.
    The rules read only the ranking and what is already chosen, never the budget, so the quoted
    sets still nest."""
    if k == 0 or k - 1 in chosen:
        return [k]
    # (After a subheading a paragraph opens a section: connectives do not apply.)
    leans = not heading[k - 1] and leans_on_previous(paras[k])
    unintroduced = k in named and named[k][0] not in chosen
    if not (leans or unintroduced):
        return [k]
    if (
        k - 1 not in quotable
        or leans_on_previous(paras[k - 1])
        or (k - 1 in named and named[k - 1][0] not in chosen)
        or (unintroduced and named[k][0] != k - 1)
    ):
        return None
    return [k - 1, k]


def _enclosed_length(k: int, chosen: set[int], heading: list[bool], lengths: list[int]) -> int:
    """Characters of the headings that adding ``k`` to ``chosen`` encloses between quotes."""
    added = 0
    for step in (-1, 1):
        j = k + step
        span = 0
        while 0 <= j < len(heading) and heading[j]:
            span += lengths[j]
            j += step
        if j != k + step and j in chosen:
            added += span
    return added


def _with_enclosed_headings(chosen: set[int], heading: list[bool]) -> set[int]:
    out = set(chosen)
    for k in chosen:
        j = k + 1
        while j < len(heading) and heading[j]:
            j += 1
        if j > k + 1 and j in chosen:
            out.update(range(k + 1, j))
    return out


def quote_runs(article: Article, chosen: list[int]) -> list[QuoteRun]:
    groups: list[list[int]] = []
    for k in chosen:
        if groups and groups[-1][-1] == k - 1:
            groups[-1].append(k)
        else:
            groups.append([k])
    runs: list[QuoteRun] = []
    mentioned = " ".join(x for x in (article.title, article.description) if x).lower()
    for g, group in enumerate(groups):
        paras = [article.paragraphs[k] for k in group]
        bridge = None if g == 0 else bridge_before(paras, article, mentioned)
        if bridge is not None:
            mentioned += " " + bridge.lower()
        for p in paras:
            mentioned += " " + p.lower()
        runs.append(QuoteRun(paragraphs=paras, bridge=bridge, start=group[0]))
    return runs

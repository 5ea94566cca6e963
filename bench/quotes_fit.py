"""A learned paragraph scorer for quote selection, fitted on one fold and judged on the other.

Usage: ``python bench/quotes_fit.py ../shared/data/summaries [--target f1|precision] [--json OUT]``
(on demand, not in tests; issue 15 item 4).

For each SummEval article the bench page of ``bench/quotes.py`` is extracted once. Each paragraph
gets a handful of features that need no headline (the bench page has none, nor do the held-out
sets): position (the prior 1/sqrt(1+i), first or not, relative position), log length, the
ranking's centrality, TF-IDF cosine to the article's centroid, digits, capitalised-word density,
quotation marks, direct speech. The target is the paragraph's own ROUGE against the references
(mean over the 11: ``f1`` = (R-1 F + R-2 F) / 2 of the paragraph alone, ``precision`` = the same
with precision, a value per character). A least-squares fit with the article's mean taken out of
features and target (only the order within an article matters) is made on one fold; the other
fold's paragraphs are then ranked by it — within the paragraphs ``rank_paragraphs`` keeps, so the
furniture, heading and near-duplicate rules are untouched — and ``select_paragraphs`` quotes them
under its usual rules (nesting, paragraphs that lean back, surnames). Both directions, both budgets
(Lead-3's, mean over 11 references; 3 x Lead-3's against the first reference only), against
Lead-3 and against Lead at newslink's own quoted length.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import _folds  # noqa: E402
import quotes  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402

import bot.briefing.selection as selection  # noqa: E402
from bot.article.read import extract_article  # noqa: E402
from bot.briefing import ranking  # noqa: E402
from bot.briefing.types import MAX_PARAGRAPHS  # noqa: E402

FEATURES = (
    "prior",
    "first",
    "second",
    "third",
    "fourth",
    "relative_position",
    "log_length",
    "centrality",
    "centroid_cosine",
    "digits",
    "capitalised_density",
    "quote_marks",
    "direct_speech",
)


def features(paragraphs: Sequence[str]) -> np.ndarray:
    n = len(paragraphs)
    term_lists = [ranking.content_terms(p) for p in paragraphs]
    term_sets = [set(t) for t in term_lists]
    doc_freq: Counter[str] = Counter(w for s in term_sets for w in s)
    idf = {w: math.log((1 + n) / (1 + df)) + 1 for w, df in doc_freq.items()}
    vectors = []
    for terms in term_lists:
        tf = Counter(terms)
        v = {w: c * idf[w] for w, c in tf.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    centroid: Counter[str] = Counter()
    for v in vectors:
        centroid.update(v)
    c_norm = math.sqrt(sum(x * x for x in centroid.values())) or 1.0
    rows = []
    for i, (text, tset, v) in enumerate(zip(paragraphs, term_sets, vectors, strict=True)):
        shared = sum(min(doc_freq[w] - 1, 3) for w in tset) / (3.0 * len(tset)) if tset else 0.0
        words = text.split()
        capitalised = sum(1 for w in words[1:] if w[:1].isupper())
        rows.append(
            [
                (1.0 + i) ** -0.5,
                1.0 if i == 0 else 0.0,
                1.0 if i == 1 else 0.0,
                1.0 if i == 2 else 0.0,
                1.0 if i == 3 else 0.0,
                i / max(1, n - 1),
                math.log(max(1, len(text))),
                shared,
                sum(x * centroid[w] for w, x in v.items()) / c_norm,
                1.0 if ranking._DIGIT.search(text) else 0.0,
                capitalised / max(1, len(words)),
                1.0 if ranking._QUOTE_MARKS.search(text) else 0.0,
                1.0
                if ranking._QUOTE_MARKS.search(text) and ranking._ATTRIBUTION.search(text)
                else 0.0,
            ]
        )
    return np.array(rows, dtype=float)


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def targets(
    scorer: rouge_scorer.RougeScorer, paragraphs: Sequence[str], refs: Sequence[str], kind: str
) -> np.ndarray:
    """Each paragraph's own ROUGE-1 and -2 (F1 or precision) against each reference, averaged."""
    tokenize = scorer._tokenizer.tokenize
    ref_grams = [[_ngrams(tokenize(r), n) for n in (1, 2)] for r in refs]
    out = []
    for p in paragraphs:
        tokens = tokenize(p)
        values = []
        for grams in ref_grams:
            for n, ref in zip((1, 2), grams, strict=True):
                mine = _ngrams(tokens, n)
                overlap = sum((mine & ref).values())
                precision = overlap / max(1, sum(mine.values()))
                recall = overlap / max(1, sum(ref.values()))
                f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
                values.append(f1 if kind == "f1" else precision)
        out.append(statistics.fmean(values))
    return np.array(out, dtype=float)


def oracle_labels(
    scorer: rouge_scorer.RougeScorer,
    paragraphs: Sequence[str],
    refs: Sequence[str],
    budget: int,
) -> np.ndarray:
    """1 for the paragraphs a greedy oracle quotes within ``budget``: each step adds the
    paragraph that most raises (R-1 F + R-2 F) averaged over the references, while any does."""
    tokenize = scorer._tokenizer.tokenize
    ref_grams = [[_ngrams(tokenize(r), n) for n in (1, 2)] for r in refs]
    para_tokens = [tokenize(p) for p in paragraphs]

    def value(chosen: Sequence[int]) -> float:
        tokens = [t for k in sorted(chosen) for t in para_tokens[k]]
        total = 0.0
        for grams in ref_grams:
            for n, ref in zip((1, 2), grams, strict=True):
                mine = _ngrams(tokens, n)
                overlap = sum((mine & ref).values())
                if overlap:
                    p = overlap / sum(mine.values())
                    r = overlap / sum(ref.values())
                    total += 2 * p * r / (p + r)
        return total / len(ref_grams)

    chosen: list[int] = []
    used = 0
    best = 0.0
    while True:
        options = [
            (value([*chosen, k]), -k)
            for k in range(len(paragraphs))
            if k not in chosen and used + len(paragraphs[k]) <= budget
        ]
        if not options:
            break
        v, minus_k = max(options)
        if v <= best:
            break
        best = v
        chosen.append(-minus_k)
        used += len(paragraphs[-minus_k])
    labels = np.zeros(len(paragraphs))
    labels[chosen] = 1.0
    return labels


def fit(items: Sequence[dict[str, Any]]) -> np.ndarray:
    """Least squares on features and target centred per article (article fixed effects),
    a small ridge so that a feature constant on a fold does not blow up."""
    xs, ys = [], []
    for item in items:
        x, y = item["x"], item["y"]
        xs.append(x - x.mean(axis=0))
        ys.append(y - y.mean())
    x = np.vstack(xs)
    y = np.concatenate(ys)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = x / scale
    coef = np.linalg.solve(z.T @ z + 1.0 * np.eye(z.shape[1]), z.T @ y)
    return coef / scale


def ranked_by(
    weights: np.ndarray, columns: Sequence[int], known: dict[int, np.ndarray] | None = None
) -> Callable[[Any], list[int]]:
    """A ranking of the paragraphs ``rank_paragraphs`` keeps by the fitted score (or, with
    ``known``, by each article's own target: the ceiling of this way of choosing)."""
    original = ranking.rank_paragraphs

    def rank(article: Any) -> list[int]:
        kept = original(article)
        if known is not None:
            predicted = known[id(article)]
        else:
            predicted = features(article.paragraphs)[:, columns] @ weights
        return sorted(kept, key=lambda k: (-predicted[k], k))

    return rank


def evaluate(
    items: Sequence[dict[str, Any]],
    rank: Callable[[Any], list[int]] | None,
    long_rank: Callable[[Any], list[int]] | None = None,
) -> dict[str, dict[str, float]]:
    """Both budgets; ``long_rank`` (default ``rank``) ranks for the long-form one."""
    scorer = rouge_scorer.RougeScorer(list(quotes.METRICS), use_stemmer=True)
    out: dict[str, dict[str, float]] = {}
    for label, multiple, first in (("short", 1, False), ("long", 3, True)):
        sums: dict[str, list[dict[str, float]]] = {"newslink": [], "lead": [], "same": []}
        share = []
        for item in items:
            sentences, article, row = item["sentences"], item["article"], item["row"]
            budget = multiple * sum(len(s) for s in sentences[:3])
            saved = selection.rank_paragraphs
            chosen_rank = long_rank if label == "long" and long_rank is not None else rank
            if chosen_rank is not None:
                selection.rank_paragraphs = chosen_rank
            try:
                chosen = selection.select_paragraphs(
                    article, budget, max_paragraphs=MAX_PARAGRAPHS["long"]
                )
            finally:
                selection.rank_paragraphs = saved
            quoted = [article.paragraphs[k] for k in chosen]
            refs = [row["ref_summ"]] if first else row["ref_summs"]
            used = sum(len(q) for q in quoted)
            share.append(used / budget)
            sums["newslink"].append(quotes.score(scorer, quoted, refs))
            sums["lead"].append(quotes.score(scorer, quotes.lead_within(sentences, budget), refs))
            sums["same"].append(quotes.score(scorer, quotes.lead_within(sentences, used), refs))
        cell = {}
        for system, rows in sums.items():
            for m in ("rouge1", "rouge2"):
                cell[f"{system}_{m}"] = statistics.fmean(r[m] for r in rows)
        cell["share"] = statistics.fmean(share)
        out[label] = cell
    return out


def prepare(rows: Sequence[dict[str, Any]], target: str) -> list[dict[str, Any]]:
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    items = []
    for row in rows:
        sentences = quotes.split_sentences(row["src"])
        page = quotes.page_for(sentences, "News article")
        article = extract_article(page, f"https://news.example/{row['id']}", today=quotes.TODAY)
        paragraphs = article.paragraphs
        items.append(
            {
                "row": row,
                "sentences": sentences,
                "article": article,
                "x": features(paragraphs),
                "y": oracle_labels(
                    scorer, paragraphs, row["ref_summs"], sum(len(s) for s in sentences[:3])
                )
                if target == "oracle"
                else targets(scorer, paragraphs, row["ref_summs"], target),
            }
        )
    return items


def line(fold: str, system: str, result: dict[str, dict[str, float]]) -> str:
    cells = []
    for label in ("short", "long"):
        r = result[label]
        cells.append(
            f"{r['newslink_rouge1']:.2f} / {r['newslink_rouge2']:.2f}"
            f" (Lead {r['newslink_rouge1'] - r['lead_rouge1']:+.2f} /"
            f" {r['newslink_rouge2'] - r['lead_rouge2']:+.2f};"
            f" same length {r['newslink_rouge1'] - r['same_rouge1']:+.2f} /"
            f" {r['newslink_rouge2'] - r['same_rouge2']:+.2f}; share {r['share']:.2f})"
        )
    return f"| {fold} | {system} | " + " | ".join(cells) + " |"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--target", choices=("f1", "precision", "oracle"), default="f1")
    parser.add_argument(
        "--features", default=",".join(FEATURES), help="comma-separated subset of the features"
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also rank by a greedy oracle that sees each article's references",
    )
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args(argv)
    names = args.features.split(",")
    columns = [FEATURES.index(f) for f in names]
    rows = quotes.load(args.data_dir)
    parts = _folds.split(rows, lambda r: r["id"], 2)
    items = {name: prepare(part, args.target) for name, part in parts.items()}
    for part in items.values():
        for item in part:
            item["x"] = item["x"][:, columns]
    weights = {name: fit(part) for name, part in items.items()}
    weights["all"] = fit([i for part in items.values() for i in part])
    print("| fold | ranking | short: R-1 / R-2 | long: R-1 / R-2 |")
    print("|---|---|---|---|")
    result: dict[str, Any] = {
        "target": args.target,
        "weights": {k: dict(zip(names, w.tolist(), strict=True)) for k, w in weights.items()},
    }
    for held, fitted_on in (("A", "B"), ("B", "A")):
        today = evaluate(items[held], None)
        learned = evaluate(items[held], ranked_by(weights[fitted_on], columns))
        print(line(held, "today", today))
        print(line(held, f"learned on {fitted_on}", learned))
        result[held] = {"today": today, f"learned_on_{fitted_on}": learned}
        if args.ceiling:
            # The greedy oracle's choice for each article, at each budget against its references
            # (the rules still apply): what ranking the kept paragraphs could reach at best.
            scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
            short, long = {}, {}
            for i in items[held]:
                paragraphs, lead3 = i["article"].paragraphs, sum(len(s) for s in i["sentences"][:3])
                short[id(i["article"])] = oracle_labels(
                    scorer, paragraphs, i["row"]["ref_summs"], lead3
                )
                long[id(i["article"])] = oracle_labels(
                    scorer, paragraphs, [i["row"]["ref_summ"]], 3 * lead3
                )
            ceiling = evaluate(
                items[held],
                ranked_by(weights[fitted_on], columns, short),
                ranked_by(weights[fitted_on], columns, long),
            )
            print(line(held, "ceiling (greedy oracle)", ceiling))
            result[held]["ceiling"] = ceiling
    for name, w in weights.items():
        pairs = ", ".join(f"{f} {c:+.3f}" for f, c in zip(names, w, strict=True))
        print(f"weights fitted on {name}: {pairs}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

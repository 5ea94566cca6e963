"""Finding the paragraph that answers a question: newslink beside bm25s and TF-IDF, same run.

Run on demand (not part of the test suite; needs the ``bench`` extra)::

    .venv/bin/python bench/questions.py ../shared/data/questions/questions.json \
        --predictions /tmp/predictions.json --json /tmp/questions-bench.json [--cv]

FILE is SQuAD 2.0 plus off-topic questions (``../shared/data/README.md``, "questions/"). Each
article is one page whose paragraphs are the contexts in order; newslink answers through
:class:`bot.discussion.answer.Answerer`, the code the bot uses. ``--predictions`` writes
``{question id: [0-based paragraph indices, best first]}`` for every question (``[]`` where
newslink abstains); ``--json`` writes per system ``top1``, ``top3``, ``answerable_abstained``,
``off_topic_abstained``, ``unanswerable_abstained``, ``median_ms``.

``--cv`` also reports held-out figures, two ways: the articles split in two halves (tuned on
one, reported on the other, both ways), and leave one article out (8 folds). In every fold the
ranking weights, the confidence weight and the abstention threshold (the highest abstaining on
at most 2% of answerable questions, ``--max-answerable-abstained``) are chosen on the training
articles only; the held-out questions of all folds are pooled, beside bm25s's top-1 on the same
questions. The last line times one question on a 40-paragraph article (the file's own
paragraphs), index built once.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.discussion.answer import Answerer  # noqa: E402
from bot.discussion.embedding import embedder  # noqa: E402
from bot.discussion.retrieval import Tuning  # noqa: E402


@dataclass
class Question:
    qid: str
    text: str
    paragraph: int
    kind: str  # answerable, unanswerable, off_topic


@dataclass
class Article:
    title: str
    paragraphs: list[str]
    questions: list[Question]


def load(path: Path) -> list[Article]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    articles = []
    for a in data:
        paragraphs = [p["context"] for p in a["paragraphs"]]
        questions = []
        for i, p in enumerate(a["paragraphs"]):
            for q in p["qas"]:
                if q.get("off_topic"):
                    kind = "off_topic"
                elif q.get("is_impossible"):
                    kind = "unanswerable"
                else:
                    kind = "answerable"
                questions.append(Question(q["id"], q["question"], i, kind))
        articles.append(Article(a["title"], paragraphs, questions))
    return articles


def score(rows: list[tuple[Question, list[int], float]]) -> dict[str, float]:
    """The figures of one system from (question, ranked indices or [] if abstained, ms)."""
    answerable = [(q, r) for q, r, _ in rows if q.kind == "answerable"]

    def share(kind: str) -> float:
        return statistics.fmean([not r for q, r, _ in rows if q.kind == kind] or [0.0])

    return {
        "top1": statistics.fmean(bool(r) and r[0] == q.paragraph for q, r in answerable),
        "top3": statistics.fmean(q.paragraph in r[:3] for q, r in answerable),
        "answerable_abstained": share("answerable"),
        "off_topic_abstained": share("off_topic"),
        "unanswerable_abstained": share("unanswerable"),
        "median_ms": statistics.median(ms for _, _, ms in rows),
    }


def run_newslink(
    articles: list[Article], tuning: Tuning | None = None
) -> list[tuple[Question, list[int], float]]:
    rows = []
    for article in articles:
        answerer = Answerer(article.paragraphs, "en", "https://example.org/a", tuning, embedder())
        for q in article.questions:
            start = time.perf_counter()
            result = answerer.search(q.text)
            ms = (time.perf_counter() - start) * 1000
            ranked = [] if result.abstain else [p.index for p in result.passages[:3]]
            rows.append((q, ranked, ms))
    return rows


def run_bm25s(
    articles: list[Article], threshold: float | None
) -> list[tuple[Question, list[int], float]]:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    rows = []
    for article in articles:
        retriever = bm25s.BM25()
        retriever.index(
            bm25s.tokenize(
                article.paragraphs, stopwords="en", stemmer=stemmer, show_progress=False
            ),
            show_progress=False,
        )
        k = min(3, len(article.paragraphs))
        for q in article.questions:
            start = time.perf_counter()
            tokens = bm25s.tokenize([q.text], stopwords="en", stemmer=stemmer, show_progress=False)
            if tokens.vocab:
                docs, scores = retriever.retrieve(tokens, k=k, show_progress=False)
                ranked = [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
                top = float(scores[0][0])
            else:
                ranked, top = [], 0.0
            if threshold is not None and top < threshold:
                ranked = []
            rows.append((q, ranked, (time.perf_counter() - start) * 1000))
    return rows


def run_tfidf(articles: list[Article]) -> list[tuple[Question, list[int], float]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows = []
    for article in articles:
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        matrix = vectorizer.fit_transform(article.paragraphs)
        for q in article.questions:
            start = time.perf_counter()
            sims = (matrix @ vectorizer.transform([q.text]).T).toarray().ravel()
            order = sims.argsort()[::-1][:3]
            ranked = [int(i) for i in order if sims[i] > 0]
            rows.append((q, ranked, (time.perf_counter() - start) * 1000))
    return rows


# Ranking weights tried by --cv; the abstention threshold is chosen on confidence afterwards.
GRID = {
    "pair_weight": (0.5,),
    "type_bonus": (0.1, 0.2),
    "embed_rank_weight": (0.5, 1.0, 2.0),
    "sentence_embed_weight": (0.0, 1.0, 1.5),
}
# Tried once the ranking is chosen: weights of the embedding in the abstention's confidence.
CONFIDENCE_WEIGHTS = (0.0, 1.0, 2.0, 3.0)
MAX_ANSWERABLE_ABSTAINED = 0.02


def _confidences(
    articles: list[Article], tuning: Tuning
) -> list[tuple[Question, list[int], float]]:
    """(question, ranking, confidence) with abstention off: a threshold is applied after."""
    return [row for article in articles for row in _article_confidences(article, tuning)]


# One article's rows under one tuning do not depend on the fold: computed once, reused by all.
_ROWS: dict[tuple[int, Tuning], list[tuple[Question, list[int], float]]] = {}


def _article_confidences(
    article: Article, tuning: Tuning
) -> list[tuple[Question, list[int], float]]:
    key = (id(article), tuning)
    if key not in _ROWS:
        answerer = Answerer(article.paragraphs, "en", "https://example.org/a", tuning, embedder())
        rows = []
        for q in article.questions:
            r = answerer.search(q.text)
            rows.append((q, [p.index for p in r.passages[:3]], r.confidence))
        _ROWS[key] = rows
    return _ROWS[key]


def _threshold(
    rows: list[tuple[Question, list[int], float]], most: float = MAX_ANSWERABLE_ABSTAINED
) -> float:
    """The highest confidence threshold abstaining on at most ``most`` of answerable questions."""
    conf = sorted(c for q, _, c in rows if q.kind == "answerable")
    allowed = int(most * len(conf))
    # Abstain below conf[allowed]: exactly the `allowed` lowest are abstained on (ties aside).
    return conf[allowed] if conf else 0.0


def _apply(
    rows: list[tuple[Question, list[int], float]], threshold: float
) -> list[tuple[Question, list[int], float]]:
    return [(q, r if c >= threshold else [], 0.0) for q, r, c in rows]


def choose(articles: list[Article], most: float = MAX_ANSWERABLE_ABSTAINED) -> tuple[Tuning, float]:
    """Ranking weights with the best top-1 on ``articles``, then the confidence weight whose
    threshold (at most ``most`` of answerable questions abstained on) abstains on the most
    off-topic ones there; returns the tuning and that threshold."""
    best: tuple[float, Tuning] | None = None
    for values in itertools.product(*GRID.values()):
        tuning = replace(
            Tuning(), abstain_below_embedded=-1e9, **dict(zip(GRID, values, strict=True))
        )
        rows = _confidences(articles, tuning)
        top1 = score([(q, r, 0.0) for q, r, _ in rows])["top1"]
        if best is None or top1 > best[0]:
            best = (top1, tuning)
    assert best is not None
    chosen: tuple[float, Tuning, float] | None = None
    for weight in CONFIDENCE_WEIGHTS:
        tuning = replace(best[1], embed_confidence_weight=weight)
        rows = _confidences(articles, tuning)
        threshold = _threshold(rows, most)
        off_topic = score(_apply(rows, threshold))["off_topic_abstained"]
        if chosen is None or off_topic > chosen[0]:
            chosen = (off_topic, tuning, threshold)
    assert chosen is not None
    return chosen[1], chosen[2]


def folds(articles: list[Article]) -> dict[str, list[tuple[list[Article], list[Article]]]]:
    """(tuned on, reported on) pairs: the two halves both ways, and leave one article out."""
    half = len(articles) // 2
    return {
        "halves": [(articles[:half], articles[half:]), (articles[half:], articles[:half])],
        "leave-one-article-out": [
            (articles[:i] + articles[i + 1 :], [article]) for i, article in enumerate(articles)
        ],
    }


def cross_validate(
    articles: list[Article],
    bm25s_rows: list[tuple[Question, list[int], float]],
    most: float = MAX_ANSWERABLE_ABSTAINED,
) -> dict[str, dict[str, object]]:
    """Per scheme: each fold's held-out figures (every weight and the threshold chosen on the
    fold's other articles), and the held-out rows of all folds pooled, with bm25s's top-1 on
    the same held-out questions (bm25s has nothing to tune)."""
    bm25s_by_id = {q.qid: (q, r, ms) for q, r, ms in bm25s_rows}
    out: dict[str, dict[str, object]] = {}
    for scheme, pairs in folds(articles).items():
        pooled: list[tuple[Question, list[int], float]] = []
        per_fold = []
        for train, test in pairs:
            tuning, threshold = choose(train, most)
            rows = _apply(_confidences(test, tuning), threshold)
            pooled += rows
            figures = score(rows)
            figures.pop("median_ms")
            baseline = score([bm25s_by_id[q.qid] for q, _, _ in rows])["top1"]
            per_fold.append(
                {
                    "tuned_on": [a.title for a in train],
                    "reported_on": [a.title for a in test],
                    "tuning": {k: getattr(tuning, k) for k in (*GRID, "embed_confidence_weight")}
                    | {"abstain_below_embedded": threshold},
                    **figures,
                    "bm25s_top1": baseline,
                }
            )
        figures = score(pooled)
        figures.pop("median_ms")
        figures["bm25s_top1"] = score([bm25s_by_id[q.qid] for q, _, _ in pooled])["top1"]
        out[scheme] = {"folds": per_fold, "pooled": figures}
    return out


def _cv_table(scheme: str, result: dict[str, object]) -> None:
    print(f"\nheld out, {scheme} (every weight and the threshold chosen on the other articles)")
    print(
        "| reported on | newslink top-1 | bm25s top-1 | gap | off-topic abst. | answerable abst. |"
    )
    print("|---|---|---|---|---|---|")
    per_fold = result["folds"]
    assert isinstance(per_fold, list)
    for f in [*per_fold, {"reported_on": ["pooled"], **result["pooled"]}]:  # type: ignore[dict-item]
        names = f["reported_on"]
        where = names[0] if len(names) == 1 else f"{names[0]} … ({len(names)})"
        print(
            f"| {where} | {f['top1']:.3f} | {f['bm25s_top1']:.3f} | "
            f"{f['top1'] - f['bm25s_top1']:+.3f} | {f['off_topic_abstained']:.1%} | "
            f"{f['answerable_abstained']:.1%} |"
        )


def speed(articles: list[Article]) -> float:
    """Median ms a question on a 40-paragraph article (the file's paragraphs, in order)."""
    paragraphs = [p for a in articles for p in a.paragraphs][:40]
    questions = [q.text for a in articles for q in a.questions][:400]
    answerer = Answerer(paragraphs, "en", "https://example.org/a", embedder=embedder())
    times = []
    for q in questions:
        start = time.perf_counter()
        answerer.search(q)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--predictions", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cv", action="store_true", help="also cross-validate across articles")
    parser.add_argument(
        "--max-answerable-abstained",
        type=float,
        default=MAX_ANSWERABLE_ABSTAINED,
        help="--cv's thresholds abstain on at most this share of answerable questions (0.02)",
    )
    args = parser.parse_args(argv)
    articles = load(args.file)
    runs = {
        "newslink": run_newslink(articles),
        "bm25s": run_bm25s(articles, None),
        "bm25s (score ≥ 2)": run_bm25s(articles, 2.0),
        "tfidf": run_tfidf(articles),
    }
    figures: dict[str, object] = {name: score(rows) for name, rows in runs.items()}
    keys = ("top1", "top3", "answerable_abstained", "off_topic_abstained")
    print(
        "| system | top-1 | top-3 | answerable abst. | off-topic abst. | unanswerable abst. | ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, f in figures.items():
        assert isinstance(f, dict)
        cells = [f"{f[k]:.3f}" for k in (*keys, "unanswerable_abstained")]
        print(f"| {name} | {' | '.join(cells)} | {f['median_ms']:.2f} |")
    figures["newslink_40_paragraphs_median_ms"] = ms = speed(articles)
    print(f"newslink, one 40-paragraph article: median {ms:.3f} ms a question")
    if args.cv:
        cv = cross_validate(articles, runs["bm25s"], args.max_answerable_abstained)
        figures["newslink_cross_validated"] = cv
        for scheme, result in cv.items():
            _cv_table(scheme, result)
    if args.predictions:
        predictions = {q.qid: ranked for q, ranked, _ in runs["newslink"]}
        args.predictions.write_text(json.dumps(predictions, indent=0), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

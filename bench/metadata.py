"""Metadata benchmark: newslink's extract_metadata against trafilatura, htmldate and readability.

Usage: python bench/metadata.py DATA_ROOT [--json OUT] [--folds 2]

DATA_ROOT is the shared evaluation folder (``../shared/data``); the script reads ``metadata/`` and
``dates/`` from there and copies nothing. Metrics:

- title: exact match after collapsing whitespace and case-folding, over pages with a reference
  title.
- author: over pages with a reference author. Precision = right / pages where the tool named anyone;
  recall = right / pages with a reference author. "exact" compares the list of names as written;
  "lenient" compares the *set* of names with case, punctuation and the order of words inside a
  name ignored ("Smith, John" == "john smith").
- date: htmldate's metric. A predicted date equal to the reference is a true positive, any other
  predicted date a false positive (including a date on a page whose reference has none), no date a
  false negative when the reference has one.
- time: median per page of the whole call (parsing included); for newslink also of
  ``extract_metadata`` alone, after ``warm_up()``.

``--folds 2`` splits both sets' pages by site (``bench/_folds.py``) and prints each fold's figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html

# The benchmark runs from a checkout; make `bot` importable without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _folds  # noqa: E402

from bot.article.metadata.dates import warm_up  # noqa: E402
from bot.article.metadata.read import extract_metadata  # noqa: E402
from bot.clock import SystemClock  # noqa: E402

TODAY = SystemClock().today()  # as the bot would run now: the pages are dated long before

log = logging.getLogger(__name__)

_NAME_SEPARATORS = re.compile(r"\s*(?:;|,|/|&|\|)\s*|\s+(?:and|und|et|y|e)\s+", re.IGNORECASE)


@dataclass
class Prediction:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    # time spent in the tool's own metadata call, without parsing the page (newslink only)
    core_seconds: float | None = None


@dataclass
class Page:
    url: str
    html: str
    title: str | None
    author: list[str] | None
    date: str | None


def decode(raw: bytes) -> str:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return str(best) if best is not None else raw.decode("utf-8", errors="replace")


def load_metadata_pages(root: Path) -> list[Page]:
    entries = json.loads((root / "metadata" / "metadata.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in entries.items():
        # entries without the keys were collected for text extraction only
        if "title" not in entry:
            continue
        html = decode((root / "metadata" / "html" / entry["file"]).read_bytes())
        pages.append(
            Page(
                url,
                html,
                entry["title"] or None,
                _reference_names(entry["author"]),
                entry["date"] or None,
            )
        )
    return pages


def _reference_names(value: str | list[str]) -> list[str] | None:
    # most references are one string ("A, B" / "A und B"), a few are already a list of names
    names = split_names(value) if isinstance(value, str) else [v.strip() for v in value]
    return [n for n in names if n] or None


def load_date_pages(root: Path) -> list[Page]:
    entries = json.loads((root / "dates" / "dates.json").read_text(encoding="utf-8"))
    # a few references are NaN (json reads it as a float): the annotators found no date, so none
    # is the right answer; a float left in place would count "no date" as a miss
    return [
        Page(
            url,
            decode((root / "dates" / "html" / e["file"]).read_bytes()),
            None,
            None,
            e["date"] if isinstance(e["date"], str) and e["date"] not in ("", "nan") else None,
        )
        for url, e in entries.items()
    ]


def parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:
        # lxml refuses str input that carries an XML encoding declaration: hand it UTF-8 bytes
        parser = lxml.html.HTMLParser(encoding="utf-8")
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
        except Exception:  # noqa: BLE001 - an unparseable page scores as "nothing found"
            return None
    except Exception:  # noqa: BLE001
        return None


# --- the tools ------------------------------------------------------------------------------------


def run_newslink(page: Page) -> Prediction:
    doc = parse(page.html)
    if doc is None:
        return Prediction()
    start = time.perf_counter()
    meta = extract_metadata(doc, page.url, today=TODAY)
    elapsed = time.perf_counter() - start
    return Prediction(
        meta.title,
        list(meta.authors),
        meta.published.isoformat() if meta.published else None,
        elapsed,
    )


def run_trafilatura(page: Page) -> Prediction:
    import trafilatura

    doc = parse(page.html)
    if doc is None:
        return Prediction()
    result = trafilatura.extract_metadata(doc, default_url=page.url)
    if result is None:
        return Prediction()
    authors = [a.strip() for a in (result.author or "").split(";") if a.strip()]
    return Prediction(result.title, authors, result.date)


def run_readability(page: Page) -> Prediction:
    from readability import Document

    try:
        return Prediction(title=Document(page.html).short_title() or None)
    except Exception:  # noqa: BLE001
        return Prediction()


def _htmldate(extensive: bool) -> Callable[[Page], Prediction]:
    def run(page: Page) -> Prediction:
        from htmldate import find_date

        doc = parse(page.html)
        if doc is None:
            return Prediction()
        date = find_date(doc, extensive_search=extensive, original_date=True, url=page.url)
        return Prediction(date=date)

    return run


# tool -> (runner, which fields it answers)
TOOLS: dict[str, tuple[Callable[[Page], Prediction], set[str]]] = {
    "newslink": (run_newslink, {"title", "author", "date"}),
    "trafilatura": (run_trafilatura, {"title", "author", "date"}),
    "readability short_title()": (run_readability, {"title"}),
    "htmldate fast": (_htmldate(False), {"date"}),
    "htmldate extensive": (_htmldate(True), {"date"}),
}


# --- scoring --------------------------------------------------------------------------------------


def norm_title(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _lenient_name(name: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return tuple(sorted(text.split()))


def split_names(text: str) -> list[str]:
    return [n.strip() for n in _NAME_SEPARATORS.split(text) if n and n.strip()]


def author_matches(predicted: list[str], ref: list[str], lenient: bool) -> bool:
    # a predicted name may itself hold a separator ("A and B"); score what a reader sees
    pred = [n for p in predicted for n in split_names(p)]
    if lenient:
        return {_lenient_name(n) for n in pred} == {_lenient_name(n) for n in ref}
    return pred == ref


def ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def date_scores(pairs: Iterable[tuple[str | None, str | None]]) -> dict[str, float]:
    tp = fp = fn = 0
    for predicted, reference in pairs:
        if predicted and predicted == reference:
            tp += 1
        elif predicted:
            fp += 1
        elif reference:
            fn += 1
    p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {"precision": p, "recall": r, "f1": f1(p, r), "tp": tp, "fp": fp, "fn": fn}


def evaluate(
    name: str,
    runner: Callable[[Page], Prediction],
    fields: set[str],
    meta: list[Page],
    dates: list[Page],
    failures: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    timings: list[float] = []
    core_timings: list[float] = []

    def timed(page: Page) -> Prediction:
        start = time.perf_counter()
        try:
            pred = runner(page)
        except Exception:  # noqa: BLE001 - a crash counts as no answer, and is logged
            log.exception("%s crashed on %s", name, page.url)
            pred = Prediction()
        timings.append(time.perf_counter() - start)
        if pred.core_seconds is not None:
            core_timings.append(pred.core_seconds)
        return pred

    preds = [timed(p) for p in meta]
    misses = failures.setdefault(name, [])
    if "title" in fields:
        with_title = [(p, pr) for p, pr in zip(meta, preds, strict=True) if p.title]
        right = sum(norm_title(pr.title) == norm_title(p.title) for p, pr in with_title)
        result["title_exact"] = ratio(right, len(with_title))
        misses += [
            {"url": p.url, "field": "title", "want": p.title, "got": pr.title}
            for p, pr in with_title
            if norm_title(pr.title) != norm_title(p.title)
        ]
    if "author" in fields:
        with_author = [(p, pr) for p, pr in zip(meta, preds, strict=True) if p.author]
        named = [(p, pr) for p, pr in with_author if pr.authors]
        for mode, lenient in (("exact", False), ("lenient", True)):
            right = sum(author_matches(pr.authors, p.author or [], lenient) for p, pr in named)
            result[f"author_{mode}_precision"] = ratio(right, len(named))
            result[f"author_{mode}_recall"] = ratio(right, len(with_author))
        misses += [
            {"url": p.url, "field": "author", "want": p.author, "got": pr.authors}
            for p, pr in with_author
            if not author_matches(pr.authors, p.author or [], True)
        ]
        # names given where the reference has none are wrong too: report them beside precision
        unreferenced = [(p, pr) for p, pr in zip(meta, preds, strict=True) if not p.author]
        result["author_named_without_reference"] = sum(1 for _, pr in unreferenced if pr.authors)
        misses += [
            {"url": p.url, "field": "author_without_reference", "want": None, "got": pr.authors}
            for p, pr in unreferenced
            if pr.authors
        ]
    if "date" in fields:
        meta_dates = date_scores((pr.date, p.date) for p, pr in zip(meta, preds, strict=True))
        result.update({f"metadata_date_{k}": v for k, v in meta_dates.items()})
        misses += [
            {"url": p.url, "field": "metadata_date", "want": p.date, "got": pr.date}
            for p, pr in zip(meta, preds, strict=True)
            if pr.date != p.date
        ]
        date_preds = [timed(p) for p in dates]
        scores = date_scores((pr.date, p.date) for p, pr in zip(dates, date_preds, strict=True))
        result.update({f"date_{k}": v for k, v in scores.items()})
        misses += [
            {"url": p.url, "field": "date", "want": p.date, "got": pr.date}
            for p, pr in zip(dates, date_preds, strict=True)
            if pr.date != p.date
        ]
    result["median_ms"] = statistics.median(timings) * 1000 if timings else 0.0
    if core_timings:
        result["median_core_ms"] = statistics.median(core_timings) * 1000
    return result


def markdown(results: dict[str, dict[str, Any]]) -> str:
    columns = [
        ("title exact", "title_exact"),
        ("author P exact", "author_exact_precision"),
        ("author R exact", "author_exact_recall"),
        ("author P lenient", "author_lenient_precision"),
        ("author R lenient", "author_lenient_recall"),
        ("authors named, reference none", "author_named_without_reference"),
        ("metadata date P", "metadata_date_precision"),
        ("metadata date R", "metadata_date_recall"),
        ("metadata date F1", "metadata_date_f1"),
        ("dates P", "date_precision"),
        ("dates R", "date_recall"),
        ("dates F1", "date_f1"),
        ("median ms/page", "median_ms"),
        ("metadata-only ms/page", "median_core_ms"),
    ]
    lines = [
        "| tool | " + " | ".join(c for c, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for tool, res in results.items():
        cells = [
            (
                str(res[k])
                if isinstance(res[k], int)
                else f"{res[k]:.1f}"
                if k.endswith("_ms")
                else f"{res[k]:.3f}"
            )
            if k in res
            else "–"
            for _, k in columns
        ]
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_root", type=Path)
    parser.add_argument("--json", type=Path, help="write the scores (and misses) here")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset")
    parser.add_argument("--folds", type=int, default=1, help="split the pages by site (2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # the libraries under test log every page they cannot date; that is noise here
    for noisy in ("htmldate", "trafilatura", "readability", "courlan"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)

    meta = load_metadata_pages(args.data_root)
    dates = load_date_pages(args.data_root)
    print(
        f"metadata: {len(meta)} pages ({sum(bool(p.title) for p in meta)} titles, "
        f"{sum(bool(p.author) for p in meta)} authors, {sum(bool(p.date) for p in meta)} dates); "
        f"dates: {len(dates)} pages; run {dt.datetime.now():%Y-%m-%d %H:%M}",
        file=sys.stderr,
    )
    if "newslink" in args.tools.split(","):
        # the bot warms its workers up before the first brief; so does the benchmark
        start = time.perf_counter()
        warm_up()
        print(f"newslink warm_up(): {time.perf_counter() - start:.2f} s", file=sys.stderr)
    folds = max(1, args.folds)
    meta_parts = _folds.split(meta, lambda p: p.url, folds)
    date_parts = _folds.split(dates, lambda p: p.url, folds)
    if folds > 1:
        print("metadata: " + _folds.describe(meta_parts, lambda p: p.url), file=sys.stderr)
        print("dates: " + _folds.describe(date_parts, lambda p: p.url), file=sys.stderr)
    per_fold: dict[str, dict[str, dict[str, Any]]] = {}
    failures: dict[str, list[dict[str, Any]]] = {}
    for fold in meta_parts:
        results = per_fold.setdefault(fold, {})
        for name in args.tools.split(","):
            runner, fields = TOOLS[name]
            results[name] = evaluate(
                name, runner, fields, meta_parts[fold], date_parts[fold], failures
            )
    if folds > 1:
        print(_folds.merge_tables({f: markdown(r) for f, r in per_fold.items()}))
    else:
        print(markdown(per_fold["A"]))
    if args.json:
        scores: Any = per_fold if folds > 1 else per_fold["A"]
        args.json.write_text(
            json.dumps({"scores": scores, "misses": failures}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Main-text extraction benchmark: newslink against readability-lxml, trafilatura and a floor.

Usage (from the project root; run on demand, not part of the test suite)::

    .venv/bin/python bench/extraction.py ../shared/data/extraction [--json OUT] [--pages N]
        [--folds 2] [--systems newslink,trafilatura]

``DATA_DIR`` holds ``ground-truth.json`` and ``html/<id>.html.gz`` (scrapinghub's
article-extraction-benchmark); the data is read in place, never copied. Every system runs on the
same pages in the same process, one page at a time, and is timed per page (decoding included:
each system gets the raw bytes). Prints a markdown table; ``--json`` writes the same figures.
``--folds 2`` splits the pages by site (``bench/_folds.py``) and prints each fold's figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _folds  # noqa: E402
from _shingles import aggregate, page_scores  # noqa: E402

from bot.article.read import extract_article  # noqa: E402
from bot.clock import SystemClock  # noqa: E402

TODAY = SystemClock().today()  # as the bot would run now: the pages are dated long before

Extractor = Callable[[bytes, str], str]


def _newslink(html: bytes, url: str) -> str:
    return extract_article(html, url, today=TODAY).text


def _html_to_text(markup: str) -> str:
    if not markup.strip():
        return ""
    return " ".join(lxml.html.fromstring(markup).itertext())


def _readability(html: bytes, url: str) -> str:
    from readability import Document

    return _html_to_text(Document(html, url=url).summary(html_partial=True))


def _trafilatura(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def _trafilatura_fast(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, fast=True) or ""


def _body_text(html: bytes, url: str) -> str:
    # The README's floor: everything under <body>, inline scripts included.
    doc = lxml.html.document_fromstring(html)
    body = doc.find("body")
    return str(body.text_content() if body is not None else doc.text_content())


SYSTEMS: dict[str, Extractor] = {
    "newslink": _newslink,
    "readability-lxml": _readability,
    "trafilatura": _trafilatura,
    "trafilatura fast": _trafilatura_fast,
    "body text (floor)": _body_text,
}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(
    data_dir: Path,
    limit: int | None = None,
    ids: list[str] | None = None,
    systems: set[str] | None = None,
) -> dict[str, dict[str, object]]:
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if ids is None else ids
    pages = {i: gzip.decompress((data_dir / "html" / f"{i}.html.gz").read_bytes()) for i in ids}
    results: dict[str, dict[str, object]] = {}
    for name, system in SYSTEMS.items():
        if systems is not None and name not in systems:
            continue
        system(pages[ids[0]], truth[ids[0]]["url"])  # warm-up: imports and caches
        scores: list[tuple[float, float, float]] = []
        times: list[float] = []
        per_page: dict[str, float] = {}
        for i in ids:
            start = time.perf_counter()
            try:
                text = system(pages[i], truth[i]["url"])
            except Exception as exc:  # a crash scores as an empty prediction, and is reported
                print(f"{name}: {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
                text = ""
            times.append((time.perf_counter() - start) * 1000)
            score = page_scores(truth[i]["articleBody"], text)
            scores.append(score)
            tp, fp, fn = score
            per_page[i] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        precision, recall, f1 = aggregate(scores)
        results[name] = {
            "f1": round(f1, 4),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(_percentile(times, 0.95), 2),
            "pages": len(ids),
            "per_page_f1": per_page,
        }
    return results


def table(results: dict[str, dict[str, object]]) -> str:
    lines = [
        "| system | F1 | precision | recall | median ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['f1']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} "
            f"| {r['median_ms']:.1f} | {r['p95_ms']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", type=Path, help="folder with ground-truth.json and html/")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--pages", type=int, help="only the first N pages (quick checks)")
    parser.add_argument("--folds", type=int, default=1, help="split the pages by site (2)")
    parser.add_argument("--systems", help="comma-separated subset of: " + ", ".join(SYSTEMS))
    args = parser.parse_args(argv)
    # readability and trafilatura log every page they find hard; the table is the output here.
    logging.basicConfig(level=logging.CRITICAL)
    results: dict[str, object]
    systems = set(args.systems.split(",")) if args.systems else None
    if args.folds > 1:
        truth = json.loads((args.data_dir / "ground-truth.json").read_text(encoding="utf-8"))
        ids = sorted(truth)[: args.pages]
        parts = _folds.split(ids, lambda i: truth[i]["url"], args.folds)
        print(_folds.describe(parts, lambda i: truth[i]["url"]), file=sys.stderr)
        per_fold = {
            name: run(args.data_dir, ids=part, systems=systems) for name, part in parts.items()
        }
        print(_folds.merge_tables({name: table(r) for name, r in per_fold.items()}))
        results = dict(per_fold)
    else:
        single = run(args.data_dir, args.pages, systems=systems)
        print(table(single))
        results = dict(single)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

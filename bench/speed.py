"""Speed of the core on large and hostile inputs: the absolute figures the tests do not assert.

Usage: ``python bench/speed.py [--repeat N] [--json OUT]`` (on demand, not in tests; needs no data).

The tests check only that these costs grow linearly (tests/_growth.py); this prints what they
are on this machine: ``compose_brief`` on articles of repeated paragraphs (every paragraph has
near-duplicates), and ``extract_article`` on each hostile input of tests/article/test_read.py at the
size the test suite reads it. Best and median of ``--repeat`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.article.read import extract_article  # noqa: E402
from bot.article.types import Article  # noqa: E402
from bot.briefing.compose import compose_brief  # noqa: E402
from bot.errors import ExtractionError  # noqa: E402
from tests.article.test_read import SCALABLE, URL  # noqa: E402
from tests.briefing.test_selection import NATO  # noqa: E402

PARAGRAPH_COUNTS = (20, 100, 400, 800)


def timings(job: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        job()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _extract(html: bytes) -> None:
    try:
        extract_article(html, URL)
    except ExtractionError:
        pass


def measure(repeat: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for count in PARAGRAPH_COUNTS:
        paragraphs = [NATO[i % len(NATO)] for i in range(count)]
        article = Article(
            url="https://www.example.com/news/1", title="A headline", paragraphs=paragraphs
        )
        ms = timings(lambda a=article: compose_brief(a, a.url, length="long"), repeat)
        rows.append({"work": "compose_brief", "input": f"{count} paragraphs", "ms": ms})
    for name, (build, size, _) in sorted(SCALABLE.items()):
        html = build(size)
        ms = timings(lambda h=html: _extract(h), repeat)
        rows.append({"work": "extract_article", "input": f"{name} (n={size:,})", "ms": ms})
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per input (default 5)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rows = measure(args.repeat)
    print("| work | input | best ms | median ms |")
    print("|---|---|---:|---:|")
    for row in rows:
        best, median = min(row["ms"]), statistics.median(row["ms"])
        print(f"| {row['work']} | {row['input']} | {best:.1f} | {median:.1f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Extraction speed beside trafilatura, page by page (issue 15 item 5: newslink <= 0.6 x).

Usage (from the project root; run on demand, not part of the test suite)::

    .venv/bin/python bench/paired_speed.py ../shared/data [--repeat 1] [--json OUT]

Reads the extraction set (``extraction/``) and the metadata set (``metadata/``) in place. Each
page is read by newslink's ``extract_article`` and then by ``trafilatura.extract`` in turn, in one
process, so a busy machine slows both alike; the figure is the median CPU time per page
(``time.process_time``, not the wall clock) and the ratio newslink / trafilatura. Wall-clock
medians are printed beside them for reference. Both get the raw bytes (decoding included).

newslink's ``extract_article`` also reads the headline, outlet, authors and dates, which
``trafilatura.extract`` skips by default; a third reader, ``trafilatura.extract(...,
with_metadata=True)``, does the same work as newslink (title, author, sitename, date through
htmldate), and its ratio is printed beside the text-only one. The issue's figure is the text-only
ratio, the harder of the two; the like-for-like one is printed so that neither is read alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import snippets  # noqa: E402

from bot.article.read import extract_article  # noqa: E402

# A fixed day: the pages are dated long before, and no figure here depends on it.
TODAY = dt.date(2026, 12, 1)

Reader = Callable[[bytes, str], object]


def _newslink(html: bytes, url: str) -> object:
    return extract_article(html, url, today=TODAY).text


def _trafilatura(html: bytes, url: str) -> object:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def _trafilatura_with_metadata(html: bytes, url: str) -> object:
    import trafilatura

    return trafilatura.extract(html, url=url, with_metadata=True) or ""


def extraction_pages(data_dir: Path) -> list[tuple[bytes, str]]:
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        (gzip.decompress((data_dir / "html" / f"{i}.html.gz").read_bytes()), truth[i]["url"])
        for i in sorted(truth)
    ]


def metadata_pages(data_dir: Path) -> list[tuple[bytes, str]]:
    return [(page.html, snippets.page_url(page)) for page in snippets.load(data_dir)]


def measure(pages: list[tuple[bytes, str]], readers: dict[str, Reader], repeat: int) -> dict:
    """Median CPU and wall ms per page of each reader, the readers taking turns on each page."""
    cpu: dict[str, list[float]] = {name: [] for name in readers}
    wall: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(repeat):
        for html, url in pages:
            for name, read in readers.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                read(html, url)
                cpu[name].append((time.process_time() - started_cpu) * 1000)
                wall[name].append((time.perf_counter() - started) * 1000)
    return {
        name: {
            "cpu_ms": statistics.median(cpu[name]),
            "wall_ms": statistics.median(wall[name]),
        }
        for name in readers
    } | {"pages": len(pages)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", type=Path, help="../shared/data (extraction/, metadata/)")
    parser.add_argument("--repeat", type=int, default=1, help="passes over each set")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # the readers log every page they find hard
    readers: dict[str, Reader] = {
        "newslink": _newslink,
        "trafilatura": _trafilatura,
        "trafilatura with metadata": _trafilatura_with_metadata,
    }
    sets = {
        "extraction": extraction_pages(args.data_dir / "extraction"),
        "metadata": metadata_pages(args.data_dir / "metadata"),
    }
    for read in readers.values():  # imports and first-call set-up are no page's cost
        read(*sets["extraction"][0])
    results = {name: measure(pages, readers, args.repeat) for name, pages in sets.items()}
    print(
        "| set | pages | newslink CPU ms | trafilatura CPU ms | ratio "
        "| trafilatura with metadata CPU ms | ratio | wall ms (n / t / t+m) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        n, t, m = r["newslink"], r["trafilatura"], r["trafilatura with metadata"]
        print(
            f"| {name} | {r['pages']} | {n['cpu_ms']:.1f} | {t['cpu_ms']:.1f} "
            f"| {n['cpu_ms'] / t['cpu_ms']:.2f} | {m['cpu_ms']:.1f} "
            f"| {n['cpu_ms'] / m['cpu_ms']:.2f} "
            f"| {n['wall_ms']:.1f} / {t['wall_ms']:.1f} / {m['wall_ms']:.1f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

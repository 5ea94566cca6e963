"""Body-text snippets: newslink's extracted text against trafilatura's on the metadata set.

Usage (from the project root; on demand, never in the test suite)::

    .venv/bin/python bench/snippets.py ../shared/data/metadata [--json OUT] [--folds 2]
        [--headline]

Every page of ``metadata.json`` lists ``with`` snippets (text the extracted body must contain)
and ``without`` snippets (text it must not: navigation, teasers, footers). Both systems get the
page's bytes in the same run, one page at a time. A snippet is found when its text, whitespace
collapsed, is a substring of the extracted text, whitespace collapsed (no case folding, no other
normalisation). Figures:

- ``with found``: share of the ``with`` snippets found;
- ``without absent``: share of the ``without`` snippets not found;
- ``accuracy``: (with found + without absent) / all snippets;
- ``median ms``: per page, the whole call (decoding and parsing included).

``--headline`` scores what the bot shows: each system's own headline, then its text (newslink's
``Article.title``; trafilatura's metadata title, read in a call of its own: its ms then include
it).

The same figures per language the page declares (``<html lang>``, ``og:locale``,
``content-language``; its primary subtag), for the languages with at least ``--min-pages`` pages
and "other" / "undeclared" for the rest. ``--folds 2`` splits the pages by site
(``bench/_folds.py``) and prints the figures of each fold.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _folds  # noqa: E402

from bot.article.read import extract_article  # noqa: E402
from bot.clock import SystemClock  # noqa: E402

TODAY = SystemClock().today()  # as the bot would run now: the pages are dated long before
_LANGUAGE_END = re.compile(r"[-_,;\s]")

Extractor = Callable[[bytes, str], str]


@dataclass
class Page:
    key: str  # the metadata set's key: the page's address, or "hard::<file>"
    html: bytes
    language: str | None
    with_: list[str]
    without: list[str]


@dataclass
class Score:
    with_found: int = 0
    with_total: int = 0
    without_absent: int = 0
    without_total: int = 0
    times_ms: list[float] = field(default_factory=list)
    pages: int = 0

    def add(self, other: Score) -> None:
        self.with_found += other.with_found
        self.with_total += other.with_total
        self.without_absent += other.without_absent
        self.without_total += other.without_total
        self.times_ms += other.times_ms
        self.pages += other.pages

    def figures(self) -> dict[str, float]:
        total = self.with_total + self.without_total
        return {
            "pages": self.pages,
            "with_found": self.with_found / self.with_total if self.with_total else 0.0,
            "without_absent": self.without_absent / self.without_total
            if self.without_total
            else 0.0,
            "accuracy": (self.with_found + self.without_absent) / total if total else 0.0,
            "snippets": total,
            "median_ms": statistics.median(self.times_ms) if self.times_ms else 0.0,
        }


def squash(text: str) -> str:
    return " ".join(text.split())


def declared_language(html: bytes) -> str | None:
    try:
        doc = lxml.html.document_fromstring(html)
    except Exception:  # noqa: BLE001 - an unparseable page declares nothing
        return None
    candidates = [doc.get("lang"), doc.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in doc.iter("meta"):
        key = (meta.get("property") or meta.get("http-equiv") or meta.get("name") or "").lower()
        if key in ("og:locale", "content-language", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for raw in candidates:
        primary = _LANGUAGE_END.split((raw or "").strip(), maxsplit=1)[0].lower()
        if 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha():
            return primary
    return None


def load(data_dir: Path) -> list[Page]:
    entries = json.loads((data_dir / "metadata.json").read_text(encoding="utf-8"))
    pages = []
    for key, entry in entries.items():
        raw = (data_dir / "html" / entry["file"]).read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        pages.append(
            Page(
                key,
                raw,
                declared_language(raw),
                [s for s in entry.get("with", []) if s.strip()],
                [s for s in entry.get("without", []) if s.strip()],
            )
        )
    return pages


def page_url(page: Page) -> str:
    # the few "hard::" pages have no address; the extractors only need a plausible one
    if "://" in page.key:
        return page.key.strip()
    return "https://" + _folds.site_of(page.key) + "/" + page.key.split("::")[-1]


def _newslink(html: bytes, url: str) -> str:
    return extract_article(html, url, today=TODAY).text


def _trafilatura(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


SYSTEMS: dict[str, Extractor] = {"newslink": _newslink, "trafilatura": _trafilatura}


# ``--headline``: what the bot shows is the headline and the text, and trafilatura keeps the
# headline in its text when the page sets it inside the article (newslink drops it there, as the
# brief shows it on its own). Scored this way each system gets its own headline first: newslink's
# Article.title (what the brief's title shows), trafilatura's metadata title (a call of its own:
# its ms then include reading the metadata).
def _newslink_with_headline(html: bytes, url: str) -> str:
    article = extract_article(html, url, today=TODAY)
    return "\n\n".join(x for x in (article.title, article.text) if x)


def _trafilatura_with_headline(html: bytes, url: str) -> str:
    from trafilatura.metadata import extract_metadata

    # its text exactly as scored without --headline; with_metadata=True changes the text itself
    metadata = extract_metadata(html, default_url=url)
    title = metadata.title if metadata is not None else None
    return "\n\n".join(x for x in (title, _trafilatura(html, url)) if x)


WITH_HEADLINE: dict[str, Extractor] = {
    "newslink": _newslink_with_headline,
    "trafilatura": _trafilatura_with_headline,
}


def score_page(system: Extractor, page: Page, misses: list[dict[str, Any]]) -> Score:
    start = time.perf_counter()
    try:
        text = system(page.html, page_url(page))
    except Exception as exc:  # a crash scores as an empty text, and is reported
        print(f"{page.key}: {type(exc).__name__}: {exc}", file=sys.stderr)
        text = ""
    elapsed = (time.perf_counter() - start) * 1000
    text = squash(text)
    found = [squash(s) in text for s in page.with_]
    leaked = [squash(s) in text for s in page.without]
    misses += [
        {"page": page.key, "missing": s} for s, ok in zip(page.with_, found, strict=True) if not ok
    ]
    misses += [
        {"page": page.key, "leaked": s} for s, bad in zip(page.without, leaked, strict=True) if bad
    ]
    return Score(
        sum(found),
        len(found),
        len(leaked) - sum(leaked),
        len(leaked),
        [elapsed],
        1,
    )


def run(
    pages: list[Page], min_pages: int, systems: dict[str, Extractor] = SYSTEMS
) -> dict[str, Any]:
    languages = Counter(p.language for p in pages)

    def group(page: Page) -> str:
        if page.language is None:
            return "undeclared"
        return page.language if languages[page.language] >= min_pages else "other"

    results: dict[str, Any] = {}
    for name, system in systems.items():
        system(pages[0].html, page_url(pages[0]))  # warm-up: imports and caches
        total = Score()
        per_language: dict[str, Score] = {}
        misses: list[dict[str, Any]] = []
        for page in pages:
            score = score_page(system, page, misses)
            total.add(score)
            per_language.setdefault(group(page), Score()).add(score)
        results[name] = {
            "all": total.figures(),
            "languages": {k: per_language[k].figures() for k in sorted(per_language)},
            "misses": misses,
        }
    return results


def table(results: dict[str, Any]) -> str:
    systems = list(results)
    groups = ["all"] + sorted(
        results[systems[0]]["languages"],
        key=lambda g: -results[systems[0]]["languages"][g]["pages"],
    )
    head = "| language | pages | snippets | " + " | ".join(
        f"{s} with / without / acc | {s} ms" for s in systems
    )
    lines = [head + " |", "|---|---|---|" + "---|---|" * len(systems)]
    for g in groups:
        cells = []
        for s in systems:
            f = results[s]["all"] if g == "all" else results[s]["languages"][g]
            cells.append(
                f"{f['with_found']:.3f} / {f['without_absent']:.3f} / {f['accuracy']:.3f} "
                f"| {f['median_ms']:.1f}"
            )
        first = results[systems[0]]["all"] if g == "all" else results[systems[0]]["languages"][g]
        lines.append(
            f"| {g} | {first['pages']} | {first['snippets']} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", type=Path, help="the metadata set (../shared/data/metadata)")
    parser.add_argument("--json", type=Path, help="write the figures (and misses) here")
    parser.add_argument("--folds", type=int, default=1, help="split the pages by site (2)")
    parser.add_argument(
        "--min-pages", type=int, default=10, help="languages with fewer pages are 'other'"
    )
    parser.add_argument(
        "--headline",
        action="store_true",
        help="score each system's headline with its text (what the bot shows)",
    )
    args = parser.parse_args(argv)
    systems = WITH_HEADLINE if args.headline else SYSTEMS
    logging.basicConfig(level=logging.CRITICAL)  # the extractors log every hard page
    pages = load(args.data_dir)
    if args.folds > 1:
        parts = _folds.split(pages, lambda p: p.key, args.folds)
        print(_folds.describe(parts, lambda p: p.key), file=sys.stderr)
        results = {name: run(part, args.min_pages, systems) for name, part in parts.items()}
        print(_folds.merge_tables({name: table(r) for name, r in results.items()}))
    else:
        results = run(pages, args.min_pages, systems)
        print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

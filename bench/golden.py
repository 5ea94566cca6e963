"""Write or check the golden briefs (issue 11: the redesign reproduces them exactly).

Usage (from the project root)::

    .venv/bin/python bench/golden.py --write-pages                  # tests/goldens/pages/*.json
    .venv/bin/python bench/golden.py ../shared/data/extraction       # check the benchmark's pages
    .venv/bin/python bench/golden.py ../shared/data/extraction --write
    .venv/bin/python bench/golden.py ../shared/data/extraction --dump /tmp/goldens-now

The saved pages of ``tests/pages`` are checked by the test suite (``tests/test_goldens.py``). The
extraction benchmark's 181 pages stay in the shared data folder: only a SHA-256 digest of each
page's outputs is kept (``tests/goldens/extraction-benchmark.json``); ``--dump`` writes the full
outputs to a folder, so that two runs (before and after a change) can be compared with ``diff -r``.
Exits 1 when a page differs, listing it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests._golden import canonical, digest, page_outputs  # noqa: E402
from tests.test_goldens import GOLDENS, PAGES, page_url, saved_pages  # noqa: E402

BENCHMARK_DIGESTS = ROOT / "tests" / "goldens" / "extraction-benchmark.json"


def write_pages() -> int:
    GOLDENS.mkdir(parents=True, exist_ok=True)
    for name in saved_pages():
        outputs = page_outputs((PAGES / name).read_bytes(), page_url(name))
        (GOLDENS / f"{Path(name).stem}.json").write_text(canonical(outputs), encoding="utf-8")
    print(f"wrote {len(saved_pages())} goldens to {GOLDENS.relative_to(ROOT)}")
    return 0


def benchmark(data_dir: Path, *, write: bool, dump: Path | None) -> int:
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    digests: dict[str, str] = {}
    for page_id in sorted(truth):
        html = gzip.decompress((data_dir / "html" / f"{page_id}.html.gz").read_bytes())
        outputs = page_outputs(html, truth[page_id]["url"])
        digests[page_id] = digest(outputs)
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            (dump / f"{page_id}.json").write_text(canonical(outputs), encoding="utf-8")
    if write:
        BENCHMARK_DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(digests)} digests to {BENCHMARK_DIGESTS.relative_to(ROOT)}")
        return 0
    frozen = json.loads(BENCHMARK_DIGESTS.read_text())
    changed = sorted(k for k in frozen.keys() | digests.keys() if frozen.get(k) != digests.get(k))
    for page_id in changed:
        print(f"differs: {page_id} {truth.get(page_id, {}).get('url', '(not in the data)')}")
    print(f"{len(digests) - len(changed)} of {len(digests)} pages give their golden briefs")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", type=Path, nargs="?", help="the extraction benchmark folder")
    parser.add_argument("--write-pages", action="store_true", help="rewrite tests/goldens/pages")
    parser.add_argument("--write", action="store_true", help="rewrite the benchmark's digests")
    parser.add_argument("--dump", type=Path, help="also write every page's outputs here")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if args.write_pages:
        return write_pages()
    if args.data_dir is None:
        parser.error("give the extraction benchmark folder, or --write-pages")
    return benchmark(args.data_dir, write=args.write, dump=args.dump)


if __name__ == "__main__":
    sys.exit(main())

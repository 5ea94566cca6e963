"""Speed of the core on large and hostile inputs: the absolute figures the tests do not assert.

Usage: ``python bench/speed.py [--repeat N] [--json OUT]`` (on demand, not in tests; needs no data).

The tests check only that these costs grow linearly (tests/_growth.py); this prints what they
are on this machine: ``compose_brief`` on articles of repeated paragraphs (every paragraph has
near-duplicates), ``extract_article`` on each hostile input of tests/article/test_read.py at the
size the test suite reads it, and how soon a parse worker is ready: the first one of a process (its
fork server loading the parsers) and one replacing a worker killed for overrunning, in wall time and
the CPU time of the processes doing it. Best and median of ``--repeat`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
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
from tests._dates import TODAY  # noqa: E402
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
        extract_article(html, URL, today=TODAY)
    except ExtractionError:
        pass


# Run in a process of its own whose main module is a ``-c`` string, as the bot's is a package's
# ``__main__``: multiprocessing imports a script's main module again in every worker, and this
# script's imports the tests' modules, which the bot's workers never load.
_WORKER_READY = """
import asyncio, json, multiprocessing.forkserver, os, sys, time
from pathlib import Path
from bot.errors import ExtractionError
from bot.sharing.jobs import PRELOAD, warm_parsers
from bot.workers import ParsePool

def cpu_ms(pid):
    # utime + stime of a process that is not our child (workers are the fork server's)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

async def main(repeat):
    pool = ParsePool(1, preload=PRELOAD)
    try:
        started = time.perf_counter()
        await pool.warm_up(warm_parsers)
        pid = await pool.run(60, os.getpid)
        rows = {"first wall": [(time.perf_counter() - started) * 1000]}
        server = multiprocessing.forkserver._forkserver._forkserver_pid  # private: bench only
        rows["first CPU (worker, fork server)"] = [cpu_ms(pid) + cpu_ms(server)]
        rows["replacement wall"], rows["replacement CPU (worker)"] = [], []
        for _ in range(repeat):
            try:
                await pool.run(0.2, time.sleep, 30)  # overruns: its worker is killed
            except ExtractionError:
                pass
            started = time.perf_counter()
            pid = await pool.run(60, os.getpid)
            rows["replacement wall"].append((time.perf_counter() - started) * 1000)
            rows["replacement CPU (worker)"].append(cpu_ms(pid))
        return rows
    finally:
        pool.close()

print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
"""


def _worker_ready(repeat: int) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_READY, str(repeat)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    rows = json.loads(done.stdout)
    return [{"work": "parse worker ready", "input": name, "ms": ms} for name, ms in rows.items()]


def measure(repeat: int) -> list[dict[str, Any]]:
    rows = _worker_ready(repeat)
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

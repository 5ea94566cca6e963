"""Worst-case time of every regular expression that reads page or member text.

Run on demand (not part of the test suite)::

    .venv/bin/python bench/regex_speed.py [--lengths 1000,8000,64000] [--json OUT]

Every pattern the linearity tests find (``tests/_regexes.py``: module-level patterns of ``bot`` and
``cogs``) is run with ``search``, ``fullmatch`` and ``findall`` on each of the known attack shapes
(long runs, ``|``/``/`` chains, nested and unclosed brackets, issue 10's credit line, …) at each
length; a row is the pattern's worst case at that length (CPU time of the calling thread, best of
three runs: what the event loop or a parse worker would spend), with the shape and method that gave
it. The tests compare growth only; this prints the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests._growth import best_time  # noqa: E402
from tests._regexes import KNOWN_BOMBS, METHODS, PATTERNS, maker  # noqa: E402


def measure(lengths: list[int]) -> list[dict[str, object]]:
    rows = []
    for name, pattern in sorted(PATTERNS.items()):
        worst = {n: (0.0, "", "") for n in lengths}
        for shape in KNOWN_BOMBS:
            make = maker(pattern, shape)
            for method in METHODS:
                fn = getattr(pattern, method)
                for n in lengths:
                    seconds = best_time(fn, make(n), 3)
                    if seconds > worst[n][0]:
                        worst[n] = (
                            seconds,
                            method,
                            repr(shape[0] + shape[1] + shape[2] + shape[3]),
                        )
        rows.append(
            {
                "pattern": name,
                "ms": {n: round(worst[n][0] * 1000, 3) for n in lengths},
                "worst": f"{worst[lengths[-1]][1]} {worst[lengths[-1]][2]}",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="1000,8000,64000")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    rows = measure(lengths)
    print(
        "| pattern | "
        + " | ".join(f"ms at {n:,}" for n in lengths)
        + " | worst case at the longest |"
    )
    print("|---|" + "---|" * len(lengths) + "---|")
    for row in sorted(rows, key=lambda r: -r["ms"][lengths[-1]]):  # type: ignore[index]
        cells = " | ".join(f"{row['ms'][n]:.3f}" for n in lengths)  # type: ignore[index]
        print(f"| {row['pattern']} | {cells} | {row['worst']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

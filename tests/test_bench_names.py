"""No script in ``bench/`` may share its name with an installed module.

A script run as ``python bench/x.py`` has ``bench/`` first on ``sys.path``, so a ``bench/regex.py``
was imported by dateparser (inside htmldate) instead of the ``regex`` package: dateparser failed,
htmldate fell back silently, and the benchmark measured dates without it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_no_bench_script_shadows_an_installed_module() -> None:
    shadowing = [
        path.name
        for path in sorted(BENCH.glob("*.py"))
        if path.stem in sys.stdlib_module_names or importlib.util.find_spec(path.stem) is not None
    ]
    assert shadowing == []

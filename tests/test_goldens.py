"""Every saved page of ``tests/pages`` gives exactly its golden brief, at every length.

A difference fails with the diff. When a change means to alter briefs, rewrite the goldens with
``.venv/bin/python bench/golden.py --write-pages`` and say in the commit which pages changed and why.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from tests._golden import canonical, page_outputs

PAGES = Path(__file__).parent / "pages"
GOLDENS = Path(__file__).parent / "goldens" / "pages"
# A page's address: the goldens depend on it (outlet from the host, relative links, page kind).
BASE_URL = "https://news.example.com/saved/"


def page_url(name: str) -> str:
    return BASE_URL + Path(name).stem


def saved_pages() -> list[str]:
    return sorted(p.name for p in PAGES.glob("*.html"))


def test_every_saved_page_has_a_golden() -> None:
    assert sorted(p.stem for p in GOLDENS.glob("*.json")) == [Path(n).stem for n in saved_pages()]


@pytest.mark.parametrize("name", saved_pages())
def test_saved_page_gives_its_golden_brief(name: str) -> None:
    got = canonical(page_outputs((PAGES / name).read_bytes(), page_url(name)))
    want = (GOLDENS / f"{Path(name).stem}.json").read_text(encoding="utf-8")
    if got != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(keepends=True), got.splitlines(keepends=True), "golden", "now", n=2
            )
        )
        pytest.fail(f"{name}: the brief differs from its golden\n{diff[:6000]}")
    assert json.loads(got)  # and the golden is JSON at all

"""The saved test pages (``tests/pages``) as briefs, for the render and selection tests: named at
collection, composed when a test asks (each xdist worker collects every module, and composing
them all took seconds of each worker's start)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from bot.briefing.compose import build_brief
from bot.briefing.types import Brief
from tests._dates import TODAY

PAGES = sorted((Path(__file__).parent.parent / "pages").glob("*.html"))
_BY_NAME = {page.name: page for page in PAGES}


def page_brief_names(lengths: Sequence[str]) -> list[str]:
    """``page/length`` for every saved page and each of ``lengths``."""
    return [f"{page.name}/{length}" for page in PAGES for length in lengths]


@functools.cache
def page_brief(name: str, length: str) -> Brief:
    """The brief of saved page ``name`` at ``length``, composed once per process."""
    page = _BY_NAME[name]
    return build_brief(
        page.read_bytes(), f"https://example.com/{page.stem}", length=length, today=TODAY
    )

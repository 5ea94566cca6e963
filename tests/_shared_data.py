"""Saved pages of the shared evaluation data (``../shared/data``), for tests of named defects.

The pages are never copied into the repository: a test reads them from the shared folder
(``NEWSLINK_SHARED_DATA``, else ``../shared/data`` beside the project) and keeps only the
expected outputs. Without the data the test is skipped, saying so.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.article.read import extract_article
from bot.article.types import Article
from tests._dates import TODAY

ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("NEWSLINK_SHARED_DATA") or ROOT.parent / "shared" / "data")


@functools.cache
def _index(name: str) -> dict[str, Any]:
    path = data_dir() / name
    if not path.is_file():
        pytest.skip(f"shared data not found: {path} (set NEWSLINK_SHARED_DATA)")
    return json.loads(path.read_text(encoding="utf-8"))


def _read(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"shared page not found: {path}")
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def extraction_page(page_id: str) -> tuple[bytes, str]:
    """(html, url) of a page of the extraction benchmark."""
    url = _index("extraction/ground-truth.json")[page_id]["url"]
    return _read(data_dir() / "extraction" / "html" / f"{page_id}.html.gz"), url


def metadata_keys() -> list[str]:
    return list(_index("metadata/metadata.json"))


def metadata_page(key: str, url: str | None = None) -> tuple[bytes, str]:
    """(html, url) of a page of the metadata set, by its key: its address, or for the set's
    "hard::" pages a file name, with ``url`` the address the page was saved from."""
    entry = _index("metadata/metadata.json")[key]
    return _read(data_dir() / "metadata" / "html" / entry["file"]), url or key


def date_page(url: str) -> tuple[bytes, str]:
    """(html, url) of a page of the dates set (htmldate's evaluation pages), by its address."""
    entry = _index("dates/dates.json")[url]
    return _read(data_dir() / "dates" / "html" / entry["file"]), url


def read(page: tuple[bytes, str]) -> Article:
    html, url = page
    return extract_article(html, url, today=TODAY)

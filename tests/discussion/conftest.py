"""Saved articles' paragraphs, as the bot stores them (extracted from tests/pages)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.article.read import extract_article
from bot.article.types import Article

# The scripted model server on loopback, as the model tests start it (tests of answers).
from tests.model.scripted_llm import scripted_llm_server  # noqa: F401  (the llm fixture)

PAGES = Path(__file__).parent.parent / "pages"


def saved(name: str) -> Article:
    html = (PAGES / name).read_bytes()
    return extract_article(html, "https://news.example/a", today=dt.date(2026, 12, 1))


@pytest.fixture(scope="module")
def coal() -> Article:
    return saved("article_jsonld.html")


@pytest.fixture(scope="module")
def german() -> Article:
    return saved("article_german.html")

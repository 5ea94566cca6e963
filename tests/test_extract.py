"""extract_article: saved pages field by field, hostile input, and properties under mutation."""

from __future__ import annotations

import os
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ExtractionError
from bot.extract import Article, extract_article

URL = "https://news.example.com/2024/05/story"


def _extract_or_error(html: bytes) -> Article | None:
    try:
        return extract_article(html, URL)
    except ExtractionError:
        return None


# --- hostile input -----------------------------------------------------------------------------

HOSTILE: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b" \r\n\t ",
    "deep_nesting": b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000,
    "deep_inline": b"<html><body><p>" + b"<span><b>" * 100_000 + b"deep",
    "tiny_paragraphs": b"<html><body>" + b"<p>a</p>" * 50_000,
    "binary": os.urandom(300_000),
    "nul_bytes": b"<html><body><p>" + b"\x00" * 100_000 + b"hello</p></body></html>",
    "unclosed_scripts": b"<html><head>" + b"<script>" * 100_000,
    "broken_markup": b"<html><body><p>open <b><i><table><tr><td>cell<p>" * 2_000,
    "only_doctype": b"<!DOCTYPE html>",
    "xml_declaration": b'<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_bounded(name: str) -> None:
    start = time.perf_counter()
    article = _extract_or_error(HOSTILE[name])
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{name} took {elapsed:.2f}s"
    if article is not None:
        assert article.kind != "article" or name == "tiny_paragraphs"
        assert all("\x00" not in p for p in article.paragraphs)


@pytest.mark.parametrize("name", ["empty", "whitespace"])
def test_nothing_to_read_is_an_extraction_error(name: str) -> None:
    with pytest.raises(ExtractionError):
        extract_article(HOSTILE[name], URL)


def test_binary_is_not_an_article() -> None:
    assert extract_article(HOSTILE["binary"], URL).kind == "not_article"


def test_parse_limit_applies_to_markup_not_scripts() -> None:
    # Inline scripts larger than the parse limit must not push the article out of it.
    script = b"<script>var x = '" + b"x" * 120_000 + b"';</script>"
    text = b"".join(b"<p>Paragraph %d of plain article prose, long enough to count as text.</p>" % i for i in range(40))
    page = b"<html><head>" + script + b"</head><body><article>" + text + b"</article></body></html>"
    article = extract_article(page, URL, max_bytes=50_000)
    assert article.kind == "article"
    assert article.paragraphs[-1].startswith("Paragraph 39 ")
    # Markup itself does count.
    cut = extract_article(b"<html><body>" + b"<p>x</p>" * 20_000 + text, URL, max_bytes=50_000)
    assert "plain article prose" not in cut.text


def test_invisible_characters_are_stripped() -> None:
    prose = "Readers \u202eecnetnes\u202c see this \u200bsentence with hidden marks in the middle of it. " * 15
    page = f"<html><body><article><p>{prose}</p><p>{prose}.</p></article></body></html>".encode()
    article = extract_article(page, URL)
    assert article.paragraphs
    for p in article.paragraphs:
        assert not re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", p)


def test_not_bytes_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract_article("<p>text</p>", URL)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise_anything_else(body: bytes) -> None:
    article = _extract_or_error(body)
    if article is not None:
        assert article.kind in {"article", "paywall", "too_short", "not_article"}

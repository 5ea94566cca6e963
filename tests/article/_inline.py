"""Small inline pages the article tests build: prose paragraphs inside an article element."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PROSE = [
    f"Paragraph {n} tells the reader something new about the council's plan for the harbour, "
    f"with enough words in it to read as prose rather than as a label or a link."
    for n in range(1, 9)
]


def html_page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def article_markup(paragraphs: list[str], extra: str = "") -> str:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<article><h1>Harbour plan</h1>{inner}{extra}</article>"


OG_ARTICLE = '<meta property="og:type" content="article"><title>Harbour plan</title>'


def tags_and_texts(find: Callable[[Any], list[Any]], markup: str) -> list[tuple[str, str | None]]:
    """What ``find`` returns for the page ``markup``: each element's tag and text, in order."""
    import lxml.html

    return [(el.tag, el.text) for el in find(lxml.html.document_fromstring(markup))]

"""Small inline pages the article tests build: prose paragraphs inside an article element."""

from __future__ import annotations

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

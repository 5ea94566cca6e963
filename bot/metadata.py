"""Article metadata (headline, outlet, authors, date, image, description, language) from a page's
JSON-LD, Open Graph, meta tags and markup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import lxml.html


@dataclass(frozen=True)
class Metadata:
    title: str | None = None
    site_name: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    image_url: str | None = None
    description: str | None = None
    language: str | None = None


def _meta(doc: lxml.html.HtmlElement, *names: str) -> str | None:
    for name in names:
        for el in doc.xpath("//meta[@property=$n or @name=$n]", n=name):
            content = (el.get("content") or "").strip()
            if content:
                return content
    return None


def extract_metadata(doc: lxml.html.HtmlElement, url: str) -> Metadata:
    """Placeholder: Open Graph and <title> only (replaced by the full extractor)."""
    title = _meta(doc, "og:title") or (doc.findtext(".//title") or "").strip() or None
    return Metadata(
        title=title,
        site_name=_meta(doc, "og:site_name"),
        image_url=_meta(doc, "og:image"),
        description=_meta(doc, "og:description", "description"),
        language=(doc.get("lang") or None),
    )

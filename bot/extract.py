"""Article extraction: body text from readability-lxml, metadata from JSON-LD, Open Graph, meta tags."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    url: str
    title: str | None = None
    site_name: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    image_url: str | None = None
    description: str | None = None
    language: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    kind: str = "article"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

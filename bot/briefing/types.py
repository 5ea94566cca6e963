"""A brief: the article, the lead, the quoted runs; and the length presets."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.article.types import Article

log = logging.getLogger(__name__)

# Characters of quoted paragraph text per preset. ``long`` leaves measured room in Discord's
# 4096-character description for the lead (at most LEAD_MAX_CHARS), bridges, `* * *`, `> ` markers,
# markdown escaping and the "Read the full article" line; render.py still drops whole runs if a
# pathological page needs more.
LENGTHS: dict[str, int] = {"compact": 700, "standard": 1500, "long": 3000}
# Compact is a single quoted paragraph however short the candidates are.
# Standard stays readable in a busy channel: at most five paragraphs, however short they are.
MAX_PARAGRAPHS: dict[str, int | None] = {"compact": 1, "standard": 5, "long": None}

LEAD_MAX_CHARS = 450


@dataclass(frozen=True)
class QuoteRun:
    paragraphs: list[str]
    bridge: str | None = None
    # Index of the run's first paragraph in ``article.paragraphs``.
    start: int = 0


@dataclass(frozen=True)
class Brief:
    article: Article
    url: str
    lead: str
    runs: list[QuoteRun] = field(default_factory=list)
    # True when ``lead`` is the sharer's own words: rendering keeps their markdown.
    lead_is_take: bool = False
    # The model that wrote a piece of the commentary (None: none did): "Commentary: <model>".
    commentary_model: str | None = None

    @property
    def kind(self) -> str:
        return self.article.kind

    @property
    def quoted(self) -> list[str]:
        return [p for run in self.runs for p in run.paragraphs]

    def to_dict(self) -> dict[str, Any]:
        a = self.article
        return {
            "article": {
                "url": a.url,
                "title": a.title,
                "site_name": a.site_name,
                "authors": list(a.authors),
                "published": a.published.isoformat() if a.published else None,
                "image_url": a.image_url,
                "description": a.description,
                "language": a.language,
                "paragraphs": list(a.paragraphs),
                "text": a.text,
                "kind": a.kind,
            },
            "url": self.url,
            "lead": self.lead,
            "lead_is_take": self.lead_is_take,
            "runs": [{"paragraphs": list(r.paragraphs), "bridge": r.bridge} for r in self.runs],
            "kind": self.kind,
            **({"commentary_model": self.commentary_model} if self.commentary_model else {}),
        }

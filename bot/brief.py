"""Briefs: the commentary lead and the verbatim quoted runs chosen from an article."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.extract import Article


@dataclass(frozen=True)
class QuoteRun:
    paragraphs: list[str]
    bridge: str | None = None


@dataclass(frozen=True)
class Brief:
    article: Article
    url: str
    lead: str
    runs: list[QuoteRun] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.article.kind

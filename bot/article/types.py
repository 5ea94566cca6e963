"""What reading a page gives: an :class:`Article`, and the :class:`ArticleKind` of page it was."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.choices import ArticleKind, Genre

__all__ = ["Article", "ArticleKind", "MIN_ARTICLE_WORDS"]

MIN_ARTICLE_WORDS = 80


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
    kind: ArticleKind = ArticleKind.ARTICLE
    # The page's ``<link rel=canonical>``, absolute, as written: its own word on its address,
    # believed only for the same site (bot.fetch.urls.article_address).
    canonical: str | None = None
    # Paragraphs that are subheadings in the page (``<h2>``…``<h6>``): they stay in ``paragraphs``
    # (publishers count them as article text) but a brief never quotes one on its own.
    headings: frozenset[str] = frozenset()
    # Paragraphs that are not the article's own prose though reference texts keep them: embedded
    # posts (a tweet's text and its "— Name (@handle) date" signature), captions of pictures
    # signed with a credit, copyright lines. They stay in ``paragraphs``; a brief never quotes one.
    furniture: frozenset[str] = frozenset()
    # What kind of piece it is (news, opinion, ...), from the page's signals (bot.article.genre).
    genre: Genre = Genre.NEWS

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

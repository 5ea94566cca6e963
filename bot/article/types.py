"""What reading a page gives: an :class:`Article`, and the :class:`ArticleKind` of page it was."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Article", "ArticleKind", "MIN_ARTICLE_WORDS"]

MIN_ARTICLE_WORDS = 80


class ArticleKind(StrEnum):
    """What kind of page was read; the values are stored and shown in goldens, so never renamed.

    ``ARTICLE``: a readable article. ``PAYWALL``: a subscriber-only teaser. ``TOO_SHORT``: fewer
    than :data:`MIN_ARTICLE_WORDS` words of body text. ``NOT_ARTICLE``: an error, login or home
    page, a listing, or binary data served as HTML (:mod:`bot.article.kind` has the rules).
    """

    ARTICLE = "article"
    PAYWALL = "paywall"
    TOO_SHORT = "too_short"
    NOT_ARTICLE = "not_article"


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
    # Paragraphs that are subheadings in the page (``<h2>``…``<h6>``): they stay in ``paragraphs``
    # (publishers count them as article text) but a brief never quotes one on its own.
    headings: frozenset[str] = frozenset()
    # Paragraphs that are not the article's own prose though reference texts keep them: embedded
    # posts (a tweet's text and its "— Name (@handle) date" signature), captions of pictures
    # signed with a credit, copyright lines. They stay in ``paragraphs``; a brief never quotes one.
    furniture: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

"""The choice sets, defined once: settings, tables, commands and the core all name them from here.

A leaf module: it imports nothing of the project, so storage (which may import only this and the
clock) and the core share one definition. Each is a :class:`~enum.StrEnum`, so a member *is* the
string stored in the database and shown in commands (``Length.STANDARD == "standard"``): stored
data and the migrations' CHECK constraints are unchanged by using them.
"""

from __future__ import annotations

import enum


class Length(enum.StrEnum):
    """How much of an article a brief quotes (the character budgets live with the briefing)."""

    COMPACT = "compact"
    STANDARD = "standard"
    LONG = "long"


class FailureMode(enum.StrEnum):
    """What a channel shows when a link cannot be briefed."""

    REACT = "react"
    REPLY = "reply"
    IGNORE = "ignore"


class Delivery(enum.StrEnum):
    """How a subscriber hears about a matching brief."""

    THREAD = "thread"
    DM = "dm"


class ClaimState(enum.StrEnum):
    """Where the briefing of one (message, link) stands (see :mod:`bot.storage.claims`)."""

    CLAIMED = "claimed"  # someone is working on it
    POSTED = "posted"  # final: a brief (or a pointer to an earlier one) was posted
    FAILED = "failed"  # nothing posted; may be retried
    GIVEN_UP = "given_up"  # final: the page said no, or recovery gave up


class FeedItemState(enum.StrEnum):
    """Where one item of a feed stands (see :mod:`bot.storage.feeds`)."""

    PENDING = "pending"  # new: to be briefed at this poll or a later one
    POSTED = "posted"  # final: briefed
    POINTED = "pointed"  # final: already briefed in the server, not briefed again
    SKIPPED = "skipped"  # final: in the feed when it was added (not asked for as backlog)
    FAILED = "failed"  # final: could not be briefed (the page, or too many attempts)


class ArticleKind(enum.StrEnum):
    """What kind of page was read; the values are stored and shown in goldens, so never renamed.

    ``ARTICLE``: a readable article. ``PAYWALL``: a subscriber-only teaser. ``TOO_SHORT``: too few
    words of body text (:data:`bot.article.types.MIN_ARTICLE_WORDS`). ``NOT_ARTICLE``: an error,
    login or home page, a listing, or binary data served as HTML (:mod:`bot.article.kind` has the
    rules)."""

    ARTICLE = "article"
    PAYWALL = "paywall"
    TOO_SHORT = "too_short"
    NOT_ARTICLE = "not_article"


class Genre(enum.StrEnum):
    """What kind of piece an article is, from the page's own signals (:mod:`bot.article.genre`):
    the lead frames it so (news "reports", opinion "writes in", ...)."""

    NEWS = "news"
    OPINION = "opinion"
    ANALYSIS = "analysis"
    SATIRE = "satire"
    REVIEW = "review"
    # typed as something that is no story of the outlet's (a customer review, a product page)
    OTHER = "other"


class CommentaryMode(enum.StrEnum):
    """Who writes a server's commentary: the article's own words, or a language model."""

    ARTICLE = "article"
    MODEL = "model"


class DigestSchedule(enum.StrEnum):
    """How often a channel gets the digest of the server's briefs (``off``: never; not stored)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


def values(choices: type[enum.StrEnum]) -> tuple[str, ...]:
    """The stored strings of a choice set, in definition order (for CHECK constraints)."""
    return tuple(member.value for member in choices)

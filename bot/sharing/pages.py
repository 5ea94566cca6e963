"""One fetch per page across processes (issue 14): the extracted articles a bot's processes
share through the database, behind each process's own in-memory cache (:mod:`bot.sharing.pipeline`).

When a page is not in this process's memory, :meth:`PageStore.take` asks the database, in one
transaction: an article another process fetched within ``fresh`` is read back and used (one
compose job, no fetch); else the process that asks first claims the page and fetches it, and
:meth:`PageStore.store` hands the article to the others (or :meth:`PageStore.release`, when the
fetch failed, lets the next one try). A process that finds another one fetching waits, asking
again every ``poll_seconds``, until the article is there, or the fetcher's claim has expired
(``claim_for``: the fetcher died, or is so slow it counts as dead) and it takes the fetch over,
or its own deadline passes (:class:`~bot.errors.FetchTimeout`, as for a page too slow to fetch).

The expiry is a time in the database, from the injected clock, shared by every process; a
failed page is not shared (each process keeps its own failures in memory): the next asker
fetches it again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.article.types import Article
from bot.choices import ArticleKind, Genre
from bot.clock import Clock
from bot.errors import FetchTimeout
from bot.sharing.ledger import default_owner
from bot.storage import pages as stored_pages

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.25  # a waiter's pace: a page takes seconds to fetch and read
_PURGE_EVERY_S = 3600.0  # stale pages are deleted at most hourly, with a store


def article_data(article: Article) -> dict[str, Any]:
    """``article`` as JSON-ready data (:func:`article_from_data` reads it back)."""
    return {
        "url": article.url,
        "title": article.title,
        "site_name": article.site_name,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "image_url": article.image_url,
        "description": article.description,
        "language": article.language,
        "paragraphs": list(article.paragraphs),
        "kind": str(article.kind),
        "canonical": article.canonical,
        "headings": sorted(article.headings),
        "furniture": sorted(article.furniture),
        "genre": str(article.genre),
    }


def article_from_data(data: dict[str, Any]) -> Article:
    published = data["published"]
    return Article(
        url=data["url"],
        title=data["title"],
        site_name=data["site_name"],
        authors=list(data["authors"]),
        published=dt.date.fromisoformat(published) if published else None,
        image_url=data["image_url"],
        description=data["description"],
        language=data["language"],
        paragraphs=list(data["paragraphs"]),
        kind=ArticleKind(data["kind"]),
        canonical=data["canonical"],
        headings=frozenset(data["headings"]),
        furniture=frozenset(data["furniture"]),
        genre=Genre(data["genre"]),
    )


class PageStore:
    """The pages of one process, shared with the others on the same database."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        fresh: dt.timedelta,
        claim_for: dt.timedelta,
        owner: str | None = None,
        poll_seconds: float = _POLL_SECONDS,
        timer: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._fresh = fresh
        self._claim_for = claim_for
        self.owner = owner or default_owner()
        self._poll = poll_seconds
        self._timer = timer  # the waiter's deadline: an interval, not a date
        self._sleep = sleep
        self._purged_at: float | None = None
        # For the health line and the tests: pages read back from another process, and waits.
        self.reused = 0
        self.waited = 0

    async def take(self, key: str, *, within: float) -> Article | None:
        """The article of ``key`` another process stored, waiting while one fetches it; None:
        this process now holds the claim and fetches it, then :meth:`store` or :meth:`release`.
        Raises :class:`FetchTimeout` when still waiting after ``within`` seconds."""
        deadline = self._timer() + within
        waiting = False
        while True:
            now = self._clock.now()
            try:
                async with self._sessions() as session, session.begin():
                    taken = await stored_pages.take_page(
                        session,
                        key,
                        owner=self.owner,
                        now=now,
                        fresh_since=now - self._fresh,
                        claim_until=now + self._claim_for,
                    )
            except SQLAlchemyError:
                # The database out of reach costs a fetch of our own, never the brief.
                log.warning("page %s: the shared pages cannot be read; fetching it here", key)
                return None
            if taken.won:
                if waiting:
                    log.info("page %s: the other fetcher's claim expired; fetching it here", key)
                return None
            if taken.article is not None:
                self.reused += 1
                return article_from_data(taken.article)
            if not waiting:
                waiting = True
                self.waited += 1
                log.info("page %s is being fetched by another process; waiting for it", key)
            if self._timer() + self._poll > deadline:
                raise FetchTimeout("That page took too long to fetch and read.")
            await self._sleep(self._poll)

    async def store(self, key: str, article: Article) -> None:
        """Share the article just fetched (best effort: a database error costs the others a
        fetch of their own, never this brief)."""
        now = self._clock.now()
        try:
            async with self._sessions() as session, session.begin():
                await stored_pages.store_page(session, key, article_data(article), now=now)
                if self._purged_at is None or self._timer() - self._purged_at >= _PURGE_EVERY_S:
                    self._purged_at = self._timer()
                    await stored_pages.purge_pages(session, before=now - self._fresh, now=now)
        except SQLAlchemyError:
            log.warning("page %s: could not share the article", key, exc_info=True)

    async def release(self, key: str) -> None:
        """Give the claim up without an article (the fetch failed): the next asker fetches."""
        try:
            async with self._sessions() as session, session.begin():
                await stored_pages.release_page(session, key, owner=self.owner)
        except SQLAlchemyError:
            # The claim expires on its own.
            log.warning("page %s: could not release the claim", key, exc_info=True)

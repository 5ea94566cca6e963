"""Articles' stored text: the paragraphs a brief's discussion is answered from (issue 12).

Plain data in and out (no core types): the sharing flow stores a brief's paragraphs when it is
posted, the discussion reads them back by the article's link key
(:func:`bot.fetch.urls.url_key`), and texts older than ``ARTICLE_TEXT_DAYS`` are purged. The
caller owns the transaction and commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.dialect import insert  # the dialect's INSERT … ON CONFLICT
from bot.storage.models import ArticleText

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredText:
    url_key: str
    url: str
    language: str | None
    paragraphs: tuple[str, ...]
    stored_at: dt.datetime


async def store_text(
    session: AsyncSession,
    url_key: str,
    *,
    url: str,
    language: str | None,
    paragraphs: Sequence[str],
    now: dt.datetime,
) -> None:
    """Store (or refresh, when the article is briefed again) the paragraphs of ``url_key``."""
    values = {
        "url": url,
        "language": language,
        "paragraphs": list(paragraphs),
        "stored_at": now,
    }
    await session.execute(
        insert(session, ArticleText)
        .values(url_key=url_key, **values)
        .on_conflict_do_update(index_elements=["url_key"], set_=values)
    )


async def stored_text(
    session: AsyncSession, url_key: str, *, now: dt.datetime, keep_days: int
) -> StoredText | None:
    """The paragraphs of ``url_key``, None if never stored or older than ``keep_days`` (a text
    past its time counts as purged even before :func:`purge_texts` has run)."""
    row = await session.get(ArticleText, url_key)
    if row is None or row.stored_at < now - dt.timedelta(days=keep_days):
        return None
    return StoredText(row.url_key, row.url, row.language, tuple(row.paragraphs), row.stored_at)


async def purge_texts(session: AsyncSession, *, now: dt.datetime, keep_days: int) -> int:
    """Delete texts stored more than ``keep_days`` ago; the number deleted."""
    result = await session.execute(
        delete(ArticleText).where(ArticleText.stored_at < now - dt.timedelta(days=keep_days))
    )
    count: int = result.rowcount  # type: ignore[attr-defined]
    if count:
        log.info("purged the stored text of %d articles", count)
    return count

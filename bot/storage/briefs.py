"""Articles and the briefs posted of them: recording, finding, pinning and removing briefs.

Every function takes an :class:`AsyncSession` first; the caller owns the transaction. Articles
arrive as plain values (:class:`ArticleFacts`), never as the extractor's own type: storage knows
the tables, not the pipeline that fills them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.errors import BriefNotFound
from bot.storage import search
from bot.storage.dialect import insert
from bot.storage.models import ArticleRecord, BriefRecord


@dataclass(frozen=True)
class ArticleFacts:
    """What is stored of an article: its address and metadata, no text."""

    url: str
    title: str | None = None
    site_name: str | None = None
    authors: Sequence[str] = ()
    published: dt.date | None = None
    image_url: str | None = None
    description: str | None = None
    language: str | None = None
    kind: str = "article"


def _with_article(statement: Select[BriefRecord]) -> Select[BriefRecord]:
    return statement.options(selectinload(BriefRecord.article))


async def record_article(
    session: AsyncSession, facts: ArticleFacts, url_key: str, *, fetched_at: dt.datetime
) -> ArticleRecord:
    """Insert the article, or refresh the stored one with the same ``url_key``."""
    values = {**asdict(facts), "authors": list(facts.authors), "fetched_at": fetched_at}
    statement = (
        insert(session, ArticleRecord)
        .values(url_key=url_key, **values)
        .on_conflict_do_update(index_elements=["url_key"], set_=values)
        .returning(ArticleRecord)
    )
    rows = await session.scalars(statement, execution_options={"populate_existing": True})
    record: ArticleRecord = rows.one()
    return record


async def record_brief(
    session: AsyncSession,
    *,
    guild_id: int,
    channel_id: int,
    brief_message_id: int,
    sharer_id: int,
    article_id: int,
    source_message_id: int | None = None,
    thread_id: int | None = None,
    created_at: dt.datetime,
    lead: str | None = None,
    quoted: str | None = None,
) -> BriefRecord:
    """Record a posted brief and index it for search (:mod:`bot.storage.search`): its
    article's headline and outlet, its ``lead`` and ``quoted`` text. Recording the same brief
    message again returns the first record."""
    statement = (
        insert(session, BriefRecord)
        .values(
            guild_id=guild_id,
            channel_id=channel_id,
            brief_message_id=brief_message_id,
            sharer_id=sharer_id,
            article_id=article_id,
            source_message_id=source_message_id,
            thread_id=thread_id,
            created_at=created_at,
            lead=lead,
            quoted=quoted,
        )
        .on_conflict_do_nothing(index_elements=["brief_message_id"])
        .returning(BriefRecord.id)
    )
    inserted = await session.scalar(statement)
    brief = await session.scalar(
        _with_article(select(BriefRecord).where(BriefRecord.brief_message_id == brief_message_id))
    )
    assert brief is not None  # inserted just now or already there
    if inserted is not None:
        await search.index_brief(
            session,
            brief,
            headline=brief.article.title,
            outlet=brief.article.site_name,
            lead=lead,
            quoted=quoted,
        )
    return brief


async def set_brief_thread(session: AsyncSession, brief_id: int, thread_id: int | None) -> None:
    """Remember the discussion thread opened under a brief (None: none could be opened)."""
    await session.execute(
        update(BriefRecord)
        .where(BriefRecord.id == brief_id)
        .values(thread_id=thread_id)
        .execution_options(synchronize_session=False)
    )


async def find_recent_brief(
    session: AsyncSession, guild_id: int, url_key: str, since: dt.datetime
) -> BriefRecord | None:
    """The newest brief of ``url_key`` in the server created at or after ``since``."""
    return await session.scalar(
        _with_article(
            select(BriefRecord)
            .join(BriefRecord.article)
            .where(
                BriefRecord.guild_id == guild_id,
                ArticleRecord.url_key == url_key,
                BriefRecord.created_at >= since,
            )
            .order_by(BriefRecord.created_at.desc(), BriefRecord.id.desc())
            .limit(1)
        )
    )


async def brief_by_message(session: AsyncSession, guild_id: int, message_id: int) -> BriefRecord:
    """The brief posted as message ``message_id``, or whose thread has that id.

    Raises BriefNotFound when there is none in this server."""
    brief = await session.scalar(
        _with_article(
            select(BriefRecord)
            .where(
                BriefRecord.guild_id == guild_id,
                or_(
                    BriefRecord.brief_message_id == message_id, BriefRecord.thread_id == message_id
                ),
            )
            .limit(1)
        )
    )
    if brief is None:
        raise BriefNotFound(detail=f"message {message_id}")
    return brief


async def briefs_from_sources(
    session: AsyncSession, channel_id: int, source_message_ids: Sequence[int]
) -> list[BriefRecord]:
    """The briefs of the members' messages ``source_message_ids`` in ``channel_id`` (deleted
    messages: the raw delete event gives only the channel and the ids)."""
    if not source_message_ids:
        return []
    rows = await session.scalars(
        _with_article(
            select(BriefRecord).where(
                BriefRecord.channel_id == channel_id,
                BriefRecord.source_message_id.in_(list(source_message_ids)),
            )
        ).order_by(BriefRecord.id)
    )
    return list(rows)


async def latest_brief(session: AsyncSession, guild_id: int, channel_id: int) -> BriefRecord | None:
    return await session.scalar(
        _with_article(
            select(BriefRecord)
            .where(BriefRecord.guild_id == guild_id, BriefRecord.channel_id == channel_id)
            .order_by(BriefRecord.created_at.desc(), BriefRecord.id.desc())
            .limit(1)
        )
    )


async def delete_brief(session: AsyncSession, brief_message_id: int) -> bool:
    """Forget a brief whose message was deleted; False if there was none."""
    result = await session.execute(
        delete(BriefRecord)
        .where(BriefRecord.brief_message_id == brief_message_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_pinned(
    session: AsyncSession,
    guild_id: int,
    message_id: int,
    *,
    user_id: int,
    now: dt.datetime,
) -> BriefRecord:
    """Record that ``user_id`` pinned the brief; BriefNotFound if the message is not a brief."""
    brief = await brief_by_message(session, guild_id, message_id)
    brief.pinned_by = user_id
    brief.pinned_at = now
    await session.flush()
    return brief


async def mark_unpinned(session: AsyncSession, guild_id: int, message_id: int) -> BriefRecord:
    brief = await brief_by_message(session, guild_id, message_id)
    brief.pinned_by = None
    brief.pinned_at = None
    await session.flush()
    return brief


async def pinned_briefs(
    session: AsyncSession,
    guild_id: int,
    *,
    channel_ids: Collection[int] | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[BriefRecord]:
    """The server's pinned briefs, most recently pinned first; only those in ``channel_ids`` when
    given (the channels the caller can read: filtered here, so that every page is full)."""
    query = select(BriefRecord).where(
        BriefRecord.guild_id == guild_id, BriefRecord.pinned_at.is_not(None)
    )
    if channel_ids is not None:
        query = query.where(BriefRecord.channel_id.in_(list(channel_ids)))
    rows = await session.scalars(
        _with_article(
            query.order_by(BriefRecord.pinned_at.desc(), BriefRecord.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return list(rows)

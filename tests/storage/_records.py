"""What the storage tests share: ids, a session, an article and a brief recorded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import briefs
from bot.storage.briefs import ArticleFacts
from bot.storage.models import ArticleRecord, BriefRecord

GUILD, OTHER_GUILD, CHANNEL, USER = 10**17 + 1, 10**17 + 2, 2**62, 9_007_199_254_740_993
T0 = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


async def record_article(
    session: AsyncSession, key: str = "example.org/a", **kw: object
) -> ArticleRecord:
    facts = ArticleFacts(
        **{  # type: ignore[arg-type]
            "url": f"https://{key}",
            "title": "NATO aims to repair Russia ties",
            "authors": ["Adrian Croft"],
            "published": dt.date(2012, 12, 2),
            **kw,
        }
    )
    return await briefs.record_article(session, facts, key, fetched_at=T0)


async def record_brief(
    session: AsyncSession,
    message_id: int,
    *,
    guild: int = GUILD,
    channel: int = CHANNEL,
    key: str = "example.org/a",
    created_at: dt.datetime = T0,
    article: dict[str, object] | None = None,
    **brief: object,
) -> BriefRecord:
    """A brief of message ``message_id``; ``article``: ArticleFacts fields other than the
    defaults; ``brief``: more of :func:`bot.storage.briefs.record_brief`'s (lead, thread_id…)."""
    record = await record_article(session, key, **(article or {}))
    return await briefs.record_brief(
        session,
        guild_id=guild,
        channel_id=channel,
        brief_message_id=message_id,
        sharer_id=USER,
        article_id=record.id,
        source_message_id=message_id - 1,
        created_at=created_at,
        **brief,  # type: ignore[arg-type]
    )

"""Articles and briefs on real databases (SQLite and PostgreSQL via ``database_url``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import BriefNotFound
from bot.storage import briefs as repo
from bot.storage.briefs import ArticleFacts
from tests.storage._records import (
    CHANNEL,
    GUILD,
    OTHER_GUILD,
    T0,
    USER,
    record_article,
    record_brief,
)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    async with sessionmaker() as session:
        yield session  # type: ignore[misc]


async def test_record_article_upserts_by_url_key(session: AsyncSession) -> None:
    first = await record_article(session)
    again = await repo.record_article(
        session,
        ArticleFacts(url="https://example.org/a?utm_source=x", title="Updated", kind="paywalled"),
        "example.org/a",
        fetched_at=T0,
    )
    await session.commit()
    assert again.id == first.id
    assert (again.title, again.kind, again.authors) == ("Updated", "paywalled", [])
    other = await record_article(session, "example.org/b")
    assert other.id != first.id
    assert again.published is None  # refreshed from the new fetch, not merged


async def test_briefs_round_trip_big_ids_and_aware_times(session: AsyncSession) -> None:
    brief = await record_brief(session, 2**63 - 1)
    await repo.set_brief_thread(session, brief.id, 2**63 - 2)
    await session.commit()
    session.expunge_all()
    found = await repo.brief_by_message(session, GUILD, 2**63 - 1)
    assert (found.sharer_id, found.thread_id, found.channel_id) == (USER, 2**63 - 2, CHANNEL)
    assert found.created_at == T0 and found.created_at.tzinfo == dt.UTC
    assert found.article.title == "NATO aims to repair Russia ties"  # loaded, not lazy
    assert (await repo.brief_by_message(session, GUILD, 2**63 - 2)).id == found.id  # by thread
    with pytest.raises(BriefNotFound):
        await repo.brief_by_message(session, OTHER_GUILD, 2**63 - 1)


async def test_record_brief_twice_is_one_brief(session: AsyncSession) -> None:
    first = await record_brief(session, 500)
    second = await record_brief(session, 500)
    assert first.id == second.id


async def test_find_recent_brief_window_and_server(session: AsyncSession) -> None:
    await record_brief(session, 100, created_at=T0 - dt.timedelta(days=10))
    newer = await record_brief(session, 200, created_at=T0 - dt.timedelta(days=2))
    await record_brief(session, 300, guild=OTHER_GUILD, created_at=T0)
    await record_brief(session, 400, key="example.org/other", created_at=T0)
    await session.commit()
    since = T0 - dt.timedelta(days=7)
    found = await repo.find_recent_brief(session, GUILD, "example.org/a", since)
    assert found is not None and found.id == newer.id
    assert (
        await repo.find_recent_brief(session, GUILD, "example.org/a", T0 - dt.timedelta(days=1))
        is None
    )
    assert await repo.find_recent_brief(session, GUILD, "example.org/none", since) is None
    latest = await repo.latest_brief(session, GUILD, CHANNEL)
    assert latest is not None and latest.brief_message_id == 400


async def test_delete_brief(session: AsyncSession) -> None:
    await record_brief(session, 100)
    assert await repo.delete_brief(session, 100)
    assert not await repo.delete_brief(session, 100)
    with pytest.raises(BriefNotFound):
        await repo.brief_by_message(session, GUILD, 100)


async def test_pinned_briefs_only_in_the_channels_given_and_pages_stay_full(
    session: AsyncSession,
) -> None:
    # Newest pin first: 1005 (hidden), 1004, 1003 (hidden), 1002, 1001 (hidden), 1000.
    for i in range(6):
        await record_brief(session, 1000 + i, channel=CHANNEL + i % 2)
        await repo.mark_pinned(
            session, GUILD, 1000 + i, user_id=USER, now=T0 + dt.timedelta(minutes=i)
        )
    await session.commit()

    readable = {CHANNEL, CHANNEL + 7}
    page1 = await repo.pinned_briefs(session, GUILD, channel_ids=readable, limit=2)
    page2 = await repo.pinned_briefs(session, GUILD, channel_ids=readable, limit=2, offset=2)
    assert [b.brief_message_id for b in page1] == [1004, 1002]
    assert [b.brief_message_id for b in page2] == [1000]
    assert await repo.pinned_briefs(session, GUILD, channel_ids=[]) == []
    assert len(await repo.pinned_briefs(session, GUILD)) == 6


async def test_pinned_briefs_newest_first_and_paged(session: AsyncSession) -> None:
    for i in range(5):
        await record_brief(session, 1000 + i)
    await record_brief(session, 2000, guild=OTHER_GUILD)
    # pinned out of message order, to tell pin time from creation order
    for minutes, message in [(3, 1002), (1, 1000), (4, 1004), (2, 1003)]:
        await repo.mark_pinned(
            session, GUILD, message, user_id=USER + minutes, now=T0 + dt.timedelta(minutes=minutes)
        )
    await repo.mark_pinned(session, OTHER_GUILD, 2000, user_id=USER, now=T0)
    await repo.mark_unpinned(session, GUILD, 1003)
    await session.commit()
    session.expunge_all()

    page1 = await repo.pinned_briefs(session, GUILD, limit=2)
    page2 = await repo.pinned_briefs(session, GUILD, limit=2, offset=2)
    assert [b.brief_message_id for b in page1] == [1004, 1002]
    assert [b.brief_message_id for b in page2] == [1000]
    assert page1[0].pinned_by == USER + 4 and page1[0].pinned_at == T0 + dt.timedelta(minutes=4)
    assert page1[0].article.url == "https://example.org/a"
    with pytest.raises(BriefNotFound):
        await repo.mark_pinned(session, GUILD, 2000, user_id=USER, now=T0)  # another server's brief


async def test_briefs_from_sources_in_the_channel_given(session: AsyncSession) -> None:
    await record_brief(session, 100)  # shared in message 99
    await record_brief(session, 200)  # 199
    await record_brief(session, 300, channel=CHANNEL + 1)  # 299, elsewhere
    await session.commit()
    found = await repo.briefs_from_sources(session, CHANNEL, [99, 199, 299, 5])
    assert [b.brief_message_id for b in found] == [100, 200]
    assert found[0].article.url_key == "example.org/a"  # loaded, not lazy
    assert await repo.briefs_from_sources(session, CHANNEL, []) == []

"""Repository functions on real databases (SQLite and PostgreSQL via ``database_url``)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.article.types import Article
from bot.errors import (
    AlreadySubscribed,
    BriefNotFound,
    InvalidTopic,
    NotSubscribed,
    StorageError,
    TooManySubscriptions,
)
from bot.storage import repository as repo
from bot.storage.models import ArticleRecord, BriefRecord

GUILD, OTHER_GUILD, CHANNEL, USER = 10**17 + 1, 10**17 + 2, 2**62, 9_007_199_254_740_993
T0 = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    async with sessionmaker() as session:
        yield session  # type: ignore[misc]


async def _article(
    session: AsyncSession, key: str = "example.org/a", **kw: object
) -> ArticleRecord:
    article = Article(
        url=f"https://{key}",
        title="NATO aims to repair Russia ties",
        authors=["Adrian Croft"],
        published=dt.date(2012, 12, 2),
        **kw,
    )  # type: ignore[arg-type]
    return await repo.record_article(session, article, key, fetched_at=T0)


async def _brief(
    session: AsyncSession,
    message_id: int,
    *,
    guild: int = GUILD,
    channel: int = CHANNEL,
    key: str = "example.org/a",
    created_at: dt.datetime = T0,
) -> BriefRecord:
    article = await _article(session, key)
    return await repo.record_brief(
        session,
        guild_id=guild,
        channel_id=channel,
        brief_message_id=message_id,
        sharer_id=USER,
        article_id=article.id,
        source_message_id=message_id - 1,
        created_at=created_at,
    )


async def test_record_article_upserts_by_url_key(session: AsyncSession) -> None:
    first = await _article(session)
    again = await repo.record_article(
        session,
        Article(url="https://example.org/a?utm_source=x", title="Updated", kind="paywalled"),
        "example.org/a",
        fetched_at=T0,
    )
    await session.commit()
    assert again.id == first.id
    assert (again.title, again.kind, again.authors) == ("Updated", "paywalled", [])
    other = await _article(session, "example.org/b")
    assert other.id != first.id
    assert again.published is None  # refreshed from the new fetch, not merged


async def test_briefs_round_trip_big_ids_and_aware_times(session: AsyncSession) -> None:
    brief = await _brief(session, 2**63 - 1)
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
    first = await _brief(session, 500)
    second = await _brief(session, 500)
    assert first.id == second.id


async def test_find_recent_brief_window_and_server(session: AsyncSession) -> None:
    await _brief(session, 100, created_at=T0 - dt.timedelta(days=10))
    newer = await _brief(session, 200, created_at=T0 - dt.timedelta(days=2))
    await _brief(session, 300, guild=OTHER_GUILD, created_at=T0)
    await _brief(session, 400, key="example.org/other", created_at=T0)
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
    await _brief(session, 100)
    assert await repo.delete_brief(session, 100)
    assert not await repo.delete_brief(session, 100)
    with pytest.raises(BriefNotFound):
        await repo.brief_by_message(session, GUILD, 100)


async def test_pinned_briefs_only_in_the_channels_given_and_pages_stay_full(
    session: AsyncSession,
) -> None:
    # Newest pin first: 1005 (hidden), 1004, 1003 (hidden), 1002, 1001 (hidden), 1000.
    for i in range(6):
        await _brief(session, 1000 + i, channel=CHANNEL + i % 2)
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
        await _brief(session, 1000 + i)
    await _brief(session, 2000, guild=OTHER_GUILD)
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


async def test_subscribe_errors_are_domain_errors(session: AsyncSession) -> None:
    sub = await repo.subscribe(session, GUILD, USER, "  Zélenskyy ", limit=3, delivery="dm", now=T0)
    assert (sub.topic, sub.delivery, sub.user_id) == ("zelenskyy", "dm", USER)
    with pytest.raises(AlreadySubscribed):
        await repo.subscribe(session, GUILD, USER, "ZELENSKYY", limit=3, now=T0)
    await repo.subscribe(session, GUILD, USER, "nato", limit=3, now=T0)
    await repo.subscribe(session, GUILD, USER, "patriot missiles", limit=3, now=T0)
    with pytest.raises(TooManySubscriptions) as excinfo:
        await repo.subscribe(session, GUILD, USER, "turkey", limit=3, now=T0)
    assert "3" in excinfo.value.user_message
    with pytest.raises(InvalidTopic):
        await repo.subscribe(session, GUILD, USER, "(a+)+$", limit=3, now=T0)
    # another server, another member: separate lists
    await repo.subscribe(session, OTHER_GUILD, USER, "nato", limit=3, now=T0)
    await repo.subscribe(session, GUILD, USER + 1, "nato", limit=3, now=T0)
    await session.commit()

    assert await repo.list_topics(session, GUILD, USER) == ["nato", "patriot missiles", "zelenskyy"]
    await repo.unsubscribe(session, GUILD, USER, "NATO")
    with pytest.raises(NotSubscribed):
        await repo.unsubscribe(session, GUILD, USER, "nato")
    await session.commit()
    assert await repo.list_topics(session, GUILD, USER) == ["patriot missiles", "zelenskyy"]
    assert [s.user_id for s in await repo.subscribers_for(session, GUILD, ["nato", "golf"])] == [
        USER + 1
    ]
    assert await repo.subscribers_for(session, GUILD, []) == []
    everyone = await repo.all_subscriptions(session, GUILD)
    assert sorted((s.user_id, s.topic) for s in everyone) == [
        (USER, "patriot missiles"),
        (USER, "zelenskyy"),
        (USER + 1, "nato"),
    ]


async def test_concurrent_duplicate_subscribe_is_already_subscribed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Two sessions subscribe the same member to the same topic at once: one subscription, and
    the loser gets a domain error, never an IntegrityError."""

    async def subscribe() -> object:
        async with sessionmaker() as session:
            subscription = await repo.subscribe(session, GUILD, USER, "nato", limit=5, now=T0)
            await session.commit()
            return subscription

    results = await asyncio.gather(subscribe(), subscribe(), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["AlreadySubscribed", "Subscription"]
    assert all(isinstance(r, StorageError) for r in results if isinstance(r, BaseException))
    async with sessionmaker() as session:
        assert await repo.list_topics(session, GUILD, USER) == ["nato"]


async def test_notifications_are_recorded_once(session: AsyncSession) -> None:
    brief = await _brief(session, 700)
    assert await repo.record_notifications(session, brief.id, [3, 1, 2, 1], now=T0) == [3, 1, 2]
    await session.commit()
    assert await repo.record_notifications(session, brief.id, [2, 4, 3, 5], now=T0) == [4, 5]
    assert await repo.record_notifications(session, brief.id, [5], now=T0) == []
    assert await repo.record_notifications(session, brief.id, [], now=T0) == []
    other = await _brief(session, 701)
    assert await repo.record_notifications(session, other.id, [1], now=T0) == [1]


async def test_settings_defaults_and_overrides(session: AsyncSession) -> None:
    assert await repo.get_channel_settings(session, GUILD, CHANNEL) == repo.ChannelSettings()
    assert await repo.get_guild_settings(session, GUILD) == repo.GuildSettings()

    await repo.set_guild_settings(
        session, GUILD, watch_by_default=False, default_length="compact", now=T0
    )
    inherited = await repo.get_channel_settings(session, GUILD, CHANNEL)
    assert (inherited.watched, inherited.length, inherited.on_failure) == (
        False,
        "compact",
        "react",
    )

    changed = await repo.set_channel_settings(
        session, GUILD, CHANNEL, watched=True, quotes=False, now=T0
    )
    await session.commit()
    assert changed == repo.ChannelSettings(watched=True, length="compact", quotes=False)
    again = await repo.set_channel_settings(session, GUILD, CHANNEL, on_failure="ignore", now=T0)
    await session.commit()
    assert again == repo.ChannelSettings(
        watched=True, length="compact", quotes=False, on_failure="ignore"
    )
    assert await repo.get_channel_settings(session, GUILD, CHANNEL) == again
    # the channel no longer follows the server's defaults
    await repo.set_guild_settings(session, GUILD, default_length="long", now=T0)
    assert (await repo.get_channel_settings(session, GUILD, CHANNEL)).length == "compact"
    assert (await repo.get_channel_settings(session, GUILD, CHANNEL + 1)).length == "long"
    with pytest.raises(ValueError):
        await repo.set_channel_settings(session, GUILD, CHANNEL, length="huge", now=T0)

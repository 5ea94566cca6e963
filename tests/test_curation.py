"""Curation, the service the moderator commands call: channel settings, finding, pinning and
removing briefs, as plain values, on a real database (SQLite and PostgreSQL via ``database_url``)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import FailureMode, Length
from bot.clock import FixedClock
from bot.curation import BriefRef, Curation
from bot.errors import BriefNotFound
from bot.sharing.types import ChannelPolicy
from tests.storage._records import CHANNEL, GUILD, USER, record_brief


@pytest.fixture
def curation(sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock) -> Curation:
    return Curation(sessionmaker, clock)


async def test_configure_changes_what_is_given_and_returns_the_whole_policy(
    curation: Curation,
) -> None:
    assert await curation.configure(GUILD, CHANNEL) == ChannelPolicy()
    assert await curation.configure(GUILD, CHANNEL, watched=False) == ChannelPolicy(watched=False)
    changed = await curation.configure(
        GUILD, CHANNEL, length=Length.LONG, on_failure=FailureMode.REPLY
    )
    assert changed == ChannelPolicy(False, Length.LONG, True, FailureMode.REPLY)
    assert await curation.configure(GUILD, CHANNEL) == changed


async def test_find_pin_list_and_forget_a_brief(
    curation: Curation, sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    with pytest.raises(BriefNotFound):
        await curation.find_brief(GUILD, CHANNEL, None)
    async with sessionmaker() as session, session.begin():
        await record_brief(session, 600)
        await record_brief(session, 700, key="example.org/b")
    latest = await curation.find_brief(GUILD, CHANNEL, None)
    assert latest == BriefRef(
        GUILD, CHANNEL, 700, "NATO aims to repair Russia ties", sharer_id=USER
    )
    first = await curation.find_brief(GUILD, CHANNEL, 600)

    await curation.set_pin(first, USER)
    await curation.set_pin(latest, USER)
    page, more = await curation.pinned(GUILD, channel_ids=[CHANNEL], page=1, per_page=1)
    assert [b.message_id for b in page] == [700] and more
    assert (await curation.pinned(GUILD, channel_ids=[], page=1, per_page=5)) == ([], False)
    pinned = await curation.find_brief(GUILD, CHANNEL, 700)
    assert (pinned.pinned_by, pinned.pinned_at) == (USER, clock.now())

    await curation.set_pin(pinned, None)
    await curation.forget(first)
    with pytest.raises(BriefNotFound):
        await curation.find_brief(GUILD, CHANNEL, 600)
    assert await curation.pinned(GUILD, channel_ids=[CHANNEL], page=1, per_page=5) == ([], False)


async def test_commentary_mode_is_server_wide_article_by_default_and_read_by_the_share_policy(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    from bot.choices import CommentaryMode
    from bot.model.budget import Budget
    from bot.storage.usage import UsageStore

    budget = Budget(UsageStore(sessionmaker), clock, daily_tokens=1000)
    curation = Curation(sessionmaker, clock, budget, "smollm2")
    assert await curation.commentary_mode(GUILD) == CommentaryMode.ARTICLE
    assert await curation.set_commentary_mode(GUILD, CommentaryMode.MODEL) == "model"
    assert await curation.commentary_mode(GUILD) == CommentaryMode.MODEL
    assert await curation.commentary_mode(GUILD + 1) == CommentaryMode.ARTICLE  # per server
    # the channel settings are untouched by it
    assert await curation.configure(GUILD, CHANNEL) == ChannelPolicy()
    await budget.record(GUILD, 120)
    usage = await curation.model_usage(GUILD)
    assert usage is not None and (usage.model, usage.used_today, usage.daily_tokens) == (
        "smollm2",
        120,
        1000,
    )
    assert await Curation(sessionmaker, clock).model_usage(GUILD) is None  # no model configured

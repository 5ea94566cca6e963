"""The server-wide service (issue 17, items 4, 6, 8) on real databases: defaults new channels
follow, site rules as moderators type them, a member's "forget me", and the purge of a server the
bot left, on the injected clock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.administration import Administration, InvalidSite
from bot.choices import Length
from bot.clock import FixedClock
from bot.storage import guilds as stored_guilds
from bot.storage import settings as stored_settings
from bot.storage import subscriptions
from bot.storage.settings import GuildSettings

GUILD, OTHER, CHANNEL, USER = 1, 2, 10, 100
DAY = dt.timedelta(days=1)


@pytest.fixture
def admin(sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock) -> Administration:
    return Administration(sessionmaker, clock, purge_after_days=30)


async def test_new_channels_follow_the_server_defaults(admin: Administration) -> None:
    assert await admin.defaults(GUILD) == GuildSettings()
    changed = await admin.defaults(GUILD, watch_by_default=False, length=Length.COMPACT)
    assert (changed.watch_by_default, changed.default_length) == (False, Length.COMPACT)
    assert await admin.defaults(GUILD, length=Length.LONG) == GuildSettings(
        watch_by_default=False, default_length=Length.LONG
    )
    fresh = (await admin.policies(GUILD, [CHANNEL]))[CHANNEL]
    assert (fresh.watched, fresh.length) == (False, Length.LONG)
    assert (await admin.policies(OTHER, [CHANNEL]))[CHANNEL].watched  # another server: default


@pytest.mark.parametrize(
    ("typed", "domain"),
    [
        ("bbc.co.uk", "bbc.co.uk"),
        ("News.BBC.co.uk", "bbc.co.uk"),
        ("https://www.bbc.co.uk/news/world-1?x=1", "bbc.co.uk"),
        ("edition.cnn.com/", "cnn.com"),
    ],
)
def test_a_site_is_its_registrable_domain(typed: str, domain: str) -> None:
    assert Administration.site(typed) == domain


@pytest.mark.parametrize("typed", ["", "not a site", "co.uk", "localhost", "com", "a@b.com"])
def test_what_is_not_a_site_is_refused(typed: str) -> None:
    with pytest.raises(InvalidSite):
        Administration.site(typed)


async def test_site_rules_are_set_replaced_and_removed(admin: Administration) -> None:
    assert await admin.set_site(GUILD, "https://www.bbc.co.uk/news", "allow") == "bbc.co.uk"
    assert await admin.set_site(GUILD, "bbc.co.uk", "block") == "bbc.co.uk"
    assert await admin.sites(GUILD) == {"bbc.co.uk": "block"}
    assert await admin.remove_site(GUILD, "news.bbc.co.uk") == ("bbc.co.uk", True)
    assert await admin.remove_site(GUILD, "bbc.co.uk") == ("bbc.co.uk", False)


async def _subscribe(sessions: async_sessionmaker[AsyncSession], guild: int, user: int) -> None:
    async with sessions() as session, session.begin():
        await subscriptions.subscribe(
            session, guild, user, "nato", limit=5, now=dt.datetime.now(dt.UTC)
        )


async def test_forget_me_deletes_the_members_subscriptions_at_once(
    admin: Administration, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for guild, user in ((GUILD, USER), (GUILD, USER + 1), (OTHER, USER)):
        await _subscribe(sessionmaker, guild, user)
    done = await admin.forget_member(GUILD, USER)
    assert (done.subscriptions, done.notifications) == (1, 0)
    async with sessionmaker() as session:
        assert await subscriptions.list_subscriptions(session, GUILD, USER) == []
        assert len(await subscriptions.list_subscriptions(session, OTHER, USER)) == 1


async def test_a_left_server_is_purged_after_the_grace_and_a_return_keeps_it(
    admin: Administration, sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    for guild in (GUILD, OTHER):
        await _subscribe(sessionmaker, guild, USER)
        await admin.defaults(guild, watch_by_default=False)
    await admin.left(GUILD)
    await admin.left(OTHER)
    clock.advance(29 * DAY)
    assert await admin.purge_departed() == []  # within the grace: kept
    await admin.present([OTHER])  # added back to OTHER: it keeps its data
    clock.advance(DAY + dt.timedelta(seconds=1))
    assert await admin.purge_departed() == [GUILD]
    assert await admin.purge_departed() == []
    async with sessionmaker() as session:
        assert await subscriptions.list_subscriptions(session, GUILD, USER) == []
        assert await stored_settings.get_guild_settings(session, GUILD) == GuildSettings()
        assert len(await subscriptions.list_subscriptions(session, OTHER, USER)) == 1
        assert not (await stored_settings.get_guild_settings(session, OTHER)).watch_by_default


async def test_at_start_a_server_left_while_offline_is_recorded_as_left(
    admin: Administration, sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    for guild in (GUILD, OTHER):
        await _subscribe(sessionmaker, guild, USER)
    await admin.present([OTHER], complete=True)  # the bot is only in OTHER now
    async with sessionmaker() as session:
        assert await stored_guilds.departed_before(session, clock.now() + DAY) == [GUILD]
    clock.advance(31 * DAY)
    assert await admin.purge_departed() == [GUILD]


async def test_a_process_judges_only_its_own_shards_servers_left_while_offline(
    admin: Administration, sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    for guild in (GUILD, OTHER):
        await _subscribe(sessionmaker, guild, USER)
    # This process holds OTHER's shard only and sees no server: GUILD is another process's.
    await admin.present([], complete=True, owns=lambda guild: guild == OTHER)
    async with sessionmaker() as session:
        assert await stored_guilds.departed_before(session, clock.now() + DAY) == [OTHER]
    await admin.left(GUILD)  # seen leaving by the process holding GUILD's shard
    clock.advance(31 * DAY)
    # Each process purges the servers of its own shards: every one once, none twice.
    assert await admin.purge_departed(owns=lambda guild: guild == OTHER) == [OTHER]
    assert await admin.purge_departed(owns=lambda guild: guild == GUILD) == [GUILD]

"""Server and channel settings on real databases (SQLite and PostgreSQL via ``database_url``)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import FailureMode, Length
from bot.storage import settings as repo
from tests.storage._records import CHANNEL, GUILD, T0


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    async with sessionmaker() as session:
        yield session  # type: ignore[misc]


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
        session, GUILD, CHANNEL, watched=True, threads=False, now=T0
    )
    await session.commit()
    assert changed == repo.ChannelSettings(watched=True, length="compact", threads=False)
    again = await repo.set_channel_settings(session, GUILD, CHANNEL, on_failure="ignore", now=T0)
    await session.commit()
    assert again == repo.ChannelSettings(
        watched=True, length="compact", threads=False, on_failure="ignore"
    )
    # stored as the strings they always were, read back as the choices
    assert again.on_failure is FailureMode.IGNORE and again.length is Length.COMPACT
    assert await repo.get_channel_settings(session, GUILD, CHANNEL) == again
    # the channel no longer follows the server's defaults
    await repo.set_guild_settings(session, GUILD, default_length="long", now=T0)
    assert (await repo.get_channel_settings(session, GUILD, CHANNEL)).length == "compact"
    assert (await repo.get_channel_settings(session, GUILD, CHANNEL + 1)).length == "long"
    with pytest.raises(ValueError):
        await repo.set_channel_settings(session, GUILD, CHANNEL, length="huge", now=T0)

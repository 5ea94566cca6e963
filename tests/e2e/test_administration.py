"""The server as a whole, end to end through the fake Discord (issue 17, items 4, 5, 6, 8, 9):
allowed and blocked sites, the hourly limit, the server's defaults, help and check, forget-me,
and the bot removed from the server and added back. Two bot starts (per database engine): each
test walks through several commands in order, as a server's moderators would."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.storage import guilds as stored_guilds
from bot.storage import subscriptions as stored_subscriptions
from tests.e2e.conftest import (
    GUILD,
    MEMBER,
    MODERATOR,
    MODERATORS_ROLE,
    NEWS,
    SHARER,
    STAFF_ONLY,
    SUBSCRIBER,
    Running,
    answered,
    briefs,
    build_world,
    option,
    until,
)
from tests.fakediscord.world import (
    ADD_REACTIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    PIN_MESSAGES,
)

NATO = "/world/nato-russia"
ADMINS_ROLE = 302
MANAGE_GUILD = 1 << 5
LATE = 105
BLOCKED, LIMITED = "\N{NO ENTRY SIGN}", "\N{HOURGLASS WITH FLOWING SAND}"


def _newslink(sub: str, *options: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": sub, "type": 1, "options": list(options)}]


def _sites(sub: str, *options: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": "sites", "type": 2, "options": _newslink(sub, *options)}]


async def _ask(run: Running, user: int, options: list[dict[str, Any]], channel: int = NEWS) -> str:
    record = await run.fake.slash(GUILD, channel, user, "newslink", options)
    text = await answered(run.fake, record)
    assert record.ephemeral, text
    return text


async def _paste(run: Running, user: int, path: str, channel: int = NEWS) -> int:
    """A member pastes a link; once the bot is done with it, the message's id."""
    sent = await run.fake.send_message(channel, user, run.site.url(path))
    await run.quiet()
    return int(sent["id"])


@pytest.fixture
def setting_overrides() -> dict[str, Any]:
    return {"briefs_per_member_hour": 2}


async def test_sites_the_hourly_limit_and_the_server_defaults(newslink: Running) -> None:
    fake = newslink.fake
    fake.add_role(GUILD, ADMINS_ROLE, permissions=MANAGE_GUILD, name="admins")
    fake.add_member(GUILD, MODERATOR, "moderator", roles=[MODERATORS_ROLE, ADMINS_ROLE])
    await newslink.quiet()

    # Server-wide rules take Manage Server: a channel moderator (and a member) may not.
    for user in (MEMBER, SUBSCRIBER):
        text = await _ask(newslink, user, _sites("block", option("site", "127.0.0.1")))
        assert "Manage Guild" in text or "Manage Server" in text, text
    text = await _ask(newslink, MODERATOR, _sites("block", option("site", "http://127.0.0.1/x")))
    assert "Blocked 127.0.0.1" in text
    assert "127.0.0.1" in await _ask(newslink, MODERATOR, _sites("list"))

    # A pasted link to a blocked site: a reaction, no brief, no reply in the channel.
    refused = await _paste(newslink, SHARER, f"{NATO}?edition=1")
    assert fake.reactions(NEWS, refused) == [BLOCKED]
    assert fake.messages(NEWS) == []  # the bot posted nothing
    # /brief says why, to the caller only.
    record = await fake.slash(
        GUILD, NEWS, SHARER, "brief", [option("url", newslink.site.url(f"{NATO}?edition=1"))]
    )
    assert "do not allow" in await answered(fake, record) and record.ephemeral

    assert "Removed 127.0.0.1" in await _ask(
        newslink, MODERATOR, _sites("remove", option("site", "127.0.0.1"))
    )
    # Two briefs an hour per member here (setting_overrides); the third link is refused ...
    await _paste(newslink, SHARER, f"{NATO}?edition=1")
    await _paste(newslink, SHARER, f"{NATO}?edition=2")
    assert len(briefs(fake)) == 2
    third = await _paste(newslink, SHARER, f"{NATO}?edition=3")
    assert fake.reactions(NEWS, third) == [LIMITED] and len(briefs(fake)) == 2
    record = await fake.slash(
        GUILD, NEWS, SHARER, "brief", [option("url", newslink.site.url(f"{NATO}?edition=3"))]
    )
    assert "the most allowed (2)" in await answered(fake, record)
    # Where the bot may not react, the refusal is said instead: never silence.
    fake.add_role(
        GUILD, GUILD, permissions=DEFAULT_EVERYONE_PERMISSIONS & ~ADD_REACTIONS, name="@everyone"
    )
    fake.set_bot_permissions(GUILD, DEFAULT_BOT_PERMISSIONS & ~ADD_REACTIONS)
    await newslink.quiet()
    fourth = await _paste(newslink, SHARER, f"{NATO}?edition=4")
    said = fake.messages(NEWS)[-1]
    assert said["message_reference"]["message_id"] == str(fourth)
    assert "the most allowed (2)" in said["content"] and fake.reactions(NEWS, fourth) == []
    # ... but a re-share still gets its pointer, and another member is briefed.
    again = await _paste(newslink, SHARER, f"{NATO}?edition=2")
    assert fake.reactions(NEWS, again) == []
    assert "Briefed here recently" in fake.messages(NEWS)[-1]["content"]
    await _paste(newslink, MEMBER, f"{NATO}?edition=3")
    assert len(briefs(fake)) == 3

    # The server's defaults: channels never set up follow them, and /newslink settings shows them.
    text = await _ask(
        newslink,
        MODERATOR,
        _newslink("defaults", option("watch_by_default", False, 5), option("length", "compact")),
    )
    assert "not watched" in text and "compact" in text
    fake.add_channel(GUILD, LATE, "late")
    await newslink.quiet()
    text = await _ask(
        newslink,
        MODERATOR,
        _newslink("settings", {"name": "channel", "type": 7, "value": str(LATE)}),
    )
    assert "not watched; length compact" in text and "Server defaults" in text
    await _paste(newslink, MEMBER, f"{NATO}?edition=5", channel=LATE)
    assert fake.messages(LATE) == []  # left alone: not watched


async def test_help_check_forget_me_and_the_data_of_a_server_left(newslink: Running) -> None:
    fake, services = newslink.fake, newslink.bot.services

    # Help, to each caller their own commands.
    member_help = await _ask(newslink, MEMBER, _newslink("help"))
    assert "Links pasted here are briefed (standard briefs" in member_help
    assert "/subscribe" in member_help and "forget-me" in member_help
    assert "/pin," not in member_help and "/newslink watch" not in member_help
    moderator_help = await _ask(newslink, MODERATOR, _newslink("help"))
    assert "/pin," in moderator_help and "/newslink watch" in moderator_help
    assert "/newslink defaults" not in moderator_help  # no Manage Server

    # Check: moderators only; what the bot misses, where, and what for.
    assert "Manage Channels" in await _ask(newslink, MEMBER, _newslink("check"))
    assert "every permission" in await _ask(newslink, MODERATOR, _newslink("check"))
    # Add Reactions comes with @everyone, Pin Messages with the bot's role: both taken away.
    fake.add_role(
        GUILD, GUILD, permissions=DEFAULT_EVERYONE_PERMISSIONS & ~ADD_REACTIONS, name="@everyone"
    )
    fake.set_bot_permissions(GUILD, DEFAULT_BOT_PERMISSIONS & ~(ADD_REACTIONS | PIN_MESSAGES))
    await newslink.quiet()
    text = await _ask(newslink, MODERATOR, _newslink("check"))
    assert f"<#{NEWS}>: missing **Add Reactions** (to mark" in text, text
    assert "**Pin Messages** (to pin briefs" in text and f"<#{STAFF_ONLY}>" in text
    assert "Send Messages" not in text
    fake.add_role(GUILD, GUILD, permissions=DEFAULT_EVERYONE_PERMISSIONS, name="@everyone")
    fake.set_bot_permissions(GUILD, DEFAULT_BOT_PERMISSIONS)
    await newslink.quiet()

    # Forget me: a member's subscriptions and notification records go at once.
    for user in (MEMBER, SUBSCRIBER):
        record = await fake.slash(GUILD, NEWS, user, "subscribe", [option("topic", "nato")])
        assert "now follow" in await answered(fake, record)
    await _paste(newslink, SHARER, NATO)
    await until(
        fake,
        lambda: (
            bool(fake.threads(NEWS)) and len(fake.messages(int(fake.threads(NEWS)[0]["id"]))) > 0
        ),
    )
    text = await _ask(newslink, MEMBER, _newslink("forget-me"))
    assert "1 subscriptions and 1 notification records" in text, text
    async with services.sessions() as session:
        assert await stored_subscriptions.list_subscriptions(session, GUILD, MEMBER) == []
        assert len(await stored_subscriptions.list_subscriptions(session, GUILD, SUBSCRIBER)) == 1

    # Removed from the server: its departure is recorded; added back, it is not purged.
    cog = newslink.bot.get_cog("ServerAdminCog")
    assert cog is not None and cog.purge_loop.is_running()  # type: ignore[attr-defined]
    await fake.remove_guild(GUILD)
    await newslink.quiet()
    now = services.clock.now()
    later = dataclasses.replace(
        services.administration, clock=FixedClock(now + dt.timedelta(days=31))
    )
    async with services.sessions() as session:
        assert await stored_guilds.departed_before(session, now + dt.timedelta(seconds=1)) == [
            GUILD
        ]
    build_world(fake)  # added back
    await newslink.quiet()
    assert await later.purge_departed() == []
    await fake.remove_guild(GUILD)
    await newslink.quiet()
    # Past PURGE_AFTER_DAYS the purge takes the server's data (the periodic task calls this).
    assert await later.purge_departed() == [GUILD]
    async with services.sessions() as session:
        assert await stored_subscriptions.all_subscriptions(session, GUILD) == []
        assert await stored_guilds.known_guilds(session) == set()

"""Permissions are checked in the channel acted on, for the caller and the bot (issue 10, items 3, 6).

A command is typed in one channel but may act on a brief or a channel elsewhere in the server
(``/pin message:…``, ``/newslink watch channel:…``). Discord sends the caller's permissions where
the command was typed; a member who moderates only #memes must still not moderate #staff or #news
from there. The world adds, to the shared one (see ``build_world``):

- #memes, where the "meme mods" role (no server-wide rights) may manage and pin messages and
  manage the channel;
- #announcements, where @everyone may not send (the moderators may, and so may the bot);
- #archive, which @everyone can see but not read the history of (moderators and the bot can).
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import (
    GUILD,
    MEMBER,
    MODERATOR,
    MODERATORS_ROLE,
    NEWS,
    STAFF_ONLY,
    Running,
    answered,
    briefs,
    option,
    until,
)
from tests.fakediscord.world import (
    MANAGE_CHANNELS,
    MANAGE_MESSAGES,
    PIN_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
)

MEMES, ANNOUNCEMENTS, ARCHIVE = 102, 103, 104
MEME_MODS_ROLE = 301
MEME_MOD = 206
NATO = "/world/nato-russia"


async def _build_channels(run: Running) -> None:
    fake = run.fake
    fake.add_role(GUILD, MEME_MODS_ROLE, permissions=0, name="meme mods")
    fake.add_member(GUILD, MEME_MOD, "memer", roles=[MEME_MODS_ROLE])
    moderate = MANAGE_MESSAGES | PIN_MESSAGES | MANAGE_CHANNELS
    fake.add_channel(
        GUILD, MEMES, "memes", overwrites=[{"id": MEME_MODS_ROLE, "type": 0, "allow": moderate}]
    )
    fake.add_channel(
        GUILD,
        ANNOUNCEMENTS,
        "announcements",
        overwrites=[
            {"id": GUILD, "type": 0, "deny": SEND_MESSAGES},
            {"id": MODERATORS_ROLE, "type": 0, "allow": SEND_MESSAGES},
            {"id": fake.bot_user_id, "type": 1, "allow": SEND_MESSAGES},
        ],
    )
    fake.add_channel(
        GUILD,
        ARCHIVE,
        "archive",
        overwrites=[
            {"id": GUILD, "type": 0, "deny": READ_MESSAGE_HISTORY},
            {"id": MODERATORS_ROLE, "type": 0, "allow": READ_MESSAGE_HISTORY},
            {"id": fake.bot_user_id, "type": 1, "allow": READ_MESSAGE_HISTORY},
        ],
    )
    await run.quiet()  # the bot has the new channels, role and overwrites


async def _brief_in(run: Running, channel_id: int) -> dict[str, Any]:
    """A moderator shares a link in ``channel_id``; the brief the bot posted there."""
    fake = run.fake
    # One article page, a distinct link per channel: not "briefed here recently" elsewhere.
    await fake.send_message(channel_id, MODERATOR, run.site.url(f"{NATO}?edition={channel_id}"))
    await until(fake, lambda: bool(briefs(fake, channel_id)) and bool(fake.threads(channel_id)))
    [brief] = briefs(fake, channel_id)
    return brief


def _group(sub: str, *options: dict[str, Any]) -> list[dict[str, Any]]:
    """Options of a ``/newslink <sub>`` call, as Discord nests them."""
    return [{"name": sub, "type": 1, "options": list(options)}]


def _channel(channel_id: int) -> dict[str, Any]:
    return {"name": "channel", "type": 7, "value": str(channel_id)}


async def test_a_channel_moderator_cannot_pin_unpin_or_remove_briefs_elsewhere(
    newslink: Running,
) -> None:
    fake = newslink.fake
    await _build_channels(newslink)
    staff, news, memes = (
        await _brief_in(newslink, STAFF_ONLY),
        await _brief_in(newslink, NEWS),
        await _brief_in(newslink, MEMES),
    )
    pinned_staff = await fake.slash(GUILD, NEWS, MODERATOR, "pin", [option("message", staff["id"])])
    assert "Pinned" in await answered(fake, pinned_staff)  # from #news, for a brief in #staff
    assert fake.pins(STAFF_ONLY) == [int(staff["id"])]

    for command in ("pin", "unpin", "brief-remove"):
        # #staff is hidden from them: not even told that the message is a brief there.
        hidden = await fake.slash(GUILD, MEMES, MEME_MOD, command, [option("message", staff["id"])])
        text = await answered(fake, hidden)
        assert hidden.ephemeral and "not a newslink brief" in text, (command, text)
        # #news they can read, but not moderate.
        elsewhere = await fake.slash(
            GUILD, MEMES, MEME_MOD, command, [option("message", news["id"])]
        )
        text = await answered(fake, elsewhere)
        assert elsewhere.ephemeral and f"<#{NEWS}>" in text, (command, text)
    assert "Manage Messages" in text and "Pin Messages" not in text
    assert fake.pins(STAFF_ONLY) == [int(staff["id"])] and fake.pins(NEWS) == []
    assert briefs(fake, STAFF_ONLY) == [staff] and briefs(fake, NEWS) == [news]

    # The message menus act in the message's channel: the same checks.
    for menu in ("Pin brief", "Remove brief"):
        refused = await fake.message_command(GUILD, NEWS, MEME_MOD, menu, int(news["id"]))
        assert f"<#{NEWS}>" in await answered(fake, refused), menu
    assert fake.pins(NEWS) == [] and briefs(fake, NEWS) == [news]

    # In #memes they do moderate.
    pinned = await fake.message_command(GUILD, MEMES, MEME_MOD, "Pin brief", int(memes["id"]))
    assert "Pinned" in await answered(fake, pinned)
    assert fake.pins(MEMES) == [int(memes["id"])]
    removed = await fake.slash(GUILD, MEMES, MEME_MOD, "brief-remove")
    assert "removed" in await answered(fake, removed)
    assert briefs(fake, MEMES) == []


async def test_a_channel_moderator_cannot_watch_unwatch_or_show_settings_elsewhere(
    newslink: Running,
) -> None:
    fake, sharing = newslink.fake, newslink.bot.sharing
    await _build_channels(newslink)
    calls = [
        ("unwatch", STAFF_ONLY, ()),
        ("unwatch", NEWS, ()),
        ("settings", STAFF_ONLY, ()),
        ("settings", NEWS, (option("length", "long"),)),
    ]
    for sub, channel_id, extra in calls:
        refused = await fake.slash(
            GUILD, MEMES, MEME_MOD, "newslink", _group(sub, _channel(channel_id), *extra)
        )
        text = await answered(fake, refused)
        assert refused.ephemeral and "Manage Channels" in text, (sub, channel_id, text)
        assert "watched" not in text  # nothing about the channel's settings is shown
    for channel_id in (STAFF_ONLY, NEWS):
        policy = await sharing.policy(GUILD, channel_id)
        assert policy.watched and policy.length != "long"

    # Watching again needs the same right there.
    done = await fake.slash(
        GUILD, NEWS, MODERATOR, "newslink", _group("unwatch", _channel(STAFF_ONLY))
    )
    assert "No longer watching" in await answered(fake, done)
    refused = await fake.slash(
        GUILD, MEMES, MEME_MOD, "newslink", _group("watch", _channel(STAFF_ONLY))
    )
    assert "Manage Channels" in await answered(fake, refused)
    assert not (await sharing.policy(GUILD, STAFF_ONLY)).watched

    # Their own channel they may set up, from anywhere they can use the command.
    own = await fake.slash(GUILD, MEMES, MEME_MOD, "newslink", _group("settings", _channel(MEMES)))
    assert "watched" in await answered(fake, own)
    done = await fake.slash(GUILD, MEMES, MEME_MOD, "newslink", _group("unwatch", _channel(MEMES)))
    assert "No longer watching" in await answered(fake, done)


async def test_pinned_lists_only_briefs_the_caller_can_read(newslink: Running) -> None:
    fake = newslink.fake
    await _build_channels(newslink)
    pinned = {c: await _brief_in(newslink, c) for c in (NEWS, STAFF_ONLY, ARCHIVE)}
    for channel_id, brief in pinned.items():
        done = await fake.slash(GUILD, NEWS, MODERATOR, "pin", [option("message", brief["id"])])
        assert "Pinned" in await answered(fake, done)
        assert fake.pins(channel_id) == [int(brief["id"])]

    everything = await answered(fake, await fake.slash(GUILD, NEWS, MODERATOR, "pinned"))
    assert all(b["id"] in everything for b in pinned.values())
    # A member sees #news and #archive but cannot read #archive's history, nor see #staff.
    mine = await answered(fake, await fake.slash(GUILD, NEWS, MEMBER, "pinned"))
    assert pinned[NEWS]["id"] in mine
    assert pinned[STAFF_ONLY]["id"] not in mine and pinned[ARCHIVE]["id"] not in mine


async def test_brief_needs_the_member_to_be_allowed_to_post_there(newslink: Running) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    await _build_channels(newslink)
    # Unwatched, so the moderator's link below waits for "Brief this link".
    done = await fake.slash(
        GUILD, ANNOUNCEMENTS, MODERATOR, "newslink", _group("unwatch", _channel(ANNOUNCEMENTS))
    )
    assert "No longer watching" in await answered(fake, done)
    announced = await fake.send_message(ANNOUNCEMENTS, MODERATOR, f"Read this {url}?edition=1")

    refused = await fake.slash(
        GUILD, ANNOUNCEMENTS, MEMBER, "brief", [option("url", url), option("take", "My words")]
    )
    text = await answered(fake, refused)
    assert refused.ephemeral and "Send Messages" in text, text
    refused = await fake.message_command(
        GUILD, ANNOUNCEMENTS, MEMBER, "Brief this link", int(announced["id"])
    )
    text = await answered(fake, refused)
    assert refused.ephemeral and "Send Messages" in text, text
    await newslink.quiet()
    assert fake.messages(ANNOUNCEMENTS) == [] and fake.threads(ANNOUNCEMENTS) == []

    # A moderator, allowed to post there, can do both.
    posted = await fake.message_command(
        GUILD, ANNOUNCEMENTS, MODERATOR, "Brief this link", int(announced["id"])
    )
    assert "Posted" in await answered(fake, posted)
    posted = await fake.slash(GUILD, ANNOUNCEMENTS, MODERATOR, "brief", [option("url", url)])
    assert "Posted" in await answered(fake, posted)
    assert len(briefs(fake, ANNOUNCEMENTS)) == 2


async def test_publishing_a_preview_needs_the_right_to_post_there_still(
    newslink: Running,
) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    await _build_channels(newslink)
    record = await fake.slash(
        GUILD, ANNOUNCEMENTS, MODERATOR, "brief", [option("url", url), option("preview", True, 5)]
    )
    await answered(fake, record)  # the preview, with its button
    fake.add_member(GUILD, MODERATOR, "moderator", roles=[])  # no longer a moderator
    refused = await fake.click(record, "newslink:publish")
    text = await answered(fake, refused)
    assert refused.ephemeral and "Send Messages" in text, text
    await newslink.quiet()
    assert fake.messages(ANNOUNCEMENTS) == []
    # Given the right back, the same button publishes.
    fake.add_member(GUILD, MODERATOR, "moderator", roles=[MODERATORS_ROLE])
    published = await fake.click(record, "newslink:publish")
    await until(fake, lambda: len(briefs(fake, ANNOUNCEMENTS)) == 1)
    await answered(fake, published)

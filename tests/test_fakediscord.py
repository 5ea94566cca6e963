"""The fake Discord, exercised by plain discord.py 2.7 clients (not the newslink bot)."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

import aiohttp
import pytest

# discord.py 2.7 imports the deprecated stdlib audioop for voice; warnings are errors here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

from tests.fakediscord import FakeDiscord, openapi  # noqa: E402
from tests.fakediscord.fixtures import (  # noqa: E402
    discord_errors_fail,
    fake_discord,  # noqa: F401  (fixture)
    running,
)
from tests.fakediscord.world import PIN_MESSAGES  # noqa: E402

GUILD, NEWS, OTHER, ALICE, BOB, OWNER = 100, 200, 201, 300, 301, 5


def world(fake: FakeDiscord) -> None:
    fake.add_guild(GUILD, "Guild", owner_id=OWNER)
    fake.add_channel(GUILD, NEWS, "news")
    fake.add_channel(GUILD, OTHER, "other")
    fake.add_member(GUILD, ALICE, "alice")
    fake.add_member(GUILD, BOB, "bob")


def intents(*, message_content: bool = True, members: bool = False) -> discord.Intents:
    value = discord.Intents.default()
    value.message_content = message_content
    value.members = members
    return value


def client(**options: object) -> discord.Client:
    options.setdefault("intents", intents())
    return discord.Client(guild_ready_timeout=0.05, **options)  # type: ignore[arg-type]


@pytest.fixture
async def fake(fake_discord: FakeDiscord) -> FakeDiscord:  # noqa: F811
    world(fake_discord)
    return fake_discord


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    c = client()
    async with running(c, fake):
        yield c


# ---------------------------------------------------------------------- (1) login and gateway
async def test_client_logs_in_and_sees_the_world(fake: FakeDiscord, bot: discord.Client) -> None:
    assert bot.user is not None and bot.user.id == fake.bot_user_id
    guild = bot.get_guild(GUILD)
    assert guild is not None and guild.name == "Guild"
    assert {c.id for c in guild.text_channels} == {NEWS, OTHER}
    assert guild.me is not None and fake.bot_role_id(GUILD) in [r.id for r in guild.me.roles]
    assert guild.me.guild_permissions.pin_messages
    assert fake.intents is not None and fake.intents & discord.Intents(message_content=True).value
    assert fake.identify_count == 1


async def test_heartbeats_are_acknowledged(fake: FakeDiscord, bot: discord.Client) -> None:
    # The client beats once on HELLO, then every heartbeat_interval; each ACK sets its latency.
    await fake.wait_for(lambda: fake.gateway.heartbeats >= 2)
    # An ACK came back: discord.py's latency is infinite until one does (how long it took is the
    # machine's business, not this test's).
    assert math.isfinite(bot.latency)
    assert bot.is_ready() and not bot.is_closed()


async def test_wrong_token_is_refused(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(
            f"{fake.api_base}/users/@me", headers={"Authorization": "Bot nope"}
        ) as resp:
            assert resp.status == 401
    assert any("Authorization" in p for p in fake.problems())
    fake._problems.clear()


async def test_unknown_route_is_recorded(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.get(
            f"{fake.api_base}/channels/{NEWS}/webhooks", headers=headers
        ) as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
    with pytest.raises(AssertionError, match="unknown route GET /channels/200/webhooks"):
        fake.assert_clean()
    fake._problems.clear()


async def test_member_chunks_answer_request_guild_members(fake: FakeDiscord) -> None:
    c = client(intents=intents(members=True))
    async with running(c, fake):
        guild = c.get_guild(GUILD)
        assert guild is not None and guild.chunked
        found = await guild.query_members("ali")
        assert [m.id for m in found] == [ALICE]


async def test_world_changes_after_connect_reach_the_client(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    fake.add_channel(GUILD, 202, "late")
    fake.add_guild(101, "Second", owner_id=OWNER)
    await fake.wait_for(lambda: bot.get_guild(101) is not None and bot.get_channel(202) is not None)


async def test_a_removed_guild_is_deleted_and_an_added_back_one_joined(fake: FakeDiscord) -> None:
    c = client()
    removed: list[int] = []
    joined: list[int] = []
    c.event(_recorder("on_guild_remove", removed))
    c.event(_recorder("on_guild_join", joined))
    async with running(c, fake):
        await fake.remove_guild(GUILD)
        await fake.wait_for(lambda: removed == [GUILD] and c.get_guild(GUILD) is None)
        fake.add_guild(GUILD, "Guild", owner_id=OWNER)
        await fake.wait_for(lambda: joined == [GUILD] and c.get_guild(GUILD) is not None)


def _recorder(name: str, into: list[int]):  # type: ignore[no-untyped-def]
    async def handler(guild: discord.Guild) -> None:
        into.append(guild.id)

    handler.__name__ = name
    return handler


# ---------------------------------------------------------------------- (2) messages
async def test_injected_message_reaches_on_message(fake: FakeDiscord) -> None:
    c = client()
    seen: list[discord.Message] = []

    @c.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    async with running(c, fake):
        sent = await fake.send_message(NEWS, ALICE, "look https://example.org/a")
        await fake.wait_for(lambda: len(seen) == 1)
    assert seen[0].content == "look https://example.org/a"
    assert seen[0].id == int(sent["id"])
    assert isinstance(seen[0].author, discord.Member) and seen[0].author.id == ALICE


async def test_message_content_is_blanked_without_the_intent(fake: FakeDiscord) -> None:
    c = client(intents=intents(message_content=False))
    seen: list[str] = []

    @c.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    async with running(c, fake):
        await fake.send_message(NEWS, ALICE, "secret")
        await fake.send_message(
            NEWS, ALICE, f"hey <@{fake.bot_user_id}>", mentions=[fake.bot_user_id]
        )
        await fake.wait_for(lambda: len(seen) == 2)
    assert seen == ["", f"hey <@{fake.bot_user_id}>"]


async def test_reply_with_embed_is_recorded_and_dispatched(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    original = await fake.send_message(NEWS, ALICE, "a link")
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    target = await channel.fetch_message(int(original["id"]))
    embed = discord.Embed(title="Headline", description="Lead").add_field(
        name="Quote", value="text"
    )
    reply = await target.reply(embed=embed, allowed_mentions=discord.AllowedMentions.none())
    [recorded] = fake.messages(NEWS)
    assert int(recorded["id"]) == reply.id
    assert recorded["embeds"][0]["title"] == "Headline"
    assert recorded["message_reference"]["message_id"] == original["id"]
    assert recorded["allowed_mentions"] == {"parse": []}
    assert recorded["type"] == 19
    await fake.wait_for(lambda: bot.get_channel(NEWS).last_message_id == reply.id)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embed": discord.Embed(title="t" * 257)}, "title"),
        (
            {
                "embeds": [
                    discord.Embed(description="d" * 4000),
                    discord.Embed(description="d" * 2001),
                ]
            },
            "6000",
        ),
        ({"embed": discord.Embed(title="t").add_field(name="n", value="v" * 1025)}, "value"),
    ],
)
async def test_over_limit_messages_get_400_and_are_recorded(
    fake: FakeDiscord, bot: discord.Client, kwargs: dict[str, object], field: str
) -> None:
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send(**kwargs)  # type: ignore[arg-type]
    assert caught.value.status == 400 and caught.value.code == 50035
    assert fake.messages(NEWS) == []
    with pytest.raises(AssertionError, match=field):
        fake.assert_clean()
    fake._problems.clear()


async def test_enforce_nonce_returns_the_earlier_message(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("brief", nonce="claim-1")
    second = await channel.send("brief", nonce="claim-1")
    assert first.id == second.id
    assert len(fake.messages(NEWS)) == 1


async def test_forget_nonces_lets_the_same_nonce_post_again(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("brief", nonce="claim-1")
    fake.forget_nonces()  # Discord's few minutes have passed
    second = await channel.send("brief", nonce="claim-1")
    assert first.id != second.id
    assert len(fake.messages(NEWS)) == 2


async def _get(fake: FakeDiscord, path: str, **query: str) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.get(f"{fake.api_base}{path}", params=query, headers=headers) as resp:
            return resp.status, await resp.json()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [15, 14, 13, 12, 11]),
        ({"limit": "2"}, [15, 14]),
        ({"before": "13"}, [12, 11]),
        ({"before": "13", "limit": "1"}, [12]),
        ({"after": "11", "limit": "2"}, [13, 12]),  # the oldest after it, still newest first
        ({"after": "15"}, []),
        ({"around": "13", "limit": "3"}, [14, 13, 12]),
        ({"around": "13", "limit": "1"}, [13]),
    ],
)
async def test_channel_history_pages_newest_first(
    fake: FakeDiscord, query: dict[str, str], expected: list[int]
) -> None:
    for message_id in range(11, 16):
        await fake.send_message(NEWS, ALICE, f"message {message_id}", message_id=message_id)
    status, page = await _get(fake, f"/channels/{NEWS}/messages", **query)
    assert status == 200 and isinstance(page, list)
    assert [int(m["id"]) for m in page] == expected


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"before": "12", "after": "11"}],
)
async def test_channel_history_refuses_what_discord_refuses(
    fake: FakeDiscord, query: dict[str, str]
) -> None:
    status, body = await _get(fake, f"/channels/{NEWS}/messages", **query)
    assert status == 400 and isinstance(body, dict) and body["code"] == 50035
    with pytest.raises(AssertionError, match="Invalid Form Body"):
        fake.assert_clean()
    fake._problems.clear()


async def test_channel_history_through_discord_py(fake: FakeDiscord, bot: discord.Client) -> None:
    shared = await fake.send_message(NEWS, ALICE, "a link")
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    target = await channel.fetch_message(int(shared["id"]))
    replies = [await target.reply(f"reply {n}") for n in range(3)]
    await fake.send_message(OTHER, BOB, "elsewhere")
    after = [m async for m in channel.history(after=target, oldest_first=True, limit=100)]
    assert [m.id for m in after] == [r.id for r in replies]
    assert all(m.reference is not None and m.reference.message_id == target.id for m in after)
    newest = [m async for m in channel.history(limit=2)]
    assert [m.id for m in newest] == [replies[2].id, replies[1].id]
    # Without Read Message History Discord shows no history at all (not a 403).
    fake.add_channel(
        GUILD, 203, "no-history", overwrites=[{"id": GUILD, "type": 0, "deny": 1 << 16}]
    )
    await fake.send_message(203, ALICE, "hidden")
    status, page = await _get(fake, "/channels/203/messages")
    assert (status, page) == (200, [])


async def test_edit_and_delete(fake: FakeDiscord, bot: discord.Client) -> None:
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send("draft")
    await message.edit(content="final")
    assert fake.messages(NEWS)[0]["content"] == "final"
    await message.delete()
    assert fake.messages(NEWS) == []
    assert fake.deleted_messages[0]["content"] == "final"


async def test_bot_without_send_permission_gets_403(fake: FakeDiscord, bot: discord.Client) -> None:
    fake.add_channel(GUILD, 203, "readonly", overwrites=[{"id": GUILD, "type": 0, "deny": 1 << 11}])
    await fake.wait_for(lambda: bot.get_channel(203) is not None)
    channel = bot.get_channel(203)
    assert (
        isinstance(channel, discord.TextChannel)
        and not channel.permissions_for(channel.guild.me).send_messages
    )
    with pytest.raises(discord.Forbidden):
        await channel.send("hello")
    with pytest.raises(AssertionError, match="Missing Permissions"):
        fake.assert_clean()
    fake._problems.clear()


async def _posted(bot: discord.Client, channel_id: int, content: str) -> discord.Message:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel | discord.Thread | discord.DMChannel)
    return await channel.send(content)


# ---------------------------------------------------------------- (3) threads, pins, reactions, DMs
async def test_thread_from_message_then_160004_on_the_second(fake: FakeDiscord) -> None:
    c = client()
    created: list[discord.Thread] = []

    @c.event
    async def on_thread_create(thread: discord.Thread) -> None:
        created.append(thread)

    async with running(c, fake):
        message = await _posted(c, NEWS, "brief")
        thread = await message.create_thread(name="Discuss: headline", auto_archive_duration=1440)
        assert thread.id == message.id and thread.parent_id == NEWS
        await fake.wait_for(lambda: len(created) == 1)
        with pytest.raises(discord.HTTPException) as caught:
            await message.create_thread(name="again")
        assert caught.value.code == 160004
        await _posted(c, thread.id, "first reply")
    [recorded] = fake.threads(NEWS)
    assert recorded["name"] == "Discuss: headline" and recorded["type"] == 11
    assert [m["content"] for m in fake.messages(thread.id)] == ["first reply"]
    fake.assert_clean()  # a thread that already exists is a conflict, not a malformed request


async def test_thread_name_over_100_is_refused(fake: FakeDiscord, bot: discord.Client) -> None:
    message = await _posted(bot, NEWS, "brief")
    with pytest.raises(discord.HTTPException) as caught:
        await message.create_thread(name="x" * 101)
    assert caught.value.status == 400 and fake.threads() == []
    with pytest.raises(AssertionError, match="name"):
        fake.assert_clean()
    fake._problems.clear()


async def test_thread_without_message_and_join(fake: FakeDiscord, bot: discord.Client) -> None:
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    thread = await channel.create_thread(name="loose", type=discord.ChannelType.public_thread)
    await thread.join()
    assert fake.thread_members(thread.id) == {fake.bot_user_id}
    assert [t["name"] for t in fake.threads(NEWS)] == ["loose"]


async def test_pin_updates_state_and_dispatches(fake: FakeDiscord) -> None:
    c = client()
    pin_events: list[int] = []

    @c.event
    async def on_guild_channel_pins_update(channel: discord.abc.GuildChannel, last: object) -> None:
        pin_events.append(channel.id)

    async with running(c, fake):
        message = await _posted(c, NEWS, "brief")
        await message.pin()
        assert fake.pins(NEWS) == [message.id]
        await fake.wait_for(lambda: pin_events == [NEWS])
        channel = c.get_channel(NEWS)
        assert isinstance(channel, discord.TextChannel)
        assert [m.id async for m in channel.pins()] == [message.id]
        await message.unpin()
        assert fake.pins(NEWS) == []
    assert fake.all_messages(NEWS)[-1]["type"] == 6  # the "pinned a message" notice


async def test_pin_needs_pin_messages(fake: FakeDiscord, bot: discord.Client) -> None:
    fake.set_bot_permissions(GUILD, discord.Permissions.text().value & ~PIN_MESSAGES)
    guild = bot.get_guild(GUILD)
    assert guild is not None
    await fake.wait_for(lambda: not guild.me.guild_permissions.pin_messages)
    message = await _posted(bot, NEWS, "brief")
    with pytest.raises(discord.Forbidden):
        await message.pin()
    assert fake.pins(NEWS) == []
    fake._problems.clear()


async def test_reactions(fake: FakeDiscord, bot: discord.Client) -> None:
    message = await _posted(bot, NEWS, "brief")
    await message.add_reaction("\N{NEWSPAPER}")
    await message.add_reaction("\N{THUMBS UP SIGN}")
    await message.remove_reaction("\N{THUMBS UP SIGN}", bot.user)  # type: ignore[arg-type]
    assert fake.reactions(NEWS, message.id) == ["\N{NEWSPAPER}"]


async def test_direct_messages(fake: FakeDiscord) -> None:
    c = client()
    dms: list[discord.Message] = []

    @c.event
    async def on_message(message: discord.Message) -> None:
        if isinstance(message.channel, discord.DMChannel) and message.author.id == ALICE:
            dms.append(message)

    async with running(c, fake):
        user = await c.fetch_user(ALICE) if c.get_user(ALICE) is None else c.get_user(ALICE)
        assert user is not None
        sent = await user.send("hello from the bot")
        dm = fake.open_dm(ALICE)
        assert [m["content"] for m in fake.messages(dm)] == ["hello from the bot"]
        assert sent.channel.id == dm
        await fake.send_message(dm, ALICE, "hi bot")
        await fake.wait_for(lambda: len(dms) == 1)
    assert dms[0].content == "hi bot"


# ---------------------------------------------------------------------- (4) interactions
class Buttons(discord.ui.View):
    made: ClassVar[list[Buttons]] = []  # the views shown, newest last (a test awaits its answer)

    def __init__(self) -> None:
        super().__init__(timeout=5)
        self.pressed_by: list[int] = []
        self.answered = asyncio.Event()
        Buttons.made.append(self)

    @discord.ui.button(label="More", custom_id="more")
    async def more(
        self, interaction: discord.Interaction, button: discord.ui.Button[Buttons]
    ) -> None:
        self.pressed_by.append(interaction.user.id)
        await interaction.response.edit_message(content="expanded", view=None)
        self.answered.set()


def command_bot() -> tuple[discord.Client, app_commands.CommandTree[discord.Client], list[str]]:
    c = client()
    tree = app_commands.CommandTree(c)
    seen: list[str] = []

    @tree.command(name="brief", description="Brief a link")
    async def brief(interaction: discord.Interaction, url: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        seen.append(
            f"perm:{interaction.permissions.pin_messages}:{interaction.app_permissions.pin_messages}"
        )
        await interaction.followup.send(f"briefed {url}", ephemeral=True)

    @brief.autocomplete("url")
    async def url_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=u, value=u)
            for u in ("https://a.example", "https://b.example")
            if current in u
        ]

    news = app_commands.Group(name="news", description="News settings")

    @news.command(name="show", description="Show settings")
    async def show(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("settings", view=Buttons())

    tree.add_command(news)

    @tree.context_menu(name="Brief this")
    async def brief_this(interaction: discord.Interaction, message: discord.Message) -> None:
        seen.append(message.content)
        await interaction.response.send_message("on it")
        await interaction.edit_original_response(content="done")

    return c, tree, seen


async def test_command_sync_and_slash_with_defer_and_followup(fake: FakeDiscord) -> None:
    c, tree, seen = command_bot()
    async with running(c, fake):
        synced = await tree.sync()
        assert {cmd.name for cmd in synced} == {"brief", "news", "Brief this"}
        assert [scope for scope, _ in fake.command_syncs] == [None]
        fake.add_role(GUILD, 400, permissions=PIN_MESSAGES, name="mods")
        fake.add_member(GUILD, BOB, "bob", roles=[400])
        record = await fake.slash(
            GUILD, NEWS, ALICE, "brief", [{"name": "url", "type": 3, "value": "https://x"}]
        )
        await fake.wait_for(lambda: len(record.followups) == 1)
        modded = await fake.slash(
            GUILD, NEWS, BOB, "brief", [{"name": "url", "type": 3, "value": "https://y"}]
        )
        await fake.wait_for(lambda: len(modded.followups) == 1)
    assert record.deferred and record.ephemeral
    assert record.followups[0]["content"] == "briefed https://x"
    assert record.followups[0]["flags"] & 64
    assert seen == ["perm:False:True", "perm:True:True"]
    assert fake.all_messages(NEWS) == []  # ephemeral answers never reach the channel


async def test_subcommand_button_click_updates_message(fake: FakeDiscord) -> None:
    c, tree, _ = command_bot()
    async with running(c, fake):
        tree.copy_global_to(guild=discord.Object(GUILD))
        await tree.sync(guild=discord.Object(GUILD))
        assert fake.commands(GUILD) and not fake.commands()  # so the interaction carries guild_id
        record = await fake.slash(
            GUILD, NEWS, ALICE, "news", [{"name": "show", "type": 1, "options": []}]
        )
        await fake.wait_for(lambda: record.original is not None)
        assert not record.ephemeral and record.responses[0]["type"] == 4
        assert [m["content"] for m in fake.all_messages(NEWS)] == ["settings"]
        press = await fake.click(record, "more")
        await fake.wait_for(lambda: bool(press.responses))
        # The fake has the answer before discord.py has Discord's reply to it: closing the client
        # in between failed the callback (ServerDisconnectedError) under load.
        await asyncio.wait_for(Buttons.made[-1].answered.wait(), 20)
    assert press.responses[0]["type"] == 7
    assert fake.all_messages(NEWS)[0]["content"] == "expanded"
    assert fake.all_messages(NEWS)[0]["components"] == []


class PublishDraft(discord.ui.View):
    published = asyncio.Event()  # (re-made by the test: asyncio binds it to the test's loop)

    @discord.ui.button(label="Publish", custom_id="publish")
    async def publish(
        self, interaction: discord.Interaction, button: discord.ui.Button[PublishDraft]
    ) -> None:
        button.disabled = True
        await interaction.response.edit_message(content="publishing", view=self)
        await interaction.edit_original_response(content="published", view=None)
        PublishDraft.published.set()


async def test_a_button_on_an_ephemeral_message_edits_it(fake: FakeDiscord) -> None:
    c = client()
    tree = app_commands.CommandTree(c)

    @tree.command(name="draft", description="A private draft")
    async def draft(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("draft", view=PublishDraft(), ephemeral=True, wait=True)

    PublishDraft.published = asyncio.Event()
    async with running(c, fake):
        await tree.sync()
        record = await fake.slash(GUILD, NEWS, ALICE, "draft")
        await fake.wait_for(lambda: bool(record.followups))
        press = await fake.click(record, "publish")
        await fake.wait_for(lambda: len(press.edits) == 1)
        await asyncio.wait_for(PublishDraft.published.wait(), 20)  # discord.py has the reply too
    # Acknowledged by updating the message the button is on, which is then its @original.
    [update] = press.responses
    assert update["type"] == 7
    assert update["data"]["components"][0]["components"][0]["disabled"] is True
    [draft_message] = record.followups
    assert press.original is draft_message
    assert draft_message["content"] == "published" and draft_message["components"] == []
    assert fake.all_messages(NEWS) == []  # still ephemeral: never in the channel


async def test_a_held_request_waits_until_released(fake: FakeDiscord, bot: discord.Client) -> None:
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    held = fake.hold("POST", "/channels/{channel_id}/messages")
    sending = asyncio.create_task(channel.send("slow"))
    await fake.wait_for(lambda: held.reached == 1)
    await asyncio.sleep(0.05)  # a moment in which nothing may happen
    assert fake.messages(NEWS) == [] and not sending.done()
    held.release()
    message = await asyncio.wait_for(sending, 20)
    assert [int(m["id"]) for m in fake.messages(NEWS)] == [message.id]
    # Released holds let requests through at once.
    await channel.send("fast")
    assert held.reached == 1


async def test_message_context_menu_and_edit_original(fake: FakeDiscord) -> None:
    c, tree, seen = command_bot()
    async with running(c, fake):
        await tree.sync()
        target = await fake.send_message(NEWS, ALICE, "https://example.org/story")
        record = await fake.message_command(GUILD, NEWS, BOB, "Brief this", int(target["id"]))
        await fake.wait_for(lambda: len(record.edits) == 1)
    assert seen == ["https://example.org/story"]
    assert record.original is not None and record.original["content"] == "done"
    assert record.edits[0]["content"] == "done"
    assert [m["content"] for m in fake.all_messages(NEWS)] == ["https://example.org/story", "done"]


async def test_autocomplete_returns_choices(fake: FakeDiscord) -> None:
    c, tree, _ = command_bot()
    async with running(c, fake):
        await tree.sync()
        option = {"name": "url", "type": 3, "value": "b.ex", "focused": True}
        choices = await fake.autocomplete(GUILD, NEWS, ALICE, "brief", [option])
    assert choices == [{"name": "https://b.example", "value": "https://b.example"}]


async def test_late_first_response_is_refused(fake: FakeDiscord) -> None:
    c = client()
    tree = app_commands.CommandTree(c)

    @tree.command(name="slow", description="Too slow")
    async def slow(interaction: discord.Interaction) -> None:
        fake.interaction_deadline = 0.0  # as if three seconds had passed
        try:
            await interaction.response.send_message("late")
        except discord.NotFound:
            caught.append(True)

    caught: list[bool] = []
    async with running(c, fake):
        await fake.slash(GUILD, NEWS, ALICE, "slow")
        await fake.wait_for(lambda: caught == [True])
    with pytest.raises(AssertionError, match="10062"):
        fake.assert_clean()
    fake._problems.clear()


# ---------------------------------------------------------------------- (5) faults
@pytest.mark.parametrize(("status", "error"), [(403, discord.Forbidden), (404, discord.NotFound)])
async def test_fail_next_error_status(
    fake: FakeDiscord, bot: discord.Client, status: int, error: type[Exception]
) -> None:
    fake.fail_next("POST", "/channels/{channel_id}/messages", status)
    with pytest.raises(error):
        await _posted(bot, NEWS, "x")
    await _posted(bot, NEWS, "y")  # only the next one fails
    assert [m["content"] for m in fake.messages(NEWS)] == ["y"]
    fake.assert_clean()  # injected faults are the test's doing, not the client's


async def test_fail_next_429_is_retried_after_retry_after(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    fake.fail_next("POST", f"/channels/{NEWS}/messages", 429, retry_after=0.2)
    started = time.monotonic()
    await _posted(bot, NEWS, "eventually")
    assert time.monotonic() - started >= 0.2
    posts = [r for r in fake.requests() if r[0] == "POST" and r[1] == f"/channels/{NEWS}/messages"]
    assert len(posts) == 2 and len(fake.messages(NEWS)) == 1


async def test_fail_next_500_is_retried(fake: FakeDiscord, bot: discord.Client) -> None:
    fake.fail_next("PUT", "/channels/{c}/messages/pins/{m}", 500)
    message = await _posted(bot, NEWS, "brief")
    await message.pin()  # discord.py retries a 500 once after a second
    assert fake.pins(NEWS) == [message.id]


async def test_drop_websocket_resumes_and_replays_missed_events(fake: FakeDiscord) -> None:
    c = client()
    seen: list[str] = []
    resumed: list[bool] = []

    @c.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    @c.event
    async def on_resumed() -> None:
        resumed.append(True)

    async with running(c, fake):
        await fake.drop_websocket()
        await fake.send_message(NEWS, ALICE, "while away")  # buffered for the RESUME
        await fake.wait_for(lambda: resumed == [True] and seen == ["while away"])
        assert fake.identify_count == 1 and fake.resume_count == 1
        await fake.send_message(NEWS, ALICE, "after")
        await fake.wait_for(lambda: seen == ["while away", "after"])


class QuickClient(discord.Client):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py waits 5 s before every IDENTIFY but the first; no need against the fake


async def test_drop_websocket_without_resume_identifies_again(fake: FakeDiscord) -> None:
    c = QuickClient(intents=intents(), guild_ready_timeout=0.05)
    async with running(c, fake):
        await fake.drop_websocket(resume=False)
        await fake.wait_for(lambda: fake.identify_count == 2 and fake.connected)
        assert fake.resume_count == 0
        await fake.wait_for(lambda: c.is_ready() and c.get_guild(GUILD) is not None)


# ---------------------------------------------------------------------- the fixture's log guard
async def test_errors_logged_by_discord_are_caught() -> None:
    # Its own fake, not the fixture: the fixture would (rightly) fail this test at teardown.
    c = client()

    @c.event
    async def on_message(message: discord.Message) -> None:
        raise RuntimeError("handler bug")  # discord.py logs this at ERROR and carries on

    with discord_errors_fail() as errors:
        async with FakeDiscord() as fake:
            world(fake)
            async with running(c, fake):
                sent = await fake.send_message(NEWS, ALICE, "boom")
                await fake.dispatch(
                    "MESSAGE_CREATE", {**sent, "guild_id": str(GUILD)}
                )  # a duplicate
                await fake.wait_for(lambda: len(errors.records) == 2)
    assert "handler bug" in errors.describe()


# ---------------------------------------------------------------------- Discord's own schema
def _spec() -> openapi.Spec:
    spec = openapi.load(openapi.spec_path())
    if spec is None:  # under CI=true load() raises instead: CI checks every request
        pytest.skip(f"Discord's OpenAPI description not found at {openapi.spec_path()}")
    return spec


async def _raw(
    fake: FakeDiscord, method: str, path: str, **kwargs: object
) -> tuple[int, dict[str, object]]:
    """A request straight to the fake (no discord.py to tidy it up): status and JSON body."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, f"{fake.api_base}{path}", headers=headers, **kwargs
        ) as resp:
            return resp.status, await resp.json()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"embeds": [{"title": 5}]}, "embeds.0.title"),  # a number where the spec says string
        ({"content": "x", "embeds": [{"color": "red"}]}, "embeds.0.color"),
        ({"content": "x", "allowed_mentions": {"users": ["abc"]}}, "allowed_mentions.users.0"),
        ({"content": "x", "message_reference": {"channel_id": 1}}, "message_reference"),
        ({"content": "x", "tts": "yes"}, "tts"),
    ],
)
async def test_a_body_discords_schema_refuses_gets_400_and_fails_the_test(
    fake: FakeDiscord, body: dict[str, object], where: str
) -> None:
    _spec()
    status, answer = await _raw(fake, "POST", f"/channels/{NEWS}/messages", json=body)
    assert status == 400 and answer["code"] == 50035
    node: object = answer["errors"]
    for part in where.split("."):
        assert isinstance(node, dict)
        node = node[part]
    assert fake.messages(NEWS) == []
    with pytest.raises(AssertionError, match=rf"refused by Discord's schema .*{where}"):
        fake.assert_clean()
    fake._problems.clear()


@pytest.mark.parametrize(
    ("method", "path", "status", "problem"),
    [
        ("GET", "/channels/200/nonsense", 404, "not in Discord's API"),
        ("POST", "/gateway/bot", 405, "takes only"),
        ("DELETE", "/users/@me/channels", 405, "takes only"),
        ("GET", "/channels/news", 400, "channel_id"),  # a path parameter that is no snowflake
    ],
)
async def test_a_route_or_method_discord_lacks_is_refused(
    fake: FakeDiscord, method: str, path: str, status: int, problem: str
) -> None:
    _spec()
    got, _ = await _raw(fake, method, path)
    assert got == status
    with pytest.raises(AssertionError, match=problem):
        fake.assert_clean()
    fake._problems.clear()


async def test_integer_snowflakes_are_accepted_as_discord_does(fake: FakeDiscord) -> None:
    _spec()
    first = await fake.send_message(NEWS, ALICE, "first")
    body = {
        "content": "reply",
        "allowed_mentions": {"parse": [], "users": [ALICE], "replied_user": False},
        "message_reference": {"message_id": int(first["id"]), "channel_id": NEWS},
    }
    status, answer = await _raw(fake, "POST", f"/channels/{NEWS}/messages", json=body)
    assert status == 200 and answer["content"] == "reply"
    fake.assert_clean()
    # Still a snowflake: a negative number or a float is not an id.
    body["message_reference"] = {"message_id": -1}
    assert (await _raw(fake, "POST", f"/channels/{NEWS}/messages", json=body))[0] == 400
    fake._problems.clear()


async def test_a_multipart_body_is_checked_on_its_payload_json(fake: FakeDiscord) -> None:
    _spec()

    def form(payload: dict[str, object]) -> aiohttp.FormData:
        data = aiohttp.FormData()
        data.add_field("payload_json", json.dumps(payload), content_type="application/json")
        return data

    status, _ = await _raw(fake, "POST", f"/channels/{NEWS}/messages", data=form({"content": "ok"}))
    assert status == 200 and [m["content"] for m in fake.messages(NEWS)] == ["ok"]
    fake.assert_clean()
    bad = form({"embeds": [{"title": ["not", "a", "string"]}]})
    status, answer = await _raw(fake, "POST", f"/channels/{NEWS}/messages", data=bad)
    assert status == 400 and "embeds" in answer["errors"]  # type: ignore[operator]
    with pytest.raises(AssertionError, match="embeds.0.title"):
        fake.assert_clean()
    fake._problems.clear()


async def test_the_spec_is_read_once_and_validators_are_compiled_once(fake: FakeDiscord) -> None:
    spec = _spec()
    async with FakeDiscord() as other:
        assert other._spec is spec is fake._spec  # one parsed document per process
    assert openapi.load.cache_info().misses <= openapi.load.cache_info().currsize
    await _raw(fake, "POST", f"/channels/{NEWS}/messages", json={"content": "one"})
    compiled = spec.compiled
    for text in ("two", "three"):
        await _raw(fake, "POST", f"/channels/{NEWS}/messages", json={"content": text})
    assert spec.compiled == compiled  # the same route again: no new validator
    fake.assert_clean()


def test_a_missing_spec_fails_under_ci_and_is_skipped_with_a_warning_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(openapi.SpecMissing, match="under CI=true"):
        openapi.load(tmp_path / "ci" / "discord-openapi.json")
    monkeypatch.delenv("CI")
    with caplog.at_level(logging.WARNING, logger=openapi.__name__):
        assert openapi.load(tmp_path / "dev" / "discord-openapi.json") is None
    assert "does not check requests" in caplog.text


# ---------------------------------------------------------------------- shards
class _Impatient(discord.AutoShardedClient):
    """Identifies every shard at once: what Discord's 5 s per bucket forbids."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@pytest.mark.parametrize("max_concurrency", [1, 2])
async def test_each_shard_gets_its_own_servers_and_too_quick_identifies_are_problems(
    max_concurrency: int,
) -> None:
    async with FakeDiscord() as fake:
        for n in (1, 2, 3):
            fake.add_guild(n << 22, f"guild{n}")
        fake.recommended_shards = 2
        fake.gateway.max_concurrency = max_concurrency
        fake.gateway.identify_interval = 5.0
        sharded = _Impatient(intents=intents(), guild_ready_timeout=0.05)
        async with running(sharded, fake):
            # The count came from GET /gateway/bot; each server on shard (id >> 22) % 2.
            assert {g.id: g.shard_id for g in sharded.guilds} == {
                1 << 22: 1,
                2 << 22: 0,
                3 << 22: 1,
            }
            for shard, session in fake.gateway.sessions.items():
                [ready] = [f["d"] for f in session.sent if f["t"] == "READY"]
                assert ready["shard"] == [shard, 2]
                assert {int(g["id"]) for g in ready["guilds"]} == {
                    n << 22 for n in (1, 2, 3) if n % 2 == shard
                }
        problems = fake.problems()
    if max_concurrency == 1:  # both shards in bucket 0, identified back to back
        [problem] = problems
        assert "shard 1 identified" in problem and "bucket 0" in problem
    else:
        assert problems == []

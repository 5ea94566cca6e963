"""The whole bot against the fake Discord: shared links, commands, subscriptions, moderation."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.health import health_line
from bot.storage.database import create_engine
from bot.storage.models import LinkClaim
from tests.e2e.conftest import (
    DM_FAN,
    GUILD,
    MEMBER,
    MODERATOR,
    NEWS,
    OUTSIDER,
    ROOT,
    SHARER,
    STAFF_ONLY,
    SUBSCRIBER,
    NewsSite,
    Running,
    answer_text,
    answered,
    bot_environment,
    briefs,
    build_world,
    option,
    until,
)
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import (
    CREATE_PUBLIC_THREADS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
)

NATO = "/world/nato-russia"
EPHEMERAL = 1 << 6


def _replies(fake: FakeDiscord, channel_id: int = NEWS) -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel_id) if not m.get("embeds")]


async def _barrier(run: Running) -> None:
    """Every event sent before this has been handled, and its background work is done."""
    record = await run.fake.slash(GUILD, NEWS, MEMBER, "subscriptions")
    await answered(run.fake, record)
    await run.quiet()


async def _subscribe(run: Running, user_id: int, topic: str, delivery: str = "thread") -> None:
    record = await run.fake.slash(
        GUILD, NEWS, user_id, "subscribe", [option("topic", topic), option("delivery", delivery)]
    )
    assert "You now follow" in await answered(run.fake, record)


async def test_a_pasted_link_gets_a_brief_a_thread_and_the_right_mentions(
    newslink: Running,
) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    await _subscribe(newslink, SUBSCRIBER, "nato")
    await _subscribe(newslink, SUBSCRIBER, "patriot")
    await _subscribe(newslink, DM_FAN, "russia", "dm")
    await _subscribe(newslink, SHARER, "nato")
    shared = await fake.send_message(NEWS, SHARER, f"The alliance wants a reset {url}")

    await until(
        fake,
        lambda: bool(fake.threads(NEWS)) and bool(fake.messages(int(fake.threads(NEWS)[0]["id"]))),
    )
    [brief] = briefs(fake)
    embed = brief["embeds"][0]
    assert embed["title"] == "NATO aims to repair Russia ties despite Patriot row"
    assert embed["url"] == url
    assert "The alliance wants a reset" in embed["description"]
    assert brief["message_reference"]["message_id"] == shared["id"]
    assert brief["allowed_mentions"]["parse"] == []
    [thread] = fake.threads(NEWS)
    assert int(thread["id"]) == int(brief["id"]) and thread["name"] == embed["title"]
    [opening] = fake.messages(int(thread["id"]))
    assert f"<@{SHARER}>" in opening["content"] and f"<@{SUBSCRIBER}>" in opening["content"]
    # Everyone reads the thread: it does not say which topics each member follows.
    assert "patriot" not in opening["content"].casefold()
    # Exactly the subscriber may be pinged: not the sharer, not @everyone, no role.
    assert [int(u) for u in opening["allowed_mentions"]["users"]] == [SUBSCRIBER]
    assert opening["allowed_mentions"]["parse"] == []
    await until(fake, lambda: bool(fake.messages(fake.open_dm(DM_FAN))))
    [dm] = fake.messages(fake.open_dm(DM_FAN))
    assert "russia" in dm["content"] and brief["id"] in dm["content"]


async def test_only_members_who_can_read_the_channel_are_notified(newslink: Running) -> None:
    fake = newslink.fake
    await _subscribe(newslink, SUBSCRIBER, "nato")
    await _subscribe(newslink, MODERATOR, "nato")
    await fake.send_message(STAFF_ONLY, MODERATOR, newslink.site.url(NATO))
    await until(
        fake,
        lambda: (
            bool(fake.threads(STAFF_ONLY))
            and bool(fake.messages(int(fake.threads(STAFF_ONLY)[0]["id"])))
        ),
    )
    [opening] = fake.messages(int(fake.threads(STAFF_ONLY)[0]["id"]))
    # The moderator shared it; the subscriber cannot see #staff: nobody is pinged.
    assert opening["allowed_mentions"].get("users", []) == []  # nobody else followed it
    assert f"<@{SUBSCRIBER}>" not in opening["content"]


async def test_a_message_delivered_twice_is_briefed_once(newslink: Running) -> None:
    fake = newslink.fake
    shared = await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await fake.dispatch("MESSAGE_CREATE", {**shared, "guild_id": str(GUILD)})
    await until(fake, lambda: bool(briefs(fake)))
    await _barrier(newslink)
    assert len(briefs(fake)) == 1
    assert len(fake.threads(NEWS)) == 1


async def test_a_reshared_link_gets_a_pointer_to_the_first_brief(newslink: Running) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    await fake.send_message(NEWS, SHARER, url)
    await until(fake, lambda: bool(briefs(fake)) and bool(fake.threads(NEWS)))
    # The first share finished: its thread is recorded a moment after Discord made it, and a
    # re-share within that moment points to the brief alone (issue 11 reads the earlier brief
    # first thing, so the test no longer wins that race by luck).
    await newslink.quiet()
    again = await fake.send_message(NEWS, MEMBER, f"did you see this {url}?utm_source=share")
    await until(fake, lambda: bool(_replies(fake)))
    [pointer] = _replies(fake)
    [first] = briefs(fake)
    assert pointer["message_reference"]["message_id"] == again["id"]
    assert f"/{GUILD}/{NEWS}/{first['id']}" in pointer["content"]
    assert f"<#{fake.threads(NEWS)[0]['id']}>" in pointer["content"]
    assert len(briefs(fake)) == 1


async def test_links_in_angle_brackets_code_bots_and_webhooks_are_ignored(
    newslink: Running,
) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    await fake.send_message(NEWS, SHARER, f"no preview please <{url}>")
    await fake.send_message(NEWS, SHARER, f"```\n{url}\n```")
    await fake.send_message(NEWS, SHARER, f"inline `{url}`")
    await fake.send_message(NEWS, 999, url, webhook_id=998)
    await _barrier(newslink)
    assert fake.messages(NEWS) == []
    assert fake.threads() == []


async def test_a_link_that_cannot_be_briefed_gets_a_quiet_reaction(newslink: Running) -> None:
    fake = newslink.fake
    shared = await fake.send_message(NEWS, SHARER, newslink.site.url("/missing"))
    await until(fake, lambda: bool(fake.reactions(NEWS, int(shared["id"]))))
    await _barrier(newslink)
    assert fake.messages(NEWS) == []


async def test_brief_command_defers_then_posts_with_a_thread(newslink: Running) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    record = await fake.slash(
        GUILD, NEWS, SHARER, "brief", [option("url", url), option("take", "Worth a read")]
    )
    text = await answered(fake, record)
    # Deferred first (the 3-second deadline), answered privately, brief posted for everyone.
    assert record.responses[0]["type"] == 5 and record.ephemeral
    [brief] = briefs(fake)
    assert "Worth a read" in brief["embeds"][0]["description"]
    assert brief["id"] in text
    await until(fake, lambda: bool(fake.threads(NEWS)))
    assert int(fake.threads(NEWS)[0]["id"]) == int(brief["id"])


async def test_brief_preview_is_private_until_published(newslink: Running) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    record = await fake.slash(
        GUILD, NEWS, SHARER, "brief", [option("url", url), option("preview", True, 5)]
    )
    await answered(fake, record)
    assert record.ephemeral and record.messages[-1]["embeds"]
    assert briefs(fake) == []
    click = await fake.click(record, "newslink:publish")
    await answered(fake, click)
    await until(fake, lambda: bool(briefs(fake)) and bool(fake.threads(NEWS)))
    assert briefs(fake)[0]["embeds"][0]["url"] == url


async def test_subscribe_list_autocomplete_and_unsubscribe(newslink: Running) -> None:
    fake = newslink.fake
    await _subscribe(newslink, SUBSCRIBER, "Central Banks")
    await _subscribe(newslink, SUBSCRIBER, "climate", "dm")
    again = await fake.slash(GUILD, NEWS, SUBSCRIBER, "subscribe", [option("topic", "climate")])
    assert "already follow" in await answered(fake, again)
    assert again.ephemeral

    listing = await fake.slash(GUILD, NEWS, SUBSCRIBER, "subscriptions")
    text = await answered(fake, listing)
    assert "central banks (in threads)" in text and "climate (by direct message)" in text
    assert listing.ephemeral

    choices = await fake.autocomplete(
        GUILD,
        NEWS,
        SUBSCRIBER,
        "unsubscribe",
        [{"name": "topic", "type": 3, "value": "cli", "focused": True}],
    )
    assert [c["value"] for c in choices] == ["climate"]
    gone = await fake.slash(GUILD, NEWS, SUBSCRIBER, "unsubscribe", [option("topic", "climate")])
    assert "no longer follow" in await answered(fake, gone)
    listing = await fake.slash(GUILD, NEWS, SUBSCRIBER, "subscriptions")
    text = await answered(fake, listing)
    assert "central banks" in text and "climate" not in text
    # Another member's list is their own.
    other = await fake.slash(GUILD, NEWS, OUTSIDER, "subscriptions")
    assert "follow no topics" in await answered(fake, other)


async def test_pinning_needs_pin_messages_and_pinned_lists_it(newslink: Running) -> None:
    fake = newslink.fake
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: bool(briefs(fake)) and bool(fake.threads(NEWS)))
    [brief] = briefs(fake)

    refused = await fake.slash(GUILD, NEWS, MEMBER, "pin")
    assert "Pin Messages" in await answered(fake, refused)
    assert refused.ephemeral and fake.pins(NEWS) == []

    refused = await fake.message_command(GUILD, NEWS, MEMBER, "Pin brief", int(brief["id"]))
    assert "Pin Messages" in await answered(fake, refused)
    pinned = await fake.message_command(GUILD, NEWS, MODERATOR, "Pin brief", int(brief["id"]))
    await answered(fake, pinned)
    assert fake.pins(NEWS) == [int(brief["id"])]

    index = await fake.slash(GUILD, NEWS, MEMBER, "pinned")
    text = await answered(fake, index)
    assert "NATO aims to repair Russia ties" in text and brief["id"] in text

    await answered(fake, await fake.slash(GUILD, NEWS, MODERATOR, "unpin"))
    assert fake.pins(NEWS) == []
    assert "No pinned briefs" in await answered(
        fake, await fake.slash(GUILD, NEWS, MEMBER, "pinned")
    )


async def test_a_moderator_removes_a_brief(newslink: Running) -> None:
    fake = newslink.fake
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: bool(briefs(fake)) and bool(fake.threads(NEWS)))
    [brief] = briefs(fake)
    refused = await fake.message_command(GUILD, NEWS, MEMBER, "Remove brief", int(brief["id"]))
    assert "Manage Messages" in await answered(fake, refused)
    removed = await fake.message_command(GUILD, NEWS, MODERATOR, "Remove brief", int(brief["id"]))
    assert "removed" in await answered(fake, removed)
    assert briefs(fake) == []
    # The record is gone too: sharing the link again makes a new brief, not a pointer.
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: bool(briefs(fake)))


async def test_moderators_unwatch_and_watch_a_channel(newslink: Running) -> None:
    fake = newslink.fake
    channel = {"name": "channel", "type": 7, "value": str(NEWS)}
    refused = await fake.slash(
        GUILD, NEWS, MEMBER, "newslink", [{"name": "unwatch", "type": 1, "options": [channel]}]
    )
    assert "Manage Channels" in await answered(fake, refused)
    done = await fake.slash(
        GUILD, NEWS, MODERATOR, "newslink", [{"name": "unwatch", "type": 1, "options": [channel]}]
    )
    assert "No longer watching" in await answered(fake, done)
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await _barrier(newslink)
    assert briefs(fake) == []
    shown = await fake.slash(GUILD, NEWS, MODERATOR, "newslink", [{"name": "settings", "type": 1}])
    assert "not watched" in await answered(fake, shown)
    # "Brief this link" still briefs a message there on request, replying to it.
    [shared] = [m for m in fake.all_messages(NEWS) if int(m["author"]["id"]) == SHARER]
    asked = await fake.message_command(GUILD, NEWS, MEMBER, "Brief this link", int(shared["id"]))
    assert "Posted" in await answered(fake, asked)
    [brief] = briefs(fake)
    assert brief["message_reference"]["message_id"] == shared["id"]


async def test_without_thread_permission_the_brief_is_posted_without_a_thread(
    newslink: Running,
) -> None:
    fake = newslink.fake
    # Roles add up: @everyone's grant would give it back.
    fake.set_bot_permissions(GUILD, DEFAULT_BOT_PERMISSIONS & ~CREATE_PUBLIC_THREADS)
    fake.add_role(GUILD, GUILD, permissions=DEFAULT_EVERYONE_PERMISSIONS & ~CREATE_PUBLIC_THREADS)
    await _barrier(newslink)  # the role update has reached the bot
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: bool(briefs(fake)))
    await _barrier(newslink)
    assert fake.threads() == []


async def test_article_text_can_ping_nobody(newslink: Running) -> None:
    fake = newslink.fake
    await _subscribe(newslink, SUBSCRIBER, "ministers")
    await fake.send_message(NEWS, SHARER, newslink.site.url("/world/hostile"))
    await until(
        fake,
        lambda: bool(fake.threads(NEWS)) and bool(fake.messages(int(fake.threads(NEWS)[0]["id"]))),
    )
    sent = fake.messages(NEWS) + fake.messages(int(fake.threads(NEWS)[0]["id"]))
    [brief] = briefs(fake)
    # The article's words are all there (defused by rendering), and the messages permit no ping.
    assert "everyone" in brief["embeds"][0]["title"] and "<@&300>" not in str(brief["embeds"])
    assert "spokesman for" in brief["embeds"][0]["description"]
    for message in sent:
        allowed = message["allowed_mentions"]
        assert allowed["parse"] == [] and allowed.get("roles", []) == []
        assert {int(u) for u in allowed.get("users", [])} <= {SUBSCRIBER}
        assert not allowed.get("replied_user", False)


async def test_python_m_bot_runs_against_the_fake(
    fake_discord: FakeDiscord, news_site: NewsSite, tmp_path: Path
) -> None:
    build_world(fake_discord)
    # As a user starts it: the parsers preloaded before connecting.
    env = bot_environment(fake_discord, tmp_path / "bot.db", news_site.base, PARSE_PRELOAD="true")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # Start-up (interpreter, imports, migration, a parse worker) on a loaded 2-core machine
        # has taken over 20 s; the bound only limits how long a broken start takes to fail.
        await until(
            fake_discord, lambda: fake_discord.connected or process.returncode is not None, 120
        )
        # An answered command proves the bot has its guilds and handles events.
        listing = await fake_discord.slash(GUILD, NEWS, MEMBER, "subscriptions")
        await until(fake_discord, lambda: bool(listing.responses), 20)
        await fake_discord.send_message(NEWS, SHARER, news_site.url(NATO))
        await until(fake_discord, lambda: bool(briefs(fake_discord)), 20)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err.decode()[-3000:]
    assert "parse workers ready (1): parsers preloaded" in err.decode()
    assert briefs(fake_discord)[0]["embeds"][0]["url"] == news_site.url(NATO)


async def test_python_m_bot_without_a_token_says_which_setting(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and ".env.example" in lines[0]


async def test_an_unexpected_error_gets_a_reference_and_a_logged_traceback(
    newslink: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = newslink.fake
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: bool(briefs(fake)) and bool(fake.threads(NEWS)))
    # A 400 on a request the bot built itself is a bug of ours: the bug-shaped failure.
    fake.fail_next("PUT", "/channels/{channel_id}/messages/pins/{message_id}", 400)
    with caplog.at_level(logging.ERROR, logger="cogs"):
        record = await fake.slash(GUILD, NEWS, MODERATOR, "pin")
        text = await answered(fake, record)
    match = re.fullmatch(r"Something went wrong \(reference ([0-9A-F]{6})\)\.", text.strip())
    assert match is not None and record.ephemeral, text
    [logged] = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged.exc_info is not None and "HTTPException" in repr(logged.exc_info[1])
    assert "400" not in text  # exception text never reaches the user


async def test_python_m_bot_sync_registers_the_commands_for_one_server(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    build_world(fake_discord)
    env = bot_environment(fake_discord, tmp_path / "bot.db")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync",
        "--guild",
        str(GUILD),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()[-3000:]
    names = {c["name"] for c in fake_discord.commands(GUILD)}
    assert {"brief", "subscribe", "pin", "newslink", "Brief this link", "Pin brief"} <= names
    assert f"synced {len(fake_discord.commands(GUILD))} commands" in out.decode()
    # Never globally, and the gateway was not needed.
    assert fake_discord.commands(None) == [] and fake_discord.identify_count == 0


async def test_after_a_dropped_connection_the_bot_resumes_and_still_briefs(
    newslink: Running,
) -> None:
    fake = newslink.fake
    await fake.drop_websocket(resume=True)
    await until(fake, lambda: fake.resume_count > 0 and fake.connected, 15)
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: bool(briefs(fake)) and bool(fake.threads(NEWS)))
    assert fake.identify_count == 1  # resumed, not a second IDENTIFY


async def _claims(run: Running) -> list[tuple[int, str]]:
    """(message id, state) of every claim, read through an engine of the test's own: the bot's
    may be closing."""
    engine = create_engine(run.settings.database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(LinkClaim.source_message_id, LinkClaim.state).order_by(LinkClaim.id)
            )
            return [(int(m), str(state)) for m, state in rows]
    finally:
        await engine.dispose()


async def test_publishing_a_preview_twice_posts_one_brief(newslink: Running) -> None:
    fake, url = newslink.fake, newslink.site.url(NATO)
    record = await fake.slash(
        GUILD, NEWS, SHARER, "brief", [option("url", url), option("preview", True, 5)]
    )
    await answered(fake, record)
    [preview] = record.followups
    first = await fake.click(record, "newslink:publish")
    second = await fake.click(record, "newslink:publish")  # before the first has finished
    await until(fake, lambda: "Posted" in str(preview.get("content")))
    await _barrier(newslink)
    [brief] = briefs(fake)
    assert f"/{GUILD}/{NEWS}/{brief['id']}" in preview["content"]
    assert preview["components"] == []  # no button left to press
    assert first.responses[0]["type"] == 7  # the preview itself shows the button disabled
    assert "already" in await answered(fake, second) and second.ephemeral
    assert len(fake.threads(NEWS)) == 1
    # The claim is the preview's (its /brief's id), not a click's: any click finds it taken.
    assert await _claims(newslink) == [(record.id, "posted")]


async def test_a_brief_in_flight_at_shutdown_finishes_within_the_grace(
    newslink: Running,
) -> None:
    fake, bot = newslink.fake, newslink.bot
    bot.sharing.gate.limit = 1  # SHARES_IN_FLIGHT=1: a second share queues
    slow = fake.hold("POST", f"/channels/{NEWS}/messages")  # Discord is slow to take the brief
    record = await fake.slash(
        GUILD, NEWS, SHARER, "brief", [option("url", newslink.site.url(NATO))]
    )
    await until(fake, lambda: slow.reached == 1)
    queued = await fake.send_message(NEWS, MEMBER, f"also {newslink.site.url(NATO)}")
    await until(fake, lambda: bot.sharing.gate.queued == 1)
    assert "briefs in flight 1; queued 1;" in health_line(bot.health())
    stopping = asyncio.create_task(bot.shutdown(grace=30))
    await until(fake, lambda: bot.draining)
    slow.release()
    await asyncio.wait_for(stopping, 30)
    [brief] = briefs(fake)
    assert f"Posted: https://discord.com/channels/{GUILD}/{NEWS}/{brief['id']}" in answer_text(
        record
    )
    assert [t["id"] for t in fake.threads(NEWS)] == [brief["id"]]
    # The queued link did not start: claimed and released for the next start's recovery.
    assert await _claims(newslink) == [(record.id, "posted"), (int(queued["id"]), "failed")]


async def test_a_brief_still_in_flight_after_the_grace_is_released_and_the_member_told(
    newslink: Running,
) -> None:
    fake, bot = newslink.fake, newslink.bot
    slow = fake.hold("POST", f"/channels/{NEWS}/messages")
    record = await fake.slash(
        GUILD, NEWS, SHARER, "brief", [option("url", newslink.site.url(NATO))]
    )
    await until(fake, lambda: slow.reached == 1)
    await asyncio.wait_for(bot.shutdown(grace=0.1), 30)
    assert "had to stop before finishing" in answer_text(record) and record.ephemeral
    assert await _claims(newslink) == [(record.id, "failed")]  # for the next start to look at
    assert briefs(fake) == []


async def test_a_brief_asked_for_while_shutting_down_is_answered_not_started(
    newslink: Running,
) -> None:
    fake, bot = newslink.fake, newslink.bot
    slow = fake.hold("POST", f"/channels/{NEWS}/messages")
    busy = await fake.slash(GUILD, NEWS, SHARER, "brief", [option("url", newslink.site.url(NATO))])
    await until(fake, lambda: slow.reached == 1)
    stopping = asyncio.create_task(bot.shutdown(grace=30))
    await until(fake, lambda: bot.draining)
    late = await fake.slash(GUILD, NEWS, MEMBER, "brief", [option("url", newslink.site.url(NATO))])
    assert "restarting" in await answered(fake, late)
    slow.release()
    await asyncio.wait_for(stopping, 30)
    assert "Posted" in answer_text(busy)
    assert await _claims(newslink) == [(busy.id, "posted")]

"""Links posted while newslink was offline: briefed once at the next start, never on a reconnect.

The fake stores a message sent while no gateway session is open without delivering it anywhere,
as Discord does; the bot only finds it in the channel's history.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import discord
import pytest

from bot.workers import ParsePool
from tests.e2e.conftest import (
    DISCORD_CLOCK,
    MODERATOR,
    NEWS,
    SHARER,
    STAFF_ONLY,
    NewsSite,
    bot_settings,
    build_world,
    running_bot,
    until,
)
from tests.fakediscord.fixtures import pointed_at
from tests.fakediscord.server import FakeDiscord

NATO = "/world/nato-russia"
HOSTILE = "/world/hostile"
WEBHOOK = 900


def _replies(fake: FakeDiscord, channel_id: int, message: dict[str, Any]) -> list[dict[str, Any]]:
    """What the bot posted in reply to ``message``: briefs (with an embed) and pointers alike."""
    return [
        m
        for m in fake.messages(channel_id)
        if (m.get("message_reference") or {}).get("message_id") == message["id"]
    ]


def _briefs_of(fake: FakeDiscord, channel_id: int, message: dict[str, Any]) -> int:
    return sum(1 for m in _replies(fake, channel_id, message) if m.get("embeds"))


def _history_requests(fake: FakeDiscord, channel_id: int) -> int:
    path = f"/channels/{channel_id}/messages"
    return sum(1 for method, p, _ in fake.requests() if method == "GET" and p == path)


async def test_links_posted_while_offline_are_briefed_once_at_the_next_start(
    fake_discord: FakeDiscord,
    database_url: str,
    news_site: NewsSite,
    parse_pool: ParsePool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    build_world(fake)
    settings = bot_settings(fake, database_url, news_site)
    url = news_site.url
    caplog.set_level(logging.INFO, logger="bot.sharing.recovery")
    with pointed_at(fake):
        async with running_bot(fake, settings, news_site, parse_pool) as run:
            await until(fake, lambda: len(_summaries(caplog)) == 2)  # nothing to catch up yet
            live = await fake.send_message(NEWS, SHARER, f"read this {url(NATO)}")
            await until(fake, lambda: _briefs_of(fake, NEWS, live) == 1)
            await run.quiet()

        # Offline: stored in the channels, delivered to nobody.
        two_hours_ago = DISCORD_CLOCK.now() - dt.timedelta(hours=2)
        old = await fake.send_message(
            NEWS,
            SHARER,
            f"old news {url(NATO)}?edition=old",
            message_id=discord.utils.time_snowflake(two_hours_ago),
        )
        missed = await fake.send_message(NEWS, SHARER, f"while you were out {url(HOSTILE)}")
        relayed = await fake.send_message(
            NEWS, SHARER, f"relayed {url(NATO)}?edition=hook", webhook_id=WEBHOOK
        )
        staff = await fake.send_message(STAFF_ONLY, MODERATOR, f"{url(NATO)}?edition=staff")

        async with running_bot(fake, settings, news_site, parse_pool) as run:
            await until(fake, lambda: len(_summaries(caplog)) == 4)
            await run.quiet()
            assert _briefs_of(fake, NEWS, missed) == _briefs_of(fake, STAFF_ONLY, staff) == 1
            # One history request per channel and start, none for recovery (no claim was left).
            assert _history_requests(fake, NEWS) == _history_requests(fake, STAFF_ONLY) == 2
            assert _briefs_of(fake, NEWS, live) == 1 and len(_replies(fake, NEWS, live)) == 1
            assert _replies(fake, NEWS, old) == [] and _replies(fake, NEWS, relayed) == []
            assert len(_replies(fake, NEWS, missed)) == len(_replies(fake, STAFF_ONLY, staff)) == 1

            # A new session (not resumed): its READY must not read the history again. The message
            # sent while the socket is down is lost, as on Discord.
            # Waited for, or the test could close the bot before that READY is dispatched.
            ready_again = asyncio.ensure_future(run.bot.wait_for("ready", timeout=15))
            await fake.drop_websocket(resume=False)
            lost = await fake.send_message(NEWS, SHARER, f"in the gap {url(NATO)}?edition=gap")
            await until(fake, lambda: fake.identify_count == 3 and fake.connected)
            await ready_again
            after = await fake.send_message(NEWS, SHARER, f"back {url(NATO)}?edition=back")
            await until(fake, lambda: _briefs_of(fake, NEWS, after) == 1)
            await run.quiet()
            assert _replies(fake, NEWS, lost) == []
            assert _history_requests(fake, NEWS) == _history_requests(fake, STAFF_ONLY) == 2

    summaries = _summaries(caplog)
    # Two channels at each of the two starts, never at the reconnect; at the second start #news
    # held the live share, its brief, the missed share and the webhook's in the window (and the
    # old one before it).
    assert len(summaries) == 4, summaries
    assert summaries[2].startswith(f"catch-up in channel {NEWS}: 4 messages since"), summaries
    assert "2 with links, 1 briefed, 1 already handled" in summaries[2], summaries


def _summaries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "catch-up in channel" in r.getMessage()]

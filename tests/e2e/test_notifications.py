"""Notification floods against the fake Discord (issue 10 item 4): a page that matches every
topic of a server calls in at most ``NOTIFY_MAX_PER_BRIEF`` members, in messages Discord accepts
(at most 100 pinged users each), records only those whose message was delivered, looks each member
up once, and paces DMs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.sharing.notify import MENTIONS_PER_MESSAGE, limit_notice
from bot.storage import subscriptions as stored_subscriptions
from bot.storage.database import create_engine, session_factory
from bot.storage.models import DeliveredNotification
from tests.e2e.conftest import GUILD, NEWS, SHARER, Running, briefs, until
from tests.fakediscord.server import FakeDiscord

NATO = "/world/nato-russia"
HOSTILE = "/world/hostile"  # another page about NATO
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
FIRST_FOLLOWER = 10_000


def settings(**overrides: object) -> pytest.MarkDecorator:
    """Run the bot with these Settings fields (overrides the ``setting_overrides`` fixture)."""
    return pytest.mark.parametrize("setting_overrides", [overrides], ids=["settings"])


async def _followers(run: Running, count: int, delivery: str = "thread") -> list[int]:
    """``count`` members of the server following "nato", a minute apart (in id order)."""
    users = list(range(FIRST_FOLLOWER, FIRST_FOLLOWER + count))
    engine = create_engine(run.settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for i, user_id in enumerate(users):
                run.fake.add_member(GUILD, user_id, f"follower{user_id}")
                await stored_subscriptions.subscribe(
                    session,
                    GUILD,
                    user_id,
                    "nato",
                    limit=25,
                    delivery=delivery,
                    now=START + dt.timedelta(minutes=i),
                )
    finally:
        await engine.dispose()
    return users


async def _recorded(run: Running) -> set[int]:
    engine = create_engine(run.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return set(await session.scalars(select(DeliveredNotification.user_id)))
    finally:
        await engine.dispose()


async def _share(run: Running, path: str) -> dict[str, Any]:
    """Paste the link, wait until the bot is done with it; the brief."""
    fake = run.fake
    before = len(briefs(fake))
    await fake.send_message(NEWS, SHARER, run.site.url(path))
    await until(fake, lambda: len(briefs(fake)) > before)
    await run.quiet()
    return briefs(fake)[-1]


def _pinged(message: dict[str, Any]) -> list[int]:
    return [int(u) for u in (message.get("allowed_mentions") or {}).get("users", [])]


def _member_lookups(fake: FakeDiscord) -> int:
    return sum(1 for method, path, _ in fake.requests() if method == "GET" and "/members/" in path)


@settings(notify_max_per_brief=150)
async def test_101_thread_subscribers_are_pinged_in_messages_discord_accepts(
    newslink: Running,
) -> None:
    fake = newslink.fake
    users = await _followers(newslink, 101)

    brief = await _share(newslink, NATO)

    opening = fake.messages(int(brief["id"]))  # the thread started from the brief has its id
    assert len(opening) >= 2
    assert all(len(_pinged(m)) <= MENTIONS_PER_MESSAGE for m in opening)
    pinged = [u for m in opening for u in _pinged(m)]
    assert sorted(pinged) == users  # each once
    assert fake.error_responses == []  # nothing refused (the fake's teardown checks it too)
    assert await _recorded(newslink) == set(users)


@settings(notify_max_per_brief=150)
async def test_member_lookups_are_cached_across_briefs(newslink: Running) -> None:
    fake = newslink.fake
    users = await _followers(newslink, 30)

    await _share(newslink, NATO)
    first = _member_lookups(fake)
    await _share(newslink, HOSTILE)

    # One lookup a member for the first brief (no members intent), none for the second.
    assert first == len(users)
    assert _member_lookups(fake) == first
    assert await _recorded(newslink) == set(users)


async def test_the_limit_is_honoured_and_the_thread_says_so(newslink: Running) -> None:
    fake = newslink.fake
    users = await _followers(newslink, 60)  # NOTIFY_MAX_PER_BRIEF is 50 by default

    brief = await _share(newslink, NATO)

    opening = fake.messages(int(brief["id"]))
    pinged = [u for m in opening for u in _pinged(m)]
    assert sorted(pinged) == users[:50]  # the longest followers
    assert limit_notice(50) in "\n".join(m["content"] for m in opening)
    assert await _recorded(newslink) == set(users[:50])
    assert _member_lookups(fake) <= 50


@settings(notify_max_per_brief=150)
async def test_a_thread_message_discord_refuses_leaves_its_subscribers_unrecorded(
    newslink: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = newslink.fake
    users = await _followers(newslink, 120)
    # Hold the thread's creation to learn its id (the brief's) before its messages are posted.
    held = fake.hold("POST", "/channels/{channel}/messages/{message}/threads")
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))
    await until(fake, lambda: held.reached > 0)
    [brief] = briefs(fake)
    fake.fail_next("POST", f"/channels/{brief['id']}/messages", 400)  # the first of them
    with caplog.at_level(logging.WARNING):
        held.release()
        await newslink.quiet()

    delivered = fake.messages(int(brief["id"]))
    assert len(delivered) == 1  # the second message of two
    told = set(_pinged(delivered[0]))
    assert told and told < set(users)
    assert await _recorded(newslink) == told
    assert any("not notified" in r.getMessage() for r in caplog.records)


@settings(dm_per_minute=2)
async def test_dms_past_the_budget_wait_and_a_shutdown_drops_them_unrecorded(
    newslink: Running,
) -> None:
    fake = newslink.fake
    users = await _followers(newslink, 3, delivery="dm")
    await fake.send_message(NEWS, SHARER, newslink.site.url(NATO))

    await until(fake, lambda: all(fake.messages(fake.open_dm(u)) for u in users[:2]))
    await asyncio.sleep(0.2)  # the third is due only a minute after the first
    assert not fake.messages(fake.open_dm(users[2]))
    await newslink.bot.close()  # cancels the waiting DM, a tracked task

    assert not fake.messages(fake.open_dm(users[2]))
    assert await _recorded(newslink) == set(users[:2])

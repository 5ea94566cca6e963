"""Who is called in and how: the thread's opening messages, the DM pacer, the lookup cache."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.sharing.notify import (
    CONTENT_LIMIT,
    MENTIONS_PER_MESSAGE,
    Candidate,
    DiscussionMessage,
    Pacer,
    TtlCache,
    discussion_messages,
    in_turn,
    limit_notice,
)
from tests._monotonic import FakeTime

DAY = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_the_opening_names_the_sharer_and_the_subscribers_without_their_topics() -> None:
    assert discussion_messages(7, [40, 41]) == [
        DiscussionMessage("Shared by <@7>.\nFollowing a matching topic: <@40> <@41>", (40, 41))
    ]
    assert discussion_messages(7, []) == [DiscussionMessage("Shared by <@7>.")]


@pytest.mark.parametrize("count", [100, 101, 250])
def test_each_message_pings_at_most_100_users_and_fits_discord(count: int) -> None:
    users = [10**18 + i for i in range(count)]  # 19-digit ids: the longest mentions
    messages = discussion_messages(7, users)
    assert [u for m in messages for u in m.ping] == users
    for message in messages:
        assert len(message.ping) <= MENTIONS_PER_MESSAGE and len(message.text) <= CONTENT_LIMIT
        assert all(f"<@{u}>" in message.text for u in message.ping)
    # Short ids: the user limit binds before the length does.
    short = discussion_messages(7, list(range(1, count + 1)))
    assert [len(m.ping) for m in short][0] == MENTIONS_PER_MESSAGE


def test_the_limit_notice_pings_nobody() -> None:
    [message] = discussion_messages(7, [40], limit_reached=50)
    assert message.ping == (40,) and message.text.endswith(limit_notice(50))
    full = discussion_messages(7, [10**18 + i for i in range(85)], limit_reached=50)
    # No room left beside 85 long mentions: the notice is a message of its own, pinging nobody.
    assert len(full[0].text) + len(limit_notice(50)) > CONTENT_LIMIT
    assert full == [
        DiscussionMessage(full[0].text, full[0].ping),
        DiscussionMessage(limit_notice(50)),
    ]


def test_the_longest_followers_come_first_ties_by_id() -> None:
    late = Candidate(1, ("nato",), (), DAY + dt.timedelta(days=1))
    early = Candidate(3, (), ("nato",), DAY)
    tie = Candidate(2, ("nato",), (), DAY)
    assert in_turn([late, early, tie]) == [tie, early, late]


def test_the_pacer_gives_per_minute_slots_in_any_minute() -> None:
    fake = FakeTime(100.0)
    pacer = Pacer(3, clock=fake.clock, sleep=fake.sleep)
    assert [pacer.reserve() - 100 for _ in range(7)] == [0, 0, 0, 60, 60, 60, 120]
    # Time passing frees slots: a minute after the last burst, three go at once again.
    fake.now = 100 + 300
    assert [pacer.reserve() - 100 for _ in range(4)] == [300, 300, 300, 360]


async def test_the_pacer_sleeps_only_past_the_budget() -> None:
    fake = FakeTime(100.0)
    pacer = Pacer(2, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        await pacer.wait()
    assert fake.sleeps == [60, 60]  # the 3rd and 5th waited; the 4th fell in the 3rd's minute
    assert fake.now == 100 + 120


def test_the_lookup_cache_is_bounded_and_expires() -> None:
    fake = FakeTime(100.0)
    cache: TtlCache[int, str | None] = TtlCache(2, 10.0, clock=fake.clock)
    cache.put(1, "one")
    cache.put(2, None)  # a member who left is remembered too
    assert cache.get(1) == (True, "one")  # 1 is now the most recently used
    cache.put(3, "three")
    assert len(cache) == 2 and cache.get(2) == (False, None)
    fake.now += 10
    assert cache.get(1) == (False, None) and cache.get(3) == (False, None)

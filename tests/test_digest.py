"""The digest: period arithmetic across DST changes and year ends (table-driven), rendering, and
the service end to end on real databases with a recording publisher."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection, Sequence
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import DigestSchedule
from bot.clock import FixedClock
from bot.digest import (
    MESSAGE_LIMIT,
    Digests,
    InvalidTimeZone,
    Listed,
    latest_period,
    next_end,
    render,
    time_zone,
)
from bot.storage.digests import Digest
from tests.storage._records import record_brief

DAILY, WEEKLY = DigestSchedule.DAILY, DigestSchedule.WEEKLY
UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# (zone, schedule, hour, weekday, now (UTC), expected start (UTC), expected end (UTC))
PERIODS = [
    # plain UTC, before and after the hour
    ("UTC", DAILY, 8, 0, utc(2026, 6, 10, 7, 59), utc(2026, 6, 8, 8), utc(2026, 6, 9, 8)),
    ("UTC", DAILY, 8, 0, utc(2026, 6, 10, 8, 0), utc(2026, 6, 9, 8), utc(2026, 6, 10, 8)),
    # year end: the period ending on New Year's morning starts on New Year's Eve
    ("UTC", DAILY, 8, 0, utc(2027, 1, 1, 9), utc(2026, 12, 31, 8), utc(2027, 1, 1, 8)),
    ("UTC", DAILY, 0, 0, utc(2027, 1, 1, 0, 30), utc(2026, 12, 31), utc(2027, 1, 1)),
    # weekly on Mondays across the year end (2027-01-04 is a Monday)
    ("UTC", WEEKLY, 9, 0, utc(2027, 1, 4, 10), utc(2026, 12, 28, 9), utc(2027, 1, 4, 9)),
    ("UTC", WEEKLY, 9, 0, utc(2027, 1, 4, 8), utc(2026, 12, 21, 9), utc(2026, 12, 28, 9)),
    # Berlin, spring forward on 2026-03-29 (02:00 -> 03:00): the day is 23 hours long
    (
        "Europe/Berlin",
        DAILY,
        8,
        0,
        utc(2026, 3, 29, 7),
        utc(2026, 3, 28, 7),  # 08:00 CET
        utc(2026, 3, 29, 6),  # 08:00 CEST
    ),
    # Berlin, fall back on 2026-10-25 (03:00 -> 02:00): the day is 25 hours long
    (
        "Europe/Berlin",
        DAILY,
        8,
        0,
        utc(2026, 10, 25, 8),
        utc(2026, 10, 24, 6),  # 08:00 CEST
        utc(2026, 10, 25, 7),  # 08:00 CET
    ),
    # the skipped hour (02:00 on the spring-forward night) is the instant it becomes: 03:00 CEST
    (
        "Europe/Berlin",
        DAILY,
        2,
        0,
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 28, 1),
        utc(2026, 3, 29, 1),
    ),
    # the hour that happens twice (02:00 on the fall-back night): its first time, 02:00 CEST
    (
        "Europe/Berlin",
        DAILY,
        2,
        0,
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 24, 0),
        utc(2026, 10, 25, 0),
    ),
    # New York, weekly on Sundays across the spring change (2026-03-08)
    (
        "America/New_York",
        WEEKLY,
        18,
        6,
        utc(2026, 3, 9, 12),
        utc(2026, 3, 1, 23),  # 18:00 EST
        utc(2026, 3, 8, 22),  # 18:00 EDT
    ),
    # Auckland: a local date a day ahead of UTC, and the year ends there first
    (
        "Pacific/Auckland",
        DAILY,
        7,
        0,
        utc(2026, 12, 31, 19),
        utc(2026, 12, 30, 18),
        utc(2026, 12, 31, 18),
    ),
    # Lord Howe moves by half an hour (2026-04-05 02:00 -> 01:30)
    (
        "Australia/Lord_Howe",
        DAILY,
        9,
        0,
        utc(2026, 4, 4, 23),  # 09:30 on the day it moves back
        utc(2026, 4, 3, 22),  # 09:00 +11
        utc(2026, 4, 4, 22, 30),  # 09:00 +10:30: a 24.5-hour day
    ),
]


@pytest.mark.parametrize(("zone", "schedule", "hour", "weekday", "now", "start", "end"), PERIODS)
def test_latest_period(
    zone: str,
    schedule: DigestSchedule,
    hour: int,
    weekday: int,
    now: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
) -> None:
    assert latest_period(schedule, hour, weekday, ZoneInfo(zone), now) == (start, end)
    # the end is that hour, local, on the right weekday
    local = end.astimezone(ZoneInfo(zone))
    if schedule is WEEKLY:
        assert local.weekday() == weekday
    digest = Digest(1, 2, schedule, hour, weekday, timezone=zone)
    assert next_end(digest, now) > now >= end


def test_time_zone_names() -> None:
    assert time_zone("Europe/Paris").key == "Europe/Paris"
    for bad in (
        "Mars/Olympus",
        "",
        "../../etc/passwd",
        "/etc/localtime",
        "Europe/../UTC",
        "x" * 99,
    ):
        with pytest.raises(InvalidTimeZone):
            time_zone(bad)


def _listed(i: int, messages: int, title: str = "Headline") -> Listed:
    return Listed(f"{title} {i}", "Courier", 1, 2, 1000 + i, 5000 + i, messages)


def test_render_splits_only_between_lines_over_the_limit() -> None:
    digest = Digest(1, 2, DAILY, 8)
    start, end = utc(2026, 6, 9, 8), utc(2026, 6, 10, 8)
    few = render(digest, start, end, [_listed(1, 3), _listed(2, 1)])
    assert len(few) == 1
    assert "3 messages in https://discord.com/channels/1/5001" in few[0]
    assert "1 message in" in few[0]
    many = render(digest, start, end, [_listed(i, 0, "A long headline " * 8) for i in range(50)])
    assert len(many) > 1
    assert all(len(m) <= MESSAGE_LIMIT for m in many)
    lines = [line for m in many for line in m.split("\n")]
    assert len(lines) == 51 and lines[1].startswith("1. ") and lines[-1].startswith("50. ")


# --- the service on real databases -------------------------------------------------------------

GUILD, NEWS, DIGESTS, HIDDEN = 7, 70, 71, 72
SET_UP = utc(2026, 6, 10, 9, 30)  # after 08:00: the period that ended at 08:00 is not posted


class RecordingPublisher:
    """Discord's side of the digest: thread counts as given; posts recorded (or failing)."""

    def __init__(self, counts: dict[int, int] | None = None) -> None:
        self.counts = counts or {}
        self.posts: list[tuple[int, list[str]]] = []
        self.fail_next = False

    async def message_counts(self, guild_id: int, thread_ids: Sequence[int]) -> dict[int, int]:
        return {t: self.counts[t] for t in thread_ids if t in self.counts}

    async def listable(
        self, guild_id: int, digest_channel_id: int, channel_ids: Collection[int]
    ) -> set[int]:
        return set(channel_ids) - {HIDDEN}

    async def post(self, channel_id: int, messages: Sequence[str]) -> bool:
        await asyncio.sleep(0)  # a real post yields: lets a concurrent round run meanwhile
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("Discord is down")
        self.posts.append((channel_id, list(messages)))
        return True


async def _brief(
    session: AsyncSession,
    i: int,
    title: str,
    at: dt.datetime,
    *,
    thread: bool = True,
    channel: int = NEWS,
) -> None:
    await record_brief(
        session,
        1000 + i,
        guild=GUILD,
        channel=channel,
        key=f"example.org/{i}",
        created_at=at,
        article={"title": title},
        thread_id=5000 + i if thread else None,
    )


@pytest.fixture
def day_clock() -> FixedClock:
    return FixedClock(SET_UP)


@pytest.fixture
def digests(sessionmaker: async_sessionmaker[AsyncSession], day_clock: FixedClock) -> Digests:
    return Digests(sessionmaker, day_clock)


async def test_posted_once_at_the_hour_most_discussed_first(
    digests: Digests, sessionmaker: async_sessionmaker[AsyncSession], day_clock: FixedClock
) -> None:
    setting = await digests.set_digest(GUILD, DIGESTS, DAILY, hour=8)
    assert setting.next_at == utc(2026, 6, 11, 8)
    async with sessionmaker() as session, session.begin():
        await _brief(session, 1, "Quiet story", SET_UP)
        await _brief(session, 2, "Busy story", SET_UP + dt.timedelta(hours=1))
        await _brief(session, 3, "No thread", SET_UP + dt.timedelta(hours=2), thread=False)
        await _brief(session, 4, "Too late", utc(2026, 6, 11, 8))  # the next period's
        await _brief(session, 5, "Too early", utc(2026, 6, 10, 7))  # the last period's
        await _brief(session, 6, "Hidden", SET_UP, channel=HIDDEN)  # readers cannot read it
    publisher = RecordingPublisher({5001: 1, 5002: 9})

    assert await digests.run_due(publisher) == utc(2026, 6, 11, 8)
    assert publisher.posts == []  # the period that ended before it was set up is not posted

    day_clock.set(utc(2026, 6, 11, 8, 0, 5))
    await digests.run_due(publisher)
    [(channel, [text])] = publisher.posts
    assert channel == DIGESTS
    assert [line.split("](")[0] for line in text.split("\n")[1:]] == [
        "1. [Busy story",
        "2. [Quiet story",
        "3. [No thread",
    ]
    assert "9 messages" in text and "1 message in" in text

    await digests.run_due(publisher)  # the next round: posted already
    # another process, on the same database, a minute later
    day_clock.advance(dt.timedelta(minutes=1))
    await Digests(sessionmaker, day_clock).run_due(publisher)
    assert len(publisher.posts) == 1


async def test_missed_while_down_posted_once_for_the_latest_period(
    digests: Digests, sessionmaker: async_sessionmaker[AsyncSession], day_clock: FixedClock
) -> None:
    await digests.set_digest(GUILD, DIGESTS, DAILY, hour=8)
    async with sessionmaker() as session, session.begin():
        await _brief(session, 1, "Day one", SET_UP)
        await _brief(session, 2, "Day three", utc(2026, 6, 12, 12))
    day_clock.set(utc(2026, 6, 13, 20))  # down for three days
    publisher = RecordingPublisher()
    await digests.run_due(publisher)
    await digests.run_due(publisher)
    [(_, [text])] = publisher.posts
    assert "Day three" in text and "Day one" not in text


async def test_two_processes_at_once_post_it_once(
    sessionmaker: async_sessionmaker[AsyncSession], day_clock: FixedClock
) -> None:
    await Digests(sessionmaker, day_clock).set_digest(GUILD, DIGESTS, WEEKLY, hour=8, weekday=3)
    async with sessionmaker() as session, session.begin():
        await _brief(session, 1, "Story", SET_UP)
    day_clock.set(utc(2026, 6, 11, 8))  # Thursday
    publisher = RecordingPublisher()
    await asyncio.gather(*(Digests(sessionmaker, day_clock).run_due(publisher) for _ in range(4)))
    assert len(publisher.posts) == 1


async def test_empty_period_topic_and_a_failed_post(
    digests: Digests, sessionmaker: async_sessionmaker[AsyncSession], day_clock: FixedClock
) -> None:
    await digests.set_digest(GUILD, DIGESTS, DAILY, hour=8, topic="Harbours")
    publisher = RecordingPublisher()
    day_clock.set(utc(2026, 6, 11, 8))
    await digests.run_due(publisher)
    assert publisher.posts == []  # nothing briefed: nothing posted
    async with sessionmaker() as session, session.begin():
        await _brief(session, 1, "The harbour votes", utc(2026, 6, 11, 9))
        await _brief(session, 2, "Weather", utc(2026, 6, 11, 10))
    day_clock.set(utc(2026, 6, 12, 8))
    publisher.fail_next = True
    await digests.run_due(publisher)  # Discord failed: the period is given back
    assert publisher.posts == []
    await digests.run_due(publisher)
    [(_, [text])] = publisher.posts
    assert "harbour" in text and "Weather" not in text and "on “harbours”" in text


async def test_off_removes_and_the_time_zone_moves_the_hour(
    digests: Digests, sessionmaker: async_sessionmaker[AsyncSession], day_clock: FixedClock
) -> None:
    assert await digests.timezone(GUILD) == "UTC"
    assert await digests.set_timezone(GUILD, "America/New_York") == "America/New_York"
    with pytest.raises(InvalidTimeZone):
        await digests.set_timezone(GUILD, "Nowhere/Special")
    setting = await digests.set_digest(GUILD, DIGESTS, DAILY, hour=8)
    assert setting.timezone == "America/New_York"
    assert setting.next_at == utc(2026, 6, 10, 12)  # 08:00 EDT, today still
    await digests.set_digest(GUILD, DIGESTS, DigestSchedule.OFF)
    assert await digests.run_due(RecordingPublisher()) is None

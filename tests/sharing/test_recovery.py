"""Recovery after a start (:mod:`bot.sharing.recovery`): the claims a crashed or stopped process
left, shutdown's cancellations and deferrals, and the catch-up of links posted while offline;
against a real database and an in-memory publisher."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import subprocess
import sys
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, FixedClock
from bot.fetch.urls import url_key
from bot.sharing import recovery
from bot.sharing.ledger import claim_nonce
from bot.sharing.recovery import GaveUp, Missed, catch_up_since, owner_gone
from bot.sharing.service import Sharing
from bot.sharing.types import Duplicate, Pointed, Posted
from bot.storage import briefs as stored_briefs
from bot.storage import claims as stored_claims
from bot.storage.models import LinkClaim
from tests._dates import NOW, RunningClock
from tests.sharing._fakes import (
    ARTICLE,
    CHANNEL,
    GUILD,
    URL,
    FakeBriefer,
    FakeReopener,
    RecordingPublisher,
    a_publisher,
    a_share,
)

HOST = socket.gethostname()[:40]


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(process.stdout)


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    message_id: int,
    owner: str,
    *,
    url: str = URL,
    at: dt.datetime = NOW - dt.timedelta(minutes=1),  # an earlier process, a minute ago
) -> None:
    async with sessions() as session, session.begin():
        assert await stored_claims.take_claim(
            session,
            message_id,
            url_key(url),
            owner=owner,
            guild_id=GUILD,
            channel_id=CHANNEL,
            now=at,
        )


async def _state(sessions: async_sessionmaker[AsyncSession], message_id: int) -> tuple[str, int]:
    async with sessions() as session:
        claim = (
            await session.scalars(
                select(LinkClaim).where(LinkClaim.source_message_id == message_id)
            )
        ).one()
    return claim.state, claim.attempts


def test_owner_gone_only_when_known() -> None:
    me = f"{HOST}:{os.getpid()}:aaaa"
    assert owner_gone(f"{HOST}:{_dead_pid()}:bbbb", me=me)  # exited on this host
    assert owner_gone(f"{HOST}:{os.getpid()}:bbbb", me=me)  # our pid, earlier token: restarted
    assert not owner_gone(me, me=me)
    assert not owner_gone(f"{HOST}:{os.getppid()}:bbbb", me=me)  # alive
    assert not owner_gone(f"elsewhere:{_dead_pid()}:bbbb", me=me)  # another host: unknowable
    assert not owner_gone("crashed", me=me)


def test_claim_nonce_is_stable_per_claim_and_fits_discord() -> None:
    nonce = claim_nonce(123456789012345678, url_key(URL))
    assert nonce == claim_nonce(123456789012345678, url_key(URL))
    assert len(nonce) <= 25
    assert nonce != claim_nonce(123456789012345679, url_key(URL))
    assert nonce != claim_nonce(123456789012345678, url_key(URL + "/more"))


async def test_a_crashed_process_claim_is_briefed_once_on_recovery(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _claim(sessionmaker, 1, f"{HOST}:{_dead_pid()}:dead")
    reopener = FakeReopener({1: f"Worth a look {URL}"})

    [outcome] = await sharing.recover(reopener)

    assert isinstance(outcome, Posted)
    publisher = reopener.publisher
    assert [b.lead for b in publisher.posted] == ["Worth a look"]
    # The same nonce the crashed attempt used: Discord returns its message if it was posted.
    assert publisher.nonces == [claim_nonce(1, url_key(URL))]
    assert publisher.looked_for == []  # young claim: the nonce alone stops a second post
    assert await _state(sessionmaker, 1) == ("posted", 2)
    assert await sharing.recover(reopener) == []  # done: nothing left


async def test_a_claim_in_another_shards_server_is_left_to_that_shards_process(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _claim(sessionmaker, 1, f"{HOST}:{_dead_pid()}:dead")
    reopener = FakeReopener({1: f"Worth a look {URL}"})

    # Another process's shards: it cannot even see the channel, so it must not give it up.
    assert await sharing.recovery.recover(reopener, owns=lambda guild: guild != GUILD) == []
    assert await _state(sessionmaker, 1) == ("claimed", 1)
    [outcome] = await sharing.recovery.recover(reopener, owns=lambda guild: guild == GUILD)
    assert isinstance(outcome, Posted)


async def test_past_the_nonce_memory_a_brief_posted_before_the_crash_is_adopted(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    at = clock.now() - dt.timedelta(minutes=10)
    await _claim(sessionmaker, 1, f"{HOST}:{_dead_pid()}:dead", at=at)
    reopener = FakeReopener({1: URL}, RecordingPublisher(existing=4242))

    [outcome] = await sharing.recover(reopener)

    assert isinstance(outcome, Posted) and outcome.message_id == 4242
    assert reopener.publisher.posted == [] and reopener.publisher.looked_for == [URL]
    assert reopener.publisher.threads == [(4242, ARTICLE.title)]
    async with sessionmaker() as session:
        record = await stored_briefs.brief_by_message(session, GUILD, 4242)
    assert record.source_message_id == 1
    assert await _state(sessionmaker, 1) == ("posted", 2)


async def test_a_gone_message_is_given_up_with_a_warning(
    sharing: Sharing,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _claim(sessionmaker, 1, f"{HOST}:{_dead_pid()}:dead")
    await _claim(sessionmaker, 2, f"{HOST}:{_dead_pid()}:dead")
    reopener = FakeReopener({2: "the link was edited out"})

    with caplog.at_level(logging.WARNING, logger="bot.sharing"):
        outcomes = await sharing.recover(reopener)

    assert outcomes == [
        GaveUp(1, url_key(URL), "the message is gone or cannot be read"),
        GaveUp(2, url_key(URL), "the link is no longer in the message"),
    ]
    assert reopener.publisher.posted == []
    assert await _state(sessionmaker, 1) == ("given_up", 2)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "message 1 " in warnings[0] and url_key(URL) in warnings[0]


async def test_after_max_attempts_the_claim_is_given_up(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, clock: Clock
) -> None:
    dead = f"{HOST}:{_dead_pid()}:dead"
    await _claim(sessionmaker, 1, dead)
    # Two restarts already took it over and died too (attempts 2 and 3).
    for seconds_ago in (30, 20):
        async with sessionmaker() as session:
            assert await stored_claims.reclaim_stale(
                session,
                1,
                url_key(URL),
                owner=dead,
                older_than=dt.timedelta(0),
                now=clock.now() - dt.timedelta(seconds=seconds_ago),
            )
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, max_attempts=3, clock=clock)
    reopener = FakeReopener({1: URL})

    [outcome] = await sharing.recover(reopener)

    assert isinstance(outcome, GaveUp) and "3 attempts" in outcome.reason
    assert reopener.reopened == [] and briefer.calls == []
    assert await _state(sessionmaker, 1) == ("given_up", 4)


async def test_own_and_live_claims_are_left_alone_until_the_grace_has_passed(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    # the grace has to pass, so this clock runs
    clock = RunningClock()
    sharing = Sharing(
        sessions=sessionmaker,
        briefer=briefer,
        recovery_grace=dt.timedelta(seconds=0.3),
        clock=clock,
    )
    await _claim(sessionmaker, 1, sharing.owner, at=clock.now())  # in flight in this very process
    # Processes on another host: this one finishes its share during the grace, that one dies.
    await _claim(sessionmaker, 2, "elsewhere:1:live", at=clock.now())
    await _claim(sessionmaker, 3, "elsewhere:2:dies", at=clock.now())
    reopener = FakeReopener({1: URL, 2: URL, 3: URL})

    async def finish_elsewhere() -> None:
        async with sessionmaker() as session, session.begin():
            assert await stored_claims.complete_claim(
                session, 2, url_key(URL), owner="elsewhere:1:live", now=clock.now()
            )

    loop = asyncio.get_running_loop()
    started = loop.time()
    recovering = asyncio.create_task(sharing.recover(reopener))
    await finish_elsewhere()
    [outcome] = await recovering

    assert isinstance(outcome, Posted)
    assert loop.time() - started >= 0.3
    assert reopener.reopened == [3]
    assert await _state(sessionmaker, 1) == ("claimed", 1)
    assert await _state(sessionmaker, 2) == ("posted", 1)
    assert await _state(sessionmaker, 3) == ("posted", 2)


async def test_a_cancelled_share_is_released_and_the_next_start_briefs_it(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    fetching = asyncio.Event()

    async def never_answers(url: str) -> None:
        fetching.set()
        await asyncio.Event().wait()

    slow = FakeBriefer({}, before=never_answers)
    stopping = Sharing(sessions=sessionmaker, briefer=slow, clock=sharing.clock)
    task = asyncio.create_task(stopping.share_message(a_share(1), URL, a_publisher()))
    await fetching.wait()
    task.cancel()  # what shutdown does to a share still running after its grace
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _state(sessionmaker, 1) == ("failed", 1)

    reopener = FakeReopener({1: URL})
    [outcome] = await sharing.recover(reopener)  # a new process
    assert isinstance(outcome, Posted) and len(reopener.publisher.posted) == 1
    assert await _state(sessionmaker, 1) == ("posted", 2)


async def test_a_cancellation_from_below_is_logged_with_the_link(
    sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    async def cancelled_below(url: str) -> None:
        # What a job cancelled with a killed worker pool used to raise: nobody cancelled the
        # share's task.
        raise asyncio.CancelledError

    cancelled = FakeBriefer({}, before=cancelled_below)
    stopping = Sharing(sessions=sessionmaker, briefer=cancelled, clock=FixedClock(NOW))
    with caplog.at_level(logging.INFO, logger="bot.sharing"):
        with pytest.raises(asyncio.CancelledError):
            await stopping.share_message(a_share(1), URL, a_publisher())
    [record] = [r for r in caplog.records if "cancel" in r.getMessage()]
    assert record.levelno == logging.WARNING and URL in record.getMessage()
    assert await _state(sessionmaker, 1) == ("failed", 1)


async def test_a_shutdown_cancellation_is_logged_with_the_link_as_info(
    sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    waiting = asyncio.Event()

    async def never_answers(url: str) -> None:
        waiting.set()
        await asyncio.Event().wait()

    slow = FakeBriefer({}, before=never_answers)
    stopping = Sharing(sessions=sessionmaker, briefer=slow, clock=FixedClock(NOW))
    task = asyncio.create_task(stopping.share_message(a_share(1), URL, a_publisher()))
    await waiting.wait()
    with caplog.at_level(logging.INFO, logger="bot.sharing"):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    [record] = [r for r in caplog.records if "cancel" in r.getMessage()]
    assert record.levelno == logging.INFO and URL in record.getMessage()


async def test_a_message_arriving_during_shutdown_is_left_for_the_next_start(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    stopping = Sharing(sessions=sessionmaker, briefer=briefer, clock=sharing.clock)
    assert await stopping.defer_message(a_share(1), f"see {URL} and code `{URL}`") == [URL]
    assert briefer.calls == []
    assert await _state(sessionmaker, 1) == ("failed", 1)

    [outcome] = await sharing.recover(FakeReopener({1: URL}))
    assert isinstance(outcome, Posted)
    assert await _state(sessionmaker, 1) == ("posted", 2)


async def test_catch_up_does_not_retry_a_link_this_process_failed_on_but_takes_over_others(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    # At start the catch-up reads history while live messages arrive: a link that just failed
    # live (Discord refused the brief) must not be posted by the catch-up behind the failure's back.
    since = catch_up_since(sharing.clock.now(), 60)
    assert since is not None
    publisher = a_publisher()
    assert await sharing.defer_message(a_share(1), f"see {URL}") == [URL]  # failed, by this process
    stopping = Sharing(sessions=sessionmaker, briefer=briefer, clock=sharing.clock)
    assert await stopping.defer_message(a_share(2), f"see {URL}") == [URL]  # by a process now gone
    at = sharing.clock.now()
    outcomes = await sharing.catch_up(
        [
            Missed(a_share(1), f"see {URL}", at, publisher),
            Missed(a_share(2), f"see {URL}", at, publisher),
        ],
        since,
    )
    assert outcomes[0] == Duplicate(URL)
    assert isinstance(outcomes[1], Posted)
    assert await _state(sessionmaker, 1) == ("failed", 1)
    assert len(publisher.posted) == 1
    # Delivered live again (a resume), the own failure is retried: here it points at message 2's
    # brief of the same article.
    [again] = await sharing.share_message(a_share(1), f"see {URL}", publisher)
    assert isinstance(again, Pointed)


async def test_the_start_up_catch_up_leaves_messages_posted_since_the_start_to_live_handling(
    sharing: Sharing, briefer: FakeBriefer
) -> None:
    # The history is read while the bot is already live: a message posted after the start (here
    # after a moderator unwatched the channel) is the live handler's, under the policy of then;
    # the catch-up, holding the policy it read before, must not brief it (an e2e flake showed it).
    start = sharing.clock.now()
    publisher = a_publisher()

    @dataclass
    class History:
        guild_id: int = GUILD
        channel_id: int = CHANNEL

        async def read_back(self, since: dt.datetime, limit: int) -> tuple[int, list[Missed]]:
            offline = Missed(a_share(1), f"see {URL}", start - dt.timedelta(seconds=5), publisher)
            late = "https://news.example/posted-after-the-start"
            live = Missed(a_share(2), f"see {late}", start + dt.timedelta(seconds=1), publisher)
            return 2, [offline, live]

    await sharing.recovery.start_up(
        FakeReopener({}), lambda: [History()], catch_up_minutes=60, stopping=lambda: False
    )
    assert [url for url, _, _ in briefer.calls] == [URL]


def test_the_catch_up_window_ends_now_and_zero_turns_it_off(dated_clock: Clock) -> None:
    now = dated_clock.now()
    # an hour of elapsed time, also across midnight, a month's or a year's end or a clock change
    assert catch_up_since(now, 60) == now - dt.timedelta(hours=1)
    assert catch_up_since(now, 1) == now - dt.timedelta(minutes=1)
    assert catch_up_since(now, 0) is None


async def test_catch_up_shares_the_newest_page_in_the_window_once_each(
    sessionmaker: async_sessionmaker[AsyncSession],
    briefer: FakeBriefer,
    dated_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A page of 8, not 100: the same rule at each pinned date and on each engine, for a tenth of
    # the shares (this test alone was over a minute of the suite).
    monkeypatch.setattr(recovery, "CATCH_UP_LIMIT", 8)
    limit = recovery.CATCH_UP_LIMIT
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=dated_clock)
    since = catch_up_since(dated_clock.now(), 60)
    assert since is not None
    publisher = a_publisher()
    # Message 1001 was briefed live before the bot went down.
    assert isinstance((await sharing.share_message(a_share(1001), URL, publisher))[0], Posted)
    briefer.calls.clear()

    def missed(i: int, url: str, at: dt.datetime) -> Missed:
        return Missed(a_share(1000 + i), f"look {url}", at, publisher)

    in_window = [
        missed(i, URL if i == 1 else f"https://news.example/{i}", since + dt.timedelta(seconds=i))
        for i in range(limit + 1)
    ]
    too_old = missed(-1, "https://news.example/old", since - dt.timedelta(seconds=1))
    outcomes = await sharing.catch_up([*reversed(in_window), too_old], since)

    # Oldest first within the newest page: the message before the window and the oldest one in it
    # past the limit are left.
    assert outcomes[0] == Duplicate(URL)
    assert [url for url, _, _ in briefer.calls] == [
        f"https://news.example/{i}" for i in range(2, limit + 1)
    ]
    assert len(outcomes) == limit
    assert len(publisher.posted) == 1  # the live brief only; the unknown pages failed

"""The orchestration of one shared link, against a real database and an in-memory publisher;
and the recovery of claims a crashed or stopped process left."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.article.types import Article
from bot.briefing.types import Brief, QuoteRun
from bot.choices import FailureMode
from bot.clock import Clock, FixedClock
from bot.errors import HTTPStatusError, UserFacingError
from bot.fetch.urls import url_key
from bot.sharing import service
from bot.sharing.notify import MENTIONS_PER_MESSAGE, Pacer, limit_notice
from bot.sharing.recovery import (
    CATCH_UP_LIMIT,
    GaveUp,
    Missed,
    Reopened,
    catch_up_since,
    owner_gone,
)
from bot.sharing.service import Sharing, claim_nonce
from bot.sharing.types import (
    Duplicate,
    EarlierBrief,
    Failed,
    Pointed,
    Posted,
    Publisher,
    RecoveryPublisher,
    Share,
)
from bot.storage import briefs as stored_briefs
from bot.storage import claims as stored_claims
from bot.storage import settings as stored_settings
from bot.storage import subscriptions as stored_subscriptions
from bot.storage.models import DeliveredNotification, LinkClaim
from tests._dates import NOW, RunningClock
from tests._monotonic import FakeTime
from tests._round_trips import RoundTrips

GUILD, CHANNEL, SHARER = 10, 20, 30
URL = "https://news.example/2026/11/ministers-meet"


@dataclass
class FakeBriefer:
    """Briefs from a table of articles; a URL missing from it fails like an HTTP 404."""

    articles: dict[str, Article]
    calls: list[tuple[str, str | None, str]] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)

    async def brief(
        self,
        url: str,
        *,
        key: str | None = None,
        take: str | None = None,
        length: str = "standard",
        commentary: str = "article",
        guild_id: int | None = None,
    ) -> Brief:
        self.calls.append((url, take, length))
        self.keys.append(key)
        article = self.articles.get(url)
        if article is None:
            raise HTTPStatusError(404)
        lead = take or f"{article.site_name} reports:"
        return Brief(article=article, url=url, lead=lead, runs=[QuoteRun(article.paragraphs[:1])])


class RecordingPublisher:
    """Implements :class:`Publisher` by recording what would have been sent to Discord."""

    def __init__(
        self,
        *,
        readers: set[int] | None = None,
        thread_exists: bool = False,
        can_thread: bool = True,
        existing: int | None = None,
        refuse_thread_posts: frozenset[int] = frozenset(),
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.readers = readers
        self.existing = existing
        self.looked_for: list[str] = []
        self.nonces: list[str] = []
        self.thread_exists = thread_exists
        self.can_thread = can_thread
        self.posted: list[Brief] = []
        self.threads: list[tuple[int, str]] = []
        # (thread, text, pinged) of each thread message; those numbered in refuse_thread_posts
        # (0 the first) are refused, as Discord refuses a malformed message.
        self.thread_posts: list[tuple[int, str, tuple[int, ...]]] = []
        self.refuse_thread_posts = refuse_thread_posts
        self.dms: list[tuple[int, int, list[str]]] = []
        self.dm_times: list[float] = []  # the (injected) clock's time of each DM
        self.clock = clock
        self.looked_up: list[int] = []
        self.pointers: list[tuple[str, EarlierBrief]] = []
        self.failures: list[tuple[str, UserFacingError, FailureMode]] = []
        self._next_id = 5000

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def post_brief(self, brief: Brief, *, nonce: str) -> int:
        self.posted.append(brief)
        self.nonces.append(nonce)
        return self._id()

    async def find_brief(self, url: str) -> int | None:
        self.looked_for.append(url)
        return self.existing

    async def open_thread(self, message_id: int, name: str) -> int | None:
        self.threads.append((message_id, name))
        if not self.can_thread:
            return None
        return message_id if self.thread_exists else self._id()

    async def can_read(self, user_ids: Sequence[int]) -> set[int]:
        self.looked_up.extend(user_ids)
        return set(user_ids) if self.readers is None else set(user_ids) & self.readers

    async def post_in_thread(self, thread_id: int, text: str, ping: Sequence[int]) -> bool:
        refused = len(self.thread_posts) in self.refuse_thread_posts
        self.thread_posts.append((thread_id, text, tuple(ping)))
        return not refused

    async def send_dm(
        self, user_id: int, brief: Brief, message_id: int, topics: Sequence[str]
    ) -> bool:
        self.dms.append((user_id, message_id, list(topics)))
        if self.clock is not None:
            self.dm_times.append(self.clock())
        return True

    async def point_to(self, url: str, earlier: EarlierBrief) -> None:
        self.pointers.append((url, earlier))

    async def report_failure(self, url: str, error: UserFacingError, mode: FailureMode) -> None:
        self.failures.append((url, error, mode))


def _publisher(**kwargs: object) -> RecordingPublisher:
    publisher = RecordingPublisher(**kwargs)  # type: ignore[arg-type]
    assert isinstance(publisher, Publisher)
    return publisher


ARTICLE = Article(
    url=URL,
    title="NATO aims to repair Russia ties despite Patriot row",
    site_name="Reuters",
    paragraphs=[
        "NATO ministers hope to improve ties with Moscow despite a row over Patriot missiles.",
        "Russia appointed a new ambassador to NATO in October after a 10-month gap.",
    ],
)


@pytest.fixture
def briefer() -> FakeBriefer:
    return FakeBriefer({URL: ARTICLE})


@pytest.fixture
def sharing(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, clock: FixedClock
) -> Sharing:
    return Sharing(
        sessions=sessionmaker,
        briefer=briefer,
        rebrief_window_days=7,
        max_links_per_message=3,
        clock=clock,
    )


def _share(message_id: int, author_id: int = SHARER) -> Share:
    return Share(GUILD, CHANNEL, message_id, author_id)


async def _subscribe(
    sessions: async_sessionmaker[AsyncSession],
    user_id: int,
    topic: str,
    delivery: str = "thread",
    *,
    now: dt.datetime | None = None,
) -> None:
    async with sessions() as session, session.begin():
        await stored_subscriptions.subscribe(
            session, GUILD, user_id, topic, limit=25, delivery=delivery, now=now or NOW
        )


async def test_a_shared_link_is_briefed_threaded_and_recorded(
    sharing: Sharing, briefer: FakeBriefer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    publisher = _publisher()
    outcomes = await sharing.share_message(
        _share(1), f"Worth reading on the alliance {URL}", publisher
    )

    assert len(outcomes) == 1 and isinstance(outcomes[0], Posted)
    posted = outcomes[0]
    # The sharer's words around the link become the lead; the channel's default length is used.
    assert briefer.calls == [(URL, "Worth reading on the alliance", "standard")]
    assert [b.lead for b in publisher.posted] == ["Worth reading on the alliance"]
    assert publisher.threads == [(posted.message_id, ARTICLE.title)]
    assert publisher.thread_posts == [(posted.thread_id, f"Shared by <@{SHARER}>.", ())]
    async with sessionmaker() as session:
        record = await stored_briefs.brief_by_message(session, GUILD, posted.message_id)
    assert (record.channel_id, record.thread_id, record.sharer_id, record.source_message_id) == (
        CHANNEL,
        posted.thread_id,
        SHARER,
        1,
    )
    assert record.article.title == ARTICLE.title


async def test_a_redelivered_message_is_briefed_once(
    sharing: Sharing, briefer: FakeBriefer
) -> None:
    publisher = _publisher()
    first = await sharing.share_message(_share(1), URL, publisher)
    again = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(first[0], Posted)
    assert again == [Duplicate(URL)]
    assert len(publisher.posted) == 1 and len(briefer.calls) == 1


async def test_a_reshared_link_gets_a_pointer_to_the_earlier_brief(
    sharing: Sharing, briefer: FakeBriefer
) -> None:
    publisher = _publisher()
    [first] = await sharing.share_message(_share(1), URL, publisher)
    # Tracking parameters do not make it a different link.
    [second] = await sharing.share_message(
        _share(2, author_id=31), f"{URL}?utm_source=feed", publisher
    )

    assert isinstance(first, Posted)
    assert second == Pointed(
        f"{URL}?utm_source=feed", EarlierBrief(CHANNEL, first.message_id, first.thread_id)
    )
    assert publisher.pointers == [(f"{URL}?utm_source=feed", second.earlier)]
    assert len(briefer.calls) == 1


async def test_a_link_is_briefed_again_after_the_window(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, dated_clock: FixedClock
) -> None:
    sharing = Sharing(
        sessions=sessionmaker, briefer=briefer, rebrief_window_days=7, clock=dated_clock
    )
    publisher = _publisher()
    [first] = await sharing.share_message(_share(1), URL, publisher)
    # a second before the window ends (across a month, a year, a leap day or a clock change)
    dated_clock.advance(dt.timedelta(days=7, seconds=-1))
    [within] = await sharing.share_message(_share(2), URL, publisher)
    dated_clock.advance(dt.timedelta(seconds=2))
    [later] = await sharing.share_message(_share(3), URL, publisher)

    assert isinstance(first, Posted) and isinstance(within, Pointed)
    assert within.earlier.message_id == first.message_id
    assert isinstance(later, Posted)
    assert len(publisher.posted) == 2


@pytest.mark.parametrize("mode", ["react", "reply", "ignore"])
async def test_an_unbriefable_link_follows_the_channel_failure_mode(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession], mode: str
) -> None:
    async with sessionmaker() as session, session.begin():
        await stored_settings.set_channel_settings(
            session, GUILD, CHANNEL, on_failure=mode, now=NOW
        )
    publisher = _publisher()
    missing = "https://news.example/gone"
    [outcome] = await sharing.share_message(_share(1), missing, publisher)

    assert isinstance(outcome, Failed) and isinstance(outcome.error, HTTPStatusError)
    expected = [] if mode == "ignore" else [(missing, outcome.error, FailureMode(mode))]
    assert publisher.failures == expected
    assert publisher.posted == []


async def test_links_the_core_skips_are_not_briefed(sharing: Sharing, briefer: FakeBriefer) -> None:
    publisher = _publisher()
    text = f"no preview <{URL}> and code `{URL}` and ||{URL}||"
    assert await sharing.share_message(_share(1), text, publisher) == []
    assert briefer.calls == [] and publisher.posted == []


async def test_matching_subscribers_are_mentioned_once_and_dm_subscribers_messaged(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _subscribe(sessionmaker, 40, "nato")
    await _subscribe(sessionmaker, 40, "russia")
    await _subscribe(sessionmaker, 41, "patriot", delivery="dm")
    await _subscribe(sessionmaker, 42, "nato")  # cannot read the channel
    await _subscribe(sessionmaker, 43, "volcanoes")  # no match
    await _subscribe(sessionmaker, SHARER, "nato")  # the sharer is not told of their own link
    publisher = _publisher(readers={40, 41, 43, SHARER})

    [posted] = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(posted, Posted)
    assert sorted(posted.notified) == [40, 41]
    # Pinged once, without the topics: the channel need not learn what each member follows.
    assert publisher.thread_posts == [
        (posted.thread_id, f"Shared by <@{SHARER}>.\nFollowing a matching topic: <@40>", (40,))
    ]
    assert publisher.dms == [(41, posted.message_id, ["patriot"])]


# --- notification floods (issue 10 item 4) --------------------------------------------------------

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def _followers(
    sessions: async_sessionmaker[AsyncSession], users: range, delivery: str = "thread"
) -> None:
    """Each of ``users`` follows "nato", in the order given, a minute apart."""
    for user_id in users:
        await _subscribe(
            sessions, user_id, "nato", delivery, now=START + dt.timedelta(minutes=user_id)
        )


async def _recorded(sessions: async_sessionmaker[AsyncSession], brief_id: int) -> set[int]:
    async with sessions() as session:
        rows = await session.scalars(
            select(DeliveredNotification.user_id).where(DeliveredNotification.brief_id == brief_id)
        )
        return set(rows)


def _sharing(
    sessions: async_sessionmaker[AsyncSession], briefer: FakeBriefer, **kw: object
) -> Sharing:
    kw.setdefault("clock", FixedClock(NOW))
    return Sharing(sessions=sessions, briefer=briefer, **kw)  # type: ignore[arg-type]


async def test_past_100_subscribers_mentions_go_in_messages_of_at_most_100(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    await _followers(sessionmaker, range(1000, 1230))
    sharing = _sharing(sessionmaker, briefer, notify_max_per_brief=500)
    publisher = _publisher()

    [posted] = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(posted, Posted)
    pinged = [u for _, _, ping in publisher.thread_posts for u in ping]
    assert sorted(pinged) == list(range(1000, 1230))  # each once
    for _, text, ping in publisher.thread_posts:
        assert len(ping) <= MENTIONS_PER_MESSAGE and len(text) <= 2000
        assert sorted(int(m) for m in re.findall(r"<@(\d+)>", text) if int(m) != SHARER) == sorted(
            ping
        )
    assert await _recorded(sessionmaker, posted.brief_id) == set(range(1000, 1230))


async def test_a_refused_thread_message_leaves_its_members_unrecorded(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    await _followers(sessionmaker, range(1000, 1150))
    sharing = _sharing(sessionmaker, briefer, notify_max_per_brief=500)
    publisher = _publisher(refuse_thread_posts=frozenset({1}))

    [posted] = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(posted, Posted) and len(publisher.thread_posts) == 2
    first, refused = publisher.thread_posts[0][2], publisher.thread_posts[1][2]
    assert refused and set(posted.notified) == set(first)
    assert await _recorded(sessionmaker, posted.brief_id) == set(first)


async def test_at_most_notify_max_members_are_told_the_longest_followers_first(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    # Followed in reverse order of user id: the earliest followers are the highest ids.
    for i, user_id in enumerate(range(1099, 999, -1)):
        delivery = "dm" if user_id % 3 == 0 else "thread"
        await _subscribe(
            sessionmaker, user_id, "nato", delivery, now=START + dt.timedelta(minutes=i)
        )
    sharing = _sharing(sessionmaker, briefer, notify_max_per_brief=10)
    publisher = _publisher(readers=set(range(1000, 1100)) - {1098})  # 1098 cannot read it

    [posted] = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(posted, Posted)
    told = [
        *(u for _, _, ping in publisher.thread_posts for u in ping),
        *(d[0] for d in publisher.dms),
    ]
    assert sorted(told) == sorted([1099, *range(1097, 1088, -1)])  # the 10 earliest readers
    assert await _recorded(sessionmaker, posted.brief_id) == set(told)
    # The thread says the limit was reached, and that message pings nobody beyond the 10.
    assert limit_notice(10) in publisher.thread_posts[-1][1]
    assert {u for _, _, ping in publisher.thread_posts for u in ping} <= set(told)
    # Members were looked up in turn, about as many as were told, not all 100.
    assert len(publisher.looked_up) <= 12


async def test_within_the_limit_no_notice_is_posted(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    await _followers(sessionmaker, range(1000, 1010))
    publisher = _publisher()
    [posted] = await _sharing(sessionmaker, briefer, notify_max_per_brief=10).share_message(
        _share(1), URL, publisher
    )
    assert isinstance(posted, Posted) and len(posted.notified) == 10
    assert all("limit" not in text for _, text, _ in publisher.thread_posts)


async def test_dms_past_the_minute_budget_wait_their_turn(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    await _followers(sessionmaker, range(1000, 1005), delivery="dm")
    fake = FakeTime(5000.0)
    sharing = _sharing(sessionmaker, briefer, dm_pacer=Pacer(2, clock=fake.clock, sleep=fake.sleep))
    publisher = _publisher(clock=fake.clock)

    [posted] = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(posted, Posted)
    # Two a minute, in the order they followed; none dropped.
    assert [d[0] for d in publisher.dms] == list(range(1000, 1005))
    assert [t - 5000.0 for t in publisher.dm_times] == [0, 0, 60, 60, 120]
    assert await _recorded(sessionmaker, posted.brief_id) == set(range(1000, 1005))


async def test_paced_dms_run_in_the_background_and_a_shutdown_drops_the_rest_unrecorded(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    await _subscribe(sessionmaker, 999, "nato", now=START)
    await _followers(sessionmaker, range(1000, 1003), delivery="dm")
    spawned: list[asyncio.Task[object]] = []
    gate = asyncio.Event()

    async def held_sleep(seconds: float) -> None:
        await gate.wait()  # the next minute never comes in this test

    sharing = _sharing(
        sessionmaker,
        briefer,
        dm_pacer=Pacer(1, sleep=held_sleep),
        spawn=lambda coro, name: spawned.append(asyncio.create_task(coro, name=name)),
    )
    publisher = _publisher()

    [posted] = await sharing.share_message(_share(1), URL, publisher)

    # The share ends with the thread open; the DMs go on in the bot's tracked task.
    assert isinstance(posted, Posted) and posted.notified == (999,)
    [task] = spawned
    await asyncio.sleep(0.05)
    assert [d[0] for d in publisher.dms] == [1000]  # the rest wait for the next minute
    task.cancel()  # the bot shutting down
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [d[0] for d in publisher.dms] == [1000]
    assert await _recorded(sessionmaker, posted.brief_id) == {999, 1000}


async def test_an_existing_thread_is_reused(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    publisher = _publisher(thread_exists=True)
    [posted] = await sharing.share_message(_share(1), URL, publisher)
    assert isinstance(posted, Posted) and posted.thread_id == posted.message_id


async def test_a_publishing_crash_leaves_the_claim_retryable(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    class Broken(RecordingPublisher):
        async def post_brief(self, brief: Brief, *, nonce: str) -> int:
            raise RuntimeError("discord is down")

    with pytest.raises(RuntimeError):
        await sharing.share_message(_share(1), URL, Broken())
    async with sessionmaker() as session:
        stale = await stored_claims.stale_claims(session, dt.timedelta(0), now=NOW)
    assert [(c.source_message_id, c.state) for c in stale] == [(1, "failed")]


async def test_without_a_thread_thread_subscribers_are_told_by_dm(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _subscribe(sessionmaker, 40, "nato")
    publisher = _publisher(can_thread=False)
    [posted] = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(posted, Posted) and posted.thread_id is None
    assert publisher.thread_posts == []
    assert publisher.dms == [(40, posted.message_id, ["nato"])]
    async with sessionmaker() as session:
        record = await stored_briefs.brief_by_message(session, GUILD, posted.message_id)
    assert record.thread_id is None


# --- Recovery after a crash or a shutdown ---------------------------------------------------------

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


@dataclass
class FakeReopener:
    """The sharer's messages as Discord would return them now; a missing one is gone."""

    texts: dict[int, str]
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)
    reopened: list[int] = field(default_factory=list)

    async def reopen(self, guild_id: int, channel_id: int, message_id: int) -> Reopened | None:
        self.reopened.append(message_id)
        text = self.texts.get(message_id)
        if text is None:
            return None
        assert isinstance(self.publisher, RecoveryPublisher)
        return Reopened(Share(guild_id, channel_id, message_id, SHARER), text, self.publisher)


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    message_id: int,
    owner: str,
    *,
    url: str = URL,
    at: dt.datetime = NOW - dt.timedelta(minutes=1),  # an earlier process, a minute ago
) -> None:
    async with sessions() as session:
        assert await stored_claims.claim_link(
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

    class SlowBriefer(FakeBriefer):
        async def brief(
            self,
            url: str,
            *,
            key: str | None = None,
            take: str | None = None,
            length: str = "standard",
            commentary: str = "article",
            guild_id: int | None = None,
        ) -> Brief:
            fetching.set()
            await asyncio.Event().wait()  # a page that never answers
            raise AssertionError("unreachable")

    stopping = Sharing(sessions=sessionmaker, briefer=SlowBriefer({}), clock=sharing.clock)
    task = asyncio.create_task(stopping.share_message(_share(1), URL, _publisher()))
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
    class CancelledBriefer(FakeBriefer):
        async def brief(
            self,
            url: str,
            *,
            key: str | None = None,
            take: str | None = None,
            length: str = "standard",
            commentary: str = "article",
            guild_id: int | None = None,
        ) -> Brief:
            # What a job cancelled with a killed worker pool used to raise: nobody cancelled
            # the share's task.
            raise asyncio.CancelledError

    stopping = Sharing(sessions=sessionmaker, briefer=CancelledBriefer({}), clock=FixedClock(NOW))
    with caplog.at_level(logging.INFO, logger="bot.sharing"):
        with pytest.raises(asyncio.CancelledError):
            await stopping.share_message(_share(1), URL, _publisher())
    [record] = [r for r in caplog.records if "cancel" in r.getMessage()]
    assert record.levelno == logging.WARNING and URL in record.getMessage()
    assert await _state(sessionmaker, 1) == ("failed", 1)


async def test_a_shutdown_cancellation_is_logged_with_the_link_as_info(
    sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    waiting = asyncio.Event()

    class SlowBriefer(FakeBriefer):
        async def brief(
            self,
            url: str,
            *,
            key: str | None = None,
            take: str | None = None,
            length: str = "standard",
            commentary: str = "article",
            guild_id: int | None = None,
        ) -> Brief:
            waiting.set()
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    stopping = Sharing(sessions=sessionmaker, briefer=SlowBriefer({}), clock=FixedClock(NOW))
    task = asyncio.create_task(stopping.share_message(_share(1), URL, _publisher()))
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
    assert await stopping.defer_message(_share(1), f"see {URL} and code `{URL}`") == [URL]
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
    publisher = _publisher()
    assert await sharing.defer_message(_share(1), f"see {URL}") == [URL]  # failed, by this process
    stopping = Sharing(sessions=sessionmaker, briefer=briefer, clock=sharing.clock)
    assert await stopping.defer_message(_share(2), f"see {URL}") == [URL]  # by a process now gone
    at = sharing.clock.now()
    outcomes = await sharing.catch_up(
        [
            Missed(_share(1), f"see {URL}", at, publisher),
            Missed(_share(2), f"see {URL}", at, publisher),
        ],
        since,
    )
    assert outcomes[0] == Duplicate(URL)
    assert isinstance(outcomes[1], Posted)
    assert await _state(sessionmaker, 1) == ("failed", 1)
    assert len(publisher.posted) == 1
    # Delivered live again (a resume), the own failure is retried: here it points at message 2's
    # brief of the same article.
    [again] = await sharing.share_message(_share(1), f"see {URL}", publisher)
    assert isinstance(again, Pointed)


async def test_the_start_up_catch_up_leaves_messages_posted_since_the_start_to_live_handling(
    sharing: Sharing, briefer: FakeBriefer
) -> None:
    # The history is read while the bot is already live: a message posted after the start (here
    # after a moderator unwatched the channel) is the live handler's, under the policy of then;
    # the catch-up, holding the policy it read before, must not brief it (an e2e flake showed it).
    start = sharing.clock.now()
    publisher = _publisher()

    @dataclass
    class History:
        guild_id: int = GUILD
        channel_id: int = CHANNEL

        async def read_back(self, since: dt.datetime, limit: int) -> tuple[int, list[Missed]]:
            offline = Missed(_share(1), f"see {URL}", start - dt.timedelta(seconds=5), publisher)
            late = "https://news.example/posted-after-the-start"
            live = Missed(_share(2), f"see {late}", start + dt.timedelta(seconds=1), publisher)
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
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, dated_clock: Clock
) -> None:
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=dated_clock)
    since = catch_up_since(dated_clock.now(), 60)
    assert since is not None
    publisher = _publisher()
    # Message 1001 was briefed live before the bot went down.
    assert isinstance((await sharing.share_message(_share(1001), URL, publisher))[0], Posted)
    briefer.calls.clear()

    def missed(i: int, url: str, at: dt.datetime) -> Missed:
        return Missed(_share(1000 + i), f"look {url}", at, publisher)

    in_window = [
        missed(i, URL if i == 1 else f"https://news.example/{i}", since + dt.timedelta(seconds=i))
        for i in range(CATCH_UP_LIMIT + 1)
    ]
    too_old = missed(-1, "https://news.example/old", since - dt.timedelta(seconds=1))
    outcomes = await sharing.catch_up([*reversed(in_window), too_old], since)

    # Oldest first within the newest page: the message before the window and the oldest one in it
    # past the limit are left.
    assert outcomes[0] == Duplicate(URL)
    assert [url for url, _, _ in briefer.calls] == [
        f"https://news.example/{i}" for i in range(2, CATCH_UP_LIMIT + 1)
    ]
    assert len(outcomes) == CATCH_UP_LIMIT
    assert len(publisher.posted) == 1  # the live brief only; the unknown pages failed


async def test_a_brief_with_no_subscribers_costs_one_read_and_three_writes(
    sharing: Sharing, briefer: FakeBriefer, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 11: one link cost 8 sessions (policy read twice, an earlier-brief read and a
    # subscriptions read of their own, and a write even with nobody subscribed) and four url_key
    # computations in this module and the pipeline. Now one read holds the policy, the earlier
    # brief and the subscriptions; the writes are those a crash-safe share needs: the claim
    # (committed before any work), the record (after the post), the thread's id (after it opens).
    keys: list[str] = []

    def counted_key(url: str) -> str:
        keys.append(url)
        return url_key(url)

    monkeypatch.setattr(service, "url_key", counted_key)
    trips = RoundTrips()
    trips.attach(engine)
    [posted] = await sharing.share_message(_share(1), f"Worth reading {URL}", _publisher())

    assert isinstance(posted, Posted) and posted.thread_id is not None
    assert len(trips.reads) == 1
    assert {"channel_settings", "briefs", "subscriptions"} <= trips.reads[0].tables
    assert [sorted(t.tables) for t in trips.writes] == [
        ["link_claims"],
        # with the text (issue 12) and the search index (issue 16)
        ["article_texts", "articles", "brief_search", "briefs", "link_claims"],
        ["briefs"],
    ]
    assert len(trips.transactions) == 4
    assert len(trips.statements_on("channel_settings")) == 1  # the policy, read once
    # the link's url_key, handed to the briefer with the link; the article's, of its own address
    # once read (issue 17: a variant is known to be one only after the fetch)
    assert keys == [URL, URL]
    assert briefer.keys == [url_key(URL)]

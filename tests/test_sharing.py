"""The orchestration of one shared link, against a real database and an in-memory publisher;
and the recovery of claims a crashed or stopped process left."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.brief import Brief, QuoteRun
from bot.errors import HTTPStatusError, UserFacingError
from bot.extract import Article
from bot.sharing import (
    CATCH_UP_LIMIT,
    Duplicate,
    EarlierBrief,
    Failed,
    FailureMode,
    GaveUp,
    Mention,
    Missed,
    Pointed,
    Posted,
    Publisher,
    RecoveryPublisher,
    Reopened,
    Share,
    Sharing,
    catch_up_since,
    claim_nonce,
    owner_gone,
)
from bot.storage import repository
from bot.storage.models import LinkClaim
from bot.urls import url_key

GUILD, CHANNEL, SHARER = 10, 20, 30
URL = "https://news.example/2026/11/ministers-meet"


@dataclass
class FakeBriefer:
    """Briefs from a table of articles; a URL missing from it fails like an HTTP 404."""

    articles: dict[str, Article]
    calls: list[tuple[str, str | None, str]] = field(default_factory=list)

    async def brief(self, url: str, *, take: str | None = None, length: str = "standard") -> Brief:
        self.calls.append((url, take, length))
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
    ) -> None:
        self.readers = readers
        self.existing = existing
        self.looked_for: list[str] = []
        self.nonces: list[str] = []
        self.thread_exists = thread_exists
        self.can_thread = can_thread
        self.posted: list[Brief] = []
        self.threads: list[tuple[int, str]] = []
        self.discussions: list[tuple[int, int, list[Mention]]] = []
        self.dms: list[tuple[int, int, list[str]]] = []
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
        return set(user_ids) if self.readers is None else set(user_ids) & self.readers

    async def open_discussion(
        self, thread_id: int, sharer_id: int, mentions: Sequence[Mention]
    ) -> None:
        self.discussions.append((thread_id, sharer_id, list(mentions)))

    async def send_dm(
        self, user_id: int, brief: Brief, message_id: int, topics: Sequence[str]
    ) -> None:
        self.dms.append((user_id, message_id, list(topics)))

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
def sharing(sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer) -> Sharing:
    return Sharing(
        sessions=sessionmaker, briefer=briefer, rebrief_window_days=7, max_links_per_message=3
    )


def _share(message_id: int, author_id: int = SHARER) -> Share:
    return Share(GUILD, CHANNEL, message_id, author_id)


async def _subscribe(
    sessions: async_sessionmaker[AsyncSession], user_id: int, topic: str, delivery: str = "thread"
) -> None:
    async with sessions() as session, session.begin():
        await repository.subscribe(session, GUILD, user_id, topic, limit=25, delivery=delivery)


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
    assert publisher.discussions == [(posted.thread_id, SHARER, [])]
    async with sessionmaker() as session:
        record = await repository.brief_by_message(session, GUILD, posted.message_id)
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
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    now = [dt.datetime.now(dt.UTC)]
    sharing = Sharing(
        sessions=sessionmaker, briefer=briefer, rebrief_window_days=7, clock=lambda: now[0]
    )
    publisher = _publisher()
    await sharing.share_message(_share(1), URL, publisher)
    now[0] += dt.timedelta(days=8)
    [later] = await sharing.share_message(_share(2), URL, publisher)

    assert isinstance(later, Posted)
    assert len(publisher.posted) == 2


@pytest.mark.parametrize("mode", ["react", "reply", "ignore"])
async def test_an_unbriefable_link_follows_the_channel_failure_mode(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession], mode: str
) -> None:
    async with sessionmaker() as session, session.begin():
        await repository.set_channel_settings(session, GUILD, CHANNEL, on_failure=mode)
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
    assert publisher.discussions == [(posted.thread_id, SHARER, [Mention(40, ("nato", "russia"))])]
    assert publisher.dms == [(41, posted.message_id, ["patriot"])]


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
        stale = await repository.stale_claims(session, dt.timedelta(0))
    assert [(c.source_message_id, c.state) for c in stale] == [(1, "failed")]


async def test_without_a_thread_thread_subscribers_are_told_by_dm(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _subscribe(sessionmaker, 40, "nato")
    publisher = _publisher(can_thread=False)
    [posted] = await sharing.share_message(_share(1), URL, publisher)

    assert isinstance(posted, Posted) and posted.thread_id is None
    assert publisher.discussions == []
    assert publisher.dms == [(40, posted.message_id, ["nato"])]
    async with sessionmaker() as session:
        record = await repository.brief_by_message(session, GUILD, posted.message_id)
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
    at: dt.datetime | None = None,
) -> None:
    async with sessions() as session:
        assert await repository.claim_link(
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
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    await _claim(sessionmaker, 1, f"{HOST}:{_dead_pid()}:dead", at=at)
    reopener = FakeReopener({1: URL}, RecordingPublisher(existing=4242))

    [outcome] = await sharing.recover(reopener)

    assert isinstance(outcome, Posted) and outcome.message_id == 4242
    assert reopener.publisher.posted == [] and reopener.publisher.looked_for == [URL]
    assert reopener.publisher.threads == [(4242, ARTICLE.title)]
    async with sessionmaker() as session:
        record = await repository.brief_by_message(session, GUILD, 4242)
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
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    dead = f"{HOST}:{_dead_pid()}:dead"
    await _claim(sessionmaker, 1, dead)
    # Two restarts already took it over and died too (attempts 2 and 3).
    for _ in range(2):
        async with sessionmaker() as session:
            assert await repository.reclaim_stale(
                session, 1, url_key(URL), owner=dead, older_than=dt.timedelta(0)
            )
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, max_attempts=3)
    reopener = FakeReopener({1: URL})

    [outcome] = await sharing.recover(reopener)

    assert isinstance(outcome, GaveUp) and "3 attempts" in outcome.reason
    assert reopener.reopened == [] and briefer.calls == []
    assert await _state(sessionmaker, 1) == ("given_up", 4)


async def test_own_and_live_claims_are_left_alone_until_the_grace_has_passed(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    sharing = Sharing(
        sessions=sessionmaker, briefer=briefer, recovery_grace=dt.timedelta(seconds=0.3)
    )
    await _claim(sessionmaker, 1, sharing.owner)  # in flight in this very process
    # Processes on another host: this one finishes its share during the grace, that one dies.
    await _claim(sessionmaker, 2, "elsewhere:1:live")
    await _claim(sessionmaker, 3, "elsewhere:2:dies")
    reopener = FakeReopener({1: URL, 2: URL, 3: URL})

    async def finish_elsewhere() -> None:
        async with sessionmaker() as session, session.begin():
            assert await repository.complete_claim(
                session, 2, url_key(URL), owner="elsewhere:1:live"
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
            self, url: str, *, take: str | None = None, length: str = "standard"
        ) -> Brief:
            fetching.set()
            await asyncio.Event().wait()  # a page that never answers
            raise AssertionError("unreachable")

    stopping = Sharing(sessions=sessionmaker, briefer=SlowBriefer({}))
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
            self, url: str, *, take: str | None = None, length: str = "standard"
        ) -> Brief:
            # What a job cancelled with a killed worker pool used to raise: nobody cancelled
            # the share's task.
            raise asyncio.CancelledError

    stopping = Sharing(sessions=sessionmaker, briefer=CancelledBriefer({}))
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
            self, url: str, *, take: str | None = None, length: str = "standard"
        ) -> Brief:
            waiting.set()
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    stopping = Sharing(sessions=sessionmaker, briefer=SlowBriefer({}))
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
    stopping = Sharing(sessions=sessionmaker, briefer=briefer)
    assert await stopping.defer_message(_share(1), f"see {URL} and code `{URL}`") == [URL]
    assert briefer.calls == []
    assert await _state(sessionmaker, 1) == ("failed", 1)

    [outcome] = await sharing.recover(FakeReopener({1: URL}))
    assert isinstance(outcome, Posted)
    assert await _state(sessionmaker, 1) == ("posted", 2)


def test_the_catch_up_window_ends_now_and_zero_turns_it_off() -> None:
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    assert catch_up_since(now, 60) == dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)
    assert catch_up_since(now, 1) == now - dt.timedelta(minutes=1)
    assert catch_up_since(now, 0) is None


async def test_catch_up_shares_the_newest_page_in_the_window_once_each(
    sharing: Sharing, briefer: FakeBriefer
) -> None:
    since = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)
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

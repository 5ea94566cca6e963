"""The orchestration of one shared link (:mod:`bot.sharing.service`), against a real database and
an in-memory publisher: briefs, threads, re-shares, failures, notifications, round trips."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.briefing.types import Brief
from bot.choices import FailureMode
from bot.clock import FixedClock
from bot.errors import HTTPStatusError
from bot.fetch.urls import url_key
from bot.sharing import service
from bot.sharing.notify import MENTIONS_PER_MESSAGE, Pacer, limit_notice
from bot.sharing.pipeline import Briefer
from bot.sharing.service import Sharing
from bot.sharing.types import BrieferLike, Duplicate, EarlierBrief, Failed, Pointed, Posted
from bot.storage import briefs as stored_briefs
from bot.storage import claims as stored_claims
from bot.storage import settings as stored_settings
from bot.storage import subscriptions as stored_subscriptions
from bot.storage.models import DeliveredNotification, LinkClaim
from tests._dates import NOW
from tests._monotonic import FakeTime
from tests._round_trips import RoundTrips
from tests.sharing._fakes import (
    ARTICLE,
    CHANNEL,
    GUILD,
    SHARER,
    URL,
    FakeBriefer,
    RecordingPublisher,
    a_publisher,
    a_share,
)


def test_the_fake_briefer_takes_the_real_signature() -> None:
    # The tests' one fake of the pipeline: a change of Briefer.brief's signature shows here.
    real = inspect.signature(Briefer.brief)
    assert inspect.signature(FakeBriefer.brief) == real
    assert inspect.signature(BrieferLike.brief) == real


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
    publisher = a_publisher()
    outcomes = await sharing.share_message(
        a_share(1), f"Worth reading on the alliance {URL}", publisher
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
    publisher = a_publisher()
    first = await sharing.share_message(a_share(1), URL, publisher)
    again = await sharing.share_message(a_share(1), URL, publisher)

    assert isinstance(first[0], Posted)
    assert again == [Duplicate(URL)]
    assert len(publisher.posted) == 1 and len(briefer.calls) == 1


async def test_a_reshared_link_gets_a_pointer_to_the_earlier_brief(
    sharing: Sharing, briefer: FakeBriefer
) -> None:
    publisher = a_publisher()
    [first] = await sharing.share_message(a_share(1), URL, publisher)
    # Tracking parameters do not make it a different link.
    [second] = await sharing.share_message(
        a_share(2, author_id=31), f"{URL}?utm_source=feed", publisher
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
    publisher = a_publisher()
    [first] = await sharing.share_message(a_share(1), URL, publisher)
    # a second before the window ends (across a month, a year, a leap day or a clock change)
    dated_clock.advance(dt.timedelta(days=7, seconds=-1))
    [within] = await sharing.share_message(a_share(2), URL, publisher)
    dated_clock.advance(dt.timedelta(seconds=2))
    [later] = await sharing.share_message(a_share(3), URL, publisher)

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
    publisher = a_publisher()
    missing = "https://news.example/gone"
    [outcome] = await sharing.share_message(a_share(1), missing, publisher)

    assert isinstance(outcome, Failed) and isinstance(outcome.error, HTTPStatusError)
    expected = [] if mode == "ignore" else [(missing, outcome.error, FailureMode(mode))]
    assert publisher.failures == expected
    assert publisher.posted == []


async def test_links_the_core_skips_are_not_briefed(sharing: Sharing, briefer: FakeBriefer) -> None:
    publisher = a_publisher()
    text = f"no preview <{URL}> and code `{URL}` and ||{URL}||"
    assert await sharing.share_message(a_share(1), text, publisher) == []
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
    publisher = a_publisher(readers={40, 41, 43, SHARER})

    [posted] = await sharing.share_message(a_share(1), URL, publisher)

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
    """Each of ``users`` follows "nato", in the order given, a minute apart (one transaction:
    hundreds of commits were most of the tests that seed hundreds of followers)."""
    async with sessions() as session, session.begin():
        for user_id in users:
            await stored_subscriptions.subscribe(
                session,
                GUILD,
                user_id,
                "nato",
                limit=25,
                delivery=delivery,
                now=START + dt.timedelta(minutes=user_id),
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
    publisher = a_publisher()

    [posted] = await sharing.share_message(a_share(1), URL, publisher)

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
    publisher = a_publisher(refuse_thread_posts=frozenset({1}))

    [posted] = await sharing.share_message(a_share(1), URL, publisher)

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
    publisher = a_publisher(readers=set(range(1000, 1100)) - {1098})  # 1098 cannot read it

    [posted] = await sharing.share_message(a_share(1), URL, publisher)

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
    publisher = a_publisher()
    [posted] = await _sharing(sessionmaker, briefer, notify_max_per_brief=10).share_message(
        a_share(1), URL, publisher
    )
    assert isinstance(posted, Posted) and len(posted.notified) == 10
    assert all("limit" not in text for _, text, _ in publisher.thread_posts)


async def test_dms_past_the_minute_budget_wait_their_turn(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer
) -> None:
    await _followers(sessionmaker, range(1000, 1005), delivery="dm")
    fake = FakeTime(5000.0)
    sharing = _sharing(sessionmaker, briefer, dm_pacer=Pacer(2, clock=fake.clock, sleep=fake.sleep))
    publisher = a_publisher(clock=fake.clock)

    [posted] = await sharing.share_message(a_share(1), URL, publisher)

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
    gate, parked = asyncio.Event(), asyncio.Event()

    async def held_sleep(seconds: float) -> None:
        parked.set()  # the first DM is sent and recorded: the rest wait for the next minute
        await gate.wait()  # which never comes in this test

    sharing = _sharing(
        sessionmaker,
        briefer,
        dm_pacer=Pacer(1, sleep=held_sleep),
        spawn=lambda coro, name: spawned.append(asyncio.create_task(coro, name=name)),
    )
    publisher = a_publisher()

    [posted] = await sharing.share_message(a_share(1), URL, publisher)

    # The share ends with the thread open; the DMs go on in the bot's tracked task.
    assert isinstance(posted, Posted) and posted.notified == (999,)
    [task] = spawned
    # Not a fixed sleep: on a loaded machine the first DM's record could still be in flight, and
    # the cancel below cut it off (seen under pytest-xdist, a load of 12 on 2 cores).
    await asyncio.wait_for(parked.wait(), 30)
    assert [d[0] for d in publisher.dms] == [1000]  # the rest wait for the next minute
    task.cancel()  # the bot shutting down
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [d[0] for d in publisher.dms] == [1000]
    assert await _recorded(sessionmaker, posted.brief_id) == {999, 1000}


async def test_a_brief_without_its_thread_is_recorded_without_one(
    sharing: Sharing, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # The record carries the thread the brief is expected to get (its message's id): when none
    # opens, one more write says so, and a re-share does not point to a thread that is not there.
    trips = RoundTrips()
    trips.attach(engine)
    [posted] = await sharing.share_message(a_share(1), URL, a_publisher(can_thread=False))
    [again] = await sharing.share_message(a_share(2), URL, a_publisher())

    assert isinstance(posted, Posted) and posted.thread_id is None
    assert isinstance(again, Pointed) and again.earlier.thread_id is None
    assert sum(s.startswith("UPDATE briefs") for t in trips.transactions for s in t.statements) == 1


async def test_a_publishing_crash_leaves_the_claim_retryable(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    class Broken(RecordingPublisher):
        async def post_brief(self, brief: Brief, *, nonce: str) -> int:
            raise RuntimeError("discord is down")

    with pytest.raises(RuntimeError):
        await sharing.share_message(a_share(1), URL, Broken())
    async with sessionmaker() as session:
        stale = await stored_claims.stale_claims(session, dt.timedelta(0), now=NOW)
    assert [(c.source_message_id, c.state) for c in stale] == [(1, "failed")]


async def test_a_bug_opening_the_thread_still_leaves_the_posted_brief_recorded(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # The thread opens before the record (one write records both): a thread request that fails
    # with a bug must not leave a posted brief unrecorded for recovery to find.
    tried: list[int] = []

    class Broken(RecordingPublisher):
        async def open_thread(self, message_id: int, name: str) -> int | None:
            tried.append(message_id)
            raise RuntimeError("malformed thread request")

    publisher = Broken()
    with pytest.raises(RuntimeError):
        await sharing.share_message(a_share(1), URL, publisher)
    async with sessionmaker() as session:
        record = await stored_briefs.brief_by_message(session, GUILD, tried[0])
        claim = await session.scalar(
            select(LinkClaim.state).where(LinkClaim.source_message_id == 1)
        )
    assert len(publisher.posted) == 1 and record.thread_id is None
    assert claim == "posted"


async def test_a_cancelled_link_releases_the_later_links_of_its_message(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    # The opening claims every link of the message at once: the ones a cancellation never
    # reached are released for the next start, not left claimed.
    second = "https://news.example/2026/11/second"

    async def cancelled_below(url: str) -> None:
        raise asyncio.CancelledError

    briefer = FakeBriefer({URL: ARTICLE}, before=cancelled_below)
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=clock)
    with pytest.raises(asyncio.CancelledError):
        await sharing.share_message(a_share(1), f"{URL} and {second}", a_publisher())
    async with sessionmaker() as session:
        states = (
            await session.execute(select(LinkClaim.url_key, LinkClaim.state).order_by(LinkClaim.id))
        ).all()
    assert [tuple(row) for row in states] == [(url_key(URL), "failed"), (url_key(second), "failed")]


async def test_without_a_thread_thread_subscribers_are_told_by_dm(
    sharing: Sharing, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _subscribe(sessionmaker, 40, "nato")
    publisher = a_publisher(can_thread=False)
    [posted] = await sharing.share_message(a_share(1), URL, publisher)

    assert isinstance(posted, Posted) and posted.thread_id is None
    assert publisher.thread_posts == []
    assert publisher.dms == [(40, posted.message_id, ["nato"])]
    async with sessionmaker() as session:
        record = await stored_briefs.brief_by_message(session, GUILD, posted.message_id)
    assert record.thread_id is None


async def test_a_brief_with_no_subscribers_costs_two_transactions_one_policy_and_one_key(
    sharing: Sharing,
    briefer: FakeBriefer,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 11 item 6: one link cost 8 sessions at first, then one read and three writes (the
    # claim, the record, the thread's id) and two url_key computations. Now: one transaction
    # opens the share (the policy, the claim, the earlier brief, the subscriptions), one records
    # it with its thread; the parse worker's one trip is pinned in tests/sharing/test_pipeline.py.
    keys: list[str] = []

    def counted_key(url: str) -> str:
        keys.append(url)
        return url_key(url)

    monkeypatch.setattr(service, "url_key", counted_key)
    trips = RoundTrips()
    trips.attach(engine)
    [posted] = await sharing.share_message(a_share(1), f"Worth reading {URL}", a_publisher())

    assert isinstance(posted, Posted) and posted.thread_id is not None
    assert len(trips.transactions) == 2
    opening, record = trips.transactions
    # issue 14: the server's topic version, not its subscriptions (none are read without a match)
    assert {"channel_settings", "link_claims", "briefs", "topic_versions"} <= opening.tables
    assert "subscriptions" not in opening.tables
    # with the text (issue 12) and the search index (issue 16)
    assert sorted(record.tables) == [
        "article_texts",
        "articles",
        "brief_search",
        "briefs",
        "link_claims",
    ]
    assert len(trips.statements_on("channel_settings")) == 1  # the policy, read once
    # the link's url_key, handed to the briefer with the link; the article is at that address,
    # so its key is not computed again
    assert keys == [URL]
    assert briefer.keys == [url_key(URL)]
    async with sessionmaker() as session:
        recorded = await stored_briefs.brief_by_message(session, GUILD, posted.message_id)
    assert recorded.thread_id == posted.thread_id  # recorded with the brief, not after

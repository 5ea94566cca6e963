"""The feeds service against a real feed server on loopback, the real fetcher, the real sharing
service and real databases; only Discord (the outlet and its publisher) and the page reading (a
briefer that briefs any article page) are stand-ins."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.article.types import Article
from bot.briefing.types import Brief, QuoteRun
from bot.choices import FeedItemState
from bot.clock import FixedClock
from bot.errors import BlockedAddress, HTTPStatusError, NotAFeed, TooLarge, UserFacingError
from bot.feeds import service as feeds_service
from bot.feeds.scheduler import FeedScheduler
from bot.feeds.service import Feeds
from bot.feeds.types import FeedAlreadyAdded, PollResult, TooManyFeeds
from bot.fetch.fetcher import Fetcher
from bot.fetch.guard import create_session
from bot.fetch.urls import url_key
from bot.sharing.ledger import claim_nonce
from bot.sharing.service import Sharing
from bot.sharing.types import Pointed, Publisher, Share
from bot.storage import claims as stored_claims
from bot.storage import feeds as stored_feeds
from bot.storage.models import FeedItemRecord
from tests._feeds import FeedSite, Item, feed_server, items
from tests.fetch.test_fetcher import RawServer, settings_for
from tests.sharing._fakes import FakeReopener
from tests.sharing.test_service import RecordingPublisher

GUILD, CHANNEL, BOT, MODERATOR, MEMBER = 10, 20, 99, 5, 31
ON_SHARD_1 = GUILD + (1 << 22)  # of 2 shards: GUILD is on shard 0


@dataclasses.dataclass
class AnyBriefer:
    """Briefs any article page of the feed server (a 404 for those in ``missing``)."""

    calls: list[str] = dataclasses.field(default_factory=list)
    missing: set[str] = dataclasses.field(default_factory=set)

    async def brief(self, url: str, **_: object) -> Brief:
        self.calls.append(url)
        if url in self.missing:
            raise HTTPStatusError(404)
        article = Article(
            url=url,
            title=f"Article at {url.rpartition('/')[2]}",
            site_name="Example News",
            paragraphs=["Ministers met again on Tuesday and agreed to meet again soon."],
        )
        return Brief(
            article=article,
            url=url,
            lead="Example News reports:",
            runs=[QuoteRun(article.paragraphs)],
        )


class RecordingOutlet:
    def __init__(self) -> None:
        self.publisher_ = RecordingPublisher()
        self.notices: list[tuple[int, int, str]] = []
        self.closed = False

    @property
    def sharer_id(self) -> int:
        return BOT

    def publisher(self, guild_id: int, channel_id: int) -> Publisher | None:
        return None if self.closed else self.publisher_

    async def tell_moderators(self, guild_id: int, channel_id: int, text: str) -> None:
        self.notices.append((guild_id, channel_id, text))

    @property
    def briefed(self) -> list[str]:
        return [b.url for b in self.publisher_.posted]


@dataclasses.dataclass
class World:
    site: FeedSite
    feeds: Feeds
    sharing: Sharing
    briefer: AnyBriefer
    outlet: RecordingOutlet
    clock: FixedClock
    sessions: async_sessionmaker[AsyncSession]

    def article(self, n: int) -> str:
        return self.site.url(f"/articles/{n}")

    async def feed(self, feed_id: int) -> stored_feeds.Feed:
        async with self.sessions() as session:
            found = await stored_feeds.get_feed(session, feed_id)
        assert found is not None
        return found


@pytest.fixture
async def world(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> AsyncIterator[World]:
    async with feed_server() as site:
        site.entries = items(3)
        port = int(site.base.rpartition(":")[2])
        settings = settings_for(port, fetch_max_bytes=100_000)
        async with create_session(settings) as http:
            briefer = AnyBriefer()
            sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=clock)
            feeds = Feeds(
                sessionmaker,
                Fetcher(http, settings),
                sharing,
                clock,
                max_items_per_poll=2,
                per_server=3,
                rng=random.Random(7),
            )
            yield World(site, feeds, sharing, briefer, RecordingOutlet(), clock, sessionmaker)


async def _states(world: World, feed_id: int) -> dict[str, str]:
    async with world.sessions() as session:
        rows = await session.execute(
            FeedItemRecord.__table__.select().where(FeedItemRecord.feed_id == feed_id)
        )
        return {row.url: row.state for row in rows}


async def test_a_new_feed_posts_none_of_its_items_then_each_new_item_once_with_a_thread(
    world: World,
) -> None:
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    assert (added.held, added.backlog) == (3, 0)
    assert added.feed.title == "Example News"
    result = await world.feeds.poll(added.feed.id, world.outlet)
    assert result == PollResult(added.feed.id, not_modified=True)  # the ETag from the add
    assert world.site.polls("/rss")[-1].get("If-None-Match")
    assert world.outlet.briefed == []

    world.site.entries = items(5)  # two new items, listed first
    result = await world.feeds.poll(added.feed.id, world.outlet)
    assert (result.new, result.briefed, result.waiting) == (2, 2, 0)
    assert world.outlet.briefed == [world.article(4), world.article(5)]  # oldest first
    assert len(world.outlet.publisher_.threads) == 2
    # Shared by the bot: its thread says so.
    assert all(f"<@{BOT}>" in text for _, text, _ in world.outlet.publisher_.thread_posts)
    feed = await world.feed(added.feed.id)
    assert feed.last_item_url == world.article(5) and feed.last_error is None

    again = await world.feeds.poll(added.feed.id, world.outlet)
    assert again.not_modified and world.outlet.briefed == [world.article(4), world.article(5)]


@pytest.mark.parametrize("name", ["atom", "json", "rdf"])
async def test_backlog_briefs_the_newest_items_it_holds_in_every_format(
    world: World, name: str
) -> None:
    added = await world.feeds.add(
        GUILD, CHANNEL, world.site.url(f"/{name}"), added_by=MODERATOR, backlog=2
    )
    assert (added.held, added.backlog) == (3, 2)
    await world.feeds.poll(added.feed.id, world.outlet)
    # Oldest first: by date, or (RSS 1.0 here has none) the reverse of the document's order.
    expected = [world.article(2), world.article(3)]
    assert world.outlet.briefed == expected
    world.site.entries = items(4)
    await world.feeds.poll(added.feed.id, world.outlet)
    assert world.outlet.briefed == [*expected, world.article(4)]


async def test_rewritten_dates_a_new_order_and_a_new_guid_on_the_same_link_post_nothing(
    world: World,
) -> None:
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    later = dt.timedelta(days=3)
    world.site.entries = [
        dataclasses.replace(e, published=e.published + later) for e in reversed(items(3))
    ]
    assert (await world.feeds.poll(added.feed.id, world.outlet)).new == 0
    world.site.entries = [
        dataclasses.replace(e, guid=f"{e.guid}-republished") for e in items(3)
    ] + [
        Item(
            "urn:item:2",
            "/articles/2?utm_source=feed",
            "Same item, tracked link",
            items(1)[0].published,
        )
    ]
    result = await world.feeds.poll(added.feed.id, world.outlet)
    assert result.new == 0 and not result.not_modified
    assert world.outlet.briefed == []


async def test_at_most_the_per_poll_limit_is_briefed_and_the_rest_wait_in_order(
    world: World,
) -> None:
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    world.site.entries = items(8)  # five new
    first = await world.feeds.poll(added.feed.id, world.outlet)
    assert (first.new, first.briefed, first.waiting) == (5, 2, 3)
    second = await world.feeds.poll(added.feed.id, world.outlet)  # 304: only the waiting ones
    assert (second.not_modified, second.briefed, second.waiting) == (True, 2, 1)
    await world.feeds.poll(added.feed.id, world.outlet)
    assert world.outlet.briefed == [world.article(n) for n in range(4, 9)]
    assert set((await _states(world, added.feed.id)).values()) == {"skipped", "posted"}


async def test_an_item_briefed_in_the_server_is_not_briefed_again_and_a_paste_gets_the_pointer(
    world: World,
) -> None:
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    member = RecordingPublisher()
    member._next_id = 90_000  # message ids of its own, apart from the feed's publisher
    pasted = await world.sharing.share_link(
        Share(GUILD, CHANNEL, 10**18, MEMBER), world.article(4), member
    )
    assert len(member.posted) == 1
    world.site.entries = items(5)
    await world.feeds.poll(added.feed.id, world.outlet)
    assert world.outlet.briefed == [world.article(5)]  # 4 was briefed by the member's paste
    assert pasted is not None and len(member.posted) == 1
    states = await _states(world, added.feed.id)
    assert states[world.article(4)] == FeedItemState.POINTED
    later = await world.sharing.share_link(
        Share(GUILD, CHANNEL, 10**18 + 1, MEMBER), world.article(5), member
    )
    assert isinstance(later, Pointed)


async def test_a_failing_feed_backs_off_and_the_moderators_are_told_once(world: World) -> None:
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    world.site.down = True
    waits = []
    for _ in range(5):
        result = await world.feeds.poll(added.feed.id, world.outlet)
        assert result.error is not None
        feed = await world.feed(added.feed.id)
        waits.append(feed.next_poll_at - world.clock.now())
    assert feed.failures == 5 and "error" in (feed.last_error or "")
    # Doubling per failure (each moved by at most a tenth).
    assert all(b > a * 1.6 for a, b in zip(waits, waits[1:], strict=False))
    assert waits[0] > dt.timedelta(minutes=15) * 1.5
    assert len(world.outlet.notices) == 1 and world.site.url("/rss") in world.outlet.notices[0][2]
    assert world.outlet.notices[0][:2] == (GUILD, CHANNEL)
    world.site.down = False
    assert (await world.feeds.poll(added.feed.id, world.outlet)).error is None
    feed = await world.feed(added.feed.id)
    assert (feed.failures, feed.last_error, feed.failure_noticed) == (0, None, False)
    assert feed.next_poll_at - world.clock.now() <= dt.timedelta(minutes=15) * 1.1


async def test_what_cannot_be_a_feed_is_refused_at_add(world: World) -> None:
    with pytest.raises(NotAFeed):
        await world.feeds.add(GUILD, CHANNEL, world.site.url("/malformed"), added_by=MODERATOR)
    with pytest.raises(NotAFeed):
        await world.feeds.add(GUILD, CHANNEL, world.site.url("/malformed-json"), added_by=MODERATOR)
    world.site.huge_bytes = 200_000
    with pytest.raises(TooLarge):
        await world.feeds.add(GUILD, CHANNEL, world.site.url("/huge"), added_by=MODERATOR)
    async with RawServer(host="127.0.0.1") as forbidden:
        # Allowed: only the feed server's port; the redirect leads to another one (and to
        # 10.0.0.1, a private address).
        for target in (f"http://127.0.0.1:{forbidden.port}/", "http://10.0.0.1/feed"):
            world.site.redirect_to = target
            with pytest.raises((BlockedAddress, UserFacingError)):
                await world.feeds.add(
                    GUILD, CHANNEL, world.site.url("/redirect"), added_by=MODERATOR
                )
        assert forbidden.connections == 0
    assert await world.feeds.all_feeds(GUILD) == []


async def test_a_feed_is_added_once_per_server_and_a_server_has_a_limit(world: World) -> None:
    await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    with pytest.raises(FeedAlreadyAdded):
        await world.feeds.add(GUILD, CHANNEL + 1, world.site.url("/rss"), added_by=MODERATOR)
    await world.feeds.add(GUILD, CHANNEL, world.site.url("/atom"), added_by=MODERATOR)
    await world.feeds.add(GUILD, CHANNEL, world.site.url("/json"), added_by=MODERATOR)
    with pytest.raises(TooManyFeeds):
        await world.feeds.add(GUILD, CHANNEL, world.site.url("/rdf"), added_by=MODERATOR)
    feed = (await world.feeds.all_feeds(GUILD))[0]
    await world.feeds.remove(GUILD, feed.id)
    assert len(await world.feeds.all_feeds(GUILD)) == 2


async def test_a_feed_leased_by_another_process_is_not_polled_until_the_lease_expires(
    world: World,
) -> None:
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    world.site.entries = items(4)
    now = world.clock.now()
    async with world.sessions() as session:
        assert await stored_feeds.take_lease(
            session, added.feed.id, owner="elsewhere:1:x", now=now, until=now + feeds_service.LEASE
        )
    assert not (await world.feeds.poll(added.feed.id, world.outlet)).polled
    assert world.outlet.briefed == []
    world.clock.advance(feeds_service.LEASE)  # the other process died holding it
    assert (await world.feeds.poll(added.feed.id, world.outlet)).briefed == 1


async def _cut_short(world: World, *, at: dt.datetime | None = None) -> tuple[int, int]:
    """A feed with a new item (article 4) whose first attempt a process claimed and stopped on
    before posting (its claim left "claimed", by ``gone:1:x``); the feed's id and the claim's."""
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    world.site.entries = items(4)
    async with world.sessions() as session, session.begin():
        new = await stored_feeds.store_items(
            session,
            added.feed.id,
            [feeds_service._new_item("urn:item:4", world.article(4), None)],
            now=world.clock.now(),
        )
        assert len(new) == 1
    async with world.sessions() as session:
        (item,) = await stored_feeds.pending_items(session, added.feed.id, limit=5)
    async with world.sessions() as session, session.begin():
        await stored_feeds.start_attempt(session, item.id)
    claim = stored_feeds.item_claim_key(item.id, 0)
    async with world.sessions() as session, session.begin():
        assert await stored_claims.take_claim(
            session,
            claim,
            url_key(world.article(4)),
            owner="gone:1:x",
            guild_id=GUILD,
            channel_id=CHANNEL,
            now=at or world.clock.now(),
        )
    return added.feed.id, claim


async def test_a_share_cut_short_by_a_stop_is_briefed_once_at_the_next_poll(world: World) -> None:
    feed_id, _ = await _cut_short(world)
    result = await world.feeds.poll(feed_id, world.outlet)
    assert (result.briefed, world.outlet.briefed) == (1, [world.article(4)])


async def test_every_attempt_of_an_item_posts_with_the_first_attempt_s_nonce(
    world: World,
) -> None:
    """A process killed after Discord took the post but before the record: the next attempt
    claims under a key of its own but sends the same nonce, so Discord (which remembers nonces
    for a few minutes) hands back the first message instead of a second brief."""
    feed_id, first_claim = await _cut_short(world)  # attempt 0, left by a process that died
    await world.feeds.poll(feed_id, world.outlet)
    assert world.outlet.briefed == [world.article(4)]  # posted by attempt 1
    assert world.outlet.publisher_.nonces == [claim_nonce(first_claim, url_key(world.article(4)))]


async def test_recovery_releases_a_cut_short_item_s_claim_without_asking_discord(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The claim names an item's attempt, not a message: recovery must not fetch (nor react
    to) a "message" of that id, nor warn that it is gone; the next poll briefs the item."""
    # A stop past the recovery grace: the claim is taken over at the next start.
    feed_id, claim = await _cut_short(world, at=world.clock.now() - dt.timedelta(minutes=10))
    reopener = FakeReopener({})
    with caplog.at_level(logging.INFO, logger="bot.sharing"):
        assert await world.sharing.recover(reopener) == []
    assert reopener.reopened == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("feed item" in r.getMessage() for r in caplog.records)
    async with world.sessions() as session:
        # released for good: not taken over again at every start
        assert (
            await stored_claims.stale_claims(session, dt.timedelta(0), now=world.clock.now()) == []
        )
    result = await world.feeds.poll(feed_id, world.outlet)
    assert (result.briefed, world.outlet.briefed) == (1, [world.article(4)])
    assert await world.sharing.recover(reopener) == [] and reopener.reopened == []


async def test_the_poller_polls_due_feeds_of_the_servers_it_serves_without_waiting(
    world: World,
) -> None:
    mine = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    other = await world.feeds.add(ON_SHARD_1, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    world.feeds.shards = (2, (0,))  # GUILD is on shard 0 of 2
    added_at = world.clock.now()
    world.site.entries = items(4)
    rounds: list[float] = []

    async def sleep(seconds: float) -> None:
        rounds.append(seconds)
        world.clock.advance(dt.timedelta(seconds=seconds))

    scheduler = FeedScheduler(
        world.feeds, world.outlet, tick_s=60, sleep=sleep, stopping=lambda: len(rounds) >= 20
    )
    await scheduler.run()
    # 20 minutes: the feed (every 15 ± 1.5) was due once after its add, and polled then.
    assert world.outlet.briefed == [world.article(4)]
    assert len(world.site.polls("/rss")) == 2 + 1  # two adds, one poll of the served server's
    assert (await world.feed(other.feed.id)).last_polled_at == added_at
    polled = (await world.feed(mine.feed.id)).last_polled_at
    assert polled is not None and added_at + dt.timedelta(minutes=13) < polled


async def test_a_page_of_other_shards_due_feeds_does_not_keep_ours_waiting_a_round(
    world: World,
) -> None:
    # More feeds than a round's page are due, longer, in servers of the other shard (another
    # process polls those); ours, due too, is polled in this round.
    now = world.clock.now()
    async with world.sessions() as session, session.begin():
        for n in range(feeds_service._DUE_PER_ROUND + 5):
            await stored_feeds.add_feed(
                session,
                guild_id=ON_SHARD_1 + (n << 23),  # (id >> 22) % 2 == 1 for each
                channel_id=CHANNEL,
                url=world.site.url("/rss"),
                url_hash=f"other{n}",
                title=None,
                added_by=MODERATOR,
                interval_minutes=15,
                etag=None,
                last_modified=None,
                now=now - dt.timedelta(hours=2),
                next_poll_at=now - dt.timedelta(hours=1),
            )
    mine = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    world.site.entries = items(4)
    world.clock.advance(dt.timedelta(minutes=20))
    world.feeds.shards = (2, (0,))

    results = await world.feeds.poll_due(world.outlet)

    assert [r.feed_id for r in results] == [mine.feed.id]
    assert world.outlet.briefed == [world.article(4)]


async def test_items_wait_while_the_channel_cannot_be_posted_in_and_list_says_why(
    world: World,
) -> None:
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    world.site.entries = items(4)
    world.outlet.closed = True
    result = await world.feeds.poll(added.feed.id, world.outlet)
    assert (result.new, result.briefed, result.waiting) == (1, 0, 1)
    (listed,) = await world.feeds.all_feeds(GUILD)
    assert listed.last_error == feeds_service.CANNOT_POST and listed.failures == 0
    world.outlet.closed = False
    result = await world.feeds.poll(added.feed.id, world.outlet)
    assert (result.briefed, world.outlet.briefed) == (1, [world.article(4)])
    (listed,) = await world.feeds.all_feeds(GUILD)
    assert listed.last_error is None


async def test_items_no_listing_holds_for_a_while_are_forgotten_and_listed_ones_never_post_again(
    world: World,
) -> None:
    """The seen items would grow for ever: a finished item that no successful poll has listed
    for PRUNE_UNLISTED is forgotten; one the feed still lists, however old, is kept (forgetting
    it would brief it again), and so is one still waiting to be briefed."""
    added = await world.feeds.add(GUILD, CHANNEL, world.site.url("/rss"), added_by=MODERATOR)
    later = feeds_service.PRUNE_UNLISTED + dt.timedelta(days=10)

    world.clock.advance(later)
    world.site.entries = items(3, start=2)  # item 1 dropped; 2 and 3 still listed; 4 new
    world.outlet.closed = True  # item 4 waits
    assert (await world.feeds.poll(added.feed.id, world.outlet)).waiting == 1
    states = await _states(world, added.feed.id)
    assert world.article(1) not in states  # unlisted since the add, finished: forgotten
    assert {world.article(n) for n in (2, 3, 4)} <= states.keys()

    world.clock.advance(later)
    world.site.entries = [items(1, start=5)[0], *items(2, start=2)]  # 5 new; 4 dropped, pending
    world.outlet.closed = False
    result = await world.feeds.poll(added.feed.id, world.outlet)
    # Items 2 and 3, first seen two horizons ago but listed all along, are not new.
    assert (result.new, world.outlet.briefed) == (1, [world.article(4), world.article(5)])
    states = await _states(world, added.feed.id)
    assert set(states) == {world.article(n) for n in (2, 3, 4, 5)}  # 4 listed a horizon ago
    world.clock.advance(later)
    world.site.entries = [items(1, start=6)[0], *items(2, start=2)]
    await world.feeds.poll(added.feed.id, world.outlet)
    assert world.article(4) not in await _states(world, added.feed.id)  # now long unlisted
    assert world.outlet.briefed == [world.article(n) for n in (4, 5, 6)]

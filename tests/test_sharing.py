"""The orchestration of one shared link, against a real database and an in-memory publisher."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.brief import Brief, QuoteRun
from bot.errors import HTTPStatusError, UserFacingError
from bot.extract import Article
from bot.sharing import (
    Duplicate,
    EarlierBrief,
    Failed,
    FailureMode,
    Mention,
    Pointed,
    Posted,
    Publisher,
    Share,
    Sharing,
)
from bot.storage import repository

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
    ) -> None:
        self.readers = readers
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

    async def post_brief(self, brief: Brief) -> int:
        self.posted.append(brief)
        return self._id()

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
        async def post_brief(self, brief: Brief) -> int:
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

"""What the sharing tests share: an in-memory :class:`Publisher`, a briefer that briefs from a table
of articles (the one copy of :meth:`bot.sharing.pipeline.Briefer.brief`'s signature in the tests),
a reopener for recovery, and the link, article and places they use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.article.types import Article
from bot.briefing.types import Brief, QuoteRun
from bot.choices import CommentaryMode, FailureMode, Length
from bot.errors import HTTPStatusError, UserFacingError
from bot.sharing.recovery import Reopened
from bot.sharing.types import EarlierBrief, Publisher, RecoveryPublisher, Share

GUILD, CHANNEL, SHARER = 10, 20, 30
URL = "https://news.example/2026/11/ministers-meet"


@dataclass
class FakeBriefer:
    """Briefs from a table of articles; a URL missing from it fails like an HTTP 404.

    ``redirects``: links that lead elsewhere (a shortener), briefed as the page they lead to;
    ``before``: awaited with the URL before anything else (a page that never answers, a
    cancellation from below). ``tests/sharing/test_service.py`` checks that :meth:`brief` takes
    the real Briefer's signature."""

    articles: dict[str, Article]
    redirects: dict[str, str] = field(default_factory=dict)
    before: Callable[[str], Awaitable[None]] | None = None
    calls: list[tuple[str, str | None, str]] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)

    async def brief(
        self,
        url: str,
        *,
        key: str | None = None,
        take: str | None = None,
        length: str = Length.STANDARD,
        commentary: str = CommentaryMode.ARTICLE,
        guild_id: int | None = None,
    ) -> Brief:
        if self.before is not None:
            await self.before(url)
        self.calls.append((url, take, length))
        self.keys.append(key)
        article = self.articles.get(url)
        if article is None:
            raise HTTPStatusError(404)
        lead = take or f"{article.site_name} reports:"
        brief = Brief(article=article, url=url, lead=lead, runs=[QuoteRun(article.paragraphs[:1])])
        landed = self.redirects.get(url)
        return brief if landed is None else replace(brief, url=landed)


class RecordingPublisher:
    """Implements :class:`Publisher` by recording what would have been sent to Discord."""

    def __init__(
        self,
        *,
        readers: set[int] | None = None,
        can_thread: bool = True,
        existing: int | None = None,
        refuse_thread_posts: frozenset[int] = frozenset(),
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.readers = readers
        self.existing = existing
        self.looked_for: list[str] = []
        self.nonces: list[str] = []
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
        return message_id  # Discord: a thread started from a message has the message's id

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


def a_publisher(**kwargs: object) -> RecordingPublisher:
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


def a_share(message_id: int, author_id: int = SHARER) -> Share:
    return Share(GUILD, CHANNEL, message_id, author_id)

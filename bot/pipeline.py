"""From a link to a brief: fetch safely, then parse and compose off the event loop.

:class:`Briefer` is the one door the Discord side uses. For each link it

1. fetches the page through the shared :class:`~bot.fetch.fetcher.Fetcher` (SSRF checks, size and
   time limits, in-flight de-duplication and caching all live there);
2. extracts the article in a worker *process* (:class:`~bot.workers.ParsePool`): HTML parsing is
   CPU work that would stall Discord heartbeats on the event loop, and a hostile page can make a
   parser slow, so a worker that overruns its deadline is killed and replaced, not waited for;
3. composes the brief (quote selection) in the same pool, for the same reasons.

Extracted articles are shared: simultaneous requests for one URL extract it once, and the result is
kept for as long as the fetcher keeps the page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.article.metadata.dates import warm_up
from bot.article.read import extract_article
from bot.article.types import Article
from bot.briefing.compose import compose_brief
from bot.briefing.types import Brief
from bot.clock import Clock
from bot.errors import ExtractionError, FetchTimeout
from bot.fetch.fetcher import Fetcher
from bot.fetch.urls import url_key
from bot.settings import Settings
from bot.workers import ParsePool

log = logging.getLogger(__name__)

# Extracted articles kept in memory; each is at most a few hundred KB of text.
_ARTICLE_CACHE_ENTRIES = 256


_WARM_UP_PAGE = (
    b"<html lang='en'><head><title>Warm-up - newslink</title>"
    b"<meta property='article:published_time' content='2024-01-02T03:04:05Z'></head><body><article>"
    + b"<p>A paragraph of warm-up text that makes the parsers load everything they need.</p>" * 12
    + b"</article></body></html>"
)
# Any day after the warm-up page's own: the result is thrown away.
_WARM_UP_TODAY = dt.date(2024, 1, 3)


def warm_parsers() -> None:
    """Import and prime the parsers (readability, lxml, htmldate's date parsing) in a worker."""
    warm_up()
    article = extract_article(_WARM_UP_PAGE, "https://warm-up.invalid/", today=_WARM_UP_TODAY)
    compose_brief(article, article.url)


class Briefer:
    """Turns a URL into a :class:`~bot.briefing.selection.Brief`; the module docstring has the
    pipeline."""

    def __init__(
        self,
        fetcher: Fetcher,
        pool: ParsePool,
        settings: Settings,
        *,
        clock: Clock,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher
        self._pool = pool
        self._settings = settings
        self._clock = clock
        self._timer = timer  # deadlines and cache expiry: intervals, not dates
        # Extracted articles, and pages that could not be read (a hostile page that overran its
        # deadline must not be parsed again at every re-post), with their expiry times.
        self._articles: OrderedDict[str, tuple[float, Article | ExtractionError]] = OrderedDict()
        self._extracting: dict[str, asyncio.Future[Article]] = {}

    async def brief(self, url: str, *, take: str | None = None, length: str = "standard") -> Brief:
        """The brief for ``url``. Raises FetchError or ExtractionError (both user-facing)."""
        deadline = self._timer() + self._settings.brief_timeout
        try:
            async with asyncio.timeout(self._settings.brief_timeout):
                article = await self.article(url, deadline=deadline)
                return await self._compose(article, deadline, take=take, length=length)
        except TimeoutError:
            raise FetchTimeout("That page took too long to fetch and read.") from None

    async def brief_page(
        self, html: bytes, url: str, *, take: str | None = None, length: str = "standard"
    ) -> Brief:
        """The brief of a page already at hand (the preview's ``--html``), parsed in the pool
        with the bot's deadlines: a hostile saved page is stopped as a served one would be."""
        deadline = self._timer() + self._settings.brief_timeout
        article = await self._pool.run(
            self._remaining(deadline),
            extract_article,
            html,
            url,
            max_bytes=self._settings.parse_max_bytes,
            today=self._clock.today(),
        )
        return await self._compose(article, deadline, take=take, length=length)

    async def _compose(
        self, article: Article, deadline: float, *, take: str | None, length: str
    ) -> Brief:
        return await self._pool.run(
            self._remaining(deadline), compose_brief, article, article.url, take=take, length=length
        )

    async def article(self, url: str, *, deadline: float | None = None) -> Article:
        """The extracted article for ``url``, shared between simultaneous and recent callers."""
        key = url_key(url)
        cached = self._articles.get(key)
        if cached is not None and cached[0] > self._timer():
            self._articles.move_to_end(key)
            if isinstance(cached[1], ExtractionError):
                raise cached[1]
            return cached[1]
        running = self._extracting.get(key)
        if running is None:
            running = asyncio.ensure_future(self._extract(url, deadline))
            self._extracting[key] = running
            running.add_done_callback(lambda done: self._forget(key, done))
        # shield: one impatient caller must not cancel the work the others wait for.
        return await asyncio.shield(running)

    def _forget(self, key: str, done: asyncio.Future[Article]) -> None:
        self._extracting.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so a failure nobody awaits is not logged as lost

    async def _extract(self, url: str, deadline: float | None) -> Article:
        if deadline is None:
            deadline = self._timer() + self._settings.brief_timeout
        page = await self._fetcher.fetch(url)
        try:
            article = await self._pool.run(
                self._remaining(deadline),
                extract_article,
                page.body,
                page.final_url,
                # with the job: a worker has no clock, and one started yesterday is still running
                today=self._clock.today(),
                charset=page.charset,
                max_bytes=self._settings.parse_max_bytes,
            )
        except ExtractionError as exc:
            self._remember(url, exc, self._settings.fetch_failure_cache_seconds)
            raise
        self._remember(url, article, self._settings.fetch_cache_seconds)
        return article

    def _remember(self, url: str, outcome: Article | ExtractionError, seconds: float) -> None:
        self._articles[url_key(url)] = (self._timer() + seconds, outcome)
        while len(self._articles) > _ARTICLE_CACHE_ENTRIES:
            self._articles.popitem(last=False)

    def _remaining(self, deadline: float) -> float:
        # A parse job gets PARSE_TIMEOUT at most: a hostile page holds a worker for that long
        # only, so the links queued behind it still have time left in their own budgets.
        return min(self._settings.parse_timeout, max(0.1, deadline - self._timer()))

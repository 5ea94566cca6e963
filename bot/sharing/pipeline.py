"""From a link to a brief: fetch safely, then read the page and compose its brief off the loop.

:class:`Briefer` is the one door the sharing service and the command line use. For each link it

1. fetches the page through the shared :class:`~bot.fetch.fetcher.Fetcher` (SSRF checks, size
   and time limits, in-flight de-duplication and caching all live there);
2. reads the article and composes the brief (quote selection) in one job in a worker *process*
   (:class:`~bot.workers.ParsePool`, :func:`~bot.sharing.jobs.read_and_brief`): HTML parsing is
   CPU work that would stall Discord heartbeats on the event loop, and a hostile page can make a
   parser slow, so a worker that overruns its deadline is killed and replaced, not waited for.
   One job, so the article crosses between the processes once, on its way back inside the brief.

Extracted articles are shared: simultaneous requests for one URL fetch and read it once (the
others compose their own brief of it, one job each), and the article is kept for as long as the
fetcher keeps the page; a brief of a kept article is one compose job. Across processes (several
bot processes on one PostgreSQL), an article not kept here is asked of the others first
(:class:`~bot.sharing.pages.PageStore`): one fetch per page for the whole bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.article.types import Article
from bot.briefing.commentary import outlet_of
from bot.briefing.commentator import Commentator
from bot.briefing.compose import compose_brief
from bot.briefing.types import Brief
from bot.choices import CommentaryMode, Length
from bot.clock import Clock
from bot.errors import ExtractionError, FetchTimeout
from bot.fetch.fetcher import Fetcher
from bot.fetch.sites import unwrap
from bot.fetch.urls import article_address, url_key
from bot.settings import Settings
from bot.sharing.jobs import read_and_brief
from bot.sharing.pages import PageStore
from bot.workers import ParsePool

log = logging.getLogger(__name__)

# Extracted articles kept in memory; each is at most a few hundred KB of text.
_ARTICLE_CACHE_ENTRIES = 256
# Seconds kept back from BRIEF_TIMEOUT for posting once the model's pieces are in.
_COMMENTARY_MARGIN_S = 0.25


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
        commentator: Commentator | None = None,
        pages: PageStore | None = None,
    ) -> None:
        # The pages shared with the bot's other processes (None: this process is the only one).
        self.pages = pages
        # The model's commentary (None: no LLM_BASE_URL, the article's own words only).
        self.commentator = commentator
        self._fetcher = fetcher
        self._pool = pool
        self._settings = settings
        self._clock = clock
        self._timer = timer  # deadlines and cache expiry: intervals, not dates
        # Extracted articles, and pages that could not be read (a hostile page that overran its
        # deadline must not be parsed again at every re-post), with their expiry times.
        self._articles: OrderedDict[str, tuple[float, Article | ExtractionError]] = OrderedDict()
        self._extracting: dict[str, asyncio.Future[Brief]] = {}
        self.cache_hits = 0  # links answered from the articles kept, for the health line

    @property
    def fetcher(self) -> Fetcher:
        """The safe fetcher it fetches through (feeds are fetched through it too, issue 16)."""
        return self._fetcher

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
        """The brief for ``url`` (``key``: its :func:`~bot.fetch.urls.url_key`, when the caller has
        it), its commentary by the model when ``commentary`` is ``model`` and one is configured
        (``guild_id``'s budget). Raises FetchError or ExtractionError (both user-facing)."""
        key = url_key(url) if key is None else key
        deadline = self._timer() + self._settings.brief_timeout
        try:
            async with asyncio.timeout(self._settings.brief_timeout):
                article = self._kept(key)
                brief: Brief | None = None
                if article is None:
                    running = self._extracting.get(key)
                    if running is None:
                        running = asyncio.ensure_future(
                            self._read(url, key, deadline, take=take, length=length)
                        )
                        self._extracting[key] = running
                        running.add_done_callback(lambda done: self._forget(key, done))
                        # shield: one impatient caller must not cancel the work others wait for.
                        brief = await asyncio.shield(running)
                    else:
                        article = (await asyncio.shield(running)).article
                if article is not None:
                    brief = await self._compose(article, deadline, take=take, length=length)
                assert brief is not None
                return await self._commented(brief, deadline, commentary, guild_id)
        except TimeoutError:
            raise FetchTimeout("That page took too long to fetch and read.") from None

    async def brief_page(
        self,
        html: bytes,
        url: str,
        *,
        take: str | None = None,
        length: str = Length.STANDARD,
        commentary: str = CommentaryMode.ARTICLE,
    ) -> Brief:
        """The brief of a page already at hand (the preview's ``--html``), parsed in the pool
        with the bot's deadlines: a hostile saved page is stopped as a served one would be."""
        deadline = self._timer() + self._settings.brief_timeout
        brief = await self._pool.run(
            self._remaining(deadline),
            read_and_brief,
            html,
            url,
            max_bytes=self._settings.parse_max_bytes,
            today=self._clock.today(),
            take=take,
            length=length,
        )
        return await self._commented(brief, deadline, commentary, None)

    async def _commented(
        self, brief: Brief, deadline: float, commentary: str, guild_id: int | None
    ) -> Brief:
        """``brief`` with the model's checked commentary, back before ``deadline`` whatever the
        model does (a piece not back in time keeps the one built without a model)."""
        if commentary != CommentaryMode.MODEL or self.commentator is None:
            return brief
        within = deadline - self._timer() - _COMMENTARY_MARGIN_S
        return await self.commentator.comment(
            brief, outlet=outlet_of(brief.article, brief.url), guild_id=guild_id, within=within
        )

    async def _compose(
        self, article: Article, deadline: float, *, take: str | None, length: str
    ) -> Brief:
        return await self._pool.run(
            self._remaining(deadline),
            compose_brief,
            article,
            article_address(article.url, article.canonical),
            take=take,
            length=length,
        )

    def _kept(self, key: str) -> Article | None:
        """The article kept for ``key``, None if none is; raises the failure kept for it."""
        kept = self._articles.get(key)
        if kept is None or kept[0] <= self._timer():
            return None
        self._articles.move_to_end(key)
        self.cache_hits += 1
        if isinstance(kept[1], ExtractionError):
            raise kept[1]
        return kept[1]

    def _forget(self, key: str, done: asyncio.Future[Brief]) -> None:
        self._extracting.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so a failure nobody awaits is not logged as lost

    async def _read(
        self, url: str, key: str, deadline: float, *, take: str | None, length: str
    ) -> Brief:
        """A page not in this process's memory: read back from another process's fetch, or
        fetched and read here (and then shared)."""
        if self.pages is None:
            return await self._fetch_and_read(url, key, deadline, take=take, length=length)
        shared = await self.pages.take(key, within=deadline - self._timer())
        if shared is not None:
            self._remember(key, shared, self._settings.fetch_cache_seconds)
            return await self._compose(shared, deadline, take=take, length=length)
        try:
            brief = await self._fetch_and_read(url, key, deadline, take=take, length=length)
        except BaseException:
            await self.pages.release(key)
            raise
        await self.pages.store(key, brief.article)
        return brief

    async def _fetch_and_read(
        self, url: str, key: str, deadline: float, *, take: str | None, length: str
    ) -> Brief:
        # A known wrapper is not opened: the link it carries is fetched, with every check.
        page = await self._fetcher.fetch(unwrap(url))
        try:
            brief = await self._pool.run(
                self._remaining(deadline),
                read_and_brief,
                page.body,
                page.final_url,
                # with the job: a worker has no clock, and one started yesterday is still running
                today=self._clock.today(),
                charset=page.charset,
                max_bytes=self._settings.parse_max_bytes,
                take=take,
                length=length,
            )
        except ExtractionError as exc:
            self._remember(key, exc, self._settings.fetch_failure_cache_seconds)
            raise
        self._remember(key, brief.article, self._settings.fetch_cache_seconds)
        return brief

    def _remember(self, key: str, outcome: Article | ExtractionError, seconds: float) -> None:
        self._articles[key] = (self._timer() + seconds, outcome)
        while len(self._articles) > _ARTICLE_CACHE_ENTRIES:
            self._articles.popitem(last=False)

    def _remaining(self, deadline: float) -> float:
        # A parse job gets PARSE_TIMEOUT at most: a hostile page holds a worker for that long
        # only, so the links queued behind it still have time left in their own budgets.
        return min(self._settings.parse_timeout, max(0.1, deadline - self._timer()))

"""``/search``: a server's past briefs matching a member's words, best first, a page at a time
(issue 16). Matching and ranking are the repository's (:mod:`bot.storage.search`); this reads the
``since`` the member typed, in the server's time zone for a date, and shapes the pages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.digest import InvalidTimeZone, time_zone
from bot.errors import UserFacingError
from bot.storage import search as stored_search
from bot.storage import settings as stored_settings

PER_PAGE = 5
# Spans a member may type for ``since``: 12h, 7d, 2w, 3m (30 days), 1y (365 days).
_SPAN = re.compile(r"(\d{1,4})\s*([hdwmy])")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SPAN_UNITS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}


class BadSince(UserFacingError):
    user_message = "`since` is a date (2026-11-30) or a span back from now: 12h, 7d, 2w, 3m or 1y."


class NothingToSearch(UserFacingError):
    user_message = "Give at least one word to search for (letters or digits)."


def parse_since(value: str, now: dt.datetime, zone: str = "UTC") -> dt.datetime:
    """The instant ``since`` means: a date is its midnight in the server's zone; a span counts
    back from ``now``. BadSince for anything else."""
    text = value.strip().lower()
    if match := _SPAN.fullmatch(text):
        try:
            return now - dt.timedelta(days=int(match.group(1)) * _SPAN_UNITS[match.group(2)])
        except OverflowError:  # 9999y: before year 1
            raise BadSince(detail=text) from None
    if match := _DATE.fullmatch(text):
        try:
            day = dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise BadSince(detail=text[:40]) from None
        try:
            tz = time_zone(zone)
        except InvalidTimeZone:
            tz = time_zone("UTC")
        return dt.datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(dt.UTC)
    raise BadSince(detail=text[:40])


@dataclass(frozen=True)
class Found:
    """One result: the brief's place, its thread, what it was about."""

    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int | None
    title: str
    outlet: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class SearchPage:
    results: list[Found]
    page: int
    more: bool


@dataclass(frozen=True)
class Search:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    per_page: int = PER_PAGE

    async def search(
        self,
        guild_id: int,
        words: str,
        *,
        channel_ids: Collection[int],
        since: str | None = None,
        page: int = 1,
    ) -> SearchPage:
        """Page ``page`` of the briefs matching ``words`` in ``channel_ids`` (those the member
        can read), and whether there is another. BadSince, NothingToSearch for bad input."""
        if not stored_search.query_words(words):
            raise NothingToSearch()
        page = max(1, page)
        async with self.sessions() as session:
            after = None
            if since:
                zone = (await stored_settings.get_guild_settings(session, guild_id)).timezone
                after = parse_since(since, self.clock.now(), zone)
            # One more than a page tells whether there is a next page without counting them all.
            rows = await stored_search.search_briefs(
                session,
                guild_id,
                words,
                channel_ids=channel_ids,
                since=after,
                limit=self.per_page + 1,
                offset=(page - 1) * self.per_page,
            )
        results = [
            Found(
                r.guild_id,
                r.channel_id,
                r.brief_message_id,
                r.thread_id,
                r.article.title or r.article.url,
                r.article.site_name,
                r.created_at,
            )
            for r in rows[: self.per_page]
        ]
        return SearchPage(results, page, len(rows) > self.per_page)

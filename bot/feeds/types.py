"""What the feed service hands out and what it needs (issue 16): the answers of ``/feed`` commands
and polls, the errors a member is shown, and the Discord side and fetcher it is given."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from bot.errors import UserFacingError
from bot.fetch.fetcher import FeedBody, NotModified
from bot.setting_values import FEED_MIN_MINUTES
from bot.sharing.types import Publisher


class FeedNotFound(UserFacingError):
    user_message = "This server has no such feed; /feed list shows its feeds."


class FeedAlreadyAdded(UserFacingError):
    user_message = "This server already follows that feed."


class TooManyFeeds(UserFacingError):
    user_message = "This server has the most feeds allowed; remove one first (/feed remove)."


class IntervalTooShort(UserFacingError):
    user_message = f"A feed is polled at most every {FEED_MIN_MINUTES} minutes."


class Outlet(Protocol):
    """What the Discord side does for feeds (the cog implements it)."""

    @property
    def sharer_id(self) -> int:
        """Whom a feed's briefs are shared by (the bot's own user)."""
        ...

    def publisher(self, guild_id: int, channel_id: int) -> Publisher | None:
        """A publisher posting in the channel, with no member's message to reply to; None when
        the channel is gone or the bot cannot post there."""
        ...

    async def tell_moderators(self, guild_id: int, channel_id: int, text: str) -> None:
        """Tell the server's moderators about a feed (best effort, logged when it fails)."""
        ...


@dataclass(frozen=True)
class FeedSummary:
    """A feed as ``/feed list`` shows it."""

    id: int
    channel_id: int
    url: str
    title: str | None
    interval_minutes: int
    last_polled_at: dt.datetime | None
    last_item_at: dt.datetime | None
    last_item_url: str | None
    last_error: str | None
    failures: int

    @property
    def label(self) -> str:
        return self.title or self.url


@dataclass(frozen=True)
class Added:
    feed: FeedSummary
    held: int  # the items the feed held when added
    backlog: int  # of them, those to be briefed


@dataclass(frozen=True)
class PollResult:
    feed_id: int
    polled: bool = True  # False: another process holds its poll (or it was removed)
    not_modified: bool = False
    new: int = 0
    briefed: int = 0
    waiting: int = 0  # new items left for the next polls
    error: str | None = None


class FeedFetcher(Protocol):
    """What the service needs of the fetcher (:class:`~bot.fetch.fetcher.Fetcher`)."""

    async def fetch_feed(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedBody | NotModified: ...

"""What a share is made of and ends in: where it happened, what the Discord side does for it
(:class:`Publisher`), the channel's policy, and the outcomes the service hands back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.briefing.types import Brief
from bot.choices import CommentaryMode, FailureMode, Length
from bot.errors import UserFacingError


@dataclass(frozen=True)
class Share:
    """Where a link was shared and by whom. ``message_id`` is the claim key: the sharer's message,
    or the interaction for ``/brief``. ``nonce_of`` (default: ``message_id``) is what the brief's
    Discord nonce is derived from: a feed item's attempts each claim under a key of their own but
    share one nonce, so an attempt soon after a crash that had posted gets Discord's first message
    back instead of posting a second."""

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    nonce_of: int | None = None

    @property
    def nonce_id(self) -> int:
        return self.message_id if self.nonce_of is None else self.nonce_of


@dataclass(frozen=True)
class EarlierBrief:
    """Where the earlier brief of a re-shared link lives."""

    channel_id: int
    message_id: int
    thread_id: int | None


@dataclass(frozen=True)
class ChannelPolicy:
    """The channel settings that shape a share."""

    watched: bool = True
    length: Length = Length.STANDARD
    threads: bool = True
    on_failure: FailureMode = FailureMode.REACT
    # the server's (not the channel's): who writes the commentary
    commentary: CommentaryMode = CommentaryMode.ARTICLE


@runtime_checkable
class Audience(Protocol):
    """How the Discord side reaches the members a brief concerns (see :mod:`bot.sharing.notify`)."""

    async def can_read(self, user_ids: Sequence[int]) -> set[int]:
        """Those of ``user_ids`` who can read the channel of the share."""
        ...

    async def post_in_thread(self, thread_id: int, text: str, ping: Sequence[int]) -> bool:
        """Post ``text`` in the thread, pinging exactly ``ping``; whether Discord accepted it
        (a refusal is logged here)."""
        ...

    async def send_dm(
        self, user_id: int, brief: Brief, message_id: int, topics: Sequence[str]
    ) -> bool:
        """Tell one subscriber about the brief at ``message_id`` by direct message; whether it
        was delivered."""
        ...


@runtime_checkable
class Publisher(Audience, Protocol):
    """What the Discord side does for one share; every id is a Discord snowflake."""

    async def post_brief(self, brief: Brief, *, nonce: str) -> int:
        """Post the brief (replying to the sharer's message when there is one); its message id.

        ``nonce`` goes with ``enforce_nonce``: a second post with it returns the first message.
        """
        ...

    async def open_thread(self, message_id: int, name: str) -> int | None:
        """Open a thread on the brief message (or find the one already there); None if threads
        cannot be opened in this channel."""
        ...

    async def point_to(self, url: str, earlier: EarlierBrief) -> None:
        """Reply to the sharer with a link to the earlier brief and its thread."""
        ...

    async def report_failure(self, url: str, error: UserFacingError, mode: FailureMode) -> None:
        """Show that ``url`` could not be briefed, as the channel's failure mode says."""
        ...


@runtime_checkable
class RecoveryPublisher(Publisher, Protocol):
    async def find_brief(self, url: str) -> int | None:
        """A brief of ours for ``url`` already replying to the sharer's message (posted before a
        crash, never recorded); its message id, or None."""
        ...


class BrieferLike(Protocol):
    """The pipeline as the service sees it (:class:`bot.sharing.pipeline.Briefer`)."""

    async def brief(
        self,
        url: str,
        *,
        key: str | None = None,
        take: str | None = None,
        length: str = Length.STANDARD,
        commentary: str = CommentaryMode.ARTICLE,
        guild_id: int | None = None,
    ) -> Brief: ...


@dataclass(frozen=True)
class Posted:
    url: str
    brief_id: int
    message_id: int
    thread_id: int | None
    # Those told by the time the share returns: mentions, and DMs when they are not left to the
    # background (see ``Sharing.spawn``).
    notified: tuple[int, ...] = ()


@dataclass(frozen=True)
class Pointed:
    url: str
    earlier: EarlierBrief


@dataclass(frozen=True)
class Duplicate:
    """The (message, link) pair was already claimed: a redelivered event."""

    url: str


@dataclass(frozen=True)
class Failed:
    url: str
    error: UserFacingError


Outcome = Posted | Pointed | Duplicate | Failed

"""Sharing a link: from a member's message to a posted brief, its thread and its notifications.

This is the orchestration behind both a pasted link and ``/brief``; the Discord side only supplies a
:class:`Publisher` (post, open a thread, mention, DM, react) and turns the results into messages.
For each link of a shared message, in order:

1. **Claim** ``(message id, url key)`` in the database before any work. Discord may deliver the same
   message twice (reconnect, resume); only the first delivery wins the claim: one brief is posted.
2. **Re-share?** A link briefed in this server within ``rebrief_window_days`` gets a pointer to the
   earlier brief and its thread instead of a second brief.
3. **Brief** it with the :class:`~bot.pipeline.Briefer`, the sharer's own words as the commentary.
4. **Publish**: the brief as a reply to the sharer, a thread on the brief named after the headline,
   then the thread's first message naming the sharer and mentioning the subscribers whose topics
   matched (only those who can read the channel, each once); DM subscribers get one DM.
5. **Record** the brief, the completed claim and who was notified (nobody is told twice).

A link that cannot be briefed fails its claim and gets what the channel's ``on_failure`` says
(:class:`FailureMode`): a reaction, a short reply, or nothing. Only :class:`UserFacingError` is
handled here; anything else is a bug and propagates to the caller, who logs it.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.brief import Brief
from bot.errors import UserFacingError
from bot.render import thread_name
from bot.storage import repository
from bot.topics import BriefText, TopicIndex
from bot.urls import find_links, sharer_words, url_key

log = logging.getLogger(__name__)


class FailureMode(enum.StrEnum):
    """What a channel shows when a link cannot be briefed."""

    REACT = "react"
    REPLY = "reply"
    IGNORE = "ignore"


class Delivery(enum.StrEnum):
    """How a subscriber hears about a matching brief."""

    THREAD = "thread"
    DM = "dm"


@dataclass(frozen=True)
class Share:
    """Where a link was shared and by whom. ``message_id`` is the claim key: the sharer's message,
    or the interaction for ``/brief``."""

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int


@dataclass(frozen=True)
class Mention:
    """A subscriber to mention in a brief's thread, with the topics of theirs that matched."""

    user_id: int
    topics: tuple[str, ...]


@dataclass(frozen=True)
class EarlierBrief:
    """Where the earlier brief of a re-shared link lives."""

    channel_id: int
    message_id: int
    thread_id: int | None


@runtime_checkable
class Publisher(Protocol):
    """What the Discord side does for one share; every id is a Discord snowflake."""

    async def post_brief(self, brief: Brief) -> int:
        """Post the brief (replying to the sharer's message when there is one); its message id."""
        ...

    async def open_thread(self, message_id: int, name: str) -> int | None:
        """Open a thread on the brief message (or find the one already there); None if threads
        cannot be opened in this channel."""
        ...

    async def can_read(self, user_ids: Sequence[int]) -> set[int]:
        """Those of ``user_ids`` who can read the channel of the share."""
        ...

    async def open_discussion(
        self, thread_id: int, sharer_id: int, mentions: Sequence[Mention]
    ) -> None:
        """The thread's first message: who shared it, and exactly ``mentions`` pinged."""
        ...

    async def send_dm(
        self, user_id: int, brief: Brief, message_id: int, topics: Sequence[str]
    ) -> None:
        """Tell one subscriber about the brief at ``message_id`` by direct message."""
        ...

    async def point_to(self, url: str, earlier: EarlierBrief) -> None:
        """Reply to the sharer with a link to the earlier brief and its thread."""
        ...

    async def report_failure(self, url: str, error: UserFacingError, mode: FailureMode) -> None:
        """Show that ``url`` could not be briefed, as the channel's failure mode says."""
        ...


@dataclass(frozen=True)
class Posted:
    url: str
    brief_id: int
    message_id: int
    thread_id: int | None
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


@dataclass(frozen=True)
class ChannelPolicy:
    """The channel settings that shape a share."""

    watched: bool = True
    length: str = "standard"
    threads: bool = True
    on_failure: FailureMode = FailureMode.REACT


def default_owner() -> str:
    """This process's name on the claims it takes, so a dead process's claims can be found."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Sharing:
    """Shares links: built per use by the Discord side from the long-lived services."""

    sessions: async_sessionmaker[AsyncSession]
    briefer: BrieferLike
    rebrief_window_days: int = 7
    max_links_per_message: int = 3
    owner: str = field(default_factory=default_owner)
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))

    async def policy(self, guild_id: int, channel_id: int) -> ChannelPolicy:
        async with self.sessions() as session:
            stored = await repository.get_channel_settings(session, guild_id, channel_id)
        return ChannelPolicy(
            watched=stored.watched,
            length=stored.length,
            threads=stored.threads,
            on_failure=FailureMode(stored.on_failure),
        )

    async def share_message(self, share: Share, text: str, publisher: Publisher) -> list[Outcome]:
        """Brief every link of a member's message (up to the per-message limit), in order."""
        links = find_links(text, self.max_links_per_message)
        if not links:
            return []
        take = sharer_words(text, links)
        policy = await self.policy(share.guild_id, share.channel_id)
        return [
            await self.share_link(share, url, publisher, take=take, policy=policy) for url in links
        ]

    async def share_link(
        self,
        share: Share,
        url: str,
        publisher: Publisher,
        *,
        take: str | None = None,
        policy: ChannelPolicy | None = None,
        brief: Brief | None = None,
    ) -> Outcome:
        """Claim, brief and publish one link (``brief`` given: publish that one, e.g. a preview)."""
        policy = policy or await self.policy(share.guild_id, share.channel_id)
        key = url_key(url)
        async with self.sessions() as session:
            claimed = await repository.claim_link(
                session,
                share.message_id,
                key,
                owner=self.owner,
                guild_id=share.guild_id,
                channel_id=share.channel_id,
            )
        if not claimed:
            return Duplicate(url)
        try:
            earlier = await self._earlier_brief(share.guild_id, key)
            if earlier is not None:
                await publisher.point_to(url, earlier)
                await self._finish_claim(share, key, brief_id=None)
                return Pointed(url, earlier)
            if brief is None:
                brief = await self.briefer.brief(url, take=take, length=policy.length)
        except UserFacingError as exc:
            log.info("message %s: cannot brief %s: %s", share.message_id, url, exc)
            # Given up, not failed: the page said no; retrying the same message will not help.
            await self._fail_claim(share, key, give_up=True)
            if policy.on_failure is not FailureMode.IGNORE:
                await publisher.report_failure(url, exc, policy.on_failure)
            return Failed(url, exc)
        except BaseException:
            # A bug or a cancellation: leave the claim retryable rather than stuck as claimed.
            await self._fail_claim(share, key, give_up=False)
            raise
        return await self._publish(share, key, brief, publisher, policy)

    async def _publish(
        self, share: Share, key: str, brief: Brief, publisher: Publisher, policy: ChannelPolicy
    ) -> Posted:
        try:
            message_id = await publisher.post_brief(brief)
        except BaseException:
            await self._fail_claim(share, key, give_up=False)
            raise
        # Recorded before the thread is opened: once the message exists, the claim must say so,
        # or a retry would post a second brief.
        async with self.sessions() as session, session.begin():
            article = await repository.record_article(session, brief.article, key)
            record = await repository.record_brief(
                session,
                guild_id=share.guild_id,
                channel_id=share.channel_id,
                brief_message_id=message_id,
                sharer_id=share.author_id,
                article_id=article.id,
                source_message_id=share.message_id,
            )
            brief_id = record.id
            await repository.complete_claim(
                session, share.message_id, key, owner=self.owner, brief_id=brief_id
            )
        thread_id: int | None = None
        if policy.threads:
            thread_id = await publisher.open_thread(message_id, thread_name(brief))
        if thread_id is not None:
            async with self.sessions() as session, session.begin():
                await repository.set_brief_thread(session, brief_id, thread_id)
        notified = await self._notify(share, brief, brief_id, message_id, thread_id, publisher)
        return Posted(brief.url, brief_id, message_id, thread_id, notified)

    async def _notify(
        self,
        share: Share,
        brief: Brief,
        brief_id: int,
        message_id: int,
        thread_id: int | None,
        publisher: Publisher,
    ) -> tuple[int, ...]:
        async with self.sessions() as session:
            subscriptions = await repository.all_subscriptions(session, share.guild_id)
        index = TopicIndex.from_pairs((s.topic, s.user_id) for s in subscriptions)
        matched = set(index.match(BriefText.from_brief(brief))) if len(index) else set()
        by_thread: dict[int, list[str]] = {}
        by_dm: dict[int, list[str]] = {}
        for sub in subscriptions:
            # The sharer knows about their own link.
            if sub.topic not in matched or sub.user_id == share.author_id:
                continue
            # Without a thread there is nowhere to mention anyone: only a DM can tell them.
            wants_dm = sub.delivery == Delivery.DM or thread_id is None
            (by_dm if wants_dm else by_thread).setdefault(sub.user_id, []).append(sub.topic)
        candidates = sorted(by_thread.keys() | by_dm.keys())
        # A member who cannot read the channel must not learn of the brief by a mention or a DM.
        readers = await publisher.can_read(candidates) if candidates else set()
        async with self.sessions() as session, session.begin():
            fresh = await repository.record_notifications(
                session, brief_id, [u for u in candidates if u in readers]
            )
        mentions = [Mention(u, tuple(by_thread[u])) for u in fresh if u in by_thread]
        if thread_id is not None:
            await publisher.open_discussion(thread_id, share.author_id, mentions)
        for user_id in fresh:
            if user_id in by_dm:
                await publisher.send_dm(user_id, brief, message_id, by_dm[user_id])
        return tuple(fresh)

    async def _earlier_brief(self, guild_id: int, key: str) -> EarlierBrief | None:
        since = self.clock() - dt.timedelta(days=self.rebrief_window_days)
        async with self.sessions() as session:
            found = await repository.find_recent_brief(session, guild_id, key, since)
        if found is None:
            return None
        return EarlierBrief(found.channel_id, found.brief_message_id, found.thread_id)

    async def _finish_claim(self, share: Share, key: str, *, brief_id: int | None) -> None:
        async with self.sessions() as session, session.begin():
            await repository.complete_claim(
                session, share.message_id, key, owner=self.owner, brief_id=brief_id
            )

    async def _fail_claim(self, share: Share, key: str, *, give_up: bool) -> None:
        async with self.sessions() as session, session.begin():
            await repository.fail_claim(
                session, share.message_id, key, owner=self.owner, give_up=give_up
            )


class BrieferLike(Protocol):
    async def brief(
        self, url: str, *, take: str | None = None, length: str = "standard"
    ) -> Brief: ...

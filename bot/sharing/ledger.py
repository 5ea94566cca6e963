"""A share's ledger: every database transaction one shared link makes, in one place, so what a
link costs in round trips reads from this module (issue 11) and the crash windows between them
from :mod:`bot.sharing.recovery`.

- :meth:`Ledger.open`: before any work, one transaction: the channel's policy, the claim of
  each ``(message id, url key)``, the recent brief of each link, the server's topic version (not
  its subscriptions: :class:`~bot.sharing.notify.TopicIndexes`), site rules and hourly counts;
- :meth:`Ledger.record`: after the post, one transaction: the article, its text, the brief with
  the thread it will have, the completed claim (:meth:`Ledger.set_thread` corrects the thread
  when none opened);
- :meth:`Ledger.earlier_brief`: the second look of a re-share, under the article's own key (only
  for a variant whose key the pasted link did not show);
- :meth:`Ledger.finish`, :meth:`Ledger.fail`: a claim's other ends; :meth:`Ledger.defer`: claims
  taken and released at once (a message deferred at shutdown, one transaction).

A brief with no subscribers thus costs two transactions: ``open`` and ``record``.

A claim's ``owner`` is this process (:func:`default_owner`), and every brief is posted with the
claim's own nonce (:func:`claim_nonce`): the two facts recovery builds on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.types import Brief
from bot.choices import FailureMode
from bot.clock import Clock
from bot.sharing import admission
from bot.sharing.types import ChannelPolicy, EarlierBrief, Share
from bot.storage import articles as stored_articles
from bot.storage import briefs as stored_briefs
from bot.storage import claims as stored_claims
from bot.storage import settings as stored_settings
from bot.storage import sites as stored_sites
from bot.storage import subscriptions as stored_subscriptions
from bot.storage.briefs import ArticleFacts

log = logging.getLogger(__name__)

_NONCE_CHARS = 25  # Discord's limit for a message nonce


def default_owner() -> str:
    """This process's name on the claims it takes: ``host:pid:token``, so a dead process's claims
    can be told from a live one's, and a restart that reuses the pid (pid 1 in a container) from
    its predecessor."""
    # The column holds 64 characters: a long host name is cut, pid and token always fit.
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim_nonce(message_id: int, key: str) -> str:
    """The message nonce of a claim's brief: the same for every attempt of that claim."""
    digest = hashlib.sha256(f"{message_id}\n{key}".encode()).hexdigest()
    return digest[:_NONCE_CHARS]


@dataclass(frozen=True)
class ShareContext:
    """What a share holds before any work, from its first transaction (:meth:`Ledger.open`): the
    channel's policy, the claims won, the recent brief of each link (a re-share), the server's
    topic version (its topic index is cached per process:
    :class:`~bot.sharing.notify.TopicIndexes`)."""

    policy: ChannelPolicy
    # The keys of the share whose claims this process holds: only those are briefed.
    claimed: frozenset[str] = frozenset()
    earlier: dict[str, EarlierBrief] = field(default_factory=dict)
    topics_version: int = 0
    # The server's site rules (domain -> allow/block) and the last hour's briefs by the sharer
    # and in the channel, for the server's own limits (:mod:`bot.sharing.admission`).
    sites: dict[str, str] = field(default_factory=dict)
    by_sharer: int = 0
    in_channel: int = 0


@dataclass
class Ledger:
    """The transactions of this process's shares (one per :class:`~bot.sharing.service.Sharing`)."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    owner: str
    rebrief_window_days: int
    # Whether any hourly limit is set: the counts are read only then.
    count_briefs: bool = False

    async def policy(self, guild_id: int, channel_id: int) -> ChannelPolicy:
        async with self.sessions() as session:
            return await _read_policy(session, guild_id, channel_id)

    async def open(
        self,
        share: Share,
        keys: Sequence[str],
        *,
        policy: ChannelPolicy | None = None,
        watched_only: bool = False,
        claim: bool = True,
        retake_own_failure: bool = True,
    ) -> ShareContext:
        """A share's first transaction: the channel's policy (``policy``: the caller read it), and
        unless ``watched_only`` finds the channel unwatched, the claim of each of ``keys`` (when
        ``claim``; recovery has reclaimed its own) and the context of those won, committed before
        any work is done on them. One write transaction, so a share that claims costs no read
        transaction of its own; a claim is visible to other processes from its commit on, and
        until then a second claimer of the same row waits for it, then loses."""
        async with self.sessions() as session, session.begin():
            if policy is None:
                policy = await _read_policy(session, share.guild_id, share.channel_id)
            if watched_only and not policy.watched:
                return ShareContext(policy)
            unique = list(dict.fromkeys(keys))
            claimed = unique
            if claim:
                claimed = [
                    key
                    for key in unique
                    if await self._take(session, share, key, retake_own_failure=retake_own_failure)
                ]
            if not claimed:
                return ShareContext(policy)  # a redelivery: nothing of this share is ours
            earlier: dict[str, EarlierBrief] = {}
            for key in claimed:
                found = await self._recent_brief(session, share, key)
                if found is not None:
                    earlier[key] = found
            topics_version = await stored_subscriptions.topic_version(session, share.guild_id)
            sites = await stored_sites.rules(session, share.guild_id)
            by_sharer = in_channel = 0
            if self.count_briefs:
                by_sharer, in_channel = await admission.read_counts(
                    session, share, now=self.clock.now()
                )
        return ShareContext(
            policy, frozenset(claimed), earlier, topics_version, sites, by_sharer, in_channel
        )

    async def earlier_brief(self, share: Share, article_key: str) -> EarlierBrief | None:
        """The recent brief of ``article_key`` in the share's server (a re-share's second look)."""
        async with self.sessions() as session:
            return await self._recent_brief(session, share, article_key)

    async def _recent_brief(
        self, session: AsyncSession, share: Share, key: str
    ) -> EarlierBrief | None:
        since = self.clock.now() - dt.timedelta(days=self.rebrief_window_days)
        found = await stored_briefs.find_recent_brief(session, share.guild_id, key, since)
        if found is None:
            return None
        return EarlierBrief(found.channel_id, found.brief_message_id, found.thread_id)

    async def defer(
        self,
        share: Share,
        keys: Sequence[str],
        *,
        watched_only: bool = False,
        policy: ChannelPolicy | None = None,
    ) -> list[str]:
        """Claim and release each of ``keys`` in one transaction, for the next start's recovery
        to brief (the process is stopping); the keys this process won. ``watched_only``: a pasted
        link, deferred only in a watched channel (``policy``: the channel's, when known)."""
        deferred: list[str] = []
        async with self.sessions() as session, session.begin():
            if watched_only:
                policy = policy or await _read_policy(session, share.guild_id, share.channel_id)
                if not policy.watched:
                    return []
            for key in dict.fromkeys(keys):
                if await self._take(session, share, key):
                    await stored_claims.fail_claim(
                        session, share.message_id, key, owner=self.owner, now=self.clock.now()
                    )
                    deferred.append(key)
        for key in deferred:
            log.info(
                "shutting down: %s in message %s left for the next start", key, share.message_id
            )
        return deferred

    async def _take(
        self, session: AsyncSession, share: Share, key: str, *, retake_own_failure: bool = True
    ) -> bool:
        return await stored_claims.take_claim(
            session,
            share.message_id,
            key,
            owner=self.owner,
            guild_id=share.guild_id,
            channel_id=share.channel_id,
            now=self.clock.now(),
            retake_own_failure=retake_own_failure,
        )

    async def record(
        self,
        share: Share,
        key: str,
        article_key: str,
        brief: Brief,
        message_id: int,
        thread_id: int | None,
    ) -> int:
        """The article, its text, the brief with its thread and the completed claim in one
        transaction; the brief's id. Stored under the article's own address and key; the claim
        keeps the link's."""
        now = self.clock.now()
        article = brief.article
        facts = ArticleFacts(
            url=brief.url,
            title=article.title,
            site_name=article.site_name,
            authors=tuple(article.authors),
            published=article.published,
            image_url=article.image_url,
            description=article.description,
            language=article.language,
            kind=article.kind,
        )
        async with self.sessions() as session, session.begin():
            stored = await stored_briefs.record_article(session, facts, article_key, fetched_at=now)
            # The text the brief's discussion is answered from (issue 12), once per article.
            await stored_articles.store_text(
                session,
                article_key,
                url=brief.url,
                language=article.language,
                paragraphs=article.paragraphs,
                now=now,
            )
            record = await stored_briefs.record_brief(
                session,
                guild_id=share.guild_id,
                channel_id=share.channel_id,
                brief_message_id=message_id,
                sharer_id=share.author_id,
                article_id=stored.id,
                source_message_id=share.message_id,
                thread_id=thread_id,
                created_at=now,
                # what /search and the digest read of the brief (issue 16)
                lead=brief.lead,
                quoted="\n\n".join(brief.quoted),
            )
            await stored_claims.complete_claim(
                session, share.message_id, key, owner=self.owner, now=now, brief_id=record.id
            )
        return record.id

    async def set_thread(self, brief_id: int, thread_id: int | None) -> None:
        """Correct the brief's thread: the one opened was not the one expected (or none was)."""
        async with self.sessions() as session, session.begin():
            await stored_briefs.set_brief_thread(session, brief_id, thread_id)

    async def finish(self, share: Share, key: str, *, brief_id: int | None) -> None:
        """End the claim as done (a pointer to an earlier brief: ``brief_id`` None)."""
        async with self.sessions() as session, session.begin():
            await stored_claims.complete_claim(
                session,
                share.message_id,
                key,
                owner=self.owner,
                now=self.clock.now(),
                brief_id=brief_id,
            )

    async def fail(self, share: Share, key: str, *, give_up: bool) -> None:
        """Release the claim for a retry, or (``give_up``) end it for good."""
        async with self.sessions() as session, session.begin():
            await stored_claims.fail_claim(
                session,
                share.message_id,
                key,
                owner=self.owner,
                now=self.clock.now(),
                give_up=give_up,
            )


async def _read_policy(session: AsyncSession, guild_id: int, channel_id: int) -> ChannelPolicy:
    stored = await stored_settings.get_channel_settings(session, guild_id, channel_id)
    server = await stored_settings.get_guild_settings(session, guild_id)
    return ChannelPolicy(
        watched=stored.watched,
        length=stored.length,
        threads=stored.threads,
        on_failure=FailureMode(stored.on_failure),
        commentary=server.commentary_mode,
    )

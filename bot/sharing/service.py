"""Sharing a link: from a member's message to a posted brief, its thread and its notifications.

This is the orchestration behind both a pasted link and ``/brief``; the Discord side only supplies a
:class:`~bot.sharing.types.Publisher` (post, open a thread, mention, DM, react) and turns the
outcomes into messages. What happens after a crash or while the bot was away is in
:mod:`bot.sharing.recovery`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.render import thread_name
from bot.briefing.types import Brief
from bot.choices import FailureMode
from bot.clock import Clock
from bot.errors import Refused, UserFacingError
from bot.fetch.links import find_links, sharer_words
from bot.fetch.urls import url_key
from bot.sharing import admission
from bot.sharing.notify import Notifier, Pacer
from bot.sharing.recovery import Missed, Recovered, Recovery, Reopener
from bot.sharing.types import (
    BrieferLike,
    ChannelPolicy,
    Duplicate,
    EarlierBrief,
    Failed,
    Outcome,
    Pointed,
    Posted,
    Publisher,
    RecoveryPublisher,
    Share,
)
from bot.storage import articles as stored_articles
from bot.storage import briefs as stored_briefs
from bot.storage import claims as stored_claims
from bot.storage import settings as stored_settings
from bot.storage import sites as stored_sites
from bot.storage import subscriptions as stored_subscriptions
from bot.storage.briefs import ArticleFacts
from bot.storage.database import unavailable
from bot.storage.models import Subscription

log = logging.getLogger(__name__)

_NONCE_CHARS = 25  # Discord's limit for a message nonce


@dataclass(frozen=True)
class ShareContext:
    """What a share reads from the database before any work, in one read transaction: the
    channel's policy, the recent brief of each link (a re-share), the server's subscriptions."""

    policy: ChannelPolicy
    earlier: dict[str, EarlierBrief] = field(default_factory=dict)
    subscriptions: tuple[Subscription, ...] = ()
    # The server's site rules (domain -> allow/block) and the last hour's briefs by the sharer
    # and in the channel, for the server's own limits (:mod:`bot.sharing.admission`).
    sites: dict[str, str] = field(default_factory=dict)
    by_sharer: int = 0
    in_channel: int = 0


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


@dataclass
class Sharing:
    """Shares links: one per process, built by the composition root (:mod:`bot.app.services`).

    For a member's message (:meth:`share_message`; ``/brief`` and a preview's Publish button go
    through :meth:`share_link`, one link), in order:

    1. **Find the links** (:meth:`links_in`, at most ``max_links_per_message``), each with its
       :func:`~bot.fetch.urls.url_key`, computed once and carried through every step below.
    2. **Read the context** in one read transaction (:meth:`read_context`): the channel's policy
       (a pasted link in a channel that is not watched stops here), the recent brief of each link
       in this server, and the server's subscriptions.
    3. **Claim** ``(message id, url key)`` before any work, committed at once
       (:func:`~bot.storage.claims.claim_link`). Discord may deliver the same message twice
       (reconnect, resume); only the first delivery wins the claim: one brief is posted.
    4. **Re-share?** A link briefed in this server within ``rebrief_window_days`` gets a pointer to
       the earlier brief and its thread instead of a second brief.
    5. **Brief** it with the :class:`~bot.sharing.pipeline.Briefer` at the channel's length, the
       sharer's own words as the commentary: fetched safely, read and composed in one job of the
       parse worker. **Re-share, second look**: the brief links to the article's own address
       (:func:`~bot.fetch.urls.article_address`: the page's canonical link on the same site, else
       the URL after redirects); when its key differs from the pasted link's, a recent brief of
       *that* key gets the pointer instead, and this brief is never posted.
    6. **Post** the brief as a reply to the sharer, with a nonce derived from the claim
       (:func:`claim_nonce`), so a retry after an unknown outcome returns the first message.
    7. **Record** the article, the brief and the completed claim: one write transaction, before
       anything else is done with the message, so a retry never posts a second brief.
    8. **Open the thread** on the brief, named after the headline (when the channel has threads),
       and record its id.
    9. **Call subscribers in** (:class:`~bot.sharing.notify.Notifier`): the thread's first message
       names the sharer and mentions the subscribers whose topics matched (only those who can
       read the channel, each once, at most ``notify_max_per_brief``), recorded once posted;
       DM subscribers get one paced DM each, recorded once delivered. Nobody is told twice
       about one brief.

    **One article, many addresses** (issue 17). Two keys: the *link key*, ``url_key`` of the
    pasted link, which already folds what the address alone shows (tracking parameters, AMP
    markers, ``www.``/``m.``/``amp.`` hosts, known wrappers read for the link they carry); and the
    *article key*, ``url_key`` of the article's own address, known only after fetching (a
    shortener or Google News redirect, a mobile page whose canonical link is the desktop one).
    The claim is taken on the link key before any work: it is what makes a redelivered message
    one brief, and it must exist before the fetch. The re-share check looks at both: the link key
    in step 4 (free: no fetch for a variant already seen under its own address), the article key
    in step 5. Articles, texts and briefs are stored under the article key, so a later paste of
    any variant finds the brief either way; a brief is fetched only for a variant never pasted.
    Two variants pasted at the very same moment can both be briefed (neither is recorded yet
    when the other looks), as two pastes of one link in two messages already can.

    A brief with no subscribers thus costs one read transaction and, as writes, the claim, the
    record, and the thread's id when a thread opened (recorded at once, so that a re-share points
    to the thread). A link that cannot be briefed fails its claim and gets
    what the channel's ``on_failure`` says (:class:`~bot.choices.FailureMode`): a reaction, a short
    reply, or nothing. Only :class:`UserFacingError` is handled here; anything else is a bug and
    propagates to the caller, who logs it.

    At shutdown the Discord side lets in-flight shares finish for a short grace, then cancels
    them; a cancelled share fails its claim (``failed``), so the next start retries it, and a
    message that arrives while shutting down is claimed and released the same way
    (:meth:`defer_message`).
    """

    sessions: async_sessionmaker[AsyncSession]
    briefer: BrieferLike
    rebrief_window_days: int = 7
    max_links_per_message: int = 3
    owner: str = field(default_factory=default_owner)
    clock: Clock = field(kw_only=True)  # every "now" of a share: claims, windows, records
    # Longer than any share runs (fetch and extraction are capped at 20 s): a claim of a process
    # that may still be alive is taken over only after this.
    recovery_grace: dt.timedelta = dt.timedelta(minutes=2)
    max_attempts: int = 3
    # A brief a day late is noise, not news: older claims are given up, not briefed.
    recovery_max_age: dt.timedelta = dt.timedelta(days=1)
    notify_max_per_brief: int = 50
    # One per process (this Sharing is): Discord sees the bot's DMs as a whole.
    dm_pacer: Pacer = field(default_factory=lambda: Pacer(20))
    # Runs a brief's paced DMs as tracked background work (the bot's ``spawn``), so a share ends
    # when its thread is open, not minutes later; None: the share awaits them itself.
    spawn: Callable[[Coroutine[Any, Any, Any], str], object] | None = None
    # Hourly limits on briefs per sharer and per channel in a server (None: no limit).
    briefs_per_member_hour: int | None = None
    briefs_per_channel_hour: int | None = None

    def __post_init__(self) -> None:
        self.notifier = Notifier(
            self.sessions,
            self.clock,
            max_per_brief=self.notify_max_per_brief,
            dm_pacer=self.dm_pacer,
            spawn=self.spawn,
        )
        self.recovery = Recovery(self)

    def links_in(self, text: str) -> list[str]:
        """The links of a message that are briefed (at most ``max_links_per_message``)."""
        return find_links(text, self.max_links_per_message)

    async def policy(self, guild_id: int, channel_id: int) -> ChannelPolicy:
        async with self.sessions() as session:
            stored = await stored_settings.get_channel_settings(session, guild_id, channel_id)
            server = await stored_settings.get_guild_settings(session, guild_id)
        return _policy(stored, server)

    async def read_context(
        self,
        share: Share,
        keys: Sequence[str],
        *,
        policy: ChannelPolicy | None = None,
        watched_only: bool = False,
    ) -> ShareContext:
        """The share's context in one read transaction (see step 2); only the policy when
        ``watched_only`` and the channel is not watched."""
        since = self.clock.now() - dt.timedelta(days=self.rebrief_window_days)
        async with self.sessions() as session:
            if policy is None:
                policy = _policy(
                    await stored_settings.get_channel_settings(
                        session, share.guild_id, share.channel_id
                    ),
                    await stored_settings.get_guild_settings(session, share.guild_id),
                )
            if watched_only and not policy.watched:
                return ShareContext(policy)
            earlier: dict[str, EarlierBrief] = {}
            for key in dict.fromkeys(keys):
                found = await stored_briefs.find_recent_brief(session, share.guild_id, key, since)
                if found is not None:
                    earlier[key] = EarlierBrief(
                        found.channel_id, found.brief_message_id, found.thread_id
                    )
            subscriptions = await stored_subscriptions.all_subscriptions(session, share.guild_id)
            sites = await stored_sites.rules(session, share.guild_id)
            by_sharer = in_channel = 0
            if self.briefs_per_member_hour is not None or self.briefs_per_channel_hour is not None:
                by_sharer, in_channel = await admission.read_counts(
                    session, share, now=self.clock.now()
                )
        return ShareContext(policy, earlier, tuple(subscriptions), sites, by_sharer, in_channel)

    async def share_message(
        self,
        share: Share,
        text: str,
        publisher: Publisher,
        *,
        links: Sequence[str] | None = None,
        watched_only: bool = False,
        catching_up: bool = False,
        policy: ChannelPolicy | None = None,
    ) -> list[Outcome]:
        """Brief every link of a member's message (up to the per-message limit), in order.

        ``links``: :meth:`links_in` of ``text``, when the caller has them; ``watched_only``: a
        pasted link, briefed only in a watched channel ("Brief this link" works anywhere);
        ``policy``: the channel's, when the caller has read it. ``catching_up``: read back from
        history at start, where the same message may also have arrived live a moment ago; a link
        this process failed on then is not tried again."""
        links = self.links_in(text) if links is None else list(links)
        if not links:
            return []
        keys = [url_key(url) for url in links]
        context = await self.read_context(share, keys, policy=policy, watched_only=watched_only)
        if watched_only and not context.policy.watched:
            return []
        take = sharer_words(text, links)
        outcomes: list[Outcome] = []
        for url, key in zip(links, keys, strict=True):
            if not await self._claim(share, key, retake_own_failure=not catching_up):
                outcomes.append(Duplicate(url))
                continue
            outcome = await self.run_claimed(share, url, key, publisher, take, context)
            if isinstance(outcome, Posted):  # the next link of the message counts this one
                context = replace(
                    context, by_sharer=context.by_sharer + 1, in_channel=context.in_channel + 1
                )
            outcomes.append(outcome)
        return outcomes

    async def share_pasted(
        self,
        share: Share,
        text: str,
        links: Sequence[str],
        publisher: Publisher,
        *,
        policy: ChannelPolicy | None = None,
    ) -> list[Outcome]:
        """A member pasted ``links`` (:meth:`links_in` of ``text``): briefed in a watched channel.

        A database briefly out of reach is logged and nothing is briefed now: the claim is
        released (or was never taken), so a redelivery, "Brief this link" or recovery at the next
        start briefs it. ``policy``: the settings that apply (a thread's are its parent's)."""
        try:
            return await self.share_message(
                share, text, publisher, links=links, watched_only=True, policy=policy
            )
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning(
                "message %s: database unavailable, not briefed now: %s", share.message_id, exc
            )
            return []

    async def share_link(
        self,
        share: Share,
        url: str,
        publisher: Publisher,
        *,
        take: str | None = None,
        brief: Brief | None = None,
    ) -> Outcome:
        """Claim, brief and publish one link (``brief`` given: publish that one, e.g. a preview)."""
        key = url_key(url)
        context = await self.read_context(share, [key])
        if not await self._claim(share, key):
            return Duplicate(url)
        return await self.run_claimed(share, url, key, publisher, take, context, brief=brief)

    async def catch_up(
        self, missed: Sequence[Missed], since: dt.datetime, *, policy: ChannelPolicy | None = None
    ) -> list[Outcome]:
        """See :meth:`bot.sharing.recovery.Recovery.catch_up`."""
        return await self.recovery.catch_up(missed, since, policy=policy)

    async def recover(self, reopener: Reopener) -> list[Recovered]:
        """See :meth:`bot.sharing.recovery.Recovery.recover`."""
        return await self.recovery.recover(reopener)

    async def defer_message(self, share: Share, text: str) -> list[str]:
        """Claim the links of a message and release them at once, for the next start to brief
        (the bot is shutting down); the links deferred."""
        deferred: list[str] = []
        for url in self.links_in(text):
            key = url_key(url)
            if await self._claim(share, key):
                await self.fail_claim(share, key, give_up=False)
                log.info(
                    "shutting down: %s in message %s left for the next start", url, share.message_id
                )
                deferred.append(url)
        return deferred

    async def _earlier_brief(self, share: Share, article_key: str) -> EarlierBrief | None:
        """The recent brief of ``article_key`` in the share's server (step 5's second look)."""
        since = self.clock.now() - dt.timedelta(days=self.rebrief_window_days)
        async with self.sessions() as session:
            found = await stored_briefs.find_recent_brief(
                session, share.guild_id, article_key, since
            )
        if found is None:
            return None
        return EarlierBrief(found.channel_id, found.brief_message_id, found.thread_id)

    async def _claim(self, share: Share, key: str, *, retake_own_failure: bool = True) -> bool:
        async with self.sessions() as session:
            return await stored_claims.claim_link(
                session,
                share.message_id,
                key,
                owner=self.owner,
                guild_id=share.guild_id,
                channel_id=share.channel_id,
                now=self.clock.now(),
                retake_own_failure=retake_own_failure,
            )

    async def run_claimed(
        self,
        share: Share,
        url: str,
        key: str,
        publisher: Publisher,
        take: str | None,
        context: ShareContext,
        *,
        brief: Brief | None = None,
        adopt: RecoveryPublisher | None = None,
    ) -> Outcome:
        """Everything after a won claim (steps 4 to 9); the claim ends posted, failed or given
        up. ``adopt``: look for a brief posted before a crash first (recovery)."""
        policy = context.policy
        try:
            earlier = context.earlier.get(key)
            if earlier is not None:
                await publisher.point_to(url, earlier)
                await self._finish_claim(share, key, brief_id=None)
                return Pointed(url, earlier)
            self._admit(share, url, context, limits=True)
            if brief is None:
                brief = await self.briefer.brief(
                    url,
                    key=key,
                    take=take,
                    length=policy.length,
                    commentary=policy.commentary,
                    guild_id=share.guild_id,
                )
            if brief.url != url:
                # A shortener or redirect must not carry a blocked site past the rules.
                self._admit(share, brief.url, context, limits=False)
            article_key = url_key(brief.url)
            if article_key != key:
                # A variant the pasted key did not know (a shortener's redirect, a mobile page
                # naming its canonical address): the article's own key decides the re-share.
                earlier = await self._earlier_brief(share, article_key)
                if earlier is not None:
                    await publisher.point_to(url, earlier)
                    await self._finish_claim(share, key, brief_id=None)
                    return Pointed(url, earlier)
        except UserFacingError as exc:
            log.info("message %s: cannot brief %s: %s", share.message_id, url, exc)
            # Given up, not failed: the page said no; retrying the same message will not help.
            await self.fail_claim(share, key, give_up=True)
            await _report_failure(publisher, url, exc, policy)
            return Failed(url, exc)
        except BaseException as exc:
            # A bug or a cancellation: leave the claim retryable rather than stuck as claimed.
            _log_cancelled(exc, share, url)
            await self.fail_claim(share, key, give_up=False)
            raise
        return await self._publish(share, key, article_key, brief, publisher, context, adopt=adopt)

    def _admit(self, share: Share, url: str, context: ShareContext, *, limits: bool) -> None:
        """Raise :class:`~bot.errors.Refused` when the server's sites or hourly limits say no."""
        refusal = admission.site_refusal(context.sites, url)
        if refusal is None and limits:
            refusal = admission.limit_refusal(
                share,
                by_sharer=context.by_sharer,
                in_channel=context.in_channel,
                per_member=self.briefs_per_member_hour,
                per_channel=self.briefs_per_channel_hour,
            )
        if refusal is not None:
            raise refusal

    async def _publish(
        self,
        share: Share,
        key: str,
        article_key: str,
        brief: Brief,
        publisher: Publisher,
        context: ShareContext,
        *,
        adopt: RecoveryPublisher | None = None,
    ) -> Posted | Failed:
        policy = context.policy
        try:
            found = await adopt.find_brief(brief.url) if adopt is not None else None
            if found is not None:
                log.info(
                    "message %s: adopting brief %s posted before a restart", share.message_id, found
                )
                message_id = found
            else:
                message_id = await publisher.post_brief(
                    brief, nonce=claim_nonce(share.message_id, key)
                )
        except UserFacingError as exc:
            # Discord refused the post or kept failing: the page is fine, so the claim stays
            # retryable (a redelivery, "Brief this link" or recovery can post it later).
            log.warning(
                "message %s: the brief of %s was not posted: %s", share.message_id, brief.url, exc
            )
            await self.fail_claim(share, key, give_up=False)
            await _report_failure(publisher, brief.url, exc, policy)
            return Failed(brief.url, exc)
        except BaseException as exc:
            _log_cancelled(exc, share, brief.url)
            await self.fail_claim(share, key, give_up=False)
            raise
        # Recorded before the thread is opened: once the message exists, the claim must say so,
        # or a retry would post a second brief.
        brief_id = await self._record(share, key, article_key, brief, message_id)
        thread_id: int | None = None
        if policy.threads:
            thread_id = await publisher.open_thread(message_id, thread_name(brief))
        if thread_id is not None:
            # At once, before the thread's first message: a re-share from now on points to it.
            async with self.sessions() as session, session.begin():
                await stored_briefs.set_brief_thread(session, brief_id, thread_id)
        notified = await self.notifier.notify(
            share.author_id,
            context.subscriptions,
            brief,
            brief_id,
            message_id,
            thread_id,
            publisher,
        )
        return Posted(brief.url, brief_id, message_id, thread_id, notified)

    async def _record(
        self, share: Share, key: str, article_key: str, brief: Brief, message_id: int
    ) -> int:
        """Step 7: the article, the brief and the completed claim in one transaction; the
        brief's id. Stored under the article's own address and key; the claim keeps the link's."""
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
                created_at=now,
                # what /search and the digest read of the brief (issue 16)
                lead=brief.lead,
                quoted="\n\n".join(brief.quoted),
            )
            await stored_claims.complete_claim(
                session, share.message_id, key, owner=self.owner, now=now, brief_id=record.id
            )
        return record.id

    async def _finish_claim(self, share: Share, key: str, *, brief_id: int | None) -> None:
        async with self.sessions() as session, session.begin():
            await stored_claims.complete_claim(
                session,
                share.message_id,
                key,
                owner=self.owner,
                now=self.clock.now(),
                brief_id=brief_id,
            )

    async def fail_claim(self, share: Share, key: str, *, give_up: bool) -> None:
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


def _policy(
    stored: stored_settings.ChannelSettings, server: stored_settings.GuildSettings
) -> ChannelPolicy:
    return ChannelPolicy(
        watched=stored.watched,
        length=stored.length,
        threads=stored.threads,
        on_failure=FailureMode(stored.on_failure),
        commentary=server.commentary_mode,
    )


def _log_cancelled(exc: BaseException, share: Share, url: str) -> None:
    """Say which link's work a cancellation stopped. A shutdown (or a caller giving up) cancels
    this task; a CancelledError without that came from below, e.g. a worker pool killed under
    the job, and is a fault to look into."""
    if not isinstance(exc, asyncio.CancelledError):
        return
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        log.info("message %s: briefing %s was cancelled (shutting down)", share.message_id, url)
    else:
        log.warning(
            "message %s: briefing %s ended in an unexpected cancellation", share.message_id, url
        )


async def _report_failure(
    publisher: Publisher, url: str, error: UserFacingError, policy: ChannelPolicy
) -> None:
    """Show the failure as the channel asks (a refusal by the server's rules: always as a
    reaction, see :class:`~bot.errors.Refused`); best effort and never the bug."""
    mode = FailureMode.REACT if isinstance(error, Refused) else policy.on_failure
    if mode is FailureMode.IGNORE:
        return
    try:
        await publisher.report_failure(url, error, mode)
    except Exception:  # noqa: BLE001 - e.g. Discord refusing the reaction too; already logged why
        log.warning("could not show the failure for %s", url, exc_info=True)

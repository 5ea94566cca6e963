"""Sharing a link: from a member's message to a posted brief, its thread and its notifications.

This is the orchestration behind both a pasted link and ``/brief``; the Discord side only supplies a
:class:`~bot.sharing.types.Publisher` (post, open a thread, mention, DM, react) and turns the
outcomes into messages. Every database transaction of a share is in :mod:`bot.sharing.ledger`;
what happens after a crash or while the bot was away is in :mod:`bot.sharing.recovery`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.types import Brief
from bot.clock import Clock
from bot.fetch.links import find_links, sharer_words
from bot.fetch.urls import url_key
from bot.sharing.claimed import ClaimedLinks
from bot.sharing.gate import Draining, ShareGate
from bot.sharing.ledger import Ledger, default_owner
from bot.sharing.notify import Notifier, Pacer
from bot.sharing.recovery import Missed, Recovered, Recovery, Reopener
from bot.sharing.types import (
    BrieferLike,
    ChannelPolicy,
    Duplicate,
    Failed,
    Outcome,
    Posted,
    Publisher,
    Share,
)
from bot.storage.database import unavailable

log = logging.getLogger(__name__)


@dataclass
class Sharing:
    """Shares links: one per process, built by the composition root (:mod:`bot.app.services`).

    For a member's message (:meth:`share_message`; ``/brief`` and a preview's Publish button go
    through :meth:`share_link`, one link), in order:

    1. **Find the links** (:meth:`links_in`, at most ``max_links_per_message``), each with its
       :func:`~bot.fetch.urls.url_key`, computed once and carried through every step below.
    2. **Open the share** in one transaction, committed before any work
       (:meth:`~bot.sharing.ledger.Ledger.open`): the channel's policy (a pasted link in a channel
       that is not watched stops here); the **claim** of each ``(message id, url key)`` (Discord
       may deliver the same message twice, on a reconnect or resume: only the first delivery wins
       the claim, one brief is posted); and for the links won, the recent brief of each in this
       server, the server's topic version (its topic index is cached per process: only the
       subscriptions of matched topics are read), site rules and hourly counts.
    3. **Re-share?** A link briefed in this server within ``rebrief_window_days`` gets a pointer to
       the earlier brief and its thread instead of a second brief.
    4. **Brief** it with the :class:`~bot.sharing.pipeline.Briefer` at the channel's length, the
       sharer's own words as the commentary: fetched safely, read and composed in one job of the
       parse worker. **Re-share, second look**: the brief links to the article's own address
       (:func:`~bot.fetch.urls.article_address`: the page's canonical link on the same site, else
       the URL after redirects); when its key differs from the pasted link's, a recent brief of
       *that* key gets the pointer instead, and this brief is never posted.
    5. **Post** the brief as a reply to the sharer, with a nonce derived from the claim
       (:func:`~bot.sharing.ledger.claim_nonce`), so a retry after an unknown outcome returns the
       first message.
    6. **Record** the article, its text, the brief and the completed claim: one write
       transaction, before anything else is done with the message, so a retry never posts a
       second brief. The brief is recorded with its thread to be: Discord gives a thread started
       from a message the message's id.
    7. **Open the thread** on the brief, named after the headline (when the channel has threads);
       only when none opens (no permission, Discord refused) is the record corrected.
    8. **Call subscribers in** (:class:`~bot.sharing.notify.Notifier`): the thread's first message
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
    in step 3 (free: no fetch for a variant already seen under its own address), the article key
    in step 4 (only when it differs: computed only then, read only then). Articles, texts and
    briefs are stored under the article key, so a later paste of any variant finds the brief
    either way; a brief is fetched only for a variant never pasted.
    Two variants pasted at the very same moment can both be briefed (neither is recorded yet
    when the other looks), as two pastes of one link in two messages already can.

    A brief with no subscribers thus costs two transactions, the opening (which claims) and the
    record (issue 11; a third only when its thread did not open), one policy read, one
    ``url_key`` when the article is at the pasted address and one parse job
    (:mod:`bot.sharing.pipeline`). A link that cannot be briefed fails its claim and gets what
    the channel's ``on_failure`` says (:class:`~bot.choices.FailureMode`): a reaction, a short
    reply, or nothing. Only :class:`UserFacingError` is handled here; anything
    else is a bug and propagates to the caller, who logs it.

    A share (a message's links, a ``/brief``, a feed item) waits for one of the process's
    ``SHARES_IN_FLIGHT`` slots before its first transaction (:mod:`bot.sharing.gate`).

    At shutdown the Discord side lets in-flight shares finish for a short grace, then cancels
    them; a cancelled share fails its claim (``failed``), so the next start retries it, and a
    message that arrives while shutting down, or is still queued for a slot, is claimed and
    released the same way (:meth:`defer_message`; a queued ``/brief`` is :class:`Failed`).
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
    # The bound on shares in flight; one per process, kept by a ``dataclasses.replace`` copy
    # (the feeds' Sharing), so every share of the process waits for the same slots.
    gate: ShareGate = field(default_factory=lambda: ShareGate(10))

    def __post_init__(self) -> None:
        self.notifier = Notifier(
            self.sessions,
            self.clock,
            max_per_brief=self.notify_max_per_brief,
            dm_pacer=self.dm_pacer,
            spawn=self.spawn,
        )
        self.ledger = Ledger(
            self.sessions,
            self.clock,
            self.owner,
            self.rebrief_window_days,
            count_briefs=(
                self.briefs_per_member_hour is not None or self.briefs_per_channel_hour is not None
            ),
        )
        self.claimed = ClaimedLinks(
            self.ledger,
            self.briefer,
            self.notifier,
            per_member=self.briefs_per_member_hour,
            per_channel=self.briefs_per_channel_hour,
        )
        self.recovery = Recovery(self)

    def links_in(self, text: str) -> list[str]:
        """The links of a message that are briefed (at most ``max_links_per_message``)."""
        return find_links(text, self.max_links_per_message)

    async def policy(self, guild_id: int, channel_id: int) -> ChannelPolicy:
        """The channel's policy (a thread's caller asks for its parent's)."""
        return await self.ledger.policy(guild_id, channel_id)

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
        if not await self._queued(share, keys, watched_only=watched_only, policy=policy):
            return []
        try:
            context = await self.ledger.open(
                share,
                keys,
                policy=policy,
                watched_only=watched_only,
                retake_own_failure=not catching_up,
            )
            if watched_only and not context.policy.watched:
                return []
            take = sharer_words(text, links)
            outcomes: list[Outcome] = []
            pending = [key for key in dict.fromkeys(keys) if key in context.claimed]
            try:
                for url, key in zip(links, keys, strict=True):
                    if key not in pending:  # another's claim, or already this message's
                        outcomes.append(Duplicate(url))
                        continue
                    pending.remove(key)
                    outcome = await self.claimed.run(share, url, key, publisher, take, context)
                    if isinstance(outcome, Posted):  # the message's next link counts this one
                        context = replace(
                            context,
                            by_sharer=context.by_sharer + 1,
                            in_channel=context.in_channel + 1,
                        )
                    outcomes.append(outcome)
            except BaseException:
                # A bug or a cancellation in one link: the message's later links, claimed with it,
                # are released for a retry rather than left claimed.
                for key in pending:
                    await self.fail_claim(share, key, give_up=False)
                raise
            return outcomes
        finally:
            self.gate.release()

    async def _queued(
        self,
        share: Share,
        keys: Sequence[str],
        *,
        watched_only: bool = False,
        policy: ChannelPolicy | None = None,
    ) -> bool:
        """Wait for a slot; False: the process is stopping, and the links of a message still
        queued were claimed and released for the next start (as :meth:`defer_message` does)."""
        try:
            await self.gate.acquire(share.guild_id)
        except (Draining, asyncio.CancelledError) as exc:
            # Cancelled while queued: a close without the grace; the links wait all the same.
            await self.ledger.defer(share, keys, watched_only=watched_only, policy=policy)
            if isinstance(exc, Draining):
                return False
            raise
        return True

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
        """Claim, brief and publish one link (``brief`` given: publish that one, e.g. a preview).
        Still queued for a slot when the process stops: :class:`Failed` with
        :class:`~bot.sharing.gate.Draining` (nothing was claimed)."""
        key = url_key(url)
        try:
            await self.gate.acquire(share.guild_id)
        except Draining as exc:
            return Failed(url, exc)
        try:
            context = await self.ledger.open(share, [key])
            if key not in context.claimed:
                return Duplicate(url)
            return await self.claimed.run(share, url, key, publisher, take, context, brief=brief)
        finally:
            self.gate.release()

    async def preview(
        self, guild_id: int, channel_id: int, url: str, *, take: str | None = None
    ) -> Brief:
        """The brief ``url`` would get in this channel, posted nowhere (``/brief preview``).

        It takes a slot like a share: a preview fetches and parses as much as a brief does, and
        a flood of them must queue behind the bound, not beside it. Nothing is claimed, so the
        same link may be previewed by several members at once. Raises
        :class:`~bot.sharing.gate.Draining` when the process stops before its turn."""
        async with self.gate.slot(guild_id):
            policy = await self.policy(guild_id, channel_id)
            return await self.briefer.brief(
                url,
                take=take,
                length=policy.length,
                commentary=policy.commentary,
                guild_id=guild_id,
            )

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
        links = self.links_in(text)
        deferred = set(await self.ledger.defer(share, [url_key(url) for url in links]))
        return [url for url in links if url_key(url) in deferred]

    async def fail_claim(self, share: Share, key: str, *, give_up: bool) -> None:
        """Release the claim for a retry, or (``give_up``) end it for good."""
        await self.ledger.fail(share, key, give_up=give_up)

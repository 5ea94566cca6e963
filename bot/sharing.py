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
   matched (only those who can read the channel, each once); DM subscribers get one DM. At most
   ``notify_max_per_brief`` members are told, DMs are paced (see :mod:`bot.notify`).
5. **Record** the brief and the completed claim; each member once their mention or DM was
   delivered (nobody is told twice: a brief's notifications run once, after its record).

A link that cannot be briefed fails its claim and gets what the channel's ``on_failure`` says
(:class:`FailureMode`): a reaction, a short reply, or nothing. Only :class:`UserFacingError` is
handled here; anything else is a bug and propagates to the caller, who logs it.

Crashes and restarts
--------------------
A claim is the promise that a link will end with exactly one brief or a recorded give-up. Its
``owner`` is this process (host, pid and a random token, :func:`default_owner`), so a later process
can tell a dead owner's claims from live ones. The windows a process can die in, and what closes
each:

- **claimed, not posted** (fetching, parsing, the post request not yet sent): the claim stays
  ``claimed``. :meth:`Sharing.recover`, run once after the bot is ready, takes it over
  (:func:`~bot.storage.repository.reclaim_stale`), re-reads the sharer's message through the
  :class:`Reopener` and briefs it again.
- **posted, not recorded** (Discord created the message; the process died before the claim said
  so): every brief is posted with a nonce derived from the claim (:func:`claim_nonce`) and
  ``enforce_nonce``, so for the few minutes Discord remembers nonces the re-post returns the first
  message instead of creating a second, and recovery records that one. A claim older than
  :data:`NONCE_TRUST` is past that memory: recovery first asks the channel for a brief of ours
  already replying to the message with that link (:meth:`RecoveryPublisher.find_brief`) and
  adopts it instead of posting.
- **recorded**: the brief, its article and the completed claim are one transaction; after it, a
  crash can cost the thread, its opening message or notifications (never a second brief).

Whose claims recovery takes: never this process's own. A ``claimed`` claim of a process known to be
gone (same host, and its pid is not running, or is ours under another token: a container restart)
at once; any other only once it is older than ``recovery_grace``, longer than any share runs, so a
live process elsewhere keeps its work. ``failed`` claims (released at shutdown or after a bug) at
once. Each take-over counts an attempt; after ``max_attempts``, or when the sharer's message or the
link in it is gone, or the claim is older than ``recovery_max_age``, the claim is marked
``given_up`` with a WARNING naming the message and the link: never a silent loss.

Catching up
-----------
Discord never redelivers a message posted while no process was connected. Once per process, after
recovery, the Discord side reads each watched channel's latest :data:`CATCH_UP_LIMIT` messages (one
request) and hands the members' messages to :meth:`Sharing.catch_up`, which keeps those since
:func:`catch_up_since`: the newest, as the messages missed are the last ones before the start; each
goes through :meth:`Sharing.share_message`, so a message already briefed (or claimed by a live
process) is a :class:`Duplicate`, never a second brief.

At shutdown the Discord side lets in-flight shares finish for a short grace, then cancels them;
a cancelled share fails its claim (``failed``), so the next start retries it, and a message that
arrives while shutting down is claimed and released the same way (:meth:`Sharing.defer_message`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.render import thread_name
from bot.briefing.types import Brief
from bot.clock import Clock
from bot.errors import UserFacingError
from bot.fetch.links import find_links, sharer_words
from bot.fetch.urls import url_key
from bot.notify import Candidate, Pacer, discussion_messages, in_turn
from bot.storage import articles, repository
from bot.storage.models import LinkClaim, Subscription
from bot.topics import BriefText, TopicIndex

log = logging.getLogger(__name__)

# Discord drops an ``enforce_nonce`` duplicate "for a few minutes"; past this age a claim's nonce
# is not trusted to stop a second post, and recovery looks for the first one instead.
NONCE_TRUST = dt.timedelta(minutes=2)
_NONCE_CHARS = 25  # Discord's limit for a message nonce
# One page of channel history (Discord's maximum per request): catch-up costs one request a channel.
CATCH_UP_LIMIT = 100


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
class EarlierBrief:
    """Where the earlier brief of a re-shared link lives."""

    channel_id: int
    message_id: int
    thread_id: int | None


@runtime_checkable
class Publisher(Protocol):
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


@dataclass(frozen=True)
class Reopened:
    """A claimed share found again after a restart: the sharer's message as it is now."""

    share: Share
    text: str
    publisher: RecoveryPublisher


class Reopener(Protocol):
    async def reopen(self, guild_id: int, channel_id: int, message_id: int) -> Reopened | None:
        """Fetch the sharer's message again; None if it (or its channel) is gone or unreadable."""
        ...


@dataclass(frozen=True)
class Missed:
    """A member's message posted while the bot was offline, read back from the channel history."""

    share: Share
    text: str
    posted_at: dt.datetime
    publisher: Publisher


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


@dataclass(frozen=True)
class GaveUp:
    """A claim left by a crash or a shutdown that recovery gave up on (recorded and logged)."""

    message_id: int
    url_key: str
    reason: str


Outcome = Posted | Pointed | Duplicate | Failed
Recovered = Outcome | GaveUp


@dataclass(frozen=True)
class ChannelPolicy:
    """The channel settings that shape a share."""

    watched: bool = True
    length: str = "standard"
    threads: bool = True
    on_failure: FailureMode = FailureMode.REACT


def default_owner() -> str:
    """This process's name on the claims it takes: ``host:pid:token``, so a dead process's claims
    can be told from a live one's, and a restart that reuses the pid (pid 1 in a container) from
    its predecessor."""
    # The column holds 64 characters: a long host name is cut, pid and token always fit.
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_gone(owner: str, *, me: str) -> bool:
    """Whether the process named ``owner`` is known to have exited (only knowable on this host)."""
    host, _, rest = owner.partition(":")
    my_host, _, my_rest = me.partition(":")
    pid_text = rest.partition(":")[0]
    if host != my_host or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == int(my_rest.partition(":")[0]):
        return owner != me  # our pid under another token: our predecessor
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. EPERM: a process of another user has that pid
        return False
    return False


def catch_up_since(now: dt.datetime, minutes: int) -> dt.datetime | None:
    """Where the catch-up window of ``minutes`` ending ``now`` starts; None when it is off (0)."""
    if minutes <= 0:
        return None
    return now - dt.timedelta(minutes=minutes)


def claim_nonce(message_id: int, key: str) -> str:
    """The message nonce of a claim's brief: the same for every attempt of that claim."""
    digest = hashlib.sha256(f"{message_id}\n{key}".encode()).hexdigest()
    return digest[:_NONCE_CHARS]


@dataclass
class Sharing:
    """Shares links: built per use by the Discord side from the long-lived services."""

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

    async def policy(self, guild_id: int, channel_id: int) -> ChannelPolicy:
        async with self.sessions() as session:
            stored = await repository.get_channel_settings(session, guild_id, channel_id)
        return ChannelPolicy(
            watched=stored.watched,
            length=stored.length,
            threads=stored.threads,
            on_failure=FailureMode(stored.on_failure),
        )

    async def share_message(
        self, share: Share, text: str, publisher: Publisher, *, catching_up: bool = False
    ) -> list[Outcome]:
        """Brief every link of a member's message (up to the per-message limit), in order.
        ``catching_up``: read back from history at start, where the same message may also have
        arrived live a moment ago; a link this process failed on then is not tried again."""
        links = find_links(text, self.max_links_per_message)
        if not links:
            return []
        take = sharer_words(text, links)
        policy = await self.policy(share.guild_id, share.channel_id)
        return [
            await self.share_link(
                share, url, publisher, take=take, policy=policy, retake_own_failure=not catching_up
            )
            for url in links
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
        retake_own_failure: bool = True,
    ) -> Outcome:
        """Claim, brief and publish one link (``brief`` given: publish that one, e.g. a preview)."""
        policy = policy or await self.policy(share.guild_id, share.channel_id)
        key = url_key(url)
        if not await self._claim(share, key, retake_own_failure=retake_own_failure):
            return Duplicate(url)
        return await self._run_claimed(share, url, key, publisher, take, policy, brief=brief)

    async def catch_up(self, missed: Sequence[Missed], since: dt.datetime) -> list[Outcome]:
        """Share the messages posted since ``since`` while no process was listening: the newest
        :data:`CATCH_UP_LIMIT`, oldest first; the outcomes of their links, in order."""
        # Newest, not oldest: the messages handled live before the stop are the older ones in the
        # window, the missed ones are the latest.
        due = sorted(
            (m for m in missed if m.posted_at >= since),
            key=lambda m: (m.posted_at, m.share.message_id),
        )[-CATCH_UP_LIMIT:]
        outcomes: list[Outcome] = []
        for message in due:
            outcomes += await self.share_message(
                message.share, message.text, message.publisher, catching_up=True
            )
        return outcomes

    async def defer_message(self, share: Share, text: str) -> list[str]:
        """Claim the links of a message and release them at once, for the next start to brief
        (the bot is shutting down); the links deferred."""
        deferred: list[str] = []
        for url in find_links(text, self.max_links_per_message):
            key = url_key(url)
            if await self._claim(share, key):
                await self._fail_claim(share, key, give_up=False)
                log.info(
                    "shutting down: %s in message %s left for the next start", url, share.message_id
                )
                deferred.append(url)
        return deferred

    async def _claim(self, share: Share, key: str, *, retake_own_failure: bool = True) -> bool:
        async with self.sessions() as session:
            return await repository.claim_link(
                session,
                share.message_id,
                key,
                owner=self.owner,
                guild_id=share.guild_id,
                channel_id=share.channel_id,
                now=self.clock.now(),
                retake_own_failure=retake_own_failure,
            )

    async def _run_claimed(
        self,
        share: Share,
        url: str,
        key: str,
        publisher: Publisher,
        take: str | None,
        policy: ChannelPolicy,
        *,
        brief: Brief | None = None,
        adopt: RecoveryPublisher | None = None,
    ) -> Outcome:
        """Everything after a won claim; the claim ends posted, failed or given up."""
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
            await _report_failure(publisher, url, exc, policy)
            return Failed(url, exc)
        except BaseException as exc:
            # A bug or a cancellation: leave the claim retryable rather than stuck as claimed.
            _log_cancelled(exc, share, url)
            await self._fail_claim(share, key, give_up=False)
            raise
        return await self._publish(share, key, brief, publisher, policy, adopt=adopt)

    async def _publish(
        self,
        share: Share,
        key: str,
        brief: Brief,
        publisher: Publisher,
        policy: ChannelPolicy,
        *,
        adopt: RecoveryPublisher | None = None,
    ) -> Posted | Failed:
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
            await self._fail_claim(share, key, give_up=False)
            await _report_failure(publisher, brief.url, exc, policy)
            return Failed(brief.url, exc)
        except BaseException as exc:
            _log_cancelled(exc, share, brief.url)
            await self._fail_claim(share, key, give_up=False)
            raise
        # Recorded before the thread is opened: once the message exists, the claim must say so,
        # or a retry would post a second brief.
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            article = await repository.record_article(session, brief.article, key, fetched_at=now)
            # The text the brief's discussion is answered from (issue 12), once per article.
            await articles.store_text(
                session,
                key,
                url=brief.article.url,
                language=brief.article.language,
                paragraphs=brief.article.paragraphs,
                now=now,
            )
            record = await repository.record_brief(
                session,
                guild_id=share.guild_id,
                channel_id=share.channel_id,
                brief_message_id=message_id,
                sharer_id=share.author_id,
                article_id=article.id,
                source_message_id=share.message_id,
                created_at=now,
            )
            brief_id = record.id
            await repository.complete_claim(
                session, share.message_id, key, owner=self.owner, now=now, brief_id=brief_id
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
        queue = in_turn(_candidates(subscriptions, matched, share.author_id, thread_id is not None))
        limit = self.notify_max_per_brief
        chosen, left_out = await _readers_in_turn(publisher, queue, limit)
        if left_out:
            log.info(
                "brief %s: more than %d members follow matching topics; the first %d are told",
                brief_id,
                limit,
                len(chosen),
            )
        notified: list[int] = []
        if thread_id is not None:
            mentioned = [c.user_id for c in chosen if c.thread_topics]
            for message in discussion_messages(
                share.author_id, mentioned, limit_reached=limit if left_out else None
            ):
                # Not retried: discord.py already retried a 429 or 5xx; what is left is a refusal
                # the same message would meet again. Its members stay unrecorded.
                if await publisher.post_in_thread(thread_id, message.text, message.ping):
                    notified.extend(message.ping)
            await self._record_notified(brief_id, notified)
        dms = [c for c in chosen if c.dm_topics]
        if dms:
            delivery = self._send_dms(brief, brief_id, message_id, dms, publisher)
            if self.spawn is None:
                notified.extend(await delivery)
            else:
                self.spawn(delivery, f"dms-{brief_id}")
        return tuple(dict.fromkeys(notified))

    async def _send_dms(
        self,
        brief: Brief,
        brief_id: int,
        message_id: int,
        dms: Sequence[Candidate],
        publisher: Publisher,
    ) -> list[int]:
        """Each DM in its turn by the pacer; each member recorded once theirs was delivered."""
        sent: list[int] = []
        done = 0
        try:
            for candidate in dms:
                await self.dm_pacer.wait()
                if await publisher.send_dm(
                    candidate.user_id, brief, message_id, candidate.dm_topics
                ):
                    sent.append(candidate.user_id)
                    await self._record_notified(brief_id, [candidate.user_id])
                done += 1
        except asyncio.CancelledError:
            log.info("shutting down: %d DMs about brief %s not sent", len(dms) - done, brief_id)
            raise
        return sent

    async def _record_notified(self, brief_id: int, user_ids: Sequence[int]) -> None:
        if user_ids:
            async with self.sessions() as session, session.begin():
                await repository.record_notifications(
                    session, brief_id, user_ids, now=self.clock.now()
                )

    async def recover(self, reopener: Reopener) -> list[Recovered]:
        """Brief again, or give up, the claims crashed or stopped processes left; run once at
        start-up (see the module docstring for whose claims and why)."""
        results, waiting = await self._recover_pass(reopener, only=None)
        if waiting:
            # Possibly a live process elsewhere: look again once its claims are past the grace.
            due = max(c.claimed_at for c in waiting) + self.recovery_grace - self.clock.now()
            log.info(
                "%d claims may still be in progress elsewhere; checking again in %.0f s",
                len(waiting),
                due.total_seconds(),
            )
            await asyncio.sleep(max(due.total_seconds(), 0.0))
            more, _ = await self._recover_pass(reopener, only={c.id for c in waiting})
            results.extend(more)
        return results

    async def _recover_pass(
        self, reopener: Reopener, *, only: set[int] | None
    ) -> tuple[list[Recovered], list[LinkClaim]]:
        now = self.clock.now()
        async with self.sessions() as session:
            claims = await repository.stale_claims(session, dt.timedelta(0), now=now, limit=1000)
        results: list[Recovered] = []
        waiting: list[LinkClaim] = []
        for claim in claims:
            if claim.owner == self.owner or (only is not None and claim.id not in only):
                continue  # our own claims are in flight in this process
            gone = claim.state == "failed" or owner_gone(claim.owner, me=self.owner)
            if not gone and claim.claimed_at > now - self.recovery_grace:
                waiting.append(claim)
                continue
            result = await self._recover_claim(claim, reopener, now, gone=gone)
            if result is not None:
                results.append(result)
        return results, waiting

    async def _recover_claim(
        self, claim: LinkClaim, reopener: Reopener, now: dt.datetime, *, gone: bool
    ) -> Recovered | None:
        message_id, key = claim.source_message_id, claim.url_key
        async with self.sessions() as session:
            won = await repository.reclaim_stale(
                session,
                message_id,
                key,
                owner=self.owner,
                older_than=dt.timedelta(0) if gone else self.recovery_grace,
                now=now,
            )
        if not won:
            return None  # finished meanwhile, or another process took it over first
        # The share as the claim knows it, until the message is read again.
        share = Share(claim.guild_id or 0, claim.channel_id or 0, message_id, 0)
        try:
            reason: str | None = None
            reopened: Reopened | None = None
            if claim.attempts >= self.max_attempts:
                reason = f"{claim.attempts} attempts did not finish"
            elif now - claim.claimed_at > self.recovery_max_age:
                reason = "claimed too long ago to brief now"
            elif claim.guild_id is None or claim.channel_id is None:
                reason = "the claim does not say where it was shared"
            else:
                reopened = await reopener.reopen(claim.guild_id, claim.channel_id, message_id)
                if reopened is None:
                    reason = "the message is gone or cannot be read"
            links = find_links(reopened.text, self.max_links_per_message) if reopened else []
            url = next((u for u in links if url_key(u) == key), None)
            if reopened is None or url is None:
                reason = reason or "the link is no longer in the message"
                return await self._give_up(share, key, reason)
            log.info(
                "recovering %s in message %s (attempt %d of %d)",
                url,
                message_id,
                claim.attempts + 1,
                self.max_attempts,
            )
            policy = await self.policy(reopened.share.guild_id, reopened.share.channel_id)
            # Within Discord's nonce memory the nonce alone stops a second post; past it, look.
            adopt = reopened.publisher if now - claim.claimed_at > NONCE_TRUST else None
            return await self._run_claimed(
                reopened.share,
                url,
                key,
                reopened.publisher,
                sharer_words(reopened.text, links),
                policy,
                adopt=adopt,
            )
        except Exception:
            # One claim must not stop the others; released (a no-op if already failed) for the
            # next start, which counts it as another attempt.
            log.exception("recovering %s in message %s failed", key, message_id)
            await self._fail_claim(share, key, give_up=False)
            return None
        except BaseException:
            await self._fail_claim(share, key, give_up=False)
            raise

    async def _give_up(self, share: Share, key: str, reason: str) -> GaveUp:
        await self._fail_claim(share, key, give_up=True)
        log.warning(
            "gave up briefing %s shared in message %s (server %s, channel %s): %s",
            key,
            share.message_id,
            share.guild_id,
            share.channel_id,
            reason,
        )
        return GaveUp(share.message_id, key, reason)

    async def _earlier_brief(self, guild_id: int, key: str) -> EarlierBrief | None:
        since = self.clock.now() - dt.timedelta(days=self.rebrief_window_days)
        async with self.sessions() as session:
            found = await repository.find_recent_brief(session, guild_id, key, since)
        if found is None:
            return None
        return EarlierBrief(found.channel_id, found.brief_message_id, found.thread_id)

    async def _finish_claim(self, share: Share, key: str, *, brief_id: int | None) -> None:
        async with self.sessions() as session, session.begin():
            await repository.complete_claim(
                session,
                share.message_id,
                key,
                owner=self.owner,
                now=self.clock.now(),
                brief_id=brief_id,
            )

    async def _fail_claim(self, share: Share, key: str, *, give_up: bool) -> None:
        async with self.sessions() as session, session.begin():
            await repository.fail_claim(
                session,
                share.message_id,
                key,
                owner=self.owner,
                now=self.clock.now(),
                give_up=give_up,
            )


def _candidates(
    subscriptions: Sequence[Subscription], matched: set[str], sharer_id: int, threads: bool
) -> list[Candidate]:
    """The members to tell, each once, with the topics to mention them for and to DM them for."""
    thread_topics: dict[int, list[str]] = {}
    dm_topics: dict[int, list[str]] = {}
    since: dict[int, dt.datetime] = {}
    for sub in subscriptions:
        # The sharer knows about their own link.
        if sub.topic not in matched or sub.user_id == sharer_id:
            continue
        # Without a thread there is nowhere to mention anyone: only a DM can tell them.
        wants_dm = sub.delivery == Delivery.DM or not threads
        (dm_topics if wants_dm else thread_topics).setdefault(sub.user_id, []).append(sub.topic)
        since[sub.user_id] = min(since.get(sub.user_id, sub.created_at), sub.created_at)
    return [
        Candidate(
            user_id,
            tuple(sorted(thread_topics.get(user_id, ()))),
            tuple(sorted(dm_topics.get(user_id, ()))),
            first,
        )
        for user_id, first in since.items()
    ]


async def _readers_in_turn(
    publisher: Publisher, queue: Sequence[Candidate], limit: int
) -> tuple[list[Candidate], bool]:
    """The first ``limit`` of ``queue`` who can read the channel (a member who cannot must not
    learn of the brief), and whether any were left unasked. Asked in batches of what is still
    missing, so a long queue costs about ``limit`` member lookups, not one per subscriber."""
    chosen: list[Candidate] = []
    rest = list(queue)
    while rest and len(chosen) < limit:
        batch, rest = rest[: limit - len(chosen)], rest[limit - len(chosen) :]
        readers = await publisher.can_read([c.user_id for c in batch])
        chosen.extend(c for c in batch if c.user_id in readers)
    return chosen, bool(rest)


class BrieferLike(Protocol):
    async def brief(
        self, url: str, *, take: str | None = None, length: str = "standard"
    ) -> Brief: ...


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
    """Show the failure as the channel asks; showing it is best effort and never the bug."""
    if policy.on_failure is FailureMode.IGNORE:
        return
    try:
        await publisher.report_failure(url, error, policy.on_failure)
    except Exception:  # noqa: BLE001 - e.g. Discord refusing the reaction too; already logged why
        log.warning("could not show the failure for %s", url, exc_info=True)

"""After a start: the claims crashed or stopped processes left, and the links posted while no
process was connected.

Crashes and restarts
--------------------
A claim is the promise that a link will end with exactly one brief or a recorded give-up. Its
``owner`` is a process (host, pid and a random token, :func:`~bot.sharing.ledger.default_owner`),
so a later process can tell a dead owner's claims from live ones. The windows a process can die
in, and what closes each:

- **claimed, not posted** (fetching, parsing, the post request not yet sent): the claim stays
  ``claimed``. :meth:`Recovery.recover`, run once after the bot is ready, takes it over
  (:func:`~bot.storage.claims.reclaim_stale`), re-reads the sharer's message through the
  :class:`Reopener` and briefs it again.
- **posted, not recorded** (Discord created the message; the process died before the claim said
  so): every brief is posted with a nonce derived from the claim
  (:func:`~bot.sharing.ledger.claim_nonce`) and ``enforce_nonce``, so for the few minutes Discord
  remembers nonces the re-post returns the first message instead of creating a second, and
  recovery records that one. A claim older than :data:`NONCE_TRUST` is past
  that memory: recovery first asks the channel for a brief of ours already replying to the
  message with that link (:meth:`~bot.sharing.types.RecoveryPublisher.find_brief`) and adopts it
  instead of posting.
- **recorded**: the brief (with the id its thread will have: a message's thread takes the
  message's id), its article and the completed claim are one transaction; after it, a crash can
  cost the thread (the record then names a thread never opened), its opening message or
  notifications (never a second brief).

Whose claims recovery takes: never this process's own. A ``claimed`` claim of a process known to be
gone (same host, and its pid is not running, or is ours under another token: a container restart)
at once; any other only once it is older than ``recovery_grace``, longer than any share runs, so a
live process elsewhere keeps its work. ``failed`` claims (released at shutdown or after a bug) at
once. Each take-over counts an attempt; after ``max_attempts``, or when the sharer's message or the
link in it is gone, or the claim is older than ``recovery_max_age``, the claim is marked
``given_up`` with a WARNING naming the message and the link: never a silent loss.

A feed item's share is claimed under a key of the item and its attempt, not a message
(:func:`~bot.storage.feeds.item_claim_key`): there is no message to read again. Such a claim,
left by a stop, is released (``given_up``, logged as INFO) without asking Discord anything: the
item is still pending, and the feed's next poll briefs it under its next attempt's claim.

Catching up
-----------
Discord never redelivers a message posted while no process was connected. Once per process, after
recovery (:meth:`Recovery.start_up`), each watched channel the Discord side can read
(:class:`History`) is read back once: its latest :data:`CATCH_UP_LIMIT` messages, one request.
:meth:`Recovery.catch_up` keeps the members' messages since :func:`catch_up_since` (the newest: the
messages missed are the last ones before the start), and each goes through
:meth:`~bot.sharing.service.Sharing.share_message`, so a message already briefed (or claimed by a
live process) is a :class:`~bot.sharing.types.Duplicate`, never a second brief.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.choices import ClaimState
from bot.fetch.links import sharer_words
from bot.fetch.urls import url_key
from bot.sharing.types import (
    ChannelPolicy,
    Duplicate,
    Failed,
    Outcome,
    Pointed,
    Posted,
    Publisher,
    RecoveryPublisher,
    Share,
)
from bot.storage import claims as stored_claims
from bot.storage import feeds as stored_feeds
from bot.storage.database import unavailable
from bot.storage.models import LinkClaim

if TYPE_CHECKING:
    from bot.sharing.service import Sharing

# Discord drops an ``enforce_nonce`` duplicate "for a few minutes"; past this age a claim's nonce
# is not trusted to stop a second post, and recovery looks for the first one instead.
NONCE_TRUST = dt.timedelta(minutes=2)

log = logging.getLogger(__name__)

# One page of channel history (Discord's maximum per request): catch-up costs one request a channel.
CATCH_UP_LIMIT = 100


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
    # The message's links as the Discord side found them (None: find them again).
    links: Sequence[str] | None = None


class History(Protocol):
    """One channel's recent messages, as the Discord side reads them back for catch-up."""

    guild_id: int
    channel_id: int

    async def read_back(self, since: dt.datetime, limit: int) -> tuple[int, list[Missed]] | None:
        """How many of the latest ``limit`` messages are since ``since``, and those of them that
        members posted with a link; None when the history could not be read (logged)."""
        ...


@dataclass(frozen=True)
class GaveUp:
    """A claim left by a crash or a shutdown that recovery gave up on (recorded and logged)."""

    message_id: int
    url_key: str
    reason: str


Recovered = Outcome | GaveUp


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


def describe(outcome: Recovered) -> str:
    """One log line's worth of an outcome."""
    if isinstance(outcome, GaveUp):
        return f"gave up {outcome.url_key} in message {outcome.message_id}: {outcome.reason}"
    if isinstance(outcome, Posted):
        return f"briefed {outcome.url} as {outcome.message_id}, notified {len(outcome.notified)}"
    if isinstance(outcome, Pointed):
        return f"pointed {outcome.url} to {outcome.earlier.message_id}"
    if isinstance(outcome, Duplicate):
        return f"duplicate delivery of {outcome.url}"
    assert isinstance(outcome, Failed)
    return f"could not brief {outcome.url}: {outcome.error.user_message}"


@dataclass
class Recovery:
    """Recovery and catch-up for one :class:`~bot.sharing.service.Sharing` (its owner token, its
    limits and its clock)."""

    sharing: Sharing
    # Claims this process recovered (briefed again or gave up), for its health line.
    recovered: int = 0

    async def start_up(
        self,
        reopener: Reopener,
        histories: Callable[[], Iterable[History]],
        *,
        catch_up_minutes: int,
        stopping: Callable[[], bool],
        owns: Callable[[int], bool] = lambda guild_id: True,
    ) -> None:
        """Once per process, after the first READY: recover the claims others left, then catch up
        the watched channels in ``histories()`` (read after recovery: channels may have changed);
        ``stopping()`` true ends the catch-up early (the next start does the rest).

        Only messages posted before this start are caught up: those posted since arrive live,
        where the channel's policy of that moment decides (a catch-up reading history after a
        moderator's ``/newslink unwatch`` would brief them by the policy it read before it).

        ``owns(guild_id)``: whether the server is on this process's shards; the claims of the
        others' servers are theirs to recover (this process cannot even see those channels)."""
        until = self.sharing.clock.now()
        for result in await self.recover(reopener, owns=owns):
            self.recovered += 1
            log.info("recovered: %s", describe(result))
        # After recovery, so a claim it finishes is a Duplicate here rather than a race.
        since = catch_up_since(self.sharing.clock.now(), catch_up_minutes)
        if since is None:
            return
        for history in histories():
            if stopping():
                return  # shutting down: the next start catches up on the rest
            try:
                await self._catch_up_channel(history, since, until)
            except Exception as exc:
                if not unavailable(exc):
                    raise
                log.warning(
                    "catch-up in channel %s: database unavailable: %s", history.channel_id, exc
                )

    async def _catch_up_channel(
        self, history: History, since: dt.datetime, until: dt.datetime
    ) -> None:
        policy = await self.sharing.policy(history.guild_id, history.channel_id)
        if not policy.watched:
            return
        read = await history.read_back(since, CATCH_UP_LIMIT)
        if read is None:
            return
        recent, missed = read
        outcomes = await self.catch_up(missed, since, until=until, policy=policy)
        for outcome in outcomes:
            log.info("catch-up: message in %s: %s", history.channel_id, describe(outcome))
        log.info(
            "catch-up in channel %s: %d messages since %s, %d with links, %d briefed, "
            "%d already handled, %d pointed to earlier briefs, %d failed",
            history.channel_id,
            recent,
            since.isoformat(timespec="seconds"),
            len(missed),
            sum(isinstance(o, Posted) for o in outcomes),
            sum(isinstance(o, Duplicate) for o in outcomes),
            sum(isinstance(o, Pointed) for o in outcomes),
            sum(isinstance(o, Failed) for o in outcomes),
        )

    async def catch_up(
        self,
        missed: Sequence[Missed],
        since: dt.datetime,
        *,
        until: dt.datetime | None = None,
        policy: ChannelPolicy | None = None,
    ) -> list[Outcome]:
        """Share the messages posted since ``since`` (and before ``until``, when given) while no
        process was listening: the newest :data:`CATCH_UP_LIMIT`, oldest first; the outcomes of
        their links, in order. ``policy``: the channel's, when the caller has read it (all of
        ``missed`` are from that channel)."""
        # Newest, not oldest: the messages handled live before the stop are the older ones in the
        # window, the missed ones are the latest.
        due = sorted(
            (m for m in missed if m.posted_at >= since and (until is None or m.posted_at < until)),
            key=lambda m: (m.posted_at, m.share.message_id),
        )[-CATCH_UP_LIMIT:]
        outcomes: list[Outcome] = []
        for message in due:
            outcomes += await self.sharing.share_message(
                message.share,
                message.text,
                message.publisher,
                links=message.links,
                catching_up=True,
                policy=policy,
            )
        return outcomes

    async def recover(
        self, reopener: Reopener, *, owns: Callable[[int], bool] = lambda guild_id: True
    ) -> list[Recovered]:
        """Brief again, or give up, the claims crashed or stopped processes left in the servers
        ``owns`` says are this process's; run once at start-up (see the module docstring for
        whose claims and why)."""
        results, waiting = await self._recover_pass(reopener, only=None, owns=owns)
        if waiting:
            # Possibly a live process elsewhere: look again once its claims are past the grace.
            due = (
                max(c.claimed_at for c in waiting)
                + self.sharing.recovery_grace
                - self.sharing.clock.now()
            )
            log.info(
                "%d claims may still be in progress elsewhere; checking again in %.0f s",
                len(waiting),
                due.total_seconds(),
            )
            await asyncio.sleep(max(due.total_seconds(), 0.0))
            more, _ = await self._recover_pass(reopener, only={c.id for c in waiting}, owns=owns)
            results.extend(more)
        return results

    async def _recover_pass(
        self, reopener: Reopener, *, only: set[int] | None, owns: Callable[[int], bool]
    ) -> tuple[list[Recovered], list[LinkClaim]]:
        now = self.sharing.clock.now()
        async with self.sharing.sessions() as session:
            claims = await stored_claims.stale_claims(session, dt.timedelta(0), now=now, limit=1000)
        results: list[Recovered] = []
        waiting: list[LinkClaim] = []
        for claim in claims:
            if claim.owner == self.sharing.owner or (only is not None and claim.id not in only):
                continue  # our own claims are in flight in this process
            if claim.guild_id is not None and not owns(claim.guild_id):
                continue  # another shard's server: its process recovers it
            gone = claim.state == ClaimState.FAILED or owner_gone(
                claim.owner, me=self.sharing.owner
            )
            if not gone and claim.claimed_at > now - self.sharing.recovery_grace:
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
        async with self.sharing.sessions() as session:
            won = await stored_claims.reclaim_stale(
                session,
                message_id,
                key,
                owner=self.sharing.owner,
                older_than=dt.timedelta(0) if gone else self.sharing.recovery_grace,
                now=now,
            )
        if not won:
            return None  # finished meanwhile, or another process took it over first
        # The share as the claim knows it, until the message is read again.
        share = Share(claim.guild_id or 0, claim.channel_id or 0, message_id, 0)
        try:
            if await self._feed_item(claim) is not None:
                await self.sharing.fail_claim(share, key, give_up=True)
                log.info(
                    "released the claim %s of feed item %s (%s) a stop left: the feed's next "
                    "poll briefs the item",
                    message_id,
                    message_id // stored_feeds.CLAIMS_PER_ITEM,
                    key,
                )
                return None
            reason: str | None = None
            reopened: Reopened | None = None
            if claim.attempts >= self.sharing.max_attempts:
                reason = f"{claim.attempts} attempts did not finish"
            elif now - claim.claimed_at > self.sharing.recovery_max_age:
                reason = "claimed too long ago to brief now"
            elif claim.guild_id is None or claim.channel_id is None:
                reason = "the claim does not say where it was shared"
            else:
                reopened = await reopener.reopen(claim.guild_id, claim.channel_id, message_id)
                if reopened is None:
                    reason = "the message is gone or cannot be read"
            links = self.sharing.links_in(reopened.text) if reopened else []
            url = next((u for u in links if url_key(u) == key), None)
            if reopened is None or url is None:
                reason = reason or "the link is no longer in the message"
                return await self._give_up(share, key, reason)
            log.info(
                "recovering %s in message %s (attempt %d of %d)",
                url,
                message_id,
                claim.attempts + 1,
                self.sharing.max_attempts,
            )
            context = await self.sharing.ledger.open(reopened.share, [key], claim=False)
            # Within Discord's nonce memory the nonce alone stops a second post; past it, look.
            adopt = reopened.publisher if now - claim.claimed_at > NONCE_TRUST else None
            return await self.sharing.claimed.run(
                reopened.share,
                url,
                key,
                reopened.publisher,
                sharer_words(reopened.text, links),
                context,
                adopt=adopt,
            )
        except Exception:
            # One claim must not stop the others; released (a no-op if already failed) for the
            # next start, which counts it as another attempt.
            log.exception("recovering %s in message %s failed", key, message_id)
            await self.sharing.fail_claim(share, key, give_up=False)
            return None
        except BaseException:
            await self.sharing.fail_claim(share, key, give_up=False)
            raise

    async def _feed_item(self, claim: LinkClaim) -> stored_feeds.ClaimedItem | None:
        """The feed item whose share ``claim`` is, if it is one (the key of an item's attempt,
        the item's link and its feed's channel): its claim names no message."""
        async with self.sharing.sessions() as session:
            item = await stored_feeds.claimed_item(session, claim.source_message_id)
        if item is None or url_key(item.url) != claim.url_key:
            return None
        if (item.guild_id, item.channel_id) != (claim.guild_id, claim.channel_id):
            return None
        return item

    async def _give_up(self, share: Share, key: str, reason: str) -> GaveUp:
        await self.sharing.fail_claim(share, key, give_up=True)
        log.warning(
            "gave up briefing %s shared in message %s (server %s, channel %s): %s",
            key,
            share.message_id,
            share.guild_id,
            share.channel_id,
            reason,
        )
        return GaveUp(share.message_id, key, reason)

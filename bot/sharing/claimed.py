"""One claimed link, from its brief to its notifications: steps 4 to 8 of
:class:`~bot.sharing.service.Sharing` (brief, second re-share look, post, record, thread,
subscribers), for a pasted link, ``/brief``, a feed item and recovery alike.

The claim is won before this runs (:meth:`~bot.sharing.ledger.Ledger.open`) and ends here posted,
failed (retryable) or given up: a page that says no is given up, a refused post or a cancellation
leaves it retryable, and once the brief's message exists the record says so before anything else
is done with it, so a retry never posts a second brief.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.briefing.render import thread_name
from bot.briefing.types import Brief
from bot.errors import UserFacingError
from bot.fetch.urls import url_key
from bot.sharing import admission, failures
from bot.sharing.ledger import Ledger, ShareContext, claim_nonce
from bot.sharing.notify import Notifier
from bot.sharing.types import (
    BrieferLike,
    Failed,
    Outcome,
    Pointed,
    Posted,
    Publisher,
    RecoveryPublisher,
    Share,
)

log = logging.getLogger(__name__)


@dataclass
class ClaimedLinks:
    """Runs won claims to their end; one per :class:`~bot.sharing.service.Sharing`."""

    ledger: Ledger
    briefer: BrieferLike
    notifier: Notifier
    # Hourly limits on briefs per sharer and per channel in a server (None: no limit).
    per_member: int | None = None
    per_channel: int | None = None

    async def run(
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
        """Everything after a won claim; the claim ends posted, failed or given up. ``adopt``:
        look for a brief posted before a crash first (recovery)."""
        policy = context.policy
        try:
            earlier = context.earlier.get(key)
            if earlier is not None:
                await publisher.point_to(url, earlier)
                await self.ledger.finish(share, key, brief_id=None)
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
            # The link's key serves when the brief links where the link did (no second key).
            article_key = key if brief.url == url else url_key(brief.url)
            if article_key != key:
                # A variant the pasted key did not know (a shortener's redirect, a mobile page
                # naming its canonical address): the article's own key decides the re-share.
                earlier = await self.ledger.earlier_brief(share, article_key)
                if earlier is not None:
                    await publisher.point_to(url, earlier)
                    await self.ledger.finish(share, key, brief_id=None)
                    return Pointed(url, earlier)
        except UserFacingError as exc:
            log.info("message %s: cannot brief %s: %s", share.message_id, url, exc)
            # Given up, not failed: the page said no; retrying the same message will not help.
            await self.ledger.fail(share, key, give_up=True)
            await failures.report(publisher, url, exc, policy)
            return Failed(url, exc)
        except BaseException as exc:
            # A bug or a cancellation: leave the claim retryable rather than stuck as claimed.
            failures.log_cancelled(exc, share, url)
            await self.ledger.fail(share, key, give_up=False)
            raise
        return await self._publish(share, key, article_key, brief, publisher, context, adopt=adopt)

    def _admit(self, share: Share, url: str, context: ShareContext, *, limits: bool) -> None:
        admission.admit(
            share,
            url,
            context.sites,
            counts=(context.by_sharer, context.in_channel) if limits else None,
            per_member=self.per_member,
            per_channel=self.per_channel,
        )

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
                    brief, nonce=claim_nonce(share.nonce_id, key)
                )
        except UserFacingError as exc:
            # Discord refused the post or kept failing: the page is fine, so the claim stays
            # retryable (a redelivery, "Brief this link" or recovery can post it later).
            log.warning(
                "message %s: the brief of %s was not posted: %s", share.message_id, brief.url, exc
            )
            await self.ledger.fail(share, key, give_up=False)
            await failures.report(publisher, brief.url, exc, policy)
            return Failed(brief.url, exc)
        except BaseException as exc:
            failures.log_cancelled(exc, share, brief.url)
            await self.ledger.fail(share, key, give_up=False)
            raise
        # Recorded before the thread is opened: once the message exists, the claim must say so,
        # or a retry would post a second brief. Discord gives a thread started from a message
        # that message's id, so the record carries the thread to be (one write for both, and a
        # re-share points to it from the start); corrected only when none opens.
        expected = message_id if policy.threads else None
        brief_id = await self.ledger.record(share, key, article_key, brief, message_id, expected)
        thread_id: int | None = None
        try:
            if policy.threads:
                thread_id = await publisher.open_thread(message_id, thread_name(brief))
        finally:
            if thread_id != expected:
                await self.ledger.set_thread(brief_id, thread_id)
        notified = await self.notifier.notify(
            share.author_id,
            share.guild_id,
            context.topics_version,
            brief,
            brief_id,
            message_id,
            thread_id,
            publisher,
        )
        return Posted(brief.url, brief_id, message_id, thread_id, notified)

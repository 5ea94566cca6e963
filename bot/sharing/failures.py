"""How a share that cannot go on ends: what the channel is shown (its ``on_failure``, a refusal
always as a reaction) and what the log says about a cancellation."""

from __future__ import annotations

import asyncio
import logging

from bot.choices import FailureMode
from bot.errors import Refused, UserFacingError
from bot.sharing.types import ChannelPolicy, Publisher, Share

log = logging.getLogger(__name__)


def log_cancelled(exc: BaseException, share: Share, url: str) -> None:
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


async def report(
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

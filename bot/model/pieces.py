"""One piece of model text, checked, or the text built without a model in its place.

The brief's lead and bridges and the thread's answers all go this way: one request, the reply
through its check (:mod:`bot.model.checks`), and on any refusal or failed request the caller's
fallback, with the reason logged, so a member never sees unchecked model text and never waits
for a model that does not answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.model.checks import Accepted, Verdict
from bot.model.client import Completion, Message, ModelError

log = logging.getLogger(__name__)

Ask = Callable[[Sequence[Message]], Awaitable[Completion]]


@dataclass(frozen=True)
class Piece:
    """``text`` to use; ``model`` names the model that wrote it (None: the fallback), and
    ``refused`` the check or request failure that sent it to the fallback."""

    text: str
    model: str | None = None
    refused: str | None = None


async def write_piece(
    ask: Ask,
    messages: Sequence[Message],
    check: Callable[[str], Verdict],
    fallback: str,
    *,
    what: str = "piece",
) -> Piece:
    """The model's ``what`` if ``check`` accepts it, else ``fallback``."""
    try:
        completion = await ask(messages)
    except ModelError as exc:
        log.info("model %s not used: %s (%s)", what, exc.reason, exc.detail)
        return Piece(fallback, refused=exc.reason)
    verdict = check(completion.text)
    if isinstance(verdict, Accepted):
        return Piece(verdict.text, model=completion.model)
    log.info("model %s refused by the %s check: %s", what, verdict.check, verdict.detail)
    return Piece(fallback, refused=verdict.check)

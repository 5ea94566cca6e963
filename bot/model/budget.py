"""The daily token budget: ``LLM_DAILY_TOKENS`` per server per UTC day, counted from ``usage``.

The day is the injected clock's (``bot.clock``), so the count starts again at midnight UTC and
tests pin it. Storage is reached through :class:`UsageStore`, plain data only
(``bot.storage.usage.UsageStore`` is the database one). Commentary pieces and thread answers
spend from the same count.

The check comes before a request and the record after it, so requests already in flight when
the budget runs out still finish: the overshoot is at most ``LLM_CONCURRENCY`` requests of one
server, each bounded by ``LLM_MAX_TOKENS`` plus its prompt.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Protocol

from bot.clock import Clock
from bot.model.client import Completion, Message, ModelClient, ModelError

log = logging.getLogger(__name__)


class UsageStore(Protocol):
    async def used(self, guild_id: int, day: dt.date) -> int: ...

    async def add(self, guild_id: int, day: dt.date, tokens: int, *, now: dt.datetime) -> int: ...


class BudgetExhausted(ModelError):
    """The server has used its tokens for today; no request was sent."""

    def __init__(self, used: int, limit: int) -> None:
        super().__init__("budget", f"{used} of {limit} tokens used today")
        self.used = used
        self.limit = limit


class Budget:
    def __init__(self, store: UsageStore, clock: Clock, daily_tokens: int) -> None:
        self._store = store
        self._clock = clock
        self.daily_tokens = daily_tokens

    async def used_today(self, guild_id: int) -> int:
        """Tokens ``guild_id`` used today (for ``/newslink settings``)."""
        return await self._store.used(guild_id, self._clock.today())

    async def check(self, guild_id: int) -> int:
        """Tokens left today; raises :class:`BudgetExhausted` when none are."""
        used = await self.used_today(guild_id)
        if used >= self.daily_tokens:
            raise BudgetExhausted(used, self.daily_tokens)
        return self.daily_tokens - used

    async def record(self, guild_id: int, tokens: int) -> int:
        """Count ``tokens`` against today; the day's new total."""
        now = self._clock.now()
        total = await self._store.add(guild_id, now.date(), tokens, now=now)
        if total >= self.daily_tokens:
            log.info("server %s has used its model budget for today (%s tokens)", guild_id, total)
        return total

    async def complete(
        self,
        client: ModelClient,
        guild_id: int,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
    ) -> Completion:
        """One request within the budget: checked before, its ``usage`` recorded after (a
        failed request that the server says cost tokens is recorded too)."""
        await self.check(guild_id)
        try:
            completion = await client.complete(messages, guild_id=guild_id, max_tokens=max_tokens)
        except ModelError as exc:
            if exc.tokens:
                await self.record(guild_id, exc.tokens)
            raise
        await self.record(guild_id, completion.total_tokens)
        return completion

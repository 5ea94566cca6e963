"""The daily budget: per server, per UTC day of the injected clock, from ``usage``; against the
scripted server and real storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.model.budget import Budget, BudgetExhausted
from bot.model.client import ModelClient, ModelError
from bot.storage.usage import UsageStore
from tests.model.scripted_llm import CUT_BY_LENGTH, ScriptedLLM, honest

MESSAGES = [{"role": "user", "content": "Say something."}]


@pytest.fixture
def budget(sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock) -> Budget:
    return Budget(UsageStore(sessionmaker), clock, daily_tokens=100)


async def test_usage_is_recorded_and_the_budget_stops_requests(
    llm: ScriptedLLM, client: ModelClient, budget: Budget
) -> None:
    llm.script(honest("One.", tokens=60), honest("Two.", tokens=60), honest("Three."))
    assert (await budget.complete(client, 1, MESSAGES)).text == "One."
    assert await budget.used_today(1) == 60
    assert (await budget.complete(client, 1, MESSAGES)).text == "Two."
    assert await budget.used_today(1) == 120
    with pytest.raises(BudgetExhausted) as info:
        await budget.complete(client, 1, MESSAGES)
    assert info.value.reason == "budget"
    assert len(llm.requests) == 2  # the third was never sent
    # Another server has its own budget.
    assert (await budget.complete(client, 2, MESSAGES)).text == "Three."


async def test_a_new_utc_day_starts_again(
    llm: ScriptedLLM, client: ModelClient, budget: Budget, clock: FixedClock
) -> None:
    llm.script(honest("One.", tokens=150), honest("Two."))
    await budget.complete(client, 1, MESSAGES)
    with pytest.raises(BudgetExhausted):
        await budget.check(1)
    clock.set(dt.datetime.combine(clock.today() + dt.timedelta(days=1), dt.time(0, 0), dt.UTC))
    assert await budget.check(1) == 100
    assert (await budget.complete(client, 1, MESSAGES)).text == "Two."


async def test_failed_request_that_cost_tokens_counts(
    llm: ScriptedLLM, client: ModelClient, budget: Budget
) -> None:
    llm.script(CUT_BY_LENGTH)
    with pytest.raises(ModelError) as info:
        await budget.complete(client, 1, MESSAGES)
    assert info.value.reason == "length"
    assert await budget.used_today(1) == 42

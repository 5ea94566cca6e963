"""Fixtures for the model tests: the scripted server on loopback and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.model.client import ModelClient, create_model_session
from bot.settings import Secret, Settings
from tests.model.scripted_llm import (
    KEY,
    ScriptedLLM,
    scripted_llm_server,  # noqa: F401  (the llm fixture)
)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_model_session(Settings()) as s:
        yield s


@pytest.fixture
def client(llm: ScriptedLLM, session: aiohttp.ClientSession) -> ModelClient:
    return ModelClient(
        session, base_url=llm.base_url, model="scripted-1", api_key=Secret(KEY), timeout=2.0
    )

"""Fixtures for the model tests: the scripted server on loopback and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.model.client import ModelClient, create_model_session
from bot.settings import Secret, Settings
from tests.model.scripted_llm import KEY, ScriptedLLM


@pytest.fixture
async def llm() -> AsyncIterator[ScriptedLLM]:
    scripted = ScriptedLLM()
    server = TestServer(scripted.app(), host="127.0.0.1")
    await server.start_server()
    scripted.server = server
    yield scripted
    await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_model_session(Settings()) as s:
        yield s


@pytest.fixture
def client(llm: ScriptedLLM, session: aiohttp.ClientSession) -> ModelClient:
    return ModelClient(
        session, base_url=llm.base_url, model="scripted-1", api_key=Secret(KEY), timeout=2.0
    )

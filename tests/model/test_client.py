"""The chat-completions client against the scripted server on loopback."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest

from bot.model.client import ModelClient, ModelError
from bot.settings import Secret, load_settings
from tests.model.scripted_llm import (
    CUT_BY_LENGTH,
    GARBAGE,
    KEY,
    SERVER_ERROR,
    Reply,
    ScriptedLLM,
    honest,
    slow,
)

MESSAGES = [{"role": "user", "content": "Say something."}]


async def test_honest_reply_is_trimmed_text_with_its_tokens(
    llm: ScriptedLLM, client: ModelClient
) -> None:
    llm.script(honest("  The council voted to close the terminal.\n", tokens=77))
    completion = await client.complete(MESSAGES, guild_id=1)
    assert completion.text == "The council voted to close the terminal."
    assert completion.total_tokens == 77
    assert completion.finish_reason == "stop"
    assert completion.model == "scripted-1"


async def test_request_is_the_common_openai_subset(llm: ScriptedLLM, client: ModelClient) -> None:
    await client.complete(MESSAGES, guild_id=1, max_tokens=33)
    (sent,) = llm.requests
    assert sent["model"] == "scripted-1"
    assert sent["messages"] == MESSAGES
    assert sent["max_tokens"] == 33
    assert sent["stream"] is False
    assert llm.headers[0]["Authorization"] == f"Bearer {KEY}"


async def test_default_max_tokens_is_the_clients(llm: ScriptedLLM, client: ModelClient) -> None:
    await client.complete(MESSAGES)
    assert llm.requests[0]["max_tokens"] == 120


async def test_reply_cut_by_length_is_a_failure_that_still_cost_tokens(
    llm: ScriptedLLM, client: ModelClient
) -> None:
    llm.script(CUT_BY_LENGTH)
    with pytest.raises(ModelError) as info:
        await client.complete(MESSAGES)
    assert info.value.reason == "length"
    assert info.value.tokens == 42


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (GARBAGE, "bad_reply"),
        (Reply(body=b'{"choices": []}'), "bad_reply"),
        (Reply(body=b'{"choices": [{"message": {"content": 7}}]}'), "bad_reply"),
        (Reply(body=b"[1, 2]"), "bad_reply"),
        (SERVER_ERROR, "http"),
        (Reply(content="   \n "), "empty"),
    ],
    ids=["garbage", "no-choices", "content-not-text", "json-list", "500", "empty"],
)
async def test_failures_raise_one_typed_error(
    llm: ScriptedLLM, client: ModelClient, reply: Reply, reason: str
) -> None:
    llm.script(reply)
    with pytest.raises(ModelError) as info:
        await client.complete(MESSAGES)
    assert info.value.reason == reason


async def test_500_names_the_status(llm: ScriptedLLM, client: ModelClient) -> None:
    llm.script(SERVER_ERROR)
    with pytest.raises(ModelError, match="HTTP 500"):
        await client.complete(MESSAGES)


async def test_slow_reply_times_out_within_the_limit(
    llm: ScriptedLLM, session: aiohttp.ClientSession
) -> None:
    client = ModelClient(session, base_url=llm.base_url, api_key=Secret(KEY), timeout=0.3)
    llm.script(slow(5.0))
    started = time.monotonic()
    with pytest.raises(ModelError) as info:
        await client.complete(MESSAGES)
    assert info.value.reason == "timeout"
    assert time.monotonic() - started < 4.0  # generous: well before the reply would come


async def test_wrong_key_is_a_401_and_the_key_is_never_repeated(
    llm: ScriptedLLM, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "sk-wrong-secret-value-999"
    client = ModelClient(session, base_url=llm.base_url, api_key=Secret(wrong))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ModelError) as info:
        await client.complete(MESSAGES)
    assert info.value.reason == "http"
    assert "401" in str(info.value)
    # The scripted server echoes the key it refused, as some hosted APIs do.
    for text in (str(info.value), repr(info.value), info.value.detail, repr(client), caplog.text):
        assert wrong not in text


async def test_no_server_listening_is_a_connection_failure(
    session: aiohttp.ClientSession, unused_tcp_port: int
) -> None:
    client = ModelClient(session, base_url=f"http://127.0.0.1:{unused_tcp_port}/v1")
    with pytest.raises(ModelError) as info:
        await client.complete(MESSAGES)
    assert info.value.reason == "connection"


async def test_usage_missing_is_charged_by_size(llm: ScriptedLLM, client: ModelClient) -> None:
    llm.script(Reply(content="The council voted.", total_tokens=None))
    completion = await client.complete(MESSAGES)
    assert completion.total_tokens > 10


async def test_concurrency_is_bounded_per_server(
    llm: ScriptedLLM, session: aiohttp.ClientSession
) -> None:
    client = ModelClient(
        session, base_url=llm.base_url, api_key=Secret(KEY), timeout=10, concurrency=2
    )
    llm.script(*[slow(0.2) for _ in range(8)])
    await asyncio.gather(*(client.complete(MESSAGES, guild_id=1) for _ in range(6)))
    assert llm.most_in_flight == 2
    # Another server has slots of its own.
    llm.most_in_flight = 0
    await asyncio.gather(
        client.complete(MESSAGES, guild_id=1),
        client.complete(MESSAGES, guild_id=2),
    )
    assert llm.most_in_flight == 2


def test_settings_hide_the_key_and_build_the_client() -> None:
    settings = load_settings(
        {"LLM_BASE_URL": "http://127.0.0.1:8765/v1/", "LLM_API_KEY": KEY}, env_file=None
    )
    assert settings.llm_base_url == "http://127.0.0.1:8765/v1"
    assert KEY not in repr(settings)
    assert settings.llm_timeout == 10
    assert settings.llm_max_tokens == 120
    assert settings.llm_daily_tokens == 200_000
    assert load_settings({}, env_file=None).llm_base_url is None


async def test_from_settings_needs_a_base_url(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="LLM_BASE_URL"):
        ModelClient.from_settings(session, load_settings({}, env_file=None))
    settings = load_settings({"LLM_BASE_URL": "http://127.0.0.1:1/v1"}, env_file=None)
    assert KEY not in repr(ModelClient.from_settings(session, settings))


async def test_model_name_falls_back_to_the_configured_one(
    llm: ScriptedLLM, client: ModelClient
) -> None:
    llm.script(Reply(body=b'{"model": "", "choices": [{"message": {"content": "Hi."}}]}'))
    assert (await client.complete(MESSAGES)).model == "scripted-1"

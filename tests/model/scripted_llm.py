"""A scripted OpenAI-compatible chat-completions server on loopback, for the model tests.

``POST /v1/chat/completions`` answers with the next :class:`Reply` queued by ``script(...)``
(an honest reply once the queue is empty) and records every request it was sent. It checks the
bearer key as a hosted API does and, like some do, echoes the key it refused in the 401 body, so
tests can prove the client never repeats it.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

KEY = "sk-test-0123456789abcdef"


@dataclass(frozen=True)
class Reply:
    """What the server answers: ``content`` with ``finish_reason`` and ``usage``, or a raw
    ``body`` and ``status``; after ``delay`` seconds."""

    content: str | None = None
    finish_reason: str = "stop"
    total_tokens: int | None = 42
    status: int = 200
    body: bytes | None = None
    delay: float = 0.0


def honest(content: str, tokens: int = 42) -> Reply:
    return Reply(content=content, total_tokens=tokens)


CUT_BY_LENGTH = Reply(content="The council voted on Thursday to close the", finish_reason="length")
GARBAGE = Reply(body=b"<html>502 Bad Gateway</html>{not json")
SERVER_ERROR = Reply(status=500, body=b'{"error": {"message": "model crashed"}}')


def slow(seconds: float) -> Reply:
    return Reply(content="Too late.", delay=seconds)


class ScriptedLLM:
    def __init__(self, key: str | None = KEY) -> None:
        self.key = key
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._queue: deque[Reply] = deque()
        self.in_flight = 0
        self.most_in_flight = 0
        self.server: TestServer | None = None

    def script(self, *replies: Reply) -> None:
        self._queue.extend(replies)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v1"))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        return app

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        self.headers.append(dict(request.headers))
        authorization = request.headers.get("Authorization", "")
        if self.key is not None and authorization != f"Bearer {self.key}":
            given = authorization.removeprefix("Bearer ")
            message = f"Incorrect API key provided: {given}"
            return web.json_response({"error": {"message": message}}, status=401)
        self.requests.append(await request.json())
        reply = self._queue.popleft() if self._queue else honest("The council voted.")
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
        finally:
            self.in_flight -= 1
        if reply.body is not None:
            return web.Response(body=reply.body, status=reply.status)
        data: dict[str, Any] = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "model": "scripted-1",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        if reply.total_tokens is not None:
            data["usage"] = {
                "prompt_tokens": reply.total_tokens - 2,
                "completion_tokens": 2,
                "total_tokens": reply.total_tokens,
            }
        return web.Response(
            body=json.dumps(data), status=reply.status, content_type="application/json"
        )


@pytest.fixture(name="llm")
async def scripted_llm_server() -> AsyncIterator[ScriptedLLM]:
    """The scripted server on loopback (import this fixture where it is needed)."""
    scripted = ScriptedLLM()
    server = TestServer(scripted.app(), host="127.0.0.1")
    await server.start_server()
    scripted.server = server
    yield scripted
    await server.close()

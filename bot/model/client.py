"""An OpenAI-compatible chat-completions client: ``POST {LLM_BASE_URL}/chat/completions``.

Works with llama.cpp's server, Ollama, vLLM and hosted APIs alike: the request is the common
subset (``model``, ``messages``, ``max_tokens``, ``temperature``, ``stream: false``) and the reply
is read from ``choices[0].message.content``, ``choices[0].finish_reason`` and ``usage``.

One piece per request: the whole reply, trimmed, is the piece (a lead, a bridge, an answer). No
JSON is asked of the model, since small local models get it wrong. Every failure, whether a
timeout, a refused connection, an HTTP error (401, 500, …), a body that is not the expected JSON,
an empty reply or one cut off by ``max_tokens`` (``finish_reason == "length"``), raises one
:class:`ModelError` whose ``reason`` names it, so callers fall back and the bench counts.

The API key is a :class:`~bot.settings.Secret`: it is revealed only into the Authorization
header, never into a repr, a log line or an error (a server's error body that echoes it is
scrubbed before it is kept).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.errors import NewslinkError
from bot.settings import Secret, Settings

log = logging.getLogger(__name__)

# A chat message as the API takes it: {"role": "system" | "user" | "assistant", "content": ...}.
Message = Mapping[str, str]

# A reply to one short piece is a few hundred bytes; a larger body is not a reply to us.
MAX_REPLY_BYTES = 256 * 1024
_DETAIL_CHARS = 160
# Reasons a request fails, for callers and the bench to count by.
REASONS = ("timeout", "connection", "http", "bad_reply", "length", "empty")


class ModelError(NewslinkError):
    """A model request failed; ``reason`` is one of :data:`REASONS` (or ``"budget"``).

    ``tokens`` is what the server says the failed request used (a reply cut by length still
    cost its tokens), so the budget counts it. ``detail`` is for logs and never holds the key.
    """

    def __init__(self, reason: str, detail: str = "", *, tokens: int = 0) -> None:
        self.reason = reason
        self.detail = detail
        self.tokens = tokens
        super().__init__(f"model request failed: {reason}" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class Completion:
    """One reply: its trimmed text, why it stopped, and the tokens it cost."""

    text: str
    finish_reason: str | None
    total_tokens: int
    model: str


def create_model_session(settings: Settings) -> aiohttp.ClientSession:
    """The session the model client uses, to ``LLM_BASE_URL`` only.

    Not the safe fetcher's session (:func:`bot.fetch.guard.create_session`): that one refuses
    loopback and private addresses by design, and a model server is usually on localhost or the
    LAN. The difference is who picks the address: members pick the pages newslink fetches, but
    only the operator sets ``LLM_BASE_URL``, and this client sends nothing anywhere else (it
    never follows redirects). Like the fetcher's session it ignores proxy variables and keeps no
    cookies.
    """
    return aiohttp.ClientSession(
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": settings.fetch_user_agent, "Accept": "application/json"},
        connector=aiohttp.TCPConnector(limit=max(4, settings.llm_concurrency * 4)),
    )


class ModelClient:
    """Chat completions from one OpenAI-compatible server, bounded per Discord server.

    At most ``concurrency`` requests of one server (``guild_id``) are in flight at once, so one
    busy server cannot take the whole model; ``timeout`` bounds each request, waiting for a
    free slot included, so a caller is never held longer than that.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        model: str = "",
        api_key: Secret | None = None,
        timeout: float = 10.0,
        max_tokens: int = 120,
        concurrency: int = 2,
        temperature: float = 0.2,
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.max_tokens = max_tokens
        self._concurrency = concurrency
        self._temperature = temperature
        self._slots: dict[int | None, asyncio.Semaphore] = {}

    @classmethod
    def from_settings(cls, session: aiohttp.ClientSession, settings: Settings) -> ModelClient:
        if settings.llm_base_url is None:
            raise ValueError("LLM_BASE_URL is not set")
        return cls(
            session,
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens,
            concurrency=settings.llm_concurrency,
        )

    def __repr__(self) -> str:
        return f"ModelClient(url={self._url!r}, model={self.model!r})"

    def _slot(self, guild_id: int | None) -> asyncio.Semaphore:
        slot = self._slots.get(guild_id)
        if slot is None:
            slot = self._slots[guild_id] = asyncio.Semaphore(self._concurrency)
        return slot

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        guild_id: int | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """The model's reply to ``messages``, trimmed; raises :class:`ModelError`."""
        body = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": self._temperature,
            "stream": False,
        }
        try:
            async with asyncio.timeout(self.timeout):
                async with self._slot(guild_id):
                    status, raw = await self._post(body)
        except TimeoutError:
            raise ModelError("timeout", f"no reply within {self.timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise ModelError("connection", self._scrub(type(exc).__name__)) from None
        if status != 200:
            raise ModelError("http", f"HTTP {status}: {self._scrub(_snippet(raw))}")
        return self._parse(raw, sent=len(json.dumps(body)))

    async def _post(self, body: dict[str, Any]) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        async with self._session.post(
            self._url, json=body, headers=headers, allow_redirects=False
        ) as response:
            raw = await response.content.read(MAX_REPLY_BYTES + 1)
            if len(raw) > MAX_REPLY_BYTES:
                raise ModelError("bad_reply", f"reply over {MAX_REPLY_BYTES} bytes")
            return response.status, raw

    def _parse(self, raw: bytes, *, sent: int) -> Completion:
        try:
            data = json.loads(raw)
            choice = data["choices"][0]
            content = choice["message"]["content"]
            finish = choice.get("finish_reason")
            if not isinstance(content, str) or not isinstance(finish, str | None):
                raise TypeError("content is not text")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelError(
                "bad_reply", f"{type(exc).__name__}: {self._scrub(_snippet(raw))}"
            ) from None
        tokens = _total_tokens(data.get("usage"), sent + len(raw))
        # The name the server gives, for "Commentary: <model>"; some echo an empty one back.
        named = data.get("model")
        model = named if isinstance(named, str) and named else self.model
        if finish == "length":
            raise ModelError("length", "reply cut at max_tokens", tokens=tokens)
        text = content.strip()
        if not text:
            raise ModelError("empty", "empty reply", tokens=tokens)
        return Completion(text=text, finish_reason=finish, total_tokens=tokens, model=model)

    def _scrub(self, text: str) -> str:
        # A server may echo the key it refused ("Incorrect API key provided: sk-…").
        if self._api_key is not None and self._api_key.reveal():
            text = text.replace(self._api_key.reveal(), "**********")
        return text


def _snippet(raw: bytes) -> str:
    return raw[:_DETAIL_CHARS].decode("utf-8", "replace").replace("\n", " ")


def _total_tokens(usage: object, size: int) -> int:
    """``usage.total_tokens``; a server that reports none is charged by the bytes sent and read
    (about four a token), so the daily budget still counts it."""
    if isinstance(usage, dict):
        total = usage.get("total_tokens")
        if isinstance(total, int) and total >= 0:
            return total
    log.warning("model reply without usage.total_tokens: counting its size instead")
    return max(1, size // 4)

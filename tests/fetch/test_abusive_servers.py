"""Servers that misbehave on purpose: each fetch ends in bounded time and bounded memory.

Memory is the tracemalloc peak around one fetch (the servers stream in 64 KiB pieces with flow
control, so their own share is small); the bound is three times ``fetch_max_bytes`` plus 1 MiB.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
import tracemalloc
import zlib
from collections.abc import Awaitable

import pytest

from bot.errors import ConnectionFailed, FetchError, FetchTimeout, TooLarge
from bot.fetch.fetcher import Page
from bot.settings import Settings
from tests.fetch.test_fetcher import RawServer, Responder, fetch_with, settings_for

# The total deadline where time is the test's subject (hangs, drips) stays short so the suite is
# quick; where size or format is (endless bodies, bombs), a roomy one, so that a busy machine
# does not turn a cut at the size limit into a timeout.
TOTAL = 1.0
ROOMY_TOTAL = 10.0
# Bounded time: the deadline plus a generous margin for a busy machine, still far below the
# servers' own 30 s hangs and endless streams.
SLACK = 4.0
MEGABYTE = 1024 * 1024
PIECE = b"<p>" + b"abusive " * 8187 + b"</p>"  # 64 KiB


def abusive_settings(port: int, **overrides: object) -> Settings:
    """Default sizes (2 MiB read, 5 MiB declared), the roomy deadline unless overridden."""
    values: dict[str, object] = {
        "fetch_total_timeout": ROOMY_TOTAL,
        "fetch_first_byte_timeout": 0.5,
    }
    values.update(overrides)
    return settings_for(port, **values)  # type: ignore[arg-type]


@dataclasses.dataclass
class Outcome:
    result: Page | FetchError
    seconds: float
    peak_bytes: int


async def measure(fetch: Awaitable[Page]) -> Outcome:
    tracemalloc.start()
    started = time.monotonic()
    try:
        try:
            result: Page | FetchError = await fetch
        except FetchError as exc:
            result = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Outcome(result, time.monotonic() - started, peak)


def within_bounds(outcome: Outcome, settings: Settings) -> None:
    assert outcome.seconds < settings.fetch_total_timeout + SLACK
    assert outcome.peak_bytes < 3 * settings.fetch_max_bytes + MEGABYTE


def head(*headers: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"".join(headers) + b"\r\n"


def streaming(headers: bytes, total: int | None, *, chunked: bool = False) -> Responder:
    """Writes ``total`` bytes of HTML (None: without end) in flow-controlled 64 KiB pieces."""

    async def respond(writer: asyncio.StreamWriter) -> None:
        writer.write(headers)
        sent = 0
        while total is None or sent < total:
            piece = PIECE if total is None else PIECE[: total - sent]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            await writer.drain()
            sent += len(piece)
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    return respond


@pytest.mark.parametrize("chunked", [False, True])
async def test_endless_body_is_cut_at_the_limit(chunked: bool) -> None:
    headers = head(b"Transfer-Encoding: chunked\r\n") if chunked else head()
    async with RawServer(streaming(headers, None, chunked=chunked)) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, Page)
    assert outcome.result.truncated and len(outcome.result.body) == settings.fetch_max_bytes
    within_bounds(outcome, settings)


async def test_fifty_megabyte_page_without_length_is_cut_at_the_limit() -> None:
    async with RawServer(streaming(head(), 50 * MEGABYTE)) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, Page)
    assert outcome.result.truncated and len(outcome.result.body) == settings.fetch_max_bytes
    within_bounds(outcome, settings)


async def test_fifty_megabyte_page_with_length_is_refused_unread() -> None:
    length = 50 * MEGABYTE
    async with RawServer(streaming(head(b"Content-Length: %d\r\n" % length), length)) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, TooLarge)
    within_bounds(outcome, settings)
    assert outcome.peak_bytes < MEGABYTE


async def test_length_lie_short_declaration_never_reads_past_it() -> None:
    async with RawServer(streaming(head(b"Content-Length: 10\r\n"), 100_000)) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    # aiohttp reads the surplus as the start of a next response and, when it arrives with the
    # head, refuses it as garbage; either way no byte past the declared ten is taken as the page.
    if isinstance(outcome.result, Page):
        assert outcome.result.body == PIECE[:10] and not outcome.result.truncated
    else:
        assert isinstance(outcome.result, ConnectionFailed)
        assert outcome.result.detail is not None and len(outcome.result.detail) < 300
    within_bounds(outcome, settings)


@pytest.mark.parametrize("first_byte_timeout", [0.3, 30.0])
async def test_length_lie_long_declaration_then_hang_times_out(first_byte_timeout: float) -> None:
    async def short_then_hang(writer: asyncio.StreamWriter) -> None:
        writer.write(head(b"Content-Length: 100000\r\n") + b"<html>" + b"x" * 1000)
        await writer.drain()
        await asyncio.sleep(30)

    async with RawServer(short_then_hang) as server:
        # With a long per-read timeout only the total deadline ends the wait.
        settings = abusive_settings(
            server.port, fetch_first_byte_timeout=first_byte_timeout, fetch_total_timeout=TOTAL
        )
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, FetchTimeout)
    within_bounds(outcome, settings)


async def test_binary_served_as_html_is_returned_as_is() -> None:
    noise = os.urandom(300_000)

    async def binary(writer: asyncio.StreamWriter) -> None:
        writer.write(head(b"Content-Length: %d\r\n" % len(noise)) + noise)
        await writer.drain()

    async with RawServer(binary) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, Page)
    assert outcome.result.body == noise and outcome.result.content_type == "text/html"
    within_bounds(outcome, settings)


async def test_thousands_of_tiny_chunks() -> None:
    async def tiny(writer: asyncio.StreamWriter) -> None:
        writer.write(head(b"Transfer-Encoding: chunked\r\n"))
        for n in range(5000):
            writer.write(b"1\r\n%c\r\n" % (ord("a") + n % 26))
            if n % 500 == 0:
                await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async with RawServer(tiny) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, Page)
    assert len(outcome.result.body) == 5000 and outcome.result.body.startswith(b"abcdef")
    within_bounds(outcome, settings)


async def test_tiny_chunks_dripping_forever_meet_the_deadline() -> None:
    async def drip(writer: asyncio.StreamWriter) -> None:
        writer.write(head(b"Transfer-Encoding: chunked\r\n"))
        while True:
            writer.write(b"1\r\nx\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)

    async with RawServer(drip) as server:
        settings = abusive_settings(server.port, fetch_total_timeout=TOTAL)
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, FetchTimeout)
    assert outcome.seconds > TOTAL * 0.9
    within_bounds(outcome, settings)


async def test_deflate_bomb_without_length_is_cut_at_the_limit() -> None:
    bomb = zlib.compress(b"<html>" + bytes(50 * MEGABYTE), 9)

    async def deflate(writer: asyncio.StreamWriter) -> None:
        writer.write(head(b"Content-Encoding: deflate\r\n") + bomb)
        await writer.drain()

    async with RawServer(deflate) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    assert len(bomb) < 100_000
    assert isinstance(outcome.result, Page)
    assert outcome.result.truncated and len(outcome.result.body) == settings.fetch_max_bytes
    within_bounds(outcome, settings)


async def test_endless_header_ends_in_an_error() -> None:
    async def endless_header(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nX-Filler: ")
        while True:
            writer.write(b"a" * 65536)
            await writer.drain()

    async with RawServer(endless_header) as server:
        settings = abusive_settings(server.port)
        outcome = await measure(fetch_with(settings, server.url()))
    assert isinstance(outcome.result, FetchError)
    assert not isinstance(outcome.result, FetchTimeout)  # refused for its size, not waited out
    within_bounds(outcome, settings)

"""Hostile pages through the whole pipeline: fetch, extract and compose in the parse pool.

Each page ends within the brief deadline as a brief (usually metadata-only, with a ``kind`` saying
why) or a user-facing error, never a crash; the rendered brief fits Discord; and the parse
workers' memory stays bounded (their peak resident size is read inside the worker).
"""

from __future__ import annotations

import dataclasses
import gzip
import ipaddress
import random
import time
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.briefing.render import render_embed
from bot.briefing.types import Brief
from bot.clock import FixedClock
from bot.errors import UserFacingError
from bot.fetch.fetcher import Fetcher
from bot.fetch.guard import create_session
from bot.settings import Settings
from bot.sharing.pipeline import Briefer
from bot.workers import ParsePool
from tests._dates import NOW

DEADLINE = 10.0
# Resident-set ceiling for a parse worker after every hostile page below (measured 82 MB).
WORKER_PEAK_MB = 200


def _nested(depth: int) -> bytes:
    return (
        b"<html><body>"
        + b"<div>" * depth
        + b"deep text " * 50
        + b"</div>" * depth
        + b"</body></html>"
    )


def _tiny_paragraphs(count: int) -> bytes:
    return b"<html><body><article>" + b"<p>a b.</p>" * count + b"</article></body></html>"


def _many_real_paragraphs(count: int) -> bytes:
    para = b"<p>The council voted on Thursday to close the terminal, a decision the union called premature.</p>"
    return (
        b"<html><head><title>Long page</title></head><body><article>"
        + para * count
        + b"</article></body></html>"
    )


def _binary() -> bytes:
    return random.Random(7).randbytes(1_500_000)


def _huge_attribute() -> bytes:
    return b'<html><body><p title="' + b"x" * 1_500_000 + b'">Text.</p></body></html>'


def _unclosed_tags() -> bytes:
    return b"<html><body>" + b"<p><b><i><span><a href='#'>" * 20_000 + b"</body></html>"


def _nul_and_controls() -> bytes:
    return (
        b"<html><body><article>"
        + b"<p>\x00\x01\x02 text \x1b[31m red \x7f</p>" * 2_000
        + b"</article></body></html>"
    )


def _mentions_and_markdown() -> bytes:
    text = (
        "@everyone <@&123456789012345678> <@42> **bold** __u__ ||spoiler|| `code` "
        "\u202eevil\u202c \u200bhidden [link](https://evil.example) # heading > quote"
    )
    paras = "".join(
        f"<p>{text} Paragraph {i} carries the story about the vote and the terminal.</p>"
        for i in range(12)
    )
    return (
        f"<html><head><title>{text}</title><meta property='og:site_name' content='@here'></head>"
        f"<body><article><h1>{text}</h1>{paras}</article></body></html>".encode()
    )


def _regex_bombs() -> bytes:
    # Issue 10: the 45-character paragraph that kept the credit rules backtracking for minutes,
    # among an article's paragraphs, with the byline, caption and sentence shapes that did too.
    bombs = [
        "AAAAAAAAAA|AAAAAAAAAA|AAAAAAAAAA|AAAAAAAAAA|x",
        "AAAAAAAAAA/AAAAAAAAAA/AAAAAAAAAA/AAAAAAAAAA/AAAAAAAAAA/x",
        "By " + "A" * 60 + "!",
        "Photo by " + "A/" * 40 + "!",
        "(" * 300 + "photo: " + "[" * 300,
        "Reading time: " + "1" * 2000 + " !",
        "newsletter " * 300,
    ]
    story = "".join(
        f"<p>Paragraph {i} of the story: the council voted on Thursday to close the terminal, "
        "a decision the union called premature.</p>"
        for i in range(8)
    )
    return (
        "<html><head><title>Council votes to close the terminal</title></head><body><article>"
        f"<h1>Council votes to close the terminal</h1>{story}"
        + "".join(f"<p>{bomb}</p>" for bomb in bombs)
        + "</article></body></html>"
    ).encode()


PAGES: dict[str, Callable[[], bytes]] = {
    "nested-100000": lambda: _nested(100_000),
    "tiny-paragraphs-50000": lambda: _tiny_paragraphs(50_000),
    "real-paragraphs-5000": lambda: _many_real_paragraphs(5_000),
    "binary-as-html": _binary,
    "huge-attribute": _huge_attribute,
    "unclosed-tags": _unclosed_tags,
    "nul-and-controls": _nul_and_controls,
    "mentions-and-markdown": _mentions_and_markdown,
    "empty": lambda: b"",
    "regex-bombs": _regex_bombs,
}

# What each hostile page must end as: a brief of that kind, or "error" (a user-facing error
# raised by the extractor itself — a dead or overrunning worker would not match).
EXPECTED = {
    "/page/nested-100000": {"not_article"},
    "/page/tiny-paragraphs-50000": {"not_article", "too_short"},
    "/page/real-paragraphs-5000": {"not_article", "too_short"},  # one paragraph repeated
    "/page/binary-as-html": {"not_article"},
    "/page/huge-attribute": {"not_article", "too_short"},
    "/page/unclosed-tags": {"not_article", "too_short"},
    "/page/nul-and-controls": {"not_article", "too_short"},
    "/page/mentions-and-markdown": {"article"},
    "/page/empty": {"error"},
    "/page/regex-bombs": {"article"},
    "/bomb": {"not_article", "too_short"},  # 2 MiB of NUL bytes after decompression
    "/fifty": {"article", "not_article", "too_short"},  # cut at 2 MiB: whatever the first MiB is
}


async def _page(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return web.Response(body=PAGES[name](), content_type="text/html", charset="utf-8")


async def _gzip_bomb(request: web.Request) -> web.Response:
    body = gzip.compress(b"<p>" + b"\0" * 30_000_000, compresslevel=9)
    return web.Response(
        body=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )


async def _fifty_megabytes(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    chunk = b"<p>" + b"word " * 13_000 + b"</p>"
    try:
        for _ in range(50 * 1024 * 1024 // len(chunk)):
            await response.write(chunk)
    except ConnectionResetError:
        pass  # the fetcher stops reading at its limit
    return response


@pytest.fixture
def pool(parse_pool: ParsePool) -> ParsePool:
    # The session's pool, primed as the bot primes its own: a page's deadline then covers reading
    # it, not the fork server loading the parsers for the first worker of the session. An overrun
    # here gets its worker killed and replaced, as in the bot.
    return parse_pool


@pytest.fixture
async def site() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/page/{name}", _page)
    app.router.add_get("/bomb", _gzip_bomb)
    app.router.add_get("/fifty", _fifty_megabytes)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def _brief(
    site: TestServer, pool: ParsePool, path: str
) -> tuple[Brief | UserFacingError, float]:
    settings = dataclasses.replace(
        Settings(),
        fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        fetch_allowed_ports=frozenset({site.port}),
        brief_timeout=DEADLINE,
    )
    started = time.monotonic()
    async with create_session(settings) as http:
        briefer = Briefer(Fetcher(http, settings), pool, settings, clock=FixedClock(NOW))
        try:
            result: Brief | UserFacingError = await briefer.brief(
                str(site.make_url(path)), length="long"
            )
        except UserFacingError as exc:
            result = exc
    return result, time.monotonic() - started


def _worker_peak_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork and exec, so a worker
    # spawned by a big test process would report its parent's size.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/self/status")


@pytest.mark.parametrize("path", list(EXPECTED))
async def test_hostile_page_ends_bounded(site: TestServer, pool: ParsePool, path: str) -> None:
    result, seconds = await _brief(site, pool, path)
    assert seconds < DEADLINE + 1
    if isinstance(result, UserFacingError):
        assert EXPECTED[path] == {"error"}, f"{path}: {result!r}"
        assert result.detail is None or "worker" not in result.detail
        return
    assert result.kind in EXPECTED[path]
    embed = render_embed(result)
    assert len(embed.title or "") <= 256 and len(embed.description) <= 4096
    assert embed.total_length() <= 6000
    if result.kind != "article":
        assert result.runs == []
    text = " ".join(result.article.text.split())
    for run in result.runs:
        for paragraph in run.paragraphs:
            assert " ".join(paragraph.split()) in text


async def test_page_text_cannot_ping_or_break_markdown(site: TestServer, pool: ParsePool) -> None:
    result, _ = await _brief(site, pool, "/page/mentions-and-markdown")
    assert isinstance(result, Brief)
    embed = render_embed(result)
    for field in (embed.title, embed.description, embed.author_name, embed.footer):
        if not field:
            continue
        assert "@everyone" not in field and "@here" not in field
        assert "<@&123456789012345678>" not in field and "<@42>" not in field
        assert "\u202e" not in field and "\u200b\u200bhidden" not in field
    assert "**bold**" not in embed.description and "||spoiler||" not in embed.description


async def test_parse_workers_stay_bounded(site: TestServer, pool: ParsePool) -> None:
    for path in EXPECTED:
        await _brief(site, pool, path)
    peak = await pool.run(30, _worker_peak_mb)
    assert peak < WORKER_PEAK_MB, f"parse worker peaked at {peak:.0f} MB"

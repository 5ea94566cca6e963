"""Shards, a shared REST proxy and commands-only mode, end to end against the fake Discord.

In-process bots where one process proves the point (two shards in one process, the proxy,
commands-only mode); two real ``python -m bot`` processes on one PostgreSQL for what needs two
processes (one bot across them: each server briefed by its shard's process, once).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.fetch.urls import url_key
from bot.storage import claims as stored_claims
from bot.storage.database import create_engine, session_factory
from bot.storage.models import LinkClaim
from bot.workers import ParsePool
from tests.e2e.conftest import (
    DISCORD_CLOCK,
    GUILD,
    NEWS,
    SHARER,
    NewsSite,
    answered,
    bot_environment,
    bot_settings,
    briefs,
    build_world,
    option,
    running_bot,
    until,
)
from tests.fakediscord.fixtures import pointed_at
from tests.fakediscord.gateway import INTENT_MESSAGE_CONTENT
from tests.fakediscord.server import FakeDiscord

NATO, HOSTILE = "/world/nato-russia", "/world/hostile"
# A server on shard 1 of 2: (guild_id >> 22) % 2 == 1 (GUILD, 1, is on shard 0).
OTHER_GUILD = 1 << 22
OTHER_NEWS = 110
QUESTION = "When is the missile shield due to be completed?"
ANSWER = "four phases by roughly 2020"


def _second_server(fake: FakeDiscord) -> None:
    fake.add_guild(OTHER_GUILD, "elsewhere")
    fake.add_channel(OTHER_GUILD, OTHER_NEWS, "news")
    fake.add_member(OTHER_GUILD, SHARER, "sharer")


@dataclasses.dataclass
class RestProxy:
    """A stand-in for nirn-proxy on loopback: every request forwarded to the fake, counted."""

    upstream: str  # the fake's http://127.0.0.1:PORT
    api_base: str = ""
    forwarded: list[tuple[str, str, int]] = dataclasses.field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in {"host", "content-length", "transfer-encoding", "connection"}
        }
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                self.upstream + request.path_qs,
                headers=headers,
                data=await request.read(),
            ) as response,
        ):
            body = await response.read()
            self.forwarded.append((request.method, request.path, response.status))
            kept = {
                k: v
                for k, v in response.headers.items()
                if k.lower() == "content-type"
                or k.lower().startswith(("x-ratelimit", "retry"))
                or k.lower() == "via"
            }
            return web.Response(status=response.status, body=body, headers=kept)


@contextlib.asynccontextmanager
async def rest_proxy(fake: FakeDiscord) -> AsyncIterator[RestProxy]:
    upstream, _, prefix = fake.api_base.partition("/api/")
    proxy = RestProxy(upstream)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    proxy.api_base = f"http://127.0.0.1:{server.port}/api/{prefix}"
    try:
        yield proxy
    finally:
        await server.close()


async def test_one_process_runs_two_shards_through_a_shared_rest_proxy(
    fake_discord: FakeDiscord,
    migrated_database_url: str,
    news_site: NewsSite,
    parse_pool: ParsePool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    build_world(fake)
    _second_server(fake)
    fake.gateway.max_concurrency = 2
    fake.gateway.identify_interval = 5.0  # two IDENTIFYs of one bucket within 5 s: a problem
    caplog.set_level(logging.INFO, logger="bot.app.client")
    url = news_site.url(NATO)
    async with rest_proxy(fake) as proxy:
        settings = dataclasses.replace(
            bot_settings(fake, migrated_database_url, news_site),
            discord_api_base=proxy.api_base,
            shard_count=2,
        )
        with pointed_at(fake):
            async with running_bot(fake, settings, news_site, parse_pool) as run:
                assert sorted(p["shard"] for p in fake.gateway.identify_payloads) == [
                    [0, 2],
                    [1, 2],
                ]
                assert {g.id for g in run.bot.guilds} == {GUILD, OTHER_GUILD}
                # One 429 on the way: discord.py's own limiter waits and retries, counted.
                fake.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.05)
                await fake.send_message(NEWS, SHARER, f"read this {url}")
                await until(fake, lambda: len(briefs(fake)) == 1)
                await run.quiet()
                await fake.send_message(OTHER_NEWS, SHARER, f"and this {url}")
                await until(fake, lambda: len(briefs(fake, OTHER_NEWS)) == 1)
                await run.quiet()
                run.bot.log_health()
                assert run.bot.invalid_requests.count() == 1
    # Each server's events on its own shard's session.
    for shard, guild in ((0, GUILD), (1, OTHER_GUILD)):
        sent = fake.gateway.sessions[shard].sent
        assert {f["d"].get("guild_id") for f in sent if f["t"] == "MESSAGE_CREATE"} == {str(guild)}
    assert len(briefs(fake)) == len(briefs(fake, OTHER_NEWS)) == 1
    # Every REST request went through the proxy, the 429 included.
    assert len(proxy.forwarded) == len(fake.requests()) > 0
    assert [s for _, _, s in proxy.forwarded].count(429) == 1
    [health] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("health:")]
    assert health.startswith("health: shards 0 (") and ", 1 (" in health
    assert "cache hits 1;" in health and "invalid requests 1 in 10 min" in health
    assert "briefs in flight 0;" in health and "commands only" not in health
    [starts] = [r for r in caplog.records if "session starts left" in r.getMessage()]
    assert starts.levelno == logging.INFO


async def test_a_refused_message_content_intent_leaves_a_bot_that_serves_commands(
    fake_discord: FakeDiscord,
    migrated_database_url: str,
    news_site: NewsSite,
    parse_pool: ParsePool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    build_world(fake)
    fake.refuse_intents(INTENT_MESSAGE_CONTENT)  # the gateway closes with 4014
    caplog.set_level(logging.INFO, logger="bot.app.client")
    waits: list[float] = []

    async def identify_sleep(seconds: float) -> None:
        waits.append(seconds)

    url = news_site.url(NATO)
    settings = bot_settings(fake, migrated_database_url, news_site)
    with pointed_at(fake):
        async with running_bot(
            fake, settings, news_site, parse_pool, identify_sleep=identify_sleep
        ) as run:
            assert run.bot.commands_only
            assert fake.identify_count == 1 and fake.intents is not None
            assert not fake.intents & INTENT_MESSAGE_CONTENT
            # The IDENTIFY after the refused one waited its turn (5 s since the first).
            assert len(waits) == 1 and 0 < waits[0] <= 5
            # A pasted link is not seen (Discord blanks the content); the command is answered.
            await fake.send_message(NEWS, SHARER, f"read this {url}")
            record = await fake.slash(GUILD, NEWS, SHARER, "brief", [option("url", url)])
            await answered(fake, record)
            await until(fake, lambda: len(fake.threads(NEWS)) == 1)
            await run.quiet()
            assert len(briefs(fake)) == 1
            # A mention in the brief's thread is still a question (Discord keeps its content).
            thread = int(fake.threads(NEWS)[0]["id"])
            mention = f"<@{fake.bot_user_id}> {QUESTION}"
            await fake.send_message(thread, SHARER, mention, mentions=[fake.bot_user_id])
            await until(fake, lambda: any(ANSWER in m["content"] for m in fake.messages(thread)))
            await run.quiet()
    [said] = [r for r in caplog.records if "commands-only mode" in r.getMessage()]
    assert said.levelno == logging.WARNING and "4014" in said.getMessage()
    assert "/brief" in said.getMessage() and "not briefed" not in said.getMessage()


@pytest.mark.parametrize("why", ["flags", "setting"])
async def test_commands_only_without_asking_for_the_intent(
    why: str,
    fake_discord: FakeDiscord,
    migrated_database_url: str,
    news_site: NewsSite,
    parse_pool: ParsePool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    build_world(fake)
    settings = bot_settings(fake, migrated_database_url, news_site)
    if why == "flags":
        fake.application_flags = 0  # the developer portal's toggle is off
    else:
        settings = dataclasses.replace(settings, commands_only=True)
    caplog.set_level(logging.INFO, logger="bot.app.client")
    # A claim a process on another machine left two hours ago: recovery would read its message
    # back, find it blank without the intent, and give it up for good.
    await _leave_a_claim(migrated_database_url)
    with pointed_at(fake):
        async with running_bot(fake, settings, news_site, parse_pool) as run:
            assert run.bot.commands_only and fake.identify_count == 1
            assert fake.intents is not None and not fake.intents & INTENT_MESSAGE_CONTENT
            record = await fake.slash(GUILD, NEWS, SHARER, "subscriptions")
            await answered(fake, record)
            await run.quiet()
    assert await _claim_states(migrated_database_url) == ["claimed"]  # left for the intent
    [said] = [r for r in caplog.records if "commands-only mode" in r.getMessage()]
    if why == "flags":
        assert said.levelno == logging.WARNING and "does not have" in said.getMessage()
    else:
        assert said.levelno == logging.INFO and "COMMANDS_ONLY=true" in said.getMessage()


async def _leave_a_claim(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            assert await stored_claims.take_claim(
                session,
                4242,
                url_key("https://example.com/news/left-behind"),
                owner="elsewhere:1:gone",
                guild_id=GUILD,
                channel_id=NEWS,
                now=DISCORD_CLOCK.now() - dt.timedelta(hours=2),
            )
    finally:
        await engine.dispose()


async def _claim_states(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(LinkClaim.state)))
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------- two processes


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_two_processes_with_a_shard_each_form_one_bot_on_postgresql(
    fake_discord: FakeDiscord, migrated_database_url: str, news_site: NewsSite, tmp_path: Path
) -> None:
    fake = fake_discord
    build_world(fake)
    _second_server(fake)
    fake.gateway.max_concurrency = 2
    fake.gateway.identify_interval = 5.0
    url = news_site.url(NATO)
    processes: list[tuple[asyncio.subprocess.Process, Path]] = []

    async def start(shard: int, log: Path) -> tuple[asyncio.subprocess.Process, Path]:
        env = bot_environment(
            fake,
            tmp_path / "unused.db",
            news_site.base,
            DATABASE_URL=migrated_database_url,
            SHARD_COUNT="2",
            SHARD_IDS=str(shard),
            LOG_LEVEL="INFO",
            # A page claim of a killed fetcher is taken over once it expires: soon, here.
            PAGE_CLAIM_SECONDS="2",
        )
        with log.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=stderr
            )
        processes.append((process, log))
        return process, log

    try:
        for shard in (0, 1):
            await start(shard, tmp_path / f"shard{shard}.log")
        # Generous: each start warms a parse worker (~5 s of CPU) on a machine shared by tests.
        await until(fake, lambda: len(fake.gateway.sessions) == 2 and fake.connected, 120)
        listings = [
            await fake.slash(GUILD, NEWS, SHARER, "subscriptions"),
            await fake.slash(OTHER_GUILD, OTHER_NEWS, SHARER, "subscriptions"),
        ]
        await until(fake, lambda: all(r.responses for r in listings), 60)
        assert sorted(p["shard"] for p in fake.gateway.identify_payloads) == [[0, 2], [1, 2]]
        first = await fake.send_message(NEWS, SHARER, f"read this {url}")
        second = await fake.send_message(OTHER_NEWS, SHARER, f"and this {url}")
        await until(fake, lambda: bool(briefs(fake)) and bool(briefs(fake, OTHER_NEWS)), 60)
        processes[1][0].send_signal(signal.SIGUSR1)
        await until(fake, lambda: "health: shards 1 (" in processes[1][1].read_text(), 30)

        # Shard 1's process is killed mid-brief (its page held while it fetches): the next
        # start of that shard takes its claim over and briefs the link, once.
        news_site.holds[HOSTILE] = asyncio.Event()
        third = await fake.send_message(OTHER_NEWS, SHARER, f"see {news_site.url(HOSTILE)}")
        await until(fake, lambda: news_site.fetches[HOSTILE] == 1, 60)
        killed, _ = processes.pop(1)
        killed.kill()
        await asyncio.wait_for(killed.wait(), 30)
        news_site.holds[HOSTILE].set()
        _, restarted_log = await start(1, tmp_path / "shard1-restarted.log")
        await until(fake, lambda: len(briefs(fake, OTHER_NEWS)) == 2, 120)

        for process, _ in processes:
            process.send_signal(signal.SIGTERM)
        for process, log in processes:
            assert await asyncio.wait_for(process.wait(), 60) == 0, log.read_text()[-3000:]
    finally:
        for process, _ in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
    # One brief per shared message, each a reply to its own: no doubles across processes, nor
    # after the kill (the killed process never posted; its successor posted once).
    replies = {
        channel: [b["message_reference"]["message_id"] for b in briefs(fake, channel)]
        for channel in (NEWS, OTHER_NEWS)
    }
    assert replies == {NEWS: [first["id"]], OTHER_NEWS: [second["id"], third["id"]]}
    assert len(fake.threads(NEWS)) == 1 and len(fake.threads(OTHER_NEWS)) == 2
    assert "recovered: " in restarted_log.read_text(), restarted_log.read_text()[-3000:]
    # The page was fetched once: the second process took the first one's article (or waited for
    # it) from the database (issue 14 item 2).
    assert news_site.fetches[NATO] == 1, news_site.fetches
    # Each process served its own shard's server only.
    names = ("shard0.log", "shard1.log", "shard1-restarted.log")
    logs = [(tmp_path / name).read_text() for name in names]
    assert "health: shards 1 (" in logs[1] and "shards 0" not in logs[1] + logs[2]
    assert all("Traceback" not in text for text in logs), logs

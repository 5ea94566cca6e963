"""End-to-end harness: the real bot, in-process, against the fake Discord and a loopback news site.

The bot runs through :func:`bot.app.client.serve`, the code path ``python -m bot`` takes: services
opened (database migrated, HTTP session, parse pool), every extension loaded, gateway connected.
Each test gets a fresh world, database and fake; the fake fails the test on any unknown route,
malformed request or ERROR logged by discord.py (see ``tests/fakediscord/fixtures.py``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import html
import os
import warnings
from collections.abc import AsyncIterator, Callable
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.clock import Clock, SystemClock
from bot.settings import Secret, Settings
from bot.workers import ParsePool
from tests._article_page import PARAGRAPHS, article_html
from tests.fakediscord.fixtures import fake_discord, pointed_at  # noqa: F401  (a fixture)
from tests.fakediscord.server import FakeDiscord, InteractionRecord
from tests.fakediscord.world import PIN_MESSAGES, VIEW_CHANNEL

# discord.py 2.7 imports the deprecated stdlib audioop for voice; warnings are errors here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from bot.app.client import NewslinkBot, serve

GUILD = 1
NEWS = 100
STAFF_ONLY = 101
SHARER, SUBSCRIBER, DM_FAN, OUTSIDER, MODERATOR, MEMBER = 200, 201, 202, 203, 204, 205
MODERATORS_ROLE = 300

HOSTILE_PARAGRAPHS = [
    "@everyone should read this: the ministers met again on Tuesday and agreed to meet again soon.",
    "A spokesman for <@&300> said the talks were useful, and <@204> agreed with him entirely.",
    "The meeting ended late in the evening, and the communique was published the next morning.",
]


def _page(title: str, paragraphs: list[str]) -> bytes:
    return article_html(html.escape(title), [html.escape(p) for p in paragraphs])


@dataclasses.dataclass
class NewsSite:
    base: str
    # Requests per path: how many times the bots fetched each page.
    fetches: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    # Paths whose answer waits until the test sets the event (a bot caught mid-fetch).
    holds: dict[str, asyncio.Event] = dataclasses.field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
async def news_site() -> AsyncIterator[NewsSite]:
    """Article pages on 127.0.0.1; ``/missing`` answers 404."""
    pages = {
        "/world/nato-russia": _page(
            "NATO aims to repair Russia ties despite Patriot row", PARAGRAPHS
        ),
        "/world/hostile": _page(
            "Ministers meet again as @everyone waits", HOSTILE_PARAGRAPHS + PARAGRAPHS
        ),
    }

    async def handler(request: web.Request) -> web.Response:
        site.fetches[request.path] += 1
        body = pages.get(request.path)
        if body is None:
            return web.Response(status=404, text="not found")
        if request.path in site.holds:
            await site.holds[request.path].wait()
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    site = NewsSite(f"http://127.0.0.1:{server.port}")
    try:
        yield site
    finally:
        for hold in site.holds.values():
            hold.set()  # a held answer would keep the server from closing
        await server.close()


def build_world(fake: FakeDiscord) -> None:
    """One server: #news for all, #staff for moderators only; moderators may pin and manage."""
    fake.add_guild(GUILD, "newsroom")
    fake.add_role(
        GUILD, MODERATORS_ROLE, permissions=PIN_MESSAGES | (1 << 13) | (1 << 4), name="moderators"
    )
    fake.add_channel(GUILD, NEWS, "news")
    fake.add_channel(
        GUILD,
        STAFF_ONLY,
        "staff",
        overwrites=[
            {"id": GUILD, "type": 0, "deny": VIEW_CHANNEL},
            {"id": MODERATORS_ROLE, "type": 0, "allow": VIEW_CHANNEL},
            {"id": fake.bot_user_id, "type": 1, "allow": VIEW_CHANNEL},
        ],
    )
    for user_id, name in (
        (SHARER, "sharer"),
        (SUBSCRIBER, "subscriber"),
        (DM_FAN, "dmfan"),
        (OUTSIDER, "outsider"),
        (MEMBER, "member"),
    ):
        fake.add_member(GUILD, user_id, name)
    fake.add_member(GUILD, MODERATOR, "moderator", roles=[MODERATORS_ROLE])


ROOT = Path(__file__).resolve().parents[2]
# The fake stamps messages (their snowflakes) with the machine's time, as Discord does, and the bot
# compares those with its own clock (catch-up, recovery): here both run on the real clock. Nothing
# here depends on the date: the pages are dated 2012 (date-sensitive logic is pinned in unit tests).
DISCORD_CLOCK = SystemClock()


def bot_environment(
    fake: FakeDiscord, database: Path, site_base: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment ``python -m bot`` needs to run against the fake (and a news site whose
    base URL is ``site_base``)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        # One is enough for a test.
        "PARSE_WORKERS": "1",
        # The test pages need no date parser: not loading its ~200 languages saves seconds of
        # CPU at every start (test_python_m_bot_runs_against_the_fake starts one preloaded).
        "PARSE_PRELOAD": "false",
        # The fake sends every GUILD_CREATE at once: no need to wait 2 s for more at each start.
        "DISCORD_GUILD_READY_TIMEOUT": "0.05",
    }
    if site_base is not None:
        env |= {
            "FETCH_ALLOWED_NETWORKS": "127.0.0.0/8",
            "FETCH_ALLOWED_PORTS": site_base.rpartition(":")[2],
        }
    return env | extra


def bot_settings(fake: FakeDiscord, database_url: str, site: NewsSite) -> Settings:
    port = int(site.base.rpartition(":")[2])
    return dataclasses.replace(
        Settings(),
        discord_token=Secret(fake.token),
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        database_url=database_url,
        fetch_allowed_networks=(ip_network("127.0.0.0/8"),),
        fetch_allowed_ports=frozenset({port}),
        parse_workers=1,
        discord_guild_ready_timeout=0.05,  # as in bot_environment
    )


@dataclasses.dataclass
class Running:
    bot: NewslinkBot
    fake: FakeDiscord
    site: NewsSite
    settings: Settings

    async def quiet(self) -> None:
        """Wait until the bot has received every event the fake sent and finished the background
        work they started (briefing shared links)."""
        sessions = dict(self.fake.gateway.sessions)
        # discord.py's gateway socket of each shard: its sequence is the last event received.
        sockets = {shard: self.bot._get_websocket(shard_id=shard) for shard in sessions}
        await self.fake.wait_for(
            lambda: all(
                (sockets[shard].sequence or 0) >= session.seq for shard, session in sessions.items()
            ),
            timeout=15,
        )
        # Received events are dispatched to listener tasks, which spawn the shares: let them run.
        for _ in range(3):
            await asyncio.sleep(0)
        await asyncio.wait_for(self.bot.idle(), timeout=15)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    settings: Settings,
    site: NewsSite,
    pool: ParsePool,
    *,
    clock: Clock = DISCORD_CLOCK,
    **options: Any,
) -> AsyncIterator[Running]:
    """One start of the real bot through :func:`serve` (``options`` passed on), ready; closed
    cleanly on leaving. The caller points discord.py at the fake (:func:`pointed_at`);
    ``clock``: the bot's wall clock (a FixedClock lets a test move the bot's time, e.g. past a
    digest's hour)."""
    started: list[NewslinkBot] = []
    task = asyncio.create_task(
        serve(settings, clock=clock, started=started.append, pool=pool, **options)
    )
    try:
        # The last bot started: a first one may have given way to a commands-only one.
        await fake.wait_for(lambda: task.done() or (bool(started) and started[-1].is_ready()), 15)
        if task.done():
            raise AssertionError(f"the bot stopped before it was ready (exit {task.result()})")
        # The setting reached discord.py (bot_settings lowers it: the fake sends every server at once).
        assert started[-1]._connection.guild_ready_timeout == settings.discord_guild_ready_timeout
        yield Running(started[-1], fake, site, settings)
    finally:
        # Bounded, as every wait here: a test that failed mid-share must fail, not hang its worker.
        if started:
            await asyncio.wait_for(started[-1].close(), 30)
        assert await asyncio.wait_for(task, 15) == 0


@pytest.fixture
def setting_overrides() -> dict[str, Any]:
    """Settings fields a test module wants other than :func:`bot_settings` (override it)."""
    return {}


@pytest.fixture
async def newslink(
    fake_discord: FakeDiscord,  # noqa: F811  (the imported fixture)
    migrated_database_url: str,
    news_site: NewsSite,
    parse_pool: ParsePool,
    setting_overrides: dict[str, Any],
) -> AsyncIterator[Running]:
    """The real bot connected to the fake, ready; closed cleanly after the test. Its database is
    already at head (the bot's upgrade at start finds nothing to do): starting on an empty one
    is test_catch_up's, the subprocess tests' and tests/storage/test_migrations.py's."""
    build_world(fake_discord)
    settings = dataclasses.replace(
        bot_settings(fake_discord, migrated_database_url, news_site), **setting_overrides
    )
    with pointed_at(fake_discord):  # restores discord.py's endpoints after the test
        async with running_bot(fake_discord, settings, news_site, parse_pool) as run:
            yield run


# --- helpers the end-to-end test modules share --------------------------------------------------


async def until(fake: FakeDiscord, predicate: Callable[[], bool], seconds: float = 20) -> None:
    """Wait for ``predicate``; generous, as it only bounds a test on a loaded machine."""
    await fake.wait_for(predicate, seconds)


def briefs(fake: FakeDiscord, channel_id: int = NEWS) -> list[dict[str, Any]]:
    """The brief messages (those with an embed) the bot posted in a channel."""
    return [m for m in fake.messages(channel_id) if m.get("embeds")]


def answer_text(record: InteractionRecord) -> str:
    """Everything the bot told the caller of an interaction."""
    parts = [str((r.get("data") or {}).get("content") or "") for r in record.responses]
    parts += [str(m.get("content") or "") for m in record.followups + record.edits]
    return "\n".join(parts)


async def answered(fake: FakeDiscord, record: InteractionRecord) -> str:
    """The interaction's answer, once the bot has given it (after a deferral: its follow-up)."""
    await until(
        fake, lambda: bool(record.responses) and (not record.deferred or bool(record.followups))
    )
    return answer_text(record)


def option(name: str, value: object, type: int = 3) -> dict[str, Any]:
    """A slash-command option as Discord sends it (type 3: a string)."""
    return {"name": name, "type": type, "value": value}


def answers_to(fake: FakeDiscord, thread_id: int, message_id: int) -> list[dict[str, Any]]:
    """The bot's replies in ``thread_id`` to message ``message_id``."""
    return [
        m
        for m in fake.messages(thread_id)
        if int(m["author"]["id"]) == fake.bot_user_id
        and int((m.get("message_reference") or {}).get("message_id") or 0) == message_id
    ]


async def ask(fake: FakeDiscord, thread: int, user: int, question: str, **kw: Any) -> int:
    """``user`` asks the bot ``question`` in ``thread``, mentioning it; the message's id."""
    mention = f"<@{fake.bot_user_id}>"
    sent = await fake.send_message(
        thread, user, f"{mention} {question}", mentions=[fake.bot_user_id], **kw
    )
    return int(sent["id"])

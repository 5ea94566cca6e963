"""The Discord client: the discord.py bot, how it starts, and how its commands are synced.

``run_bot`` is what ``python -m bot`` runs: point discord.py at the configured endpoints, open the
services (database upgraded, HTTP session, parse pool), load every extension in ``cogs/`` and
connect. Commands are registered with Discord only by ``sync_commands`` (``python -m bot sync``):
syncing on every start would burn Discord's small daily command-creation quota.

SIGTERM (or SIGINT) shuts down gracefully: no new share starts (a link pasted meanwhile is claimed
and released for the next start, a command is answered "restarting"), in-flight shares (pasted
links and commands alike, all run through :meth:`NewslinkBot.spawn`) get :data:`SHUTDOWN_GRACE_S`
to finish, then are cancelled, which releases their claims for the next start's recovery; the
client, HTTP session, parse pool and database engine are closed and the process exits 0. A second
signal skips the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pkgutil
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import aiohttp
import discord
import yarl
from discord.ext import commands

import cogs
from bot.app.services import Services, open_services
from bot.app.tasks import BackgroundTasks
from bot.clock import Clock
from bot.settings import Settings
from bot.sharing.notify import TtlCache
from bot.sharing.service import Sharing
from bot.workers import ParsePool

log = logging.getLogger(__name__)

EXIT_FAILURE = 2
# Guild member lookups kept per process (subscribers are looked up for brief after brief): a
# member's roles may be this stale, which only decides whether they are called into a thread.
MEMBER_LOOKUPS = 1024
MEMBER_LOOKUP_TTL_S = 300.0
# Long enough for a share already fetched to post; a slow fetch is released and retried later.
SHUTDOWN_GRACE_S = 10.0

_INTENTS_HELP = (
    "newslink: Discord refused the Message Content intent, which newslink needs to read links. "
    "Enable it at https://discord.com/developers/applications > your app > Bot > "
    "Privileged Gateway Intents > Message Content Intent, then start the bot again."
)
_TOKEN_HELP = (
    "newslink: Discord refused DISCORD_TOKEN; reset the token in the developer portal "
    "(Bot > Reset Token) and put it in .env (see .env.example)."
)


def walk_extensions() -> Iterator[str]:
    """Every public module of ``cogs/``: modules starting with ``_`` are helpers, not extensions."""
    for module in pkgutil.iter_modules(cogs.__path__, prefix=f"{cogs.__name__}."):
        if not module.name.rpartition(".")[2].startswith("_") and not module.ispkg:
            yield module.name


def point_at_discord(settings: Settings) -> None:
    """Send discord.py's REST and gateway traffic to the configured endpoints.

    discord.py keeps both as class attributes (``Route.BASE`` a str, ``DEFAULT_GATEWAY`` a
    ``yarl.URL``), so this is process-wide: fine, one process runs one bot.
    """
    discord.http.Route.BASE = settings.discord_api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def _discord_trouble_log() -> aiohttp.TraceConfig:
    """Log Discord's 429 and 5xx answers: discord.py retries them quietly (at DEBUG), but a
    passing fault should leave a line saying what happened."""

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        if status == 429 or status >= 500:
            log.warning("Discord answered %s to %s %s", status, params.method, params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


class NewslinkBot(commands.Bot):
    """The bot: holds the services the cogs call into and tracks its background tasks."""

    def __init__(self, services: Services | None, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        # Privileged: without it message.content is empty and no link is ever seen.
        intents.message_content = True
        super().__init__(
            # Prefix commands are unused; a mention-only prefix keeps plain messages from parsing.
            command_prefix=commands.when_mentioned,
            intents=intents,
            # Text from articles ends up in messages: nothing may ping unless a message says so.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            http_trace=_discord_trouble_log(),
            **options,
        )
        self._services = services
        # The services' tasks, so the core's background work (DMs) is tracked with the bot's.
        self._tasks = services.tasks if services is not None else BackgroundTasks()
        self.member_lookups: TtlCache[tuple[int, int], discord.Member | None] = TtlCache(
            MEMBER_LOOKUPS, MEMBER_LOOKUP_TTL_S
        )

    @property
    def draining(self) -> bool:
        """Shutting down: in-flight work may finish, new shares are left for the next start."""
        return self._tasks.draining

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("this bot was built without services (command sync only)")
        return self._services

    @property
    def sharing(self) -> Sharing:
        """The one Sharing of this process (built with the services)."""
        return self.services.sharing

    async def setup_hook(self) -> None:
        # Runs during login, before the gateway connects: load code only, never wait for READY here.
        for name in walk_extensions():
            await self.load_extension(name)
            log.info("loaded extension %s", name)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background: kept until done, failure logged, cancelled on close."""
        return self._tasks.spawn(coro, name=name)

    async def idle(self) -> None:
        """Wait until every background task has finished (tests use it to wait for quiet)."""
        await self._tasks.idle()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE_S) -> None:
        """Let background work finish for ``grace`` seconds, then close (cancelling the rest)."""
        self._tasks.draining = True
        pending = self._tasks.pending()
        if pending:
            log.info("shutting down: waiting up to %.0f s for %d tasks", grace, len(pending))
            _, late = await asyncio.wait(pending, timeout=grace)
            if late:
                log.warning("shutting down: cancelling %d unfinished tasks", len(late))
        await self.close()

    async def close(self) -> None:
        await self._tasks.cancel_all()
        await super().close()

    async def on_ready(self) -> None:
        # Fires again after every reconnect: log only; never sync commands here.
        log.info(
            "connected as %s (%s) to %d servers",
            self.user,
            getattr(self.user, "id", None),
            len(self.guilds),
        )


async def serve(
    settings: Settings,
    *,
    clock: Clock,
    started: Callable[[NewslinkBot], None] | None = None,
    pool: ParsePool | None = None,
    **options: Any,
) -> int:
    """Open the services, run the bot until it is closed; the exit status. ``started`` gets the bot
    before it connects (tests use it to wait for readiness and to close it); ``clock`` is the
    wall clock every "now" of the bot comes from; ``pool``, a parse pool to use and leave open
    (see :func:`open_services`)."""
    if settings.discord_token is None:
        print(
            "newslink: DISCORD_TOKEN is not set: put it in .env (see .env.example).",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    point_at_discord(settings)
    options.setdefault("guild_ready_timeout", settings.discord_guild_ready_timeout)
    async with (
        open_services(settings, clock=clock, pool=pool) as services,
        NewslinkBot(services, **options) as bot,
    ):
        if started is not None:
            started(bot)
        try:
            await bot.start(settings.discord_token.reveal())
        except discord.PrivilegedIntentsRequired:
            print(_INTENTS_HELP, file=sys.stderr)
            return EXIT_FAILURE
        except discord.LoginFailure:
            print(_TOKEN_HELP, file=sys.stderr)
            return EXIT_FAILURE
    return 0


def run_bot(settings: Settings, clock: Clock) -> int:
    """``python -m bot run``: serve until interrupted or terminated (SIGTERM closes cleanly)."""

    async def main() -> int:
        holder: list[NewslinkBot] = []
        loop = asyncio.get_running_loop()

        closing: list[asyncio.Task[None]] = []

        def stop(signum: int) -> None:
            if not holder:
                return
            # Keep a reference: an unreferenced task may be garbage-collected mid-close.
            if not closing:
                log.info("%s: shutting down", signal.Signals(signum).name)
                closing.append(asyncio.create_task(holder[0].shutdown(), name="shutdown"))
            elif len(closing) == 1:
                log.info("%s again: not waiting for in-flight work", signal.Signals(signum).name)
                closing.append(asyncio.create_task(holder[0].close(), name="close-now"))

        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop, signum)
        return await serve(settings, clock=clock, started=holder.append)

    return asyncio.run(main())


def sync_commands(settings: Settings, guild_id: int | None = None) -> int:
    """``python -m bot sync [--guild ID]``: register the slash commands; how many were synced."""

    async def main() -> int:
        assert settings.discord_token is not None
        point_at_discord(settings)
        async with NewslinkBot(None) as bot:
            try:
                await bot.login(settings.discord_token.reveal())
            except discord.LoginFailure:
                print(_TOKEN_HELP, file=sys.stderr)
                return EXIT_FAILURE
            guild = discord.Object(id=guild_id) if guild_id is not None else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        where = (
            f"server {guild_id}"
            if guild_id is not None
            else "every server (may take up to an hour)"
        )
        print(f"newslink: synced {len(synced)} commands to {where}")
        return 0

    return asyncio.run(main())

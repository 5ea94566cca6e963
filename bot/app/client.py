"""The Discord client: the discord.py bot, how it starts, and how its commands are synced.

``run_bot`` is what ``python -m bot`` runs: point discord.py at the configured endpoints, open the
services (database upgraded, HTTP session, parse pool), load every extension in ``cogs/`` and
connect. Commands are registered with Discord only by ``sync_commands`` (``python -m bot sync``):
syncing on every start would burn Discord's small daily command-creation quota.

SIGTERM (or SIGINT) shuts down gracefully: no new share starts (a link pasted meanwhile, or still
queued for one of the ``SHARES_IN_FLIGHT`` slots, is claimed and released for the next start, a
command is answered "restarting"), in-flight shares (pasted
links and commands alike, all run through :meth:`NewslinkBot.spawn`) get :data:`SHUTDOWN_GRACE_S`
to finish, then are cancelled, which releases their claims for the next start's recovery; the
client, HTTP session, parse pool and database engine are closed and the process exits 0. A second
signal skips the wait. SIGUSR1 logs the health line (:mod:`bot.health`), also logged every
``HEALTH_LOG_MINUTES``.

Shards (:mod:`bot.shards`): the bot is an ``AutoShardedBot`` running ``SHARD_IDS`` of
``SHARD_COUNT`` (default: every shard of Discord's recommended count); each IDENTIFY waits its
bucket's turn in :meth:`NewslinkBot.before_identify_hook`, through the database on PostgreSQL
(several processes), in the process on SQLite (one). Nothing here needs DMs or events of shard 0
only: the bot asks for no DM intent, sends DMs over REST, and syncs commands only from the
command line; what it does for "every server" at start is done per process for its shards' servers.

Commands-only mode: without the Message Content intent (``COMMANDS_ONLY=true``, the application's
flags lack it, or the gateway closes with 4014) the bot logs once what it cannot do and connects
without it; every command and mention still works.
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

import discord
import yarl
from discord.ext import commands

import cogs
from bot.app.services import Services, open_services
from bot.app.tasks import BackgroundTasks
from bot.clock import Clock
from bot.health import Health, InvalidRequests, discord_trouble_log, health_line
from bot.settings import Settings
from bot.shards import (
    DatabaseIdentifyGate,
    IdentifyGate,
    LocalIdentifyGate,
    Sleep,
    holds,
    refuse_layout,
    session_starts,
)
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
# The tasks discord.py starts for each event's listeners, each app command and each component
# callback, and never cancels: close ends them (bounded) while the services are still open.
_DISCORD_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-view-dispatch-")
_DISCORD_TASKS_GRACE_S = 10.0

_INTENTS_HELP = (
    "newslink: Discord refused an intent the bot asked for even in commands-only mode; check "
    "Bot > Privileged Gateway Intents at https://discord.com/developers/applications."
)
# Logged once when the bot runs without the Message Content intent; %s: why.
_COMMANDS_ONLY = (
    "commands-only mode (%s): links pasted in channels are not seen, so they are neither briefed "
    "nor caught up at start; /brief, 'Brief this link', /ask, mentions of the bot and every other "
    "command work. To brief pasted links, turn on Message Content Intent at "
    "https://discord.com/developers/applications > your app > Bot (past 100 servers Discord must "
    "approve it first) and restart."
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
    ``yarl.URL``) and has no client option for either, so this is process-wide: fine, one
    process runs one bot. A REST rate-limit proxy shared by the bot's processes (nirn-proxy) is
    such a base: discord.py's own limiter stays on in front of it.
    """
    discord.http.Route.BASE = settings.discord_api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class NewslinkBot(commands.AutoShardedBot):
    """The bot: holds the services the cogs call into and tracks its background tasks.

    ``commands_only``: connect without the Message Content intent. ``identify_gate`` paces the
    IDENTIFYs (default: this process alone); ``invalid_requests`` counts Discord's 401/403/429."""

    def __init__(
        self,
        services: Services | None,
        *,
        commands_only: bool = False,
        identify_gate: IdentifyGate | None = None,
        invalid_requests: InvalidRequests | None = None,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        # Privileged: without it message.content is empty and no pasted link is ever seen.
        intents.message_content = not commands_only
        self.commands_only = commands_only
        self.identify_gate = identify_gate or LocalIdentifyGate()
        self.invalid_requests = invalid_requests or InvalidRequests()
        self._health_task: asyncio.Task[None] | None = None
        self.stopping = False  # shutdown() was called (a signal), not a close from within
        super().__init__(
            # Prefix commands are unused; a mention-only prefix keeps plain messages from parsing.
            command_prefix=commands.when_mentioned,
            intents=intents,
            # Text from articles ends up in messages: nothing may ping unless a message says so.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            http_trace=discord_trouble_log(self.invalid_requests),
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
        minutes = self._services.settings.health_log_minutes if self._services else 0
        if minutes > 0:
            # Not a tracked task: a shutdown must not wait for a loop that never ends.
            self._health_task = asyncio.create_task(self._log_health_every(minutes * 60.0))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Replaces discord.py's flat 5 s between shards: the gate knows the buckets and, on
        # PostgreSQL, the other processes' IDENTIFYs.
        await self.identify_gate.turn(shard_id or 0)

    def holds_guild(self, guild_id: int) -> bool:
        """Whether ``guild_id`` is on one of this process's shards."""
        return holds(guild_id, self.shard_count, self.shard_ids)

    def health(self) -> Health:
        return Health(
            shards=sorted(self.latencies),
            briefs_in_flight=self.sharing.gate.in_flight,
            shares_queued=self.sharing.gate.queued,
            claims_recovered=self.sharing.recovery.recovered,
            cache_hits=self.services.briefer.cache_hits,
            invalid_requests=self.invalid_requests.count(),
            commands_only=self.commands_only,
        )

    def log_health(self) -> None:
        log.info("%s", health_line(self.health()))

    async def _log_health_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.log_health()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background: kept until done, failure logged, cancelled on close."""
        return self._tasks.spawn(coro, name=name)

    async def idle(self) -> None:
        """Wait until every background task has finished (tests use it to wait for quiet)."""
        await self._tasks.idle()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE_S) -> None:
        """Let background work finish for ``grace`` seconds, then close (cancelling the rest)."""
        self.stopping = True
        self._tasks.draining = True
        if self._services is not None:
            # Queued shares do not start: each releases its links for the next start (a
            # transaction each, tracked like the shares, so the wait below covers them).
            queued = self.sharing.gate.drain()
            if queued:
                log.info("shutting down: %d queued shares not started", queued)
        pending = self._tasks.pending()
        if pending:
            log.info("shutting down: waiting up to %.0f s for %d tasks", grace, len(pending))
            _, late = await asyncio.wait(pending, timeout=grace)
            if late:
                log.warning("shutting down: cancelling %d unfinished tasks", len(late))
        await self.close()

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
        await self._tasks.cancel_all()
        await _end_discord_tasks()
        await super().close()

    async def on_ready(self) -> None:
        # Fires again after every reconnect: log only; never sync commands here.
        log.info(
            "connected as %s (%s) to %d servers",
            self.user,
            getattr(self.user, "id", None),
            len(self.guilds),
        )


async def _end_discord_tasks() -> None:
    """Cancel discord.py's listener, command and component tasks still running, and wait for them
    (at most :data:`_DISCORD_TASKS_GRACE_S`). They use the services, which close after the bot:
    one left running went on with the database engine disposed under it, and the event loop's
    close then waited on it for ever (a test's teardown stalled until pytest-timeout)."""
    current = asyncio.current_task()
    running = [
        task
        for task in asyncio.all_tasks()
        if task is not current and task.get_name().startswith(_DISCORD_TASKS)
    ]
    for task in running:
        task.cancel()
    if running:
        _, late = await asyncio.wait(running, timeout=_DISCORD_TASKS_GRACE_S)
        if late:
            log.warning("closing: %d event or command tasks did not end when cancelled", len(late))


async def serve(
    settings: Settings,
    *,
    clock: Clock,
    started: Callable[[NewslinkBot], None] | None = None,
    pool: ParsePool | None = None,
    identify_sleep: Sleep = asyncio.sleep,
    **options: Any,
) -> int:
    """Open the services, run the bot until it is closed; the exit status. ``started`` gets each
    bot before it connects (a second one when the first fell back to commands-only mode; tests
    use it to wait for readiness and to close it); ``clock`` is the wall clock every "now" of
    the bot comes from; ``pool``, a parse pool to use and leave open (see
    :func:`open_services`); ``identify_sleep``, how IDENTIFYs wait their turn."""
    if settings.discord_token is None:
        print(
            "newslink: DISCORD_TOKEN is not set: put it in .env (see .env.example).",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    refusal = refuse_layout(settings.database_url, settings.shard_count, settings.shard_ids)
    if refusal is not None:
        print(f"newslink: {refusal}", file=sys.stderr)
        return EXIT_FAILURE
    point_at_discord(settings)
    token = settings.discord_token.reveal()
    options.setdefault("guild_ready_timeout", settings.discord_guild_ready_timeout)
    options.setdefault("shard_count", settings.shard_count)
    options.setdefault(
        "shard_ids", None if settings.shard_ids is None else list(settings.shard_ids)
    )
    invalid = InvalidRequests()  # one count for the process, whichever bot is running
    async with open_services(settings, clock=clock, pool=pool) as services:
        gate: IdentifyGate = (
            DatabaseIdentifyGate(services.sessions, clock, sleep=identify_sleep)
            if settings.database_url.startswith("postgresql")
            else LocalIdentifyGate(sleep=identify_sleep)
        )
        commands_only = settings.commands_only
        if commands_only:
            log.info(_COMMANDS_ONLY, "COMMANDS_ONLY=true")
        bot: NewslinkBot | None = None
        while True:
            if bot is not None and bot.stopping:
                return 0  # a signal came while falling back: no second bot
            services.tasks.draining = False  # a bot closed for commands-only mode set it
            services.sharing.gate.reopen()
            async with NewslinkBot(
                services,
                commands_only=commands_only,
                identify_gate=gate,
                invalid_requests=invalid,
                **options,
            ) as bot:
                if started is not None:
                    started(bot)
                try:
                    await bot.login(token)
                    if not commands_only and not _may_read_messages(bot):
                        log.warning(
                            _COMMANDS_ONLY,
                            "the application does not have the Message Content intent enabled",
                        )
                        commands_only = True
                        continue
                    await _read_session_starts(bot, gate)
                    await bot.connect()
                except discord.PrivilegedIntentsRequired:
                    if commands_only:
                        print(_INTENTS_HELP, file=sys.stderr)
                        return EXIT_FAILURE
                    log.warning(
                        _COMMANDS_ONLY,
                        "Discord refused the Message Content intent: gateway close code 4014",
                    )
                    commands_only = True
                    continue
                except discord.LoginFailure:
                    print(_TOKEN_HELP, file=sys.stderr)
                    return EXIT_FAILURE
            return 0


async def _read_session_starts(bot: NewslinkBot, gate: IdentifyGate) -> None:
    """Log the day's session starts left and give the gate Discord's ``max_concurrency``."""
    try:
        limits = await bot.fetch_session_start_limits()
    except discord.GatewayNotFound as exc:
        # Not worth failing the start for: the gate keeps one bucket, the slowest safe pace.
        log.warning("could not read the session start limits (%s)", exc)
        return
    gate.max_concurrency = limits.max_concurrency
    level, line = session_starts(limits.remaining, limits.total, limits.reset_after)
    log.log(level, "%s", line)


def _may_read_messages(bot: NewslinkBot) -> bool:
    """Whether the application has the Message Content intent on (its flags, read at login):
    asking for it otherwise costs an IDENTIFY that Discord closes with 4014."""
    flags = bot.application_flags
    return flags.gateway_message_content or flags.gateway_message_content_limited


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
                closing.append(asyncio.create_task(holder[-1].shutdown(), name="shutdown"))
            elif len(closing) == 1:
                log.info("%s again: not waiting for in-flight work", signal.Signals(signum).name)
                closing.append(asyncio.create_task(holder[-1].close(), name="close-now"))

        def health() -> None:
            if holder and holder[-1].is_ready():
                holder[-1].log_health()

        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop, signum)
            loop.add_signal_handler(signal.SIGUSR1, health)
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

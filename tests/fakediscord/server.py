"""FakeDiscord: REST and gateway on 127.0.0.1, the world they share, and what tests observe."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakediscord import openapi, validation
from tests.fakediscord.gateway import INTENT_GUILD_MEMBERS, GatewayServer, GatewaySession
from tests.fakediscord.world import (
    ADD_REACTIONS,
    CREATE_PUBLIC_THREADS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    DM_TYPE,
    MANAGE_THREADS,
    PIN_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
    snowflake,
    timestamp,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
NONCE_WINDOW_S = 300.0  # Discord drops an enforce_nonce duplicate "for a few minutes"
PINS_MAX = 250
# Application flags: the Message Content intent enabled for a bot in under 100 servers.
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19

Handler = Callable[[web.Request, dict[str, str], Any], Awaitable[web.Response]]


class DiscordError(Exception):
    """Raised inside a route to answer with Discord's error shape."""

    def __init__(
        self, status: int, code: int, message: str, *, problem: bool = False, body: Any = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.problem = status, code, message, problem
        self.body = body


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py compares Content-Type to exactly "application/json": no charset suffix allowed.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float | None


@dataclass
class Hold:
    """Requests matching a held route wait (as if Discord were slow) until :meth:`release`."""

    method: str
    pattern: re.Pattern[str]
    reached: int = 0
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()

    async def wait(self) -> None:
        self.reached += 1
        await self._released.wait()


@dataclass
class InteractionRecord:
    """One interaction the fake sent, and everything the client answered to it."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    responses: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None
    original_deleted: bool = False

    @property
    def deferred(self) -> bool:
        return bool(self.responses) and self.responses[0].get("type") in (5, 6)

    @property
    def ephemeral(self) -> bool:
        if not self.responses:
            return False
        flags = int((self.responses[0].get("data") or {}).get("flags") or 0)
        return bool(flags & EPHEMERAL)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The original response message (if any) then the follow-ups, as they stand now."""
        found = [self.original] if self.original is not None and not self.original_deleted else []
        return found + [m for m in self.followups if not m.get("_deleted")]


class FakeDiscord:
    """A Discord stand-in for end-to-end tests; see the package docstring for what it models."""

    def __init__(
        self,
        *,
        bot_user_id: int = 1000,
        application_id: int = 1000,
        heartbeat_interval_ms: int = 500,
    ) -> None:
        self.bot_user_id = bot_user_id
        self.application_id = application_id
        self.token = "fake." + secrets.token_urlsafe(24)
        self.api_base = ""
        self.gateway_url = ""
        # Discord drops interactions whose first callback is later than 3 s; None disables it.
        self.interaction_deadline: float | None = 3.0
        self.bot_user = User(bot_user_id, "newslink", bot=True)
        # GET /gateway/bot's recommended shard count (its max_concurrency: gateway.max_concurrency).
        self.recommended_shards = 1
        # The application's flags: the Message Content intent enabled (under 100 servers), as
        # set in the developer portal; 0 is an application without it.
        self.application_flags = GATEWAY_MESSAGE_CONTENT_LIMITED
        self._users: dict[int, User] = {bot_user_id: self.bot_user}
        self._guilds: dict[int, Guild] = {}
        self._channels: dict[int, Channel] = {}
        self._bot_roles: dict[int, int] = {}
        self._messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self._pins: dict[int, list[tuple[int, str]]] = {}
        self._reactions: dict[tuple[int, int], list[str]] = {}
        self._thread_members: dict[int, set[int]] = {}
        self._nonces: dict[tuple[int, str], tuple[float, int]] = {}
        self._dm_channels: dict[int, int] = {}
        self._interactions: dict[int, InteractionRecord] = {}
        self._interactions_by_token: dict[str, InteractionRecord] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self._faults: list[_Fault] = []
        self._holds: list[Hold] = []
        self._requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self._problems: list[str] = []
        self.error_responses: list[tuple[str, str, int, Any]] = []
        self.deleted_messages: list[dict[str, Any]] = []
        self.deleted_channels: list[int] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.gateway = GatewayServer(
            token=self.token,
            bot_user_id=bot_user_id,
            heartbeat_interval_ms=heartbeat_interval_ms,
            on_identify=self._on_identify,
            on_request_members=self._on_request_members,
            on_problem=self._problems.append,
        )
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        # Discord's own description of its API (read once per process; None if missing outside CI).
        self._spec = openapi.load(openapi.spec_path())
        self._runner: web.AppRunner | None = None
        self._register_routes()

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._dispatch_http)
        app.router.add_route("*", "/{tail:.*}", self._unknown_prefix)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api_base = f"http://127.0.0.1:{port}{API_PREFIX}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"

    async def close(self) -> None:
        for hold in self._holds:
            hold.release()  # a held request would keep the server from shutting down
        await self.gateway.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ----------------------------------------------------------------- the world
    def add_guild(
        self,
        guild_id: int,
        name: str = "guild",
        *,
        owner_id: int | None = None,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
    ) -> None:
        """Add a guild with @everyone (id == guild id) and the bot as member with a managed role.

        The owner (a member) has an id of its own unless given, as in Discord, never the guild's (discord.py gives every permission to whatever has the owner's id, so an
        owner id equal to the guild's would make @everyone all-powerful)."""
        guild = Guild(guild_id, name, owner_id if owner_id is not None else snowflake())
        guild.roles[guild_id] = Role(guild_id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS)
        bot_role = snowflake()
        guild.roles[bot_role] = Role(
            bot_role, self.bot_user.name, bot_permissions, position=1, managed=True
        )
        self._bot_roles[guild_id] = bot_role
        guild.members[self.bot_user_id] = Member(self.bot_user, [bot_role])
        self._guilds[guild_id] = guild
        if guild.owner_id not in guild.members:
            self.add_member(guild_id, guild.owner_id, "owner")
        # Once connected, this is the bot joining a guild: Discord's GUILD_CREATE then has no
        # ``unavailable`` (``false`` marks a guild of READY becoming available).
        joined = guild.payload(full=True)
        del joined["unavailable"]
        self._emit("GUILD_CREATE", joined)

    async def remove_guild(self, guild_id: int) -> None:
        """The bot is removed from (kicked out of) a guild: GUILD_DELETE without ``unavailable``,
        as Discord sends it; the guild and its channels are gone for the bot's REST calls too.
        ``add_guild`` again adds it back (GUILD_CREATE, which discord.py reports as a join)."""
        guild = self._guilds.pop(guild_id)
        for channel_id in guild.channels:
            self._channels.pop(channel_id, None)
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    def bot_role_id(self, guild_id: int) -> int:
        return self._bot_roles[guild_id]

    def set_bot_permissions(self, guild_id: int, permissions: int) -> None:
        """Replace the permissions of the bot's managed role in that guild."""
        self.add_role(
            guild_id, self._bot_roles[guild_id], permissions=permissions, name=self.bot_user.name
        )

    def add_role(
        self, guild_id: int, role_id: int, *, permissions: int, name: str = "role"
    ) -> None:
        """Add or update a role; the @everyone role's id is the guild id."""
        guild = self._guilds[guild_id]
        existed = role_id in guild.roles
        position = guild.roles[role_id].position if existed else len(guild.roles)
        guild.roles[role_id] = Role(
            role_id, name, permissions, position=0 if role_id == guild_id else position
        )
        event = "GUILD_ROLE_UPDATE" if existed else "GUILD_ROLE_CREATE"
        self._emit(event, {"guild_id": str(guild_id), "role": guild.roles[role_id].payload()})

    def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        name: str = "news",
        *,
        type: int = 0,
        overwrites: list[dict[str, Any]] | None = None,
    ) -> None:
        """Add a channel; overwrites as in Discord: {id, type (0 role, 1 member), allow, deny}."""
        guild = self._guilds[guild_id]
        ows = [
            {
                "id": str(o["id"]),
                "type": int(o["type"]),
                "allow": str(o.get("allow", 0)),
                "deny": str(o.get("deny", 0)),
            }
            for o in overwrites or []
        ]
        channel = Channel(channel_id, type, name, guild_id, ows, position=len(guild.channels))
        guild.channels[channel_id] = channel
        self._channels[channel_id] = channel
        self._emit("CHANNEL_CREATE", channel.payload())

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        name: str = "member",
        *,
        roles: list[int] | None = None,
        bot: bool = False,
    ) -> None:
        user = self._users.setdefault(user_id, User(user_id, name, bot=bot))
        guild = self._guilds[guild_id]
        guild.members[user_id] = Member(user, list(roles or []))
        self._emit(
            "GUILD_MEMBER_ADD", {**guild.members[user_id].payload(), "guild_id": str(guild_id)}
        )

    async def open_member_thread(self, channel_id: int, owner_id: int, name: str) -> int:
        """A member starts a public thread in a channel (the bot only sees THREAD_CREATE)."""
        parent = self._channels[channel_id]
        thread = self._make_thread(parent, {"name": name}, thread_id=snowflake())
        thread.owner_id = owner_id
        self._thread_members[thread.id] = {owner_id}
        await self.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        return thread.id

    def open_dm(self, user_id: int) -> int:
        """The DM channel between the bot and that user (created on first use), as its id."""
        if user_id not in self._dm_channels:
            user = self._users.setdefault(user_id, User(user_id, f"user{user_id}"))
            channel = Channel(snowflake(), DM_TYPE, "", None, recipient=user)
            self._channels[channel.id] = channel
            self._dm_channels[user_id] = channel.id
        return self._dm_channels[user_id]

    def permissions(self, guild_id: int, user_id: int, channel_id: int | None = None) -> int:
        """What the fake believes that user may do there (Discord's algorithm, see world.py)."""
        guild = self._guilds[guild_id]
        return guild.permissions_in(user_id, self._channels.get(channel_id) if channel_id else None)

    # ----------------------------------------------------------------- events
    def _emit(self, event: str, data: dict[str, Any]) -> asyncio.Future[None] | None:
        guild_id = data.get("guild_id")
        session = self.gateway.session_for(int(guild_id) if guild_id else None)
        if session is None:
            return None
        return session.emit(event, data)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any raw dispatch to the client (and wait until it is written to the socket)."""
        sent = self._emit(event, data)
        if sent is not None:
            await sent

    async def send_message(
        self,
        channel_id: int,
        author_id: int,
        content: str,
        *,
        message_id: int | None = None,
        webhook_id: int | None = None,
        embeds: list[dict[str, Any]] | None = None,
        mentions: list[int] | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A user (or webhook) posts a message: stored, then MESSAGE_CREATE. Returns the payload.

        ``reply_to``: the message this one replies to (Discord adds its author to ``mentions``
        only when the reply pings: pass ``mentions`` as the client would)."""
        channel = self._channels[channel_id]
        author = self._users.get(author_id) or User(
            author_id, f"user{author_id}", bot=webhook_id is not None
        )
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to)}
        data = self._new_message(channel, author, body, message_id=message_id)
        data["mentions"] = [
            self._users.get(u, User(u, f"user{u}")).payload() for u in mentions or []
        ]
        if webhook_id is not None:
            data["webhook_id"] = str(webhook_id)
        self._store(Message(data))
        await self.dispatch("MESSAGE_CREATE", self._event_message(data))
        return data

    async def delete_by_user(self, channel_id: int, *message_ids: int) -> None:
        """Members (a sharer, a moderator) delete messages in the client: one MESSAGE_DELETE, or
        MESSAGE_DELETE_BULK for several (a moderator's purge), as the gateway sends them."""
        channel = self._channels[channel_id]
        for message_id in message_ids:
            self._remove_message(self._message_in(channel, message_id))
        event: dict[str, Any] = {"channel_id": str(channel_id)}
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        if len(message_ids) == 1:
            await self.dispatch("MESSAGE_DELETE", {**event, "id": str(message_ids[0])})
        else:
            await self.dispatch(
                "MESSAGE_DELETE_BULK", {**event, "ids": [str(m) for m in message_ids]}
            )

    def channel_payload(self, channel_id: int) -> dict[str, Any] | None:
        """A channel or thread as it stands now (None once deleted)."""
        channel = self._channels.get(channel_id)
        return channel.payload() if channel is not None else None

    # ----------------------------------------------------------------- observe
    def messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages the client posted there (POST /channels/{id}/messages), as they stand now."""
        return [
            self._messages[m].data
            for m in self._channel_messages.get(channel_id, [])
            if self._messages[m].sent_by_client
        ]

    def all_messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Every message in the channel: injected, the client's, interaction answers, notices."""
        return [self._messages[m].data for m in self._channel_messages.get(channel_id, [])]

    def message(self, message_id: int) -> dict[str, Any]:
        return self._messages[message_id].data

    def threads(self, parent_channel_id: int | None = None) -> list[dict[str, Any]]:
        return [
            c.payload()
            for c in self._channels.values()
            if c.is_thread and (parent_channel_id is None or c.parent_id == parent_channel_id)
        ]

    def thread_members(self, thread_id: int) -> set[int]:
        return set(self._thread_members.get(thread_id, set()))

    def pins(self, channel_id: int) -> list[int]:
        return [mid for mid, _ in self._pins.get(channel_id, [])]

    def reactions(self, channel_id: int, message_id: int) -> list[str]:
        return list(self._reactions.get((channel_id, message_id), []))

    def requests(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        return list(self._requests)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        return list(self._commands.get(guild_id, []))

    def interactions(self) -> list[InteractionRecord]:
        return list(self._interactions.values())

    @property
    def intents(self) -> int | None:
        """The intents of the last IDENTIFY, or None before the first."""
        if not self.gateway.identify_payloads:
            return None
        return int(self.gateway.identify_payloads[-1].get("intents", 0))

    @property
    def identify_count(self) -> int:
        return len(self.gateway.identify_payloads)

    @property
    def resume_count(self) -> int:
        return self.gateway.resumes

    @property
    def connected(self) -> bool:
        return self.gateway.connected

    def problems(self) -> list[str]:
        return list(self._problems)

    def record_problem(self, problem: str) -> None:
        self._problems.append(problem)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                recent = "\n  ".join(
                    f"{m} {p} {json.dumps(b)[:200]}" for m, p, b in self._requests[-10:]
                )
                raise AssertionError(
                    f"condition not met within {timeout}s; last requests:\n  {recent or '(none)'}"
                    f"\nproblems: {self._problems or 'none'}"
                )
            await asyncio.sleep(0.01)

    def assert_clean(self) -> None:
        if self._problems:
            raise AssertionError(
                "fake Discord recorded problems:\n  " + "\n  ".join(self._problems)
            )

    # ----------------------------------------------------------------- faults
    def fail_next(
        self,
        method: str,
        path_pattern: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status`.

        ``{name}`` in the pattern matches one path segment; a literal path matches itself.
        """
        self._faults.append(
            _Fault(method.upper(), openapi.route_pattern(path_pattern), status, times, retry_after)
        )

    def hold(self, method: str, path_pattern: str) -> Hold:
        """Hold every matching request (pattern as in :meth:`fail_next`) until the returned
        hold is released; ``hold.reached`` counts the requests that arrived. Released when the
        fake closes."""
        held = Hold(method.upper(), openapi.route_pattern(path_pattern))
        self._holds.append(held)
        return held

    def forget_nonces(self) -> None:
        """Forget every ``enforce_nonce`` seen so far, as Discord does after a few minutes: a
        later post with the same nonce creates a new message."""
        self._nonces.clear()

    async def drop_websocket(
        self,
        *,
        resume: bool = True,
        missed: Sequence[tuple[str, dict[str, Any]]] = (),
        shard: int = 0,
    ) -> None:
        """Close the gateway socket with a resumable code; resume=False also forgets the session.

        ``missed`` (event name, data) are dispatched while the socket is down: the client gets
        them only from the RESUME replay (e.g. a MESSAGE_CREATE it has already seen)."""
        await self.gateway.drop(resume=resume, missed=missed, shard=shard)

    def refuse_intents(self, intents: int) -> None:
        """Close the gateway with 4014 on an IDENTIFY asking for any of ``intents``, as Discord
        does when a privileged intent is not enabled in the developer portal."""
        self.gateway.disallowed_intents = intents

    def _fault_for(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.pattern.match(path) and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _fault_response(fault: _Fault) -> web.Response:
        if fault.status == 429:
            retry = 0.05 if fault.retry_after is None else fault.retry_after
            headers = {
                "Retry-After": str(max(1, round(retry))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(retry),
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",  # discord.py treats a 429 without Via as a Cloudflare ban
            }
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
            return json_response(body, 429, headers)
        messages = {
            400: (50035, "Invalid Form Body"),
            401: (0, "401: Unauthorized"),
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
        }
        code, message = messages.get(fault.status, (0, f"{fault.status}: Server Error"))
        return json_response({"message": message, "code": code}, fault.status)

    # ----------------------------------------------------------------- HTTP plumbing
    def _route(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        self._routes.append((method, openapi.route_pattern(template), handler, auth))

    async def _unknown_prefix(self, request: web.Request) -> web.Response:
        self._problems.append(f"unknown route {request.method} {request.path}")
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    async def _read_body(self, request: web.Request, path: str) -> tuple[Any, bool]:
        """The request's JSON body (a multipart body's ``payload_json`` part) and whether it
        carried a body at all."""
        where = f"{request.method} {path}"
        if not request.can_read_body:
            return None, False
        if request.content_type == "multipart/form-data":
            form = await request.post()
            if any(isinstance(v, web.FileField) for v in form.values()):
                self._problems.append(f"{where}: file uploads are not modelled")
            payload = form.get("payload_json")  # bytes when the part says application/json
            if not isinstance(payload, str | bytes | bytearray):
                self._problems.append(f"{where}: multipart body without a payload_json part")
                return None, True
            raw = payload.encode() if isinstance(payload, str) else bytes(payload)
        else:
            raw = await request.read()
            if request.content_type != "application/json":
                self._problems.append(f"{where}: unsupported body type {request.content_type}")
                return None, bool(raw)
        if not raw:
            return None, False
        try:
            return json.loads(raw), True
        except ValueError:
            self._problems.append(f"{where}: body is not JSON")
            return None, True

    async def _dispatch_http(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :]
        body, has_body = await self._read_body(request, path)
        self._requests.append((request.method, path, body))
        if self._spec is not None:
            refusal = self._spec.check(request.method, path, body, has_body=has_body)
            if refusal is not None:
                self._problems.append(refusal.problem)
                self.error_responses.append((request.method, path, refusal.status, refusal.body))
                return json_response(refusal.body, refusal.status)
        for held in self._holds:
            if not held.released and held.method == request.method and held.pattern.match(path):
                await held.wait()
        fault = self._fault_for(request.method, path)
        if fault is not None:
            return self._fault_response(fault)
        for method, pattern, handler, auth in self._routes:
            match = pattern.match(path)
            if match is None or method != request.method:
                continue
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                self._problems.append(f"{request.method} {path}: bad or missing Authorization")
                return json_response({"message": "401: Unauthorized", "code": 0}, 401)
            try:
                return await handler(request, match.groupdict(), body)
            except DiscordError as exc:
                payload = exc.body or {"message": exc.message, "code": exc.code}
                self.error_responses.append((request.method, path, exc.status, payload))
                if exc.problem:
                    self._problems.append(
                        f"{request.method} {path} -> {exc.status} {json.dumps(payload)[:500]}"
                    )
                return json_response(payload, exc.status)
        self._problems.append(f"unknown route {request.method} {path}")
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    # ----------------------------------------------------------------- helpers
    def _channel(self, channel_id: str | int) -> Channel:
        channel = self._channels.get(int(channel_id))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def _message_in(self, channel: Channel, message_id: str | int) -> Message:
        message = self._messages.get(int(message_id))
        if message is None or message.channel_id != channel.id:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    def _require(self, channel: Channel, *bits: int) -> None:
        """403 like Discord when the bot lacks a permission; a bot should check before it tries."""
        if channel.guild_id is None:
            return
        have = self._guilds[channel.guild_id].permissions_in(self.bot_user_id, channel)
        missing = [b for b in bits if not have & b]
        if missing:
            raise DiscordError(403, 50013, "Missing Permissions", problem=True)

    @staticmethod
    def _invalid(problems: validation.Problems) -> None:
        if problems:
            raise DiscordError(
                400, 50035, "Invalid Form Body", problem=True, body=validation.form_error(problems)
            )

    def _member_payload(
        self, guild_id: int, user_id: int, *, with_user: bool
    ) -> dict[str, Any] | None:
        member = self._guilds[guild_id].members.get(user_id)
        return member.payload(with_user=with_user) if member else None

    def _new_message(
        self,
        channel: Channel,
        author: User,
        body: dict[str, Any],
        *,
        message_id: int | None = None,
        type: int = 0,
    ) -> dict[str, Any]:
        mid = message_id if message_id is not None else snowflake()
        channel.last_message_id = mid
        if channel.is_thread:
            channel.message_count += 1
        data: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": timestamp(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or ([body["embed"]] if body.get("embed") else []),
            "reactions": [],
            "pinned": False,
            "type": type,
            "flags": int(body.get("flags") or 0),
            "components": body.get("components") or [],
        }
        for key in ("nonce", "allowed_mentions", "enforce_nonce", "sticker_ids", "poll"):
            if key in body:
                data[key] = body[key]
        ref = body.get("message_reference")
        if ref:
            # Clients may send ids as ints; Discord answers with strings.
            data["message_reference"] = {
                **ref,
                **{k: str(ref[k]) for k in ("message_id", "guild_id") if ref.get(k) is not None},
                "channel_id": str(ref.get("channel_id") or channel.id),
            }
            if channel.guild_id is not None:
                data["message_reference"].setdefault("guild_id", str(channel.guild_id))
            ref_msg = self._messages.get(int(ref.get("message_id", 0)))
            if ref_msg is not None:
                data["type"] = 19 if type == 0 else type
                data["referenced_message"] = {
                    k: v for k, v in ref_msg.data.items() if k != "referenced_message"
                }
        return data

    def _store(self, message: Message) -> None:
        self._messages[message.id] = message
        self._channel_messages.setdefault(message.channel_id, []).append(message.id)

    def _event_message(self, data: dict[str, Any]) -> dict[str, Any]:
        event = {k: v for k, v in data.items() if k not in ("allowed_mentions", "enforce_nonce")}
        channel = self._channels[int(data["channel_id"])]
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
            member = self._member_payload(
                channel.guild_id, int(data["author"]["id"]), with_user=False
            )
            if member is not None and "webhook_id" not in data:
                event["member"] = member
        return event

    def _user(self, user_id: int) -> User:
        return self._users.get(user_id) or User(user_id, f"user{user_id}")

    # ----------------------------------------------------------------- routes
    def _register_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("GET", "/gateway", self._get_gateway, auth=False)
        r("GET", "/gateway/bot", self._get_gateway)
        r("GET", "/applications/@me", self._get_application)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("POST", "/users/@me/channels", self._open_dm)
        r("GET", "/users/{user_id}", self._get_user)
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("PATCH", "/channels/{channel_id}", self._edit_channel)
        r("DELETE", "/channels/{channel_id}", self._delete_channel)
        r("GET", "/channels/{channel_id}/messages/pins", self._get_pins)
        r("PUT", "/channels/{channel_id}/messages/pins/{message_id}", self._pin)
        r("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", self._unpin)
        r("GET", "/channels/{channel_id}/messages", self._get_messages)
        r("POST", "/channels/{channel_id}/messages", self._post_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._thread_from_message)
        r("POST", "/channels/{channel_id}/threads", self._thread_without_message)
        r("PUT", "/channels/{channel_id}/thread-members/@me", self._join_thread)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react)
        r(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            self._unreact,
        )
        r("POST", "/channels/{channel_id}/typing", self._typing)
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self._get_roles)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        r(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            self._interaction_callback,
            auth=False,
        )
        r("POST", "/webhooks/{app_id}/{token}", self._followup, auth=False)
        r(
            "GET",
            "/webhooks/{app_id}/{token}/messages/{message_id}",
            self._get_webhook_message,
            auth=False,
        )
        r(
            "PATCH",
            "/webhooks/{app_id}/{token}/messages/{message_id}",
            self._edit_webhook_message,
            auth=False,
        )
        r(
            "DELETE",
            "/webhooks/{app_id}/{token}/messages/{message_id}",
            self._delete_webhook_message,
            auth=False,
        )
        r("GET", "/applications/{app_id}/commands", self._get_commands)
        r("PUT", "/applications/{app_id}/commands", self._put_commands)
        r("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands)
        r("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands)

    async def _get_me(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return json_response(
            {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        )

    async def _get_gateway(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        data: dict[str, Any] = {"url": self.gateway_url}
        if request.path.endswith("/bot"):
            limit = {
                "total": 1000,
                "remaining": 1000 - self.identify_count,
                "reset_after": 86_400_000,
                "max_concurrency": self.gateway.max_concurrency,
            }
            data.update(shards=self.recommended_shards, session_start_limit=limit)
        return json_response(data)

    async def _get_application(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        owner = self._user(next((g.owner_id for g in self._guilds.values()), 1))
        return json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_user.name,
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": self.bot_user.payload(),
                "owner": owner.payload(),
                "team": None,
                "summary": "",
                "verify_key": "0" * 64,
                "flags": self.application_flags,
                "approximate_guild_count": len(self._guilds),
                "tags": [],
                "install_params": None,
                "integration_types_config": {},
                "redirect_uris": [],
                "interactions_endpoint_url": None,
            }
        )

    async def _get_user(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        user = self._users.get(int(p["user_id"]))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def _open_dm(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return json_response(self._channels[self.open_dm(int(body["recipient_id"]))].payload())

    async def _get_channel(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        return json_response(self._channel(p["channel_id"]).payload())

    async def _edit_channel(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """Only what the bot does: archive (or unarchive) a thread; its creator or Manage Threads."""
        channel = self._channel(p["channel_id"])
        if not channel.is_thread or set(body or {}) - {"archived"}:
            raise DiscordError(
                400, 0, f"the fake edits only a thread's archived: {body}", problem=True
            )
        if channel.owner_id != self.bot_user_id:
            self._require(channel, VIEW_CHANNEL, MANAGE_THREADS)
        channel.archived = bool(body["archived"])
        await self.dispatch("THREAD_UPDATE", channel.payload())
        return json_response(channel.payload())

    async def _delete_channel(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """Delete a thread (Manage Threads), with its messages; THREAD_DELETE."""
        channel = self._channel(p["channel_id"])
        if not channel.is_thread:
            raise DiscordError(400, 0, "the fake deletes only threads", problem=True)
        self._require(channel, VIEW_CHANNEL, MANAGE_THREADS)
        del self._channels[channel.id]
        assert channel.guild_id is not None
        self._guilds[channel.guild_id].channels.pop(channel.id, None)
        self._channel_messages.pop(channel.id, None)
        self.deleted_channels.append(channel.id)
        await self.dispatch(
            "THREAD_DELETE",
            {
                "id": str(channel.id),
                "guild_id": str(channel.guild_id),
                "parent_id": str(channel.parent_id),
                "type": channel.type,
            },
        )
        return json_response(channel.payload())

    async def _typing(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        self._channel(p["channel_id"])
        return web.Response(status=204)

    async def _post_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        channel = self._channel(p["channel_id"])
        body = body or {}
        self._require(
            channel, VIEW_CHANNEL, SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES
        )
        self._invalid(validation.check_message(body))
        ref = body.get("message_reference")
        if (
            ref
            and ref.get("fail_if_not_exists", True)
            and int(ref.get("message_id", 0)) not in self._messages
        ):
            self._invalid([("message_reference", "Unknown message")])
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce is not None:
            key = (channel.id, str(nonce))
            seen = self._nonces.get(key)
            if (
                seen is not None
                and time.monotonic() - seen[0] < NONCE_WINDOW_S
                and seen[1] in self._messages
            ):
                return json_response(self._messages[seen[1]].data)
        data = self._new_message(channel, self.bot_user, body)
        self._store(Message(data, sent_by_client=True))
        if nonce is not None:
            self._nonces[(channel.id, str(nonce))] = (time.monotonic(), int(data["id"]))
        await self.dispatch("MESSAGE_CREATE", self._event_message(data))
        return json_response(data)

    async def _get_messages(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """A page of the channel's history, newest first, as Discord documents it: ``limit``
        1-100 (default 50) and at most one of ``before``, ``after`` (the oldest ``limit`` after
        it) or ``around`` (about half before it, the rest from it on)."""
        channel = self._channel(p["channel_id"])
        self._require(channel, VIEW_CHANNEL)
        query = request.query
        problems: validation.Problems = []
        limit = 50
        if "limit" in query:
            if not query["limit"].isdigit() or not 1 <= int(query["limit"]) <= 100:
                problems.append(("limit", "int value should be between 1 and 100."))
            else:
                limit = int(query["limit"])
        anchors = [k for k in ("before", "after", "around") if k in query]
        if len(anchors) > 1:
            problems.append((anchors[1], "Only one of before, after and around may be given."))
        for key in anchors:
            if not query[key].isdigit():
                problems.append((key, "Value is not snowflake."))
        self._invalid(problems)
        if channel.guild_id is not None and not (
            self.permissions(channel.guild_id, self.bot_user_id, channel.id) & READ_MESSAGE_HISTORY
        ):
            return json_response([])  # Discord answers an empty page, not a 403
        oldest_first = sorted(self._channel_messages.get(channel.id, []))
        anchor = int(query[anchors[0]]) if anchors else None
        if anchor is None:
            page = oldest_first[-limit:]
        elif anchors[0] == "before":
            page = [m for m in oldest_first if m < anchor][-limit:]
        elif anchors[0] == "after":
            page = [m for m in oldest_first if m > anchor][:limit]
        else:
            older = [m for m in oldest_first if m < anchor]
            older = older[len(older) - min(limit // 2, len(older)) :]
            page = older + [m for m in oldest_first if m >= anchor][: limit - len(older)]
        return json_response([self._messages[m].data for m in reversed(page)])

    async def _get_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        channel = self._channel(p["channel_id"])
        return json_response(self._message_in(channel, p["message_id"]).data)

    def _apply_edit(self, message: Message, body: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components", "flags", "allowed_mentions", "attachments"):
            if key in body and body[key] is not None:
                message.data[key] = body[key]
        if body.get("embed") is not None:
            message.data["embeds"] = [body["embed"]]
        message.data["edited_timestamp"] = timestamp()

    async def _edit_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        channel = self._channel(p["channel_id"])
        message = self._message_in(channel, p["message_id"])
        if int(message.data["author"]["id"]) != self.bot_user_id:
            raise DiscordError(
                403, 50005, "Cannot edit a message authored by another user", problem=True
            )
        self._invalid(validation.check_message(body or {}, editing=True))
        self._apply_edit(message, body or {})
        await self.dispatch("MESSAGE_UPDATE", self._event_message(message.data))
        return json_response(message.data)

    async def _delete_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        channel = self._channel(p["channel_id"])
        message = self._message_in(channel, p["message_id"])
        # Even its own message: a bot that cannot see the channel gets 403.
        self._require(channel, VIEW_CHANNEL)
        if int(message.data["author"]["id"]) != self.bot_user_id:
            self._require(channel, 1 << 13)  # manage messages
        self._remove_message(message)
        event: dict[str, Any] = {"id": str(message.id), "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        await self.dispatch("MESSAGE_DELETE", event)
        return web.Response(status=204)

    def _remove_message(self, message: Message) -> None:
        self._messages.pop(message.id, None)
        ids = self._channel_messages.get(message.channel_id, [])
        if message.id in ids:
            ids.remove(message.id)
        self.deleted_messages.append(message.data)

    # threads
    def _make_thread(
        self, parent: Channel, body: dict[str, Any], *, thread_id: int, type: int = 11
    ) -> Channel:
        self._require(parent, VIEW_CHANNEL, CREATE_PUBLIC_THREADS)
        self._invalid(validation.check_thread(body))
        thread = Channel(
            thread_id,
            type,
            body["name"],
            parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot_user_id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        self._channels[thread.id] = thread
        assert parent.guild_id is not None
        self._guilds[parent.guild_id].channels[thread.id] = thread
        self._thread_members[thread.id] = {self.bot_user_id}
        return thread

    def _thread_event(self, thread: Channel) -> dict[str, Any]:
        member = {
            "id": str(thread.id),
            "user_id": str(self.bot_user_id),
            "join_timestamp": timestamp(),
            "flags": 0,
        }
        return {**thread.payload(), "newly_created": True, "member": member}

    async def _thread_from_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        parent = self._channel(p["channel_id"])
        message = self._message_in(parent, p["message_id"])
        if parent.is_thread or parent.guild_id is None:
            raise DiscordError(
                400, 50024, "Cannot execute action on this channel type", problem=True
            )
        if message.id in self._channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        # Discord gives a thread started from a message the message's own id.
        thread = self._make_thread(parent, body or {}, thread_id=message.id)
        thread.created_from_message = message.id
        message.data["thread"] = thread.payload()
        await self.dispatch("THREAD_CREATE", self._thread_event(thread))
        return json_response(thread.payload(), 201)

    async def _thread_without_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        parent = self._channel(p["channel_id"])
        if parent.is_thread or parent.guild_id is None:
            raise DiscordError(
                400, 50024, "Cannot execute action on this channel type", problem=True
            )
        body = body or {}
        thread = self._make_thread(
            parent, body, thread_id=snowflake(), type=int(body.get("type") or 11)
        )
        await self.dispatch("THREAD_CREATE", self._thread_event(thread))
        return json_response(thread.payload(), 201)

    async def _join_thread(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        thread = self._channel(p["channel_id"])
        if not thread.is_thread:
            raise DiscordError(
                400, 50024, "Cannot execute action on this channel type", problem=True
            )
        self._thread_members.setdefault(thread.id, set()).add(self.bot_user_id)
        return web.Response(status=204)

    # pins
    async def _pin(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        channel = self._channel(p["channel_id"])
        message = self._message_in(channel, p["message_id"])
        self._require(channel, VIEW_CHANNEL, PIN_MESSAGES)
        pins = self._pins.setdefault(channel.id, [])
        if any(mid == message.id for mid, _ in pins):
            return web.Response(status=204)
        if len(pins) >= PINS_MAX:
            raise DiscordError(400, 30003, "Maximum number of pins reached (250)")
        when = timestamp()
        pins.append((message.id, when))
        message.data["pinned"] = True
        event: dict[str, Any] = {"channel_id": str(channel.id), "last_pin_timestamp": when}
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        # Discord announces a pin with a system message (type 6) referencing the pinned one.
        notice = self._new_message(
            channel, self.bot_user, {"message_reference": {"message_id": str(message.id)}}, type=6
        )
        self._store(Message(notice))
        await self.dispatch("MESSAGE_UPDATE", self._event_message(message.data))
        await self.dispatch("CHANNEL_PINS_UPDATE", event)
        await self.dispatch("MESSAGE_CREATE", self._event_message(notice))
        return web.Response(status=204)

    async def _unpin(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        channel = self._channel(p["channel_id"])
        message = self._message_in(channel, p["message_id"])
        self._require(channel, VIEW_CHANNEL, PIN_MESSAGES)
        self._pins[channel.id] = [
            (m, t) for m, t in self._pins.get(channel.id, []) if m != message.id
        ]
        message.data["pinned"] = False
        event: dict[str, Any] = {"channel_id": str(channel.id), "last_pin_timestamp": None}
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        await self.dispatch("CHANNEL_PINS_UPDATE", event)
        return web.Response(status=204)

    async def _get_pins(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        channel = self._channel(p["channel_id"])
        self._require(channel, VIEW_CHANNEL, READ_MESSAGE_HISTORY)
        newest_first = list(reversed(self._pins.get(channel.id, [])))
        before = request.query.get("before")
        if before:
            newest_first = [(m, t) for m, t in newest_first if t < before]
        limit = int(request.query.get("limit", 50))
        page = newest_first[:limit]
        items = [{"pinned_at": t, "message": self._messages[m].data} for m, t in page]
        return json_response({"items": items, "has_more": len(newest_first) > limit})

    # reactions
    def _reaction_event(self, channel: Channel, message: Message, emoji: str) -> dict[str, Any]:
        name, _, emoji_id = emoji.partition(":")
        event: dict[str, Any] = {
            "user_id": str(self.bot_user_id),
            "channel_id": str(channel.id),
            "message_id": str(message.id),
            "emoji": {"id": emoji_id or None, "name": name},
            "burst": False,
            "type": 0,
        }
        if channel.guild_id is not None:
            event["guild_id"] = str(channel.guild_id)
        return event

    async def _react(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        channel = self._channel(p["channel_id"])
        message = self._message_in(channel, p["message_id"])
        self._require(channel, VIEW_CHANNEL, READ_MESSAGE_HISTORY, ADD_REACTIONS)
        emoji = unquote(p["emoji"])
        reactions = self._reactions.setdefault((channel.id, message.id), [])
        if emoji not in reactions:
            reactions.append(emoji)
            event = self._reaction_event(channel, message, emoji)
            event["message_author_id"] = message.data["author"]["id"]
            if channel.guild_id is not None:
                event["member"] = self._member_payload(
                    channel.guild_id, self.bot_user_id, with_user=True
                )
            await self.dispatch("MESSAGE_REACTION_ADD", event)
        return web.Response(status=204)

    async def _unreact(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        channel = self._channel(p["channel_id"])
        message = self._message_in(channel, p["message_id"])
        emoji = unquote(p["emoji"])
        reactions = self._reactions.get((channel.id, message.id), [])
        if emoji in reactions:
            reactions.remove(emoji)
            await self.dispatch(
                "MESSAGE_REACTION_REMOVE", self._reaction_event(channel, message, emoji)
            )
        return web.Response(status=204)

    # guilds
    def _guild(self, guild_id: str) -> Guild:
        guild = self._guilds.get(int(guild_id))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return json_response(self._guild(p["guild_id"]).payload(full=False))

    async def _get_guild_channels(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        guild = self._guild(p["guild_id"])
        return json_response([c.payload() for c in guild.channels.values() if not c.is_thread])

    async def _get_roles(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return json_response([r.payload() for r in self._guild(p["guild_id"]).roles.values()])

    async def _get_member(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        guild = self._guild(p["guild_id"])
        member = guild.members.get(int(p["user_id"]))
        if member is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return json_response(member.payload())

    # gateway hooks
    def _on_identify(self, session: GatewaySession, identify: dict[str, Any]) -> None:
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in self._guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "user_settings": {},
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        shard_id, count = session.shard
        mine = [g for g in self._guilds.values() if (g.id >> 22) % count == shard_id]
        ready["guilds"] = [{"id": str(g.id), "unavailable": True} for g in mine]
        session.emit("READY", ready)
        for guild in mine:
            session.emit("GUILD_CREATE", guild.payload(full=True))

    def _on_request_members(self, session: GatewaySession, request: dict[str, Any]) -> None:
        ids = request.get("guild_id")
        guild_ids: list[Any] = ids if isinstance(ids, list) else [ids]
        query = request.get("query") or ""
        if query == "" and not session.intents & INTENT_GUILD_MEMBERS:
            self._problems.append("gateway: member list requested without the GUILD_MEMBERS intent")
            return
        for gid in guild_ids:
            guild = self._guilds.get(int(gid))
            if guild is None:
                continue
            wanted = {int(u) for u in request.get("user_ids") or []}
            members = [
                m.payload()
                for m in guild.members.values()
                if m.user.name.lower().startswith(query.lower())
                and (not wanted or m.user.id in wanted)
            ]
            limit = int(request.get("limit") or 0)
            chunk: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": members[:limit] if limit else members,
                "chunk_index": 0,
                "chunk_count": 1,
            }
            if request.get("nonce") is not None:
                chunk["nonce"] = request["nonce"]
            session.emit("GUILD_MEMBERS_CHUNK", chunk)

    # ----------------------------------------------------------------- interactions (inject)
    def _interaction_base(
        self, type: int, guild_id: int, channel_id: int, user_id: int
    ) -> dict[str, Any]:
        guild = self._guilds[guild_id]
        channel = self._channel(channel_id)
        member = self._member_payload(guild_id, user_id, with_user=True)
        if member is None:
            raise AssertionError(
                f"user {user_id} is not a member of guild {guild_id}: add_member first"
            )
        member["permissions"] = str(guild.permissions_in(user_id, channel))
        return {
            "id": str(snowflake()),
            "application_id": str(self.application_id),
            "type": type,
            "token": "itok." + secrets.token_urlsafe(24),
            "version": 1,
            "guild_id": str(guild_id),
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": channel.payload(),
            "member": member,
            "app_permissions": str(guild.permissions_in(self.bot_user_id, channel)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    async def _inject(self, payload: dict[str, Any]) -> InteractionRecord:
        record = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=payload["type"],
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
            channel_id=int(payload["channel_id"]),
            user_id=int(payload["member"]["user"]["id"]),
            payload=payload,
        )
        self._interactions[record.id] = record
        self._interactions_by_token[record.token] = record
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    def _command_data(self, guild_id: int, name: str, type: int) -> dict[str, Any]:
        """The synced command's id (and guild_id for a guild command), as Discord sends them."""
        for scope in (guild_id, None):
            for cmd in self._commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == type:
                    data: dict[str, Any] = {"id": cmd["id"], "name": name, "type": type}
                    if scope is not None:
                        data["guild_id"] = str(scope)
                    return data
        return {"id": str(snowflake()), "name": name, "type": type}

    def _resolved(self, guild_id: int, options: list[dict[str, Any]]) -> dict[str, Any]:
        resolved: dict[str, dict[str, Any]] = {}
        guild = self._guilds[guild_id]
        for opt in options:
            if opt.get("options"):
                for section, items in self._resolved(guild_id, opt["options"]).items():
                    resolved.setdefault(section, {}).update(items)
            kind, value = opt.get("type"), opt.get("value")
            if kind == 6 and value is not None:
                user = self._user(int(value))
                resolved.setdefault("users", {})[str(value)] = user.payload()
                member = guild.members.get(user.id)
                if member is not None:
                    resolved.setdefault("members", {})[str(value)] = member.payload(with_user=False)
            elif kind == 7 and value is not None:
                ch = self._channel(value)
                resolved.setdefault("channels", {})[str(value)] = {
                    **ch.payload(),
                    "permissions": str(guild.permissions_in(self.bot_user_id, ch)),
                }
            elif kind == 8 and value is not None:
                resolved.setdefault("roles", {})[str(value)] = guild.roles[int(value)].payload()
        return resolved

    async def slash(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        name: str,
        options: list[dict[str, Any]] | None = None,
    ) -> InteractionRecord:
        """A member runs a chat-input command; options exactly as Discord sends them."""
        payload = self._interaction_base(2, guild_id, channel_id, user_id)
        data = self._command_data(guild_id, name, 1)
        if options:
            data["options"] = options
            resolved = self._resolved(guild_id, options)
            if resolved:
                data["resolved"] = resolved
        payload["data"] = data
        return await self._inject(payload)

    async def message_command(
        self, guild_id: int, channel_id: int, user_id: int, name: str, message_id: int
    ) -> InteractionRecord:
        """A member uses a message context-menu command on a stored message."""
        payload = self._interaction_base(2, guild_id, channel_id, user_id)
        target = self._message_in(self._channel(channel_id), message_id)
        data = self._command_data(guild_id, name, 3)
        data.update(
            target_id=str(message_id), resolved={"messages": {str(message_id): target.data}}
        )
        payload["data"] = data
        return await self._inject(payload)

    async def autocomplete(
        self, guild_id: int, channel_id: int, user_id: int, name: str, options: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction (one option ``"focused": True``); return the choices."""
        payload = self._interaction_base(4, guild_id, channel_id, user_id)
        data = self._command_data(guild_id, name, 1)
        data["options"] = options
        payload["data"] = data
        record = await self._inject(payload)
        await self.wait_for(lambda: bool(record.responses))
        response = record.responses[0]
        if response.get("type") != 8:
            raise AssertionError(
                f"autocomplete answered with callback type {response.get('type')}, not 8"
            )
        choices: list[dict[str, Any]] = response.get("data", {}).get("choices", [])
        return choices

    async def click(
        self, interaction: InteractionRecord, custom_id: str, *, user_id: int | None = None
    ) -> InteractionRecord:
        """Press a button on a message the bot sent in answer to `interaction`."""
        for message in reversed(interaction.messages):
            if _find_component(message.get("components") or [], custom_id) is not None:
                return await self._click(message, custom_id, user_id or interaction.user_id)
        raise AssertionError(
            f"no component {custom_id!r} on the messages answering interaction {interaction.id}"
        )

    async def click_message(
        self, channel_id: int, message_id: int, custom_id: str, *, user_id: int
    ) -> InteractionRecord:
        """Press a button on any stored message (e.g. one the bot posted with a persistent view)."""
        message = self._message_in(self._channel(channel_id), message_id)
        if _find_component(message.data.get("components") or [], custom_id) is None:
            raise AssertionError(f"message {message_id} has no component {custom_id!r}")
        return await self._click(message.data, custom_id, user_id)

    async def _click(
        self, message: dict[str, Any], custom_id: str, user_id: int
    ) -> InteractionRecord:
        channel = self._channel(message["channel_id"])
        if channel.guild_id is None:
            raise AssertionError("buttons in DMs are not modelled")
        component = _find_component(message.get("components") or [], custom_id) or {}
        payload = self._interaction_base(3, channel.guild_id, channel.id, user_id)
        payload["message"] = message
        payload["data"] = {"custom_id": custom_id, "component_type": component.get("type", 2)}
        return await self._inject(payload)

    # ----------------------------------------------------------------- interactions (REST)
    def _interaction_message(
        self, record: InteractionRecord, body: dict[str, Any], flags: int
    ) -> dict[str, Any]:
        channel = self._channel(record.channel_id)
        data = self._new_message(channel, self.bot_user, {**body, "flags": flags})
        data["webhook_id"] = str(self.application_id)
        data["application_id"] = str(self.application_id)
        command_type = (record.payload.get("data") or {}).get("type", 1)
        if record.type == 2:
            data["type"] = 20 if command_type == 1 else 23
        data["interaction_metadata"] = {
            "id": str(record.id),
            "type": record.type,
            "user": self._user(record.user_id).payload(),
            "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
        }
        return data

    def _publish(self, data: dict[str, Any]) -> Awaitable[None] | None:
        """Non-ephemeral interaction messages live in the channel and reach the gateway."""
        if int(data.get("flags") or 0) & EPHEMERAL:
            return None
        self._store(Message(data))
        return self.dispatch("MESSAGE_CREATE", self._event_message(data))

    async def _interaction_callback(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        record = self._interactions.get(int(p["interaction_id"]))
        if record is None or record.token != p["token"]:
            raise DiscordError(404, 10062, "Unknown interaction", problem=True)
        late = time.monotonic() - record.created
        if self.interaction_deadline is not None and late > self.interaction_deadline:
            raise DiscordError(
                404, 10062, f"Unknown interaction (first response after {late:.2f}s)", problem=True
            )
        if record.responses:
            raise DiscordError(
                400, 40060, "Interaction has already been acknowledged.", problem=True
            )
        body = body or {}
        kind = body.get("type")
        data = body.get("data") or {}
        allowed = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(
            record.type, set()
        )
        if kind not in allowed:
            self._invalid(
                [("type", f"Callback type {kind} is not valid for interaction type {record.type}")]
            )
        if kind in (4, 7):
            self._invalid(validation.check_message(data, editing=kind == 7))
        if kind == 8 and len(data.get("choices", [])) > 25:
            self._invalid([("data.choices", "Must be 25 or fewer in length.")])
        record.responses.append(body)
        message: dict[str, Any] | None = None
        flags = int(data.get("flags") or 0)
        if kind == 4:
            message = record.original = self._interaction_message(record, data, flags)
        elif kind == 5:
            message = record.original = self._interaction_message(
                record, {}, (flags & EPHEMERAL) | LOADING
            )
        elif kind in (6, 7) and record.type in (3, 5):
            # The message the component is on becomes the interaction's original response; an
            # ephemeral one lives only with the interaction that sent it.
            target_id = int((record.payload.get("message") or {}).get("id", 0))
            stored = self._messages.get(target_id)
            record.original = stored.data if stored is not None else self._ephemeral(target_id)
            if kind == 7 and record.original is not None:
                self._apply_edit(stored or Message(record.original), data)
                message = record.original
                if stored is not None:
                    await self.dispatch("MESSAGE_UPDATE", self._event_message(stored.data))
        if kind in (4, 5) and message is not None:
            published = self._publish(message)
            if published is not None:
                await published
        if "with_response" not in request.query:
            return web.Response(status=204)
        answer: dict[str, Any] = {"interaction": {"id": str(record.id), "type": record.type}}
        if message is not None:
            answer["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(int(message.get("flags") or 0) & EPHEMERAL),
            )
            answer["resource"] = {"type": kind, "message": message}
        else:
            answer["resource"] = {"type": kind}
        return json_response(answer)

    def _ephemeral(self, message_id: int) -> dict[str, Any] | None:
        """An ephemeral message some interaction was answered with."""
        for record in self._interactions.values():
            for message in [record.original, *record.followups]:
                if message is not None and int(message["id"]) == message_id:
                    return message
        return None

    def _webhook_record(self, p: dict[str, str]) -> InteractionRecord:
        record = self._interactions_by_token.get(p["token"])
        if int(p["app_id"]) != self.application_id or record is None:
            raise DiscordError(404, 10015, "Unknown Webhook", problem=True)
        if not record.responses:
            raise DiscordError(
                404, 10015, "Unknown Webhook (interaction not acknowledged yet)", problem=True
            )
        return record

    def _webhook_target(self, record: InteractionRecord, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            if record.original is None or record.original_deleted:
                raise DiscordError(404, 10008, "Unknown Message", problem=True)
            return record.original
        for m in record.followups:
            if m["id"] == message_id and not m.get("_deleted"):
                return m
        raise DiscordError(404, 10008, "Unknown Message", problem=True)

    async def _followup(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        record = self._webhook_record(p)
        body = body or {}
        self._invalid(validation.check_message(body))
        message = self._interaction_message(record, body, int(body.get("flags") or 0))
        message["type"] = 0 if record.type != 2 else message["type"]
        record.followups.append(message)
        published = self._publish(message)
        if published is not None:
            await published
        if request.query.get("wait") in ("1", "true"):
            return json_response(message)
        return web.Response(status=204)

    async def _get_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        record = self._webhook_record(p)
        return json_response(self._webhook_target(record, p["message_id"]))

    async def _edit_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        record = self._webhook_record(p)
        target = self._webhook_target(record, p["message_id"])
        body = body or {}
        self._invalid(validation.check_message(body, editing=True))
        record.edits.append(body)
        was_loading = int(target.get("flags") or 0) & LOADING
        stored = self._messages.get(int(target["id"]))
        message = stored or Message(target)
        self._apply_edit(message, {k: v for k, v in body.items() if k != "flags"})
        message.data["flags"] = int(message.data.get("flags") or 0) & ~LOADING
        if was_loading:
            message.data["edited_timestamp"] = (
                None  # the first edit after a defer is the answer itself
            )
        if stored is not None:
            await self.dispatch("MESSAGE_UPDATE", self._event_message(stored.data))
        return json_response(message.data)

    async def _delete_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        record = self._webhook_record(p)
        target = self._webhook_target(record, p["message_id"])
        if p["message_id"] == "@original":
            record.original_deleted = True
        else:
            target["_deleted"] = True
        stored = self._messages.get(int(target["id"]))
        if stored is not None:
            self._remove_message(stored)
            channel = self._channels[stored.channel_id]
            event = {
                "id": str(stored.id),
                "channel_id": str(channel.id),
                "guild_id": str(channel.guild_id),
            }
            await self.dispatch("MESSAGE_DELETE", event)
        return web.Response(status=204)

    # ----------------------------------------------------------------- command sync
    def _scope(self, p: dict[str, str]) -> int | None:
        if int(p["app_id"]) != self.application_id:
            raise DiscordError(403, 50001, "Missing Access", problem=True)
        return int(p["guild_id"]) if "guild_id" in p else None

    async def _get_commands(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        return json_response(self._commands.get(self._scope(p), []))

    async def _put_commands(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        scope = self._scope(p)
        self._invalid(validation.check_commands(body))
        existing = {(c["name"], c.get("type", 1)): c["id"] for c in self._commands.get(scope, [])}
        stored = []
        for cmd in body:
            kind = cmd.get("type", 1)
            stored.append(
                {
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    "contexts": None,
                    "integration_types": [0],
                    **cmd,
                    "id": existing.get((cmd["name"], kind)) or str(snowflake()),
                    "application_id": str(self.application_id),
                    "type": kind,
                    "version": str(snowflake()),
                    **({"guild_id": str(scope)} if scope is not None else {}),
                }
            )
        self._commands[scope] = stored
        self.command_syncs.append((scope, stored))
        return json_response(stored)


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        found = _find_component(component.get("components") or [], custom_id)
        if found is not None:
            return found
    return None

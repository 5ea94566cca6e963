"""The fake gateway: one resumable session per shard, each on one websocket connection at a time.

An IDENTIFY with ``shard: [id, count]`` opens shard ``id``'s session (without: shard 0 of 1); the
owner sends each server's events on the session of the server's shard, ``(guild_id >> 22) %
count``, and DMs on shard 0's, as Discord does. With ``identify_interval`` set, two IDENTIFYs of
one ``max_concurrency`` bucket (``shard_id % max_concurrency``) closer than that are a problem.

Every dispatch gets the session's next sequence number and is kept in the session's buffer, so a
client that RESUMEs after :meth:`GatewaySession.drop` is replayed exactly the events it missed.
Frames are plain JSON text (discord.py only inflates binary frames, so zlib-stream is not needed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

HELLO, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT, REQUEST_MEMBERS = 10, 1, 2, 3, 6, 7, 8
INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = 9, 11, 0

# Close codes discord.py treats as "reconnect and RESUME" versus "give up".
RESUMABLE_CLOSE = 4000
AUTHENTICATION_FAILED = 4004
# Discord's answer to an IDENTIFY asking for a privileged intent the developer portal has not
# enabled; discord.py raises PrivilegedIntentsRequired.
DISALLOWED_INTENTS = 4014

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15

_GUILD_EVENT_INTENTS = {
    "MESSAGE_CREATE": (INTENT_GUILD_MESSAGES, INTENT_DIRECT_MESSAGES),
    "MESSAGE_UPDATE": (INTENT_GUILD_MESSAGES, INTENT_DIRECT_MESSAGES),
    "MESSAGE_DELETE": (INTENT_GUILD_MESSAGES, INTENT_DIRECT_MESSAGES),
    "MESSAGE_REACTION_ADD": (INTENT_GUILD_REACTIONS, INTENT_DIRECT_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (INTENT_GUILD_REACTIONS, INTENT_DIRECT_REACTIONS),
    "GUILD_MEMBER_ADD": (INTENT_GUILD_MEMBERS, 0),
    "GUILD_MEMBER_UPDATE": (INTENT_GUILD_MEMBERS, 0),
    "GUILD_MEMBER_REMOVE": (INTENT_GUILD_MEMBERS, 0),
}


@dataclass
class GatewaySession:
    """A session as Discord keeps it: id, sequence, what was sent, and the live socket if any."""

    intents: int
    bot_user_id: int
    shard: tuple[int, int] = (0, 1)  # (shard id, shard count)
    session_id: str = field(default_factory=lambda: secrets.token_hex(16))
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None
    outbox: asyncio.Queue[tuple[str, asyncio.Future[None] | None]] | None = None

    def wants(self, event: str, data: dict[str, Any]) -> bool:
        needed = _GUILD_EVENT_INTENTS.get(event)
        if needed is None:
            return True
        guild_bit, dm_bit = needed
        bit = guild_bit if data.get("guild_id") else dm_bit
        return bit == 0 or bool(self.intents & bit)

    def shape(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Without the message-content intent Discord blanks content the bot isn't entitled to."""
        if (
            event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            or self.intents & INTENT_MESSAGE_CONTENT
        ):
            return data
        author = (data.get("author") or {}).get("id")
        mentioned = any(m.get("id") == str(self.bot_user_id) for m in data.get("mentions", []))
        if not data.get("guild_id") or author == str(self.bot_user_id) or mentioned:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    def emit(self, event: str, data: dict[str, Any]) -> asyncio.Future[None] | None:
        if not self.wants(event, data):
            return None
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": self.shape(event, data)}
        self.sent.append(frame)
        return self.send(frame)

    def send(self, frame: dict[str, Any]) -> asyncio.Future[None] | None:
        if self.outbox is None:
            return None  # disconnected: the frame waits in `sent` for a RESUME
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.outbox.put_nowait((json.dumps(frame), done))
        return done


class GatewayServer:
    """Serves the websocket; the owner supplies READY/GUILD_CREATE content and op handlers."""

    def __init__(
        self,
        *,
        token: str,
        bot_user_id: int,
        heartbeat_interval_ms: int,
        on_identify: Callable[[GatewaySession, dict[str, Any]], None],
        on_request_members: Callable[[GatewaySession, dict[str, Any]], None],
        on_problem: Callable[[str], None],
    ) -> None:
        self.token = token
        self.bot_user_id = bot_user_id
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._on_identify = on_identify
        self._on_request_members = on_request_members
        self._on_problem = on_problem
        # The session of each shard id.
        self.sessions: dict[int, GatewaySession] = {}
        # Discord's IDENTIFY buckets (GET /gateway/bot says so) and, when not None, the least
        # seconds between two IDENTIFYs of one bucket (Discord's is 5).
        self.max_concurrency = 1
        self.identify_interval: float | None = None
        self._identified_at: dict[int, float] = {}
        self.identify_payloads: list[dict[str, Any]] = []
        self.resumes = 0
        self.heartbeats = 0
        self.presences: list[dict[str, Any]] = []
        self.connections = 0
        # Intents Discord refuses with close code 4014 (not enabled for the application).
        self.disallowed_intents = 0
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def session(self) -> GatewaySession | None:
        """Shard 0's session (the only one of an unsharded bot)."""
        return self.sessions.get(0)

    @property
    def shard_count(self) -> int:
        """The shard count the sessions identified with (1 before any)."""
        return next((s.shard[1] for s in self.sessions.values()), 1)

    def session_for(self, guild_id: int | None) -> GatewaySession | None:
        """The session a server's events go on (DMs, no server: shard 0's)."""
        if not guild_id:
            return self.sessions.get(0)
        return self.sessions.get((guild_id >> 22) % self.shard_count)

    @property
    def connected(self) -> bool:
        """Every session has a live socket (and there is one)."""
        return bool(self.sessions) and all(s.socket is not None for s in self.sessions.values())

    def _check_identify(self, shard: tuple[int, int]) -> None:
        shard_id, count = shard
        if not 0 <= shard_id < count:
            self._on_problem(f"gateway: IDENTIFY with shard {list(shard)}")
        if self.sessions and count != self.shard_count:
            self._on_problem(
                f"gateway: IDENTIFY with {count} shards, others identified with {self.shard_count}"
            )
        bucket = shard_id % self.max_concurrency
        now = time.monotonic()
        last = self._identified_at.get(bucket)
        # A little slack: the bot times its turn before sending, the fake on receipt.
        if self.identify_interval is not None and last is not None:
            if now - last < self.identify_interval - 0.25:
                self._on_problem(
                    f"gateway: shard {shard_id} identified {now - last:.2f} s after the last "
                    f"IDENTIFY of bucket {bucket} (at most one per {self.identify_interval} s)"
                )
        self._identified_at[bucket] = now

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.connections += 1
        self._sockets.add(ws)
        outbox: asyncio.Queue[tuple[str, asyncio.Future[None] | None]] = asyncio.Queue()
        writer = asyncio.create_task(self._write(ws, outbox), name="fakediscord-gateway-writer")
        session: GatewaySession | None = None
        try:
            outbox.put_nowait(
                (
                    json.dumps(
                        {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
                    ),
                    None,
                )
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d")
                if op == HEARTBEAT:
                    self.heartbeats += 1
                    outbox.put_nowait((json.dumps({"op": HEARTBEAT_ACK}), None))
                elif op == IDENTIFY:
                    if d.get("token") != self.token:
                        await ws.close(
                            code=AUTHENTICATION_FAILED, message=b"Authentication failed."
                        )
                        break
                    if int(d.get("intents", 0)) & self.disallowed_intents:
                        await ws.close(code=DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
                        break
                    shard_field = d.get("shard") or [0, 1]
                    shard = (int(shard_field[0]), int(shard_field[1]))
                    self._check_identify(shard)
                    self.identify_payloads.append(d)
                    self._detach(shard[0])
                    session = GatewaySession(
                        intents=int(d.get("intents", 0)),
                        bot_user_id=self.bot_user_id,
                        shard=shard,
                    )
                    session.socket, session.outbox = ws, outbox
                    self.sessions[shard[0]] = session
                    self._on_identify(session, d)
                elif op == RESUME:
                    current = next(
                        (s for s in self.sessions.values() if s.session_id == d.get("session_id")),
                        None,
                    )
                    if current is None or d.get("token") != self.token:
                        outbox.put_nowait((json.dumps({"op": INVALID_SESSION, "d": False}), None))
                        continue
                    self.resumes += 1
                    self._detach(current.shard[0])
                    session = current
                    session.socket, session.outbox = ws, outbox
                    last = int(d.get("seq") or 0)
                    for old in session.sent:
                        if old["s"] > last:
                            outbox.put_nowait((json.dumps(old), None))
                    session.emit("RESUMED", {})
                elif op == REQUEST_MEMBERS and session is not None:
                    self._on_request_members(session, d)
                elif op == PRESENCE:
                    self.presences.append(d)
                else:
                    self._on_problem(f"gateway: unexpected op {op!r} ({frame!r:.200})")
        finally:
            if session is not None and session.socket is ws:
                session.socket = session.outbox = None
            self._sockets.discard(ws)
            writer.cancel()
            try:
                await writer
            except asyncio.CancelledError:
                pass
        return ws

    async def _write(
        self,
        ws: web.WebSocketResponse,
        outbox: asyncio.Queue[tuple[str, asyncio.Future[None] | None]],
    ) -> None:
        while True:
            text, done = await outbox.get()
            try:
                if not ws.closed:
                    await ws.send_str(text)
            except ConnectionError:
                log.debug("fake gateway: client went away while sending")
            finally:
                if done is not None and not done.done():
                    done.set_result(None)

    def _detach(self, shard_id: int) -> None:
        session = self.sessions.get(shard_id)
        if session is not None:
            session.socket = session.outbox = None

    async def drop(
        self, *, resume: bool, missed: Sequence[tuple[str, dict[str, Any]]] = (), shard: int = 0
    ) -> None:
        """Close ``shard``'s socket; ``missed`` events are sent while it is down (kept for a
        RESUME)."""
        session = self.sessions.get(shard)
        ws = session.socket if session else None
        if session is not None:
            session.socket = session.outbox = None
            for event, data in missed:
                session.emit(event, data)
            if not resume:
                # the client's RESUME will be answered with INVALID_SESSION
                del self.sessions[shard]
        if ws is not None:
            await ws.close(code=RESUMABLE_CLOSE, message=b"fake: dropped")

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1000, message=b"fake: shutting down")

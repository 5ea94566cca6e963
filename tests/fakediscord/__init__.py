"""A fake Discord for end-to-end tests: real HTTP and a real websocket on 127.0.0.1.

The real discord.py client (pointed at it with ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``) logs in, receives READY and GUILD_CREATE,
and calls the REST API; tests build the world, inject events and faults, and read what the client
did. Strict by design: a request Discord's own OpenAPI description refuses (route, method, path
parameters, JSON or ``payload_json`` body; see ``openapi.py``, which reads
``../shared/reference/discord-openapi.json``), a route the fake does not model, a request over a
limit the schema cannot express (``validation.py``: 6,000 characters across embeds…), a 403 the bot could have avoided by checking permissions, a follow-up to an
unacknowledged interaction or a late first interaction response is recorded, and
:meth:`FakeDiscord.assert_clean` fails on it.

Modelled:
- REST: the routes in ``server.py`` with Discord's JSON shapes and error bodies (code 50035 form
  errors, 160004 thread exists, 10008 unknown message…), ``enforce_nonce`` de-duplication
  (``forget_nonces`` ends its window at once), channel history (``before``/``after``/``around``,
  newest first), pins,
  threads started from a message (thread id == message id), reactions, DMs, interaction
  callbacks (``?with_response=1``; a button's update or deferred update makes the message it is
  on, ephemeral ones included, the click's ``@original``), webhook follow-ups, command sync;
  ``hold`` keeps matching requests waiting (a slow Discord) until released.
- Shards: IDENTIFY with ``shard`` opens that shard's session; a server's events go on its shard's
  (``(guild_id >> 22) % count``), READY and GUILD_CREATE list its servers only; ``GET /gateway/bot``
  says ``recommended_shards`` and ``gateway.max_concurrency``; ``gateway.identify_interval`` makes
  two IDENTIFYs of one bucket too close together a problem. ``application_flags`` (default: the
  Message Content intent enabled) is what ``/applications/@me`` and READY say.
- Gateway: HELLO/IDENTIFY/READY/GUILD_CREATE, heartbeats, sequence numbers, RESUME with replay of
  missed events (``drop_websocket(missed=...)`` sends some while the socket is down),
  INVALID_SESSION, close code 4014 for a refused privileged intent (``refuse_intents``), member chunks, intents (events filtered, message content blanked
  without the message-content intent), the events Discord sends after REST changes
  (MESSAGE_CREATE/UPDATE/DELETE, THREAD_CREATE, CHANNEL_PINS_UPDATE, reactions, pin notices).
- Permissions: roles and channel overwrites with Discord's algorithm (owner and administrator
  included, threads use their parent), incl. PIN_MESSAGES; sent as ``member.permissions`` and
  ``app_permissions`` in interactions and enforced on the bot's own REST calls.
- Interactions: the 3-second first-response deadline (``interaction_deadline``), one response only.

Not modelled: real rate limits (only via :meth:`FakeDiscord.fail_next`), file uploads, forum
channels, archiving, role hierarchy, timeouts, @everyone/role mention parsing, the 15-minute token
lifetime, presences, voice.
"""

from tests.fakediscord.server import FakeDiscord, InteractionRecord

__all__ = ["FakeDiscord", "InteractionRecord"]

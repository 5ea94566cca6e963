"""Where the bot's Discord traffic goes, and the line it logs when Discord is in trouble."""

from __future__ import annotations

import logging

import aiohttp
import discord
import yarl

from bot.health import InvalidRequests
from bot.settings import Settings

log = logging.getLogger(__name__)


def point_at_discord(settings: Settings) -> None:
    """Send discord.py's REST and gateway traffic to the configured endpoints.

    discord.py keeps both as class attributes (``Route.BASE`` a str, ``DEFAULT_GATEWAY`` a
    ``yarl.URL``) and has no client option for either, so this is process-wide: fine, one
    process runs one bot. A REST rate-limit proxy shared by the bot's processes (nirn-proxy) is
    such a base: discord.py's own limiter stays on in front of it.
    """
    discord.http.Route.BASE = settings.discord_api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def discord_trouble_log(invalid: InvalidRequests) -> aiohttp.TraceConfig:
    """Log Discord's 429 and 5xx answers: discord.py retries them quietly (at DEBUG), but a
    passing fault should leave a line saying what happened; count the invalid ones."""

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        invalid.record(status, params.response.headers.get("X-RateLimit-Scope"))
        if status == 429 or status >= 500:
            log.warning("Discord answered %s to %s %s", status, params.method, params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace

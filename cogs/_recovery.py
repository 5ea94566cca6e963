"""The Discord side of recovery and catch-up (:class:`bot.sharing.recovery.Recovery`).

At a start, :class:`Reopener` reads a claimed share's message again, and :class:`SharePublisher`
looks for a brief posted before the crash in reply to it; :class:`ChannelHistory` reads one
channel's latest messages back for the links posted while no process was connected.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord

from bot.fetch.urls import url_key
from bot.sharing.recovery import Missed, Reopened
from bot.sharing.types import Share
from cogs._publishing import ChannelPublisher, can_post

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)

# How far after the sharer's message recovery looks for a brief posted before a crash.
_HISTORY_LIMIT = 100


class SharePublisher(ChannelPublisher):
    """A channel publisher that can also find a brief posted before a crash (for recovery)."""

    async def find_brief(self, url: str) -> int | None:
        if self.reply_to is None:
            return None
        key, me = url_key(url), self._me.id
        async for message in self.channel.history(
            limit=_HISTORY_LIMIT, after=self.reply_to, oldest_first=True
        ):
            ref = message.reference
            if message.author.id != me or ref is None or ref.message_id != self.reply_to.id:
                continue
            if any(e.url and url_key(e.url) == key for e in message.embeds):
                return message.id
        return None


class ChannelHistory:
    """One channel's history, read back for catch-up (one request)."""

    def __init__(
        self,
        bot: NewslinkBot,
        channel: discord.TextChannel,
        links: Callable[[discord.Message], list[str]],
    ) -> None:
        self.bot = bot
        self.channel = channel
        self._links = links
        self.guild_id = channel.guild.id
        self.channel_id = channel.id

    async def read_back(self, since: dt.datetime, limit: int) -> tuple[int, list[Missed]] | None:
        recent = 0
        missed: list[Missed] = []
        try:
            # The latest page, not the page after ``since``: in a busy channel that one would hold
            # the messages briefed live before the stop and miss the last ones, those Discord
            # never sent.
            async for message in self.channel.history(limit=limit):
                if message.created_at < since:
                    continue
                recent += 1
                links = self._links(message)
                if links:
                    share = Share(self.guild_id, self.channel_id, message.id, message.author.id)
                    publisher = SharePublisher(self.bot, self.channel, message)
                    missed.append(
                        Missed(share, message.content, message.created_at, publisher, links)
                    )
        except discord.HTTPException as exc:
            log.warning("catch-up in channel %s failed: %s", self.channel_id, exc)
            return None
        return recent, missed


class Reopener:
    """Reads a claimed share's message again for recovery, through the REST API."""

    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot

    async def reopen(self, guild_id: int, channel_id: int, message_id: int) -> Reopened | None:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel) or channel.guild.id != guild_id:
            log.info("recovery: channel %s is gone or not a text channel", channel_id)
            return None
        if not can_post(channel, channel.guild.me):
            log.info("recovery: cannot post in channel %s any more", channel_id)
            return None
        try:
            message = await channel.fetch_message(message_id)
        except (discord.NotFound, discord.Forbidden) as exc:
            log.info("recovery: message %s cannot be read (%s)", message_id, exc.status)
            return None
        share = Share(guild_id, channel_id, message.id, message.author.id)
        return Reopened(share, message.content, SharePublisher(self.bot, channel, message))

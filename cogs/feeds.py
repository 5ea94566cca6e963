"""``/feed add|remove|check|list`` (moderators), and the feed poller started once at first READY.

The core (:mod:`bot.feeds`) does the work; this cog is the Discord side of it: the commands, and
the :class:`~bot.feeds.types.Outlet` the polls post through (a channel publisher with no member's
message to reply to, and the one notice the moderators get when a feed keeps failing).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.briefing.render import safe_markdown
from bot.choices import FailureMode
from bot.errors import UserFacingError
from bot.feeds.scheduler import FeedScheduler
from bot.feeds.types import FeedSummary, PollResult
from bot.sharing.types import EarlierBrief, Publisher
from cogs._checks import check_in, guild_text_channel
from cogs._publishing import CONTENT_LIMIT, ChannelPublisher, can_post, message_chunks

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)

_MODERATOR = ["manage_channels"]
# What posting a feed's briefs takes of the bot in the feed's channel.
_POSTING = ["send_messages", "embed_links", "read_message_history"]


class FeedPublisher(ChannelPublisher):
    """Posts a feed item's brief in the feed's channel. Nobody pasted the link: an item already
    briefed gets no pointer, and a failure is the feed's log line, not a message."""

    async def point_to(self, url: str, earlier: EarlierBrief) -> None:
        return None

    async def report_failure(self, url: str, error: UserFacingError, mode: FailureMode) -> None:
        log.info("feed item %s in channel %s not briefed: %s", url, self.channel.id, error)


class DiscordOutlet:
    """The :class:`~bot.feeds.types.Outlet` of this bot."""

    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot

    @property
    def sharer_id(self) -> int:
        assert self.bot.user is not None  # polls start after READY
        return self.bot.user.id

    def _channel(self, guild_id: int, channel_id: int) -> discord.TextChannel | None:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel) or channel.guild.id != guild_id:
            return None
        return channel

    def publisher(self, guild_id: int, channel_id: int) -> Publisher | None:
        channel = self._channel(guild_id, channel_id)
        if channel is None or not can_post(channel, channel.guild.me):
            return None
        return FeedPublisher(self.bot, channel, None)

    async def tell_moderators(self, guild_id: int, channel_id: int, text: str) -> None:
        channel = self._channel(guild_id, channel_id)
        if channel is None or not can_post(channel, channel.guild.me):
            log.warning("server %s: could not tell the moderators: %s", guild_id, text)
            return
        try:
            await channel.send(text[:CONTENT_LIMIT], suppress_embeds=True)
        except discord.HTTPException as exc:
            log.warning(
                "could not post a feed notice in channel %s: HTTP %s", channel.id, exc.status
            )


def _when(stamp: dt.datetime | None) -> str:
    """A Discord timestamp (shown in the reader's own time zone), or "never"."""
    if stamp is None:
        return "never"
    return f"<t:{int(stamp.timestamp())}:R>"


def _line(feed: FeedSummary) -> str:
    line = (
        f"- **{safe_markdown(feed.label)}** <{feed.url}> in <#{feed.channel_id}>, every "
        f"{feed.interval_minutes} min; last poll {_when(feed.last_polled_at)}; last item "
    )
    if feed.last_item_url is not None:
        line += f"<{feed.last_item_url}> {_when(feed.last_item_at)}"
    else:
        line += "none yet"
    if feed.last_error is not None:
        line += f"; last error ({feed.failures} in a row): {safe_markdown(feed.last_error)}"
    return line


def _result(feed: FeedSummary, result: PollResult) -> str:
    name = safe_markdown(feed.label)
    if not result.polled:
        return f"{name}: being polled right now; try again in a minute."
    if result.error is not None:
        return f"{name}: could not be read: {result.error}"
    if result.not_modified and not result.briefed:
        text = f"{name}: nothing new."
    else:
        text = f"{name}: {result.new} new items, {result.briefed} briefed."
    if result.waiting:
        text += f" {result.waiting} wait for the next polls."
    return text


@app_commands.guild_only()
@app_commands.default_permissions(manage_channels=True)
class FeedGroup(app_commands.Group, name="feed", description="Feeds whose new items get briefs"):
    def __init__(self, cog: FeedsCog) -> None:
        super().__init__()
        self.cog = cog
        self.bot = cog.bot

    @app_commands.command(name="add")
    @app_commands.describe(
        url="The feed's address (RSS, Atom or JSON Feed)",
        channel="Where its items are briefed (default: this channel)",
        backlog="Also brief the newest N items it already holds (default: none)",
        interval_minutes="Minutes between polls (default: the server's; at least 5)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: str,
        channel: discord.TextChannel | None = None,
        backlog: app_commands.Range[int, 0, 50] = 0,
        interval_minutes: app_commands.Range[int, 5, 10080] | None = None,
    ) -> None:
        """Follow a feed: each new item is briefed in the channel, with its thread."""
        target = channel or guild_text_channel(interaction)
        check_in(interaction, target, _MODERATOR, bot=_POSTING)
        # The feed is fetched and read before answering: more than Discord's 3 s may pass.
        await interaction.response.defer(ephemeral=True, thinking=True)
        added = await self.bot.services.feeds.add(
            target.guild.id,
            target.id,
            url.strip(),
            added_by=interaction.user.id,
            backlog=backlog,
            interval_minutes=interval_minutes,
        )
        text = (
            f"Following **{safe_markdown(added.feed.label)}** in {target.mention}, every "
            f"{added.feed.interval_minutes} minutes. Its {added.held} current items are not "
            "briefed"
        )
        text += f", but for the newest {added.backlog}, coming up now." if added.backlog else "."
        await interaction.followup.send(text, ephemeral=True, suppress_embeds=True)
        if added.backlog:
            self.cog.in_background(self.cog.check_now(target.guild.id, added.feed.id))

    @app_commands.command(name="remove")
    @app_commands.describe(feed="The feed to stop following")
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        """Stop following a feed (its briefs stay)."""
        found = await self._feed(interaction, feed)
        await self.bot.services.feeds.remove(found.guild_id, found.feed.id)
        await interaction.response.send_message(
            f"No longer following {safe_markdown(found.feed.label)}.",
            ephemeral=True,
            suppress_embeds=True,
        )

    @app_commands.command(name="check")
    @app_commands.describe(feed="The feed to poll now (default: every feed of this server)")
    async def check(self, interaction: discord.Interaction, feed: str | None = None) -> None:
        """Poll a feed now, or every feed of this server."""
        channel = guild_text_channel(interaction)
        feed_id = None
        if feed is not None:
            feed_id = (await self._feed(interaction, feed)).feed.id
        else:
            check_in(interaction, channel, _MODERATOR)
        await interaction.response.defer(ephemeral=True, thinking=True)
        results = await self.cog.check_now(channel.guild.id, feed_id)
        lines = [_result(f, r) for f, r in results] or ["This server follows no feed."]
        for text in message_chunks(lines):
            await interaction.followup.send(text, ephemeral=True, suppress_embeds=True)

    @app_commands.command(name="list")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows: last poll, last item, last error."""
        channel = guild_text_channel(interaction)
        check_in(interaction, channel, _MODERATOR)
        feeds = await self.bot.services.feeds.all_feeds(channel.guild.id)
        lines = [_line(f) for f in feeds] or ["This server follows no feed (/feed add)."]
        # Every feed listed (FEEDS_PER_SERVER may allow more than one message holds), cut only
        # between feeds: the first message answers, the rest follow it.
        first, *rest = message_chunks(lines)
        await interaction.response.send_message(first, ephemeral=True, suppress_embeds=True)
        for text in rest:
            await interaction.followup.send(text, ephemeral=True, suppress_embeds=True)

    @remove.autocomplete("feed")
    @check.autocomplete("feed")
    async def _feed_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        typed = current.strip().lower()
        feeds = await self.bot.services.feeds.all_feeds(interaction.guild.id)
        return [
            app_commands.Choice(name=f.label[:100], value=str(f.id))
            for f in feeds
            if typed in f.label.lower() or typed in f.url.lower()
        ][:25]

    async def _feed(self, interaction: discord.Interaction, text: str) -> _Found:
        """The server's feed named by ``text`` (autocomplete's id, or its address), with the
        caller's permission checked in the feed's channel (or here, when it is gone)."""
        channel = guild_text_channel(interaction)
        feed = await self.bot.services.feeds.find(channel.guild.id, text)
        where = channel.guild.get_channel(feed.channel_id)
        check_in(
            interaction, where if isinstance(where, discord.TextChannel) else channel, _MODERATOR
        )
        return _Found(channel.guild.id, feed)


@dataclass(frozen=True)
class _Found:
    guild_id: int
    feed: FeedSummary


class FeedsCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot
        self.group = FeedGroup(self)
        self.outlet = DiscordOutlet(bot)
        self._poller: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)
        if self._poller is not None:
            self._poller.cancel()

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        if self.bot.draining:
            work.close()
            return
        self.bot.spawn(work, name="feed-check")

    async def check_now(
        self, guild_id: int, feed_id: int | None
    ) -> list[tuple[FeedSummary, PollResult]]:
        return await self.bot.services.feeds.check(guild_id, feed_id, self.outlet)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # READY comes again after every new gateway session: one poller per process.
        if self._poller is not None:
            return
        scheduler = FeedScheduler(
            self.bot.services.feeds,
            self.outlet,
            stopping=lambda: self.bot.draining,
            # Each round is the bot's tracked work: a shutdown waits for a poll in flight.
            run=lambda work: self.bot.spawn(work, name="feed-poll"),
        )
        self._poller = asyncio.create_task(scheduler.run(), name="feed-poller")


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(FeedsCog(bot))

"""Briefing shared links: pasted links in watched channels, ``/brief`` and "Brief this link".

Once per process, after the first READY (not on reconnects), the core's start-up runs
(:meth:`bot.sharing.recovery.Recovery.start_up`): the claims a crashed or stopped process left are
recovered through :class:`cogs._recovery.Reopener`, then links posted while no process was
connected are caught up through :class:`cogs._recovery.ChannelHistory`, one history request per
watched channel. While the bot shuts down,
a pasted link is claimed and released for the next start instead of briefed.

The commands acknowledge at once, then do the slow part (fetch, post) as the bot's tracked
background work, so a shutdown waits for it within its grace like any share; cancelled after the
grace, the share releases its claim and the member is told that nothing was finished. A command
used while the bot shuts down is answered without starting anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.briefing.render import render_embed
from bot.choices import FailureMode
from bot.errors import UserFacingError
from bot.sharing.recovery import describe
from bot.sharing.types import Duplicate, EarlierBrief, Failed, Outcome, Pointed, Posted, Share
from cogs._checks import check_in, guild_text_channel, sending
from cogs._failures import answer_error
from cogs._publishing import can_post, jump_url, to_embed
from cogs._recovery import ChannelHistory, Reopener, SharePublisher

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot
    from bot.briefing.types import Brief

log = logging.getLogger(__name__)

_PREVIEW_SECONDS = 600
_RESTARTING = "newslink is restarting; try again in a minute."
_STOPPED = (
    "newslink had to stop before finishing this (it is restarting); if no brief appeared, "
    "try again in a minute."
)
_ALREADY_PUBLISHED = "This preview is already published."
_BEING_PUBLISHED = "This preview is already being published."


class LinksCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot
        self.brief_menu = app_commands.ContextMenu(
            name="Brief this link", callback=self.brief_message
        )
        self.brief_menu.guild_only = True
        self._recovery_started = False

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.brief_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.brief_menu.name, type=self.brief_menu.type)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        links = self._links(message)
        if not links:
            return
        if self.bot.draining:
            # Too late to brief, and Discord will not deliver it again: leave it to the next start.
            self.bot.spawn(self._defer_message(message), name=f"defer-{message.id}")
            return
        # The work takes seconds (fetch, parse): off the gateway's event handler, tracked.
        self.bot.spawn(self._share_message(message, links), name=f"share-{message.id}")

    def _links(self, message: discord.Message) -> list[str]:
        """The links to brief in a member's message in a server text channel (none otherwise)."""
        # Bots and webhooks (ours included) never trigger a brief: no loops, no relayed spam.
        if message.author.bot or message.webhook_id is not None or message.guild is None:
            return []
        if not message.content or _where_briefed(message.channel, message.guild.me) is None:
            return []
        return self.bot.sharing.links_in(message.content)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # READY comes again after every new gateway session (its messages were delivered live or
        # by the resume); the claims are recovered and the offline messages caught up once.
        if self._recovery_started:
            return
        self._recovery_started = True
        if self.bot.commands_only:
            # Without the Message Content intent Discord blanks the messages read back too:
            # recovery would give up every claim as "link no longer in the message", and
            # catch-up would find no links. Both wait for a start with the intent.
            log.info("commands-only mode: claims left and messages missed wait for the intent")
            return
        start_up = self.bot.sharing.recovery.start_up(
            Reopener(self.bot),
            self._histories,
            catch_up_minutes=self.bot.services.settings.catch_up_minutes,
            stopping=lambda: self.bot.draining,
            owns=self.bot.holds_guild,
        )
        self.bot.spawn(start_up, name="recover-claims")

    def _histories(self) -> Iterator[ChannelHistory]:
        """The channels catch-up may read back: those the bot can read the history of and post
        in (whether they are watched is the core's question)."""
        for guild in self.bot.guilds:
            for channel in guild.text_channels:
                if not channel.permissions_for(guild.me).read_message_history:
                    continue
                if can_post(channel, guild.me):
                    yield ChannelHistory(self.bot, channel, self._links)

    async def _defer_message(self, message: discord.Message) -> None:
        assert message.guild is not None
        share = Share(message.guild.id, message.channel.id, message.id, message.author.id)
        await self.bot.sharing.defer_message(share, message.content)

    async def _share_message(self, message: discord.Message, links: list[str]) -> None:
        channel = message.channel
        assert message.guild is not None
        watched = _where_briefed(channel, message.guild.me)
        assert isinstance(channel, (discord.TextChannel, discord.Thread)) and watched is not None
        # Default: every text channel the bot can read and post in; moderators can opt one out.
        if not can_post(channel, channel.guild.me):
            return
        policy = None
        if isinstance(channel, discord.Thread):
            # A thread or forum post follows its parent's settings; the brief is a reply in it,
            # where the discussion already is: no thread of its own.
            parent = await self.bot.sharing.policy(message.guild.id, watched)
            policy = dataclasses.replace(parent, threads=False)
        share = Share(message.guild.id, channel.id, message.id, message.author.id)
        outcomes = await self.bot.sharing.share_pasted(
            share, message.content, links, SharePublisher(self.bot, channel, message), policy=policy
        )
        for outcome in outcomes:
            log.info("message %s in %s: %s", message.id, channel.id, describe(outcome))

    @app_commands.command(name="brief")
    @app_commands.guild_only()
    @app_commands.describe(
        url="The article's web address",
        take="Your own commentary, shown as the brief's lead",
        preview="Show the brief only to you first, with a button to publish it",
    )
    async def brief(
        self,
        interaction: discord.Interaction,
        url: str,
        take: str | None = None,
        preview: bool = False,
    ) -> None:
        """Post a brief of a news article (headline, source, key paragraphs) with a thread."""
        channel = await _acknowledge(interaction)
        if channel is None:
            return
        if preview:
            await self.in_background(interaction, self._preview(interaction, channel, url, take))
        else:
            await self.in_background(interaction, self._brief_now(interaction, channel, url, take))

    async def _brief_now(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        url: str,
        take: str | None,
    ) -> None:
        share = Share(channel.guild.id, channel.id, interaction.id, interaction.user.id)
        outcome = await self.bot.sharing.share_link(
            share, url, _QuietPublisher(self.bot, channel), take=take
        )
        await interaction.followup.send(_report(channel, outcome), ephemeral=True)

    async def _preview(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        url: str,
        take: str | None,
    ) -> None:
        brief = await self.bot.sharing.preview(channel.guild.id, channel.id, url, take=take)
        view = PublishView(self, brief, origin_id=interaction.id)
        await interaction.followup.send(
            embed=to_embed(render_embed(brief)), view=view, ephemeral=True, wait=True
        )

    async def publish(self, interaction: discord.Interaction, view: PublishView) -> None:
        """Post a previewed brief (the preview's button was pressed and acknowledged)."""
        channel = guild_text_channel(interaction)
        # Keyed on the /brief that made the preview, not on the click: each click is a new
        # interaction, and a second one must find the first one's claim (a Duplicate).
        share = Share(channel.guild.id, channel.id, view.origin_id, interaction.user.id)
        outcome = await self.bot.sharing.share_link(
            share, view.brief.url, _QuietPublisher(self.bot, channel), brief=view.brief
        )
        if isinstance(outcome, Failed):
            view.allow_retry()  # the claim was released: pressing again may work
            await interaction.edit_original_response(content=_report(channel, outcome), view=view)
            return
        if isinstance(outcome, Duplicate):
            # Another click published it and edits the preview itself: do not overwrite that.
            await interaction.followup.send(_ALREADY_PUBLISHED, ephemeral=True)
            return
        view.stop()
        # The button goes: the preview now only says where the brief is.
        await interaction.edit_original_response(content=_report(channel, outcome), view=None)

    async def in_background(
        self, interaction: discord.Interaction, work: Coroutine[Any, Any, None]
    ) -> None:
        """Run the slow part of an acknowledged interaction as the bot's tracked work (a
        shutdown waits for it); while shutting down, answer instead of starting it."""
        if self.bot.draining:
            work.close()  # never started: nothing to release
            await interaction.followup.send(_RESTARTING, ephemeral=True)
            return
        self.bot.spawn(self._answering(interaction, work), name=f"interaction-{interaction.id}")

    async def _answering(
        self, interaction: discord.Interaction, work: Coroutine[Any, Any, None]
    ) -> None:
        """Run ``work`` (which answers the member itself) and answer when it cannot."""
        try:
            await work
        except asyncio.CancelledError:
            # Cancelled by the shutdown after its grace: the share released its claim, and the
            # client is still open (it closes after its tasks), so the member can be told.
            with contextlib.suppress(discord.HTTPException):
                await interaction.followup.send(_STOPPED, ephemeral=True)
            raise
        except Exception as exc:  # noqa: BLE001 - the command's error handler, as if raised there
            await answer_error(interaction, exc)

    async def brief_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Brief the links in this message, as if it had been posted in a watched channel."""
        channel = await _acknowledge(interaction)
        if channel is None:
            return
        await self.in_background(
            interaction, self._brief_message_now(interaction, channel, message)
        )

    async def _brief_message_now(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        message: discord.Message,
    ) -> None:
        share = Share(channel.guild.id, channel.id, message.id, message.author.id)
        outcomes = await self.bot.sharing.share_message(
            share, message.content, _QuietPublisher(self.bot, channel, message)
        )
        if not outcomes:
            await interaction.followup.send("That message has no link to brief.", ephemeral=True)
            return
        await interaction.followup.send(
            "\n".join(_report(channel, o) for o in outcomes), ephemeral=True
        )


def _where_briefed(channel: object, me: discord.Member) -> int | None:
    """The channel whose settings decide whether a link pasted in ``channel`` is briefed: a text
    channel itself; a thread's (or forum post's) parent, unless newslink opened the thread (a
    brief's own discussion, where the bot answers questions instead); None elsewhere."""
    if isinstance(channel, discord.TextChannel):
        return channel.id
    if isinstance(channel, discord.Thread) and channel.owner_id != me.id:
        parent = channel.parent
        if isinstance(parent, (discord.TextChannel, discord.ForumChannel)):
            return parent.id
    return None


class _QuietPublisher(SharePublisher):
    """For commands: failures go to the caller's ephemeral reply, not into the channel."""

    def __init__(
        self,
        bot: NewslinkBot,
        channel: discord.TextChannel,
        reply_to: discord.Message | None = None,
    ) -> None:
        super().__init__(bot, channel, reply_to)

    async def point_to(self, url: str, earlier: EarlierBrief) -> None:
        return None

    async def report_failure(self, url: str, error: UserFacingError, mode: FailureMode) -> None:
        return None


class PublishView(discord.ui.View):
    """The button under a ``/brief preview`` that posts it for everyone."""

    def __init__(self, cog: LinksCog, brief: Brief, *, origin_id: int) -> None:
        super().__init__(timeout=_PREVIEW_SECONDS)
        self.cog = cog
        self.brief = brief
        self.origin_id = origin_id  # the /brief interaction that made the preview
        self.publishing = False

    @discord.ui.button(
        label="Publish", style=discord.ButtonStyle.primary, custom_id="newslink:publish"
    )
    async def publish(
        self, interaction: discord.Interaction, button: discord.ui.Button[PublishView]
    ) -> None:
        # Set before any await, so of two quick clicks only the first publishes; the claim on
        # ``origin_id`` stops a second brief even if this flag were lost.
        if self.publishing:
            await interaction.response.send_message(_BEING_PUBLISHED, ephemeral=True)
            return
        # The right to post may have gone since the /brief; refused, the button stays usable.
        channel = guild_text_channel(interaction)
        check_in(interaction, channel, [sending(channel)])
        self.publishing = True
        button.disabled = True
        await interaction.response.edit_message(view=self)
        await self.cog.in_background(interaction, self.cog.publish(interaction, self))

    def allow_retry(self) -> None:
        self.publishing = False
        self.publish.disabled = False

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[PublishView]
    ) -> None:
        await answer_error(interaction, error)


async def _acknowledge(interaction: discord.Interaction) -> discord.TextChannel | None:
    """Defer at once (Discord allows 3 seconds; a brief takes longer) and check that briefs can be
    posted here, by the bot and in the caller's name; None, with the caller told why, if not."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    channel = guild_text_channel(interaction)
    # The brief carries the caller's words and opens a thread: only where they may post.
    check_in(interaction, channel, [sending(channel)])
    if not can_post(channel, channel.guild.me):
        await interaction.followup.send("I cannot post briefs in this channel.", ephemeral=True)
        return None
    return channel


def _report(channel: discord.TextChannel, outcome: Outcome) -> str:
    """The caller's ephemeral answer for one link."""
    if isinstance(outcome, Posted):
        return f"Posted: {jump_url(channel.guild.id, channel.id, outcome.message_id)}"
    if isinstance(outcome, Pointed):
        e = outcome.earlier
        return f"Briefed here recently: {jump_url(channel.guild.id, e.channel_id, e.message_id)}"
    if isinstance(outcome, Duplicate):
        return f"<{outcome.url}> from that message is already being briefed."
    return f"No brief for <{outcome.url}>: {outcome.error.user_message}"


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(LinksCog(bot))

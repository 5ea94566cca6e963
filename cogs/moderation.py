"""Moderator commands: which channels are watched, pinning briefs, the pinned index, removal."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.briefing.render import safe_markdown
from bot.choices import CommentaryMode, FailureMode, Length
from bot.curation import BriefRef
from bot.errors import BriefNotFound, UserFacingError
from cogs._checks import caller, can_read, check_in, guild_text_channel
from cogs._publishing import CONTENT_LIMIT, jump_url

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)

_PAGE_SIZE = 10
# How far back a removed brief's thread is read to tell whether anyone wrote in it.
_THREAD_LOOK = 20


def _message_id(text: str) -> int:
    """A message id from an id or a message link (``…/channels/guild/channel/message``)."""
    last = text.strip().rstrip("/").rpartition("/")[2]
    if not last.isdigit():
        raise UserFacingError("Give a message link (Copy Message Link) or a message id.")
    return int(last)


def _choices(choices: type[StrEnum]) -> list[app_commands.Choice[str]]:
    """A choice set as Discord shows it: each value under its own name (``compact``)."""
    return [app_commands.Choice(name=c.value, value=c.value) for c in choices]


def _hidden(brief: BriefRef) -> BriefNotFound:
    """To a caller who cannot see its channel, a brief is not one: nothing about it is revealed."""
    return BriefNotFound(detail=f"message {brief.message_id} is in a channel hidden from them")


# Visible to every member: /newslink help and forget-me are theirs (cogs/server_admin.py); each
# moderator subcommand checks its permission at run time, in the channel acted on.
@app_commands.guild_only()
class NewslinkGroup(
    app_commands.Group, name="newslink", description="Set up where newslink briefs links"
):
    def __init__(self, bot: NewslinkBot) -> None:
        super().__init__()
        self.bot = bot

    @app_commands.command(name="watch")
    @app_commands.describe(channel="The channel whose shared links newslink should brief")
    async def watch(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Brief links shared in a channel (by default every channel newslink can post in)."""
        check_in(interaction, channel, ["manage_channels"])
        await self.bot.services.curation.configure(channel.guild.id, channel.id, watched=True)
        await interaction.response.send_message(
            f"Watching {channel.mention} for shared links.", ephemeral=True
        )

    @app_commands.command(name="unwatch")
    @app_commands.describe(channel="The channel newslink should leave alone")
    async def unwatch(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Stop briefing links shared in a channel (/brief still works there)."""
        check_in(interaction, channel, ["manage_channels"])
        await self.bot.services.curation.configure(channel.guild.id, channel.id, watched=False)
        await interaction.response.send_message(
            f"No longer watching {channel.mention}.", ephemeral=True
        )

    @app_commands.command(name="settings")
    @app_commands.describe(
        channel="The channel to show or change (default: this one)",
        length="How much of an article a brief quotes",
        on_failure="What newslink shows when a link cannot be briefed",
        threads="Open a discussion thread under each brief",
    )
    @app_commands.choices(length=_choices(Length), on_failure=_choices(FailureMode))
    async def settings(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        length: str | None = None,
        on_failure: str | None = None,
        threads: bool | None = None,
    ) -> None:
        """Show a channel's newslink settings, or change them."""
        target = channel or guild_text_channel(interaction)
        check_in(interaction, target, ["manage_channels"])
        policy = await self.bot.services.curation.configure(
            target.guild.id,
            target.id,
            length=Length(length) if length else None,
            on_failure=FailureMode(on_failure) if on_failure else None,
            threads=threads,
        )
        watched = "watched" if policy.watched else "not watched"
        # The server's defaults, which channels never set up follow (/newslink defaults).
        server = await self.bot.services.administration.defaults(target.guild.id)
        curation = self.bot.services.curation
        mode = await curation.commentary_mode(target.guild.id)
        usage = await curation.model_usage(target.guild.id)
        model = (
            f" Model: {usage.used_today:,} of {usage.daily_tokens:,} tokens used today."
            if usage is not None
            else ""
        )
        await interaction.response.send_message(
            f"{target.mention}: {watched}; length {policy.length}; "
            f"threads {'on' if policy.threads else 'off'}; "
            f"on failure: {policy.on_failure.value}.\n"
            f"Server defaults for other channels: "
            f"{'watched' if server.watch_by_default else 'not watched'}; "
            f"length {server.default_length}. Commentary (server-wide): {mode}.{model}",
            ephemeral=True,
        )

    @app_commands.command(name="commentary")
    @app_commands.describe(mode="model: a language model writes the lead and bridges (checked)")
    @app_commands.choices(mode=_choices(CommentaryMode))
    async def commentary(self, interaction: discord.Interaction, mode: str) -> None:
        """Who writes the commentary of this server's briefs: the article itself, or the model."""
        check_in(interaction, guild_text_channel(interaction), ["manage_channels"])
        curation = self.bot.services.curation
        chosen = await curation.set_commentary_mode(
            guild_text_channel(interaction).guild.id, CommentaryMode(mode)
        )
        note = ""
        if chosen == CommentaryMode.MODEL and not curation.has_model:
            note = " No model is configured (LLM_BASE_URL): briefs keep the article's own words."
        await interaction.response.send_message(f"Commentary: {chosen}.{note}", ephemeral=True)


class ModerationCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot
        self.group = NewslinkGroup(bot)
        self.pin_menu = app_commands.ContextMenu(name="Pin brief", callback=self.pin_message)
        self.remove_menu = app_commands.ContextMenu(
            name="Remove brief", callback=self.remove_message
        )
        self.pin_menu.guild_only = True
        self.pin_menu.default_permissions = discord.Permissions(pin_messages=True)
        # Shown to everyone: a sharer may remove the brief of their own link (checked at run time:
        # anyone else needs Manage Messages).
        self.remove_menu.guild_only = True

    async def cog_load(self) -> None:
        for command in (self.group, self.pin_menu, self.remove_menu):
            self.bot.tree.add_command(command)

    async def cog_unload(self) -> None:
        for command in (self.group, self.pin_menu, self.remove_menu):
            kind = (
                command.type
                if isinstance(command, app_commands.ContextMenu)
                else discord.AppCommandType.chat_input
            )
            self.bot.tree.remove_command(command.name, type=kind)

    async def _find_brief(self, channel: discord.TextChannel, message: str | None) -> BriefRef:
        message_id = _message_id(message) if message is not None else None
        return await self.bot.services.curation.find_brief(channel.guild.id, channel.id, message_id)

    @staticmethod
    def _brief_channel(
        interaction: discord.Interaction, brief: BriefRef
    ) -> discord.TextChannel | discord.Thread | None:
        """The channel a brief is in, None if it is gone."""
        assert interaction.guild is not None
        channel = interaction.guild.get_channel_or_thread(brief.channel_id)
        return channel if isinstance(channel, (discord.TextChannel, discord.Thread)) else None

    async def _pin(self, interaction: discord.Interaction, brief: BriefRef, pin: bool) -> None:
        channel = self._brief_channel(interaction, brief)
        if channel is None:
            raise UserFacingError("That brief's channel is gone.")
        check_in(
            interaction,
            channel,
            ["read_message_history", "pin_messages"],
            bot=["pin_messages"],
            unseen=_hidden(brief),
        )
        # discord.py may wait out a 429 or retry a 5xx for seconds: answer within Discord's 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        message = channel.get_partial_message(brief.message_id)
        # The index first, in a transaction of its own: no database lock is held while Discord
        # answers (discord.py may wait out a 429 or retry a 5xx for seconds), and a database
        # that is down stops the pin before Discord and the index disagree.
        await self.bot.services.curation.set_pin(brief, interaction.user.id if pin else None)
        try:
            if pin:
                await message.pin(reason=f"newslink: pinned by {interaction.user.id}")
            else:
                await message.unpin(reason=f"newslink: unpinned by {interaction.user.id}")
        except BaseException:
            await self._restore_pin(brief)
            raise
        link = jump_url(channel.guild.id, channel.id, brief.message_id)
        await interaction.followup.send(
            f"{'Pinned' if pin else 'Unpinned'}: {link}", ephemeral=True
        )

    async def _restore_pin(self, brief: BriefRef) -> None:
        """Discord said no: put the index back as it was, so both still agree."""
        try:
            await self.bot.services.curation.set_pin(brief, brief.pinned_by, brief.pinned_at)
        except Exception:
            log.warning(
                "brief %s: Discord refused the pin change and the index could not be restored",
                brief.message_id,
                exc_info=True,
            )

    @app_commands.command(name="pin")
    @app_commands.guild_only()
    @app_commands.default_permissions(pin_messages=True)
    @app_commands.describe(
        message="A brief's message link or id (default: the latest brief in this channel)"
    )
    async def pin(self, interaction: discord.Interaction, message: str | None = None) -> None:
        """Pin a brief in this channel and add it to the server's /pinned index."""
        channel = guild_text_channel(interaction)
        await self._pin(interaction, await self._find_brief(channel, message), pin=True)

    @app_commands.command(name="unpin")
    @app_commands.guild_only()
    @app_commands.default_permissions(pin_messages=True)
    @app_commands.describe(
        message="A brief's message link or id (default: the latest brief in this channel)"
    )
    async def unpin(self, interaction: discord.Interaction, message: str | None = None) -> None:
        """Unpin a brief and drop it from the /pinned index."""
        channel = guild_text_channel(interaction)
        await self._pin(interaction, await self._find_brief(channel, message), pin=False)

    async def pin_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        channel = guild_text_channel(interaction)
        await self._pin(interaction, await self._find_brief(channel, str(message.id)), pin=True)

    @app_commands.command(name="pinned")
    @app_commands.guild_only()
    @app_commands.describe(page="Which page of the list (newest first)")
    async def pinned(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1] = 1
    ) -> None:
        """List this server's pinned briefs, newest first."""
        assert interaction.guild is not None
        member = caller(interaction)
        # Only the briefs of channels the caller can read, filtered in the query so pages stay full.
        readable = [c.id for c in interaction.guild.text_channels if can_read(c, member)]
        briefs, more = await self.bot.services.curation.pinned(
            interaction.guild.id, channel_ids=readable, page=page, per_page=_PAGE_SIZE
        )
        if not briefs:
            text = "No pinned briefs yet." if page == 1 else f"There is no page {page}."
        else:
            lines = [
                f"- {safe_markdown(b.title)}: "
                f"{jump_url(interaction.guild.id, b.channel_id, b.message_id)}"
                for b in briefs
            ]
            next_page = f"\nMore: /pinned page:{page + 1}" if more else ""
            text = f"Pinned briefs, newest first (page {page}):\n" + "\n".join(lines) + next_page
        await interaction.response.send_message(
            text[:CONTENT_LIMIT], ephemeral=True, suppress_embeds=True
        )

    async def _remove(self, interaction: discord.Interaction, brief: BriefRef) -> None:
        channel = self._brief_channel(interaction, brief)
        # The sharer controls the brief of their own link; anyone else must moderate messages.
        own = brief.sharer_id == interaction.user.id
        if channel is not None:
            check_in(
                interaction,
                channel,
                ["read_message_history"] if own else ["read_message_history", "manage_messages"],
                bot=[],  # its own message: seeing the channel is enough
                unseen=_hidden(brief),
            )
        elif not caller(interaction).guild_permissions.manage_messages:
            # The channel was deleted: only a server-wide moderator may drop what is left of it.
            raise app_commands.MissingPermissions(["manage_messages"])
        await interaction.response.defer(ephemeral=True, thinking=True)  # Discord allows 3 s
        await self._take_down(brief, channel)
        await interaction.followup.send("Brief removed.", ephemeral=True)

    async def _take_down(
        self, brief: BriefRef, channel: discord.TextChannel | discord.Thread | None
    ) -> None:
        """Delete the brief's message and retire its thread, then forget the brief."""
        if channel is not None:
            try:
                await channel.get_partial_message(brief.message_id).delete()
            except discord.NotFound:
                log.info("brief message %s was already deleted", brief.message_id)
            if brief.thread_id is not None:
                await self._retire_thread(channel, brief.thread_id)
        await self.bot.services.curation.forget(brief)

    async def _retire_thread(
        self, channel: discord.TextChannel | discord.Thread, thread_id: int
    ) -> None:
        """A brief's thread when the brief goes: archived if anyone but newslink wrote in it
        (their words are theirs, not the bot's to delete), deleted if empty and the bot may
        (Manage Threads), archived otherwise."""
        thread = channel.guild.get_thread(thread_id)
        if thread is None:
            log.info("thread %s of a removed brief is gone", thread_id)
            return
        me = channel.guild.me
        try:
            written = False
            async for message in thread.history(limit=_THREAD_LOOK):
                if message.author.id != me.id:
                    written = True
                    break
            if not written and thread.permissions_for(me).manage_threads:
                await thread.delete()
            elif not thread.archived:
                await thread.edit(archived=True)
        except discord.HTTPException as exc:
            # The brief is gone either way; a thread left open is a moderator's to tidy.
            log.warning("could not retire thread %s: HTTP %s", thread_id, exc.status)

    # Run as the bot's background work, like shares: a shutdown lets a take-down in progress
    # finish (within its grace) rather than dropping it between Discord and the index.
    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        self.bot.spawn(
            self._sources_deleted(payload.channel_id, [payload.message_id]),
            name=f"deleted-{payload.message_id}",
        )

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        ids = sorted(payload.message_ids)
        self.bot.spawn(
            self._sources_deleted(payload.channel_id, ids), name=f"deleted-{ids[0] if ids else 0}"
        )

    async def _sources_deleted(self, channel_id: int, message_ids: list[int]) -> None:
        """Members' messages were deleted: the briefs of their links go too (raw events: the
        messages need not be in discord.py's cache)."""
        briefs = await self.bot.services.curation.briefs_of_deleted(channel_id, message_ids)
        for brief in briefs:
            channel = self.bot.get_channel(brief.channel_id)
            log.info(
                "a shared message in %s was deleted: removing brief %s",
                channel_id,
                brief.message_id,
            )
            here = channel if isinstance(channel, (discord.TextChannel, discord.Thread)) else None
            await self._take_down(brief, here)

    @app_commands.command(name="brief-remove")
    @app_commands.guild_only()
    @app_commands.describe(
        message="The brief's message link or id (default: the latest brief in this channel)"
    )
    async def brief_remove(
        self, interaction: discord.Interaction, message: str | None = None
    ) -> None:
        """Delete a brief (yours, or any with Manage Messages): its message, record and thread."""
        channel = guild_text_channel(interaction)
        await self._remove(interaction, await self._find_brief(channel, message))

    async def remove_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        channel = guild_text_channel(interaction)
        await self._remove(interaction, await self._find_brief(channel, str(message.id)))


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(ModerationCog(bot))

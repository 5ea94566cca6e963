"""``/newslink digest`` and ``/newslink timezone`` (the group lives in :mod:`cogs.moderation`;
this module's name sorts after it, so the group exists when this loads), and the scheduler that
posts the digests (:mod:`bot.digest`) at their hour.

The scheduler is the cog's own task, not one of the bot's background tasks: it never ends, and
those are waited for at shutdown. It starts at the first READY (a digest missed while the bot was
down is posted then) and stops when the cog unloads, which closing the bot does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.tasks import Scheduler
from bot.choices import DigestSchedule
from bot.digest import WEEKDAYS
from cogs._checks import caller, can_read, check_in

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)

DEFAULT_HOUR = 8


class DiscordDigests:
    """What the digest needs of Discord: thread message counts, and posting."""

    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot

    async def message_counts(self, guild_id: int, thread_ids: Sequence[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for thread_id in thread_ids:
            # Fetched, not cached: the count in the cache is the one of the thread's last update.
            try:
                thread = await self.bot.fetch_channel(thread_id)
            except (discord.NotFound, discord.Forbidden):
                continue  # deleted, or no longer visible to the bot
            if isinstance(thread, discord.Thread):
                counts[thread_id] = thread.message_count or 0
        return counts

    async def listable(
        self, guild_id: int, digest_channel_id: int, channel_ids: Collection[int]
    ) -> set[int]:
        # Whoever reads the digest channel may not read another channel: list only the digest
        # channel's own briefs and those of channels everyone (@everyone) can read. Safe, if
        # strict: a staff digest does not list another staff channel's briefs.
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return set()
        listed = {digest_channel_id} & set(channel_ids)
        for channel_id in channel_ids:
            channel = guild.get_channel(channel_id)
            if isinstance(channel, discord.TextChannel) and can_read(channel, guild.default_role):
                listed.add(channel_id)
        return listed

    async def post(self, channel_id: int, messages: Sequence[str]) -> bool:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            return False
        granted = channel.permissions_for(channel.guild.me)
        if not (granted.view_channel and granted.send_messages):
            return False
        for text in messages:
            await channel.send(
                text, suppress_embeds=True, allowed_mentions=discord.AllowedMentions.none()
            )
        return True


def _bot(interaction: discord.Interaction) -> NewslinkBot:
    return interaction.client  # type: ignore[return-value]  # the one client: a NewslinkBot


@app_commands.describe(
    channel="Where the digest is posted",
    schedule="daily, weekly, or off to stop it",
    topic="Only briefs about this topic (as /subscribe topics match)",
    hour=f"Hour of the day in the server's time zone (/newslink timezone), default {DEFAULT_HOUR}",
    weekday="Day of a weekly digest, default Monday",
)
@app_commands.choices(
    schedule=[app_commands.Choice(name=s.value, value=s.value) for s in DigestSchedule],
    weekday=[app_commands.Choice(name=name, value=i) for i, name in enumerate(WEEKDAYS)],
)
async def _digest(
    interaction: discord.Interaction,
    channel: discord.TextChannel,
    schedule: str,
    topic: app_commands.Range[str, 2, 50] | None = None,
    hour: app_commands.Range[int, 0, 23] = DEFAULT_HOUR,
    weekday: int = 0,
) -> None:
    """Post a daily or weekly digest of the server's briefs in a channel (or stop it)."""
    check_in(interaction, channel, ["manage_channels"], bot=["send_messages"])
    member = caller(interaction)
    done = await _bot(interaction).services.digests.set_digest(
        member.guild.id,
        channel.id,
        DigestSchedule(schedule),
        hour=hour,
        weekday=weekday,
        topic=topic,
    )
    if done.schedule is DigestSchedule.OFF:
        text = f"No more digests in {channel.mention}."
    else:
        when = f"{done.hour:02d}:00 ({done.timezone})"
        if done.schedule is DigestSchedule.WEEKLY:
            when = f"{WEEKDAYS[done.weekday]}s at {when}"
        about = f"briefs about “{done.topic}”" if done.topic else "all briefs"
        first = f"<t:{int(done.next_at.timestamp())}:f>" if done.next_at else "soon"
        text = (
            f"{done.schedule.value.title()} digest of {about} in {channel.mention}, {when}; "
            f"the first one {first}. Nothing is posted for a period without briefs."
        )
    await interaction.response.send_message(text, ephemeral=True)


@app_commands.describe(zone="An IANA time zone name, such as Europe/Paris or America/New_York")
async def _timezone(interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
    """Set the server's time zone (the hour digests are posted at)."""
    member = caller(interaction)
    if not member.guild_permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    name = await _bot(interaction).services.digests.set_timezone(member.guild.id, zone)
    await interaction.response.send_message(
        f"This server's time zone is now {name}: digests follow its hours.", ephemeral=True
    )


_SUBCOMMANDS = (
    ("digest", "A daily or weekly digest of the server's briefs in a channel", _digest),
    ("timezone", "The server's time zone, for the digest's hour", _timezone),
)


class ServerDigestCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot
        self._commands: list[app_commands.Command] = []  # type: ignore[type-arg]
        self.publisher = DiscordDigests(bot)
        self.scheduler: Scheduler | None = None  # built at READY (a sync-only bot has no services)
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        group = self.bot.tree.get_command("newslink")
        if not isinstance(group, app_commands.Group):
            raise RuntimeError("cogs.moderation (the /newslink group) must load before this cog")
        self._commands = [
            app_commands.Command(
                name=name, description=description, callback=callback, parent=group
            )
            for name, description, callback in _SUBCOMMANDS
        ]
        for command in self._commands:
            group.add_command(command)

    async def cog_unload(self) -> None:
        group = self.bot.tree.get_command("newslink")
        if isinstance(group, app_commands.Group):
            for command in self._commands:
                group.remove_command(command.name)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._task is not None:
            return  # READY again after a new session: already running
        services = self.bot.services
        self.scheduler = Scheduler(
            lambda: services.digests.run_due(self.publisher), services.clock, name="digests"
        )
        self._task = asyncio.create_task(self.scheduler.run(), name="digests")


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(ServerDigestCog(bot))

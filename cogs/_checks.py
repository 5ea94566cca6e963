"""Checks shared by the command cogs: where a command runs and who may run it."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import UserFacingError


def guild_text_channel(interaction: discord.Interaction) -> discord.TextChannel:
    """The text channel a command was used in; briefs live only in servers' text channels."""
    channel = interaction.channel
    if interaction.guild is None or not isinstance(channel, discord.TextChannel):
        raise UserFacingError("Use this in a server's text channel.")
    return channel


def require(interaction: discord.Interaction, **permissions: bool) -> None:
    """Servers can override default member permissions: check again when the command runs."""
    granted = interaction.permissions
    missing = [
        name for name, wanted in permissions.items() if wanted and not getattr(granted, name)
    ]
    if missing:
        raise app_commands.MissingPermissions(missing)


def bot_can(channel: discord.TextChannel, **permissions: bool) -> None:
    """Refuse early rather than let Discord answer 403: failed requests count towards an IP ban."""
    granted = channel.permissions_for(channel.guild.me)
    missing = [
        name for name, wanted in permissions.items() if wanted and not getattr(granted, name)
    ]
    if missing:
        raise app_commands.BotMissingPermissions(missing)

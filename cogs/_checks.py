"""Checks shared by the command cogs: where a command runs and who may run it.

Discord sends the caller's permissions (``interaction.permissions``) for the channel the command
was typed in, but a command may act elsewhere: ``/pin message:…`` on a brief in another channel,
``/newslink watch channel:…``. So every check is made, with :func:`check_in`, in the channel acted
on, from the cached roles and overwrites (``channel.permissions_for``; a thread resolves to its
parent's overwrites), for the caller and for the bot.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord import app_commands

from bot.errors import UserFacingError
from cogs._failures import permission_names

Place = discord.abc.GuildChannel | discord.Thread


class NotAllowedThere(UserFacingError):
    """The caller, or the bot, lacks permissions in the channel acted on (named, as a mention)."""

    def __init__(self, who: str, missing: Sequence[str], channel: Place) -> None:
        self.missing = list(dict.fromkeys(missing))  # once each, in order
        super().__init__(
            f"{who} the {permission_names(self.missing)} permission in {channel.mention} "
            "to do that."
        )


def guild_text_channel(interaction: discord.Interaction) -> discord.TextChannel:
    """The text channel a command was used in; briefs live only in servers' text channels."""
    channel = interaction.channel
    if interaction.guild is None or not isinstance(channel, discord.TextChannel):
        raise UserFacingError("Use this in a server's text channel.")
    return channel


def caller(interaction: discord.Interaction) -> discord.Member:
    user = interaction.user
    if not isinstance(user, discord.Member):
        raise app_commands.NoPrivateMessage()
    return user


def sending(channel: Place) -> str:
    """The permission that posting in ``channel`` takes: threads have their own."""
    return "send_messages_in_threads" if isinstance(channel, discord.Thread) else "send_messages"


def can_read(channel: Place, member: discord.Member | discord.Role) -> bool:
    """Whether ``member`` (or everyone with ``role``) can see ``channel`` and read what was
    posted there before."""
    granted = channel.permissions_for(member)
    return granted.view_channel and granted.read_message_history


def check_in(
    interaction: discord.Interaction,
    channel: Place,
    member: Sequence[str],
    *,
    bot: Sequence[str] | None = None,
    unseen: UserFacingError | None = None,
) -> None:
    """Refuse unless the caller has View Channel and ``member`` in ``channel``, and (when the bot
    acts there, ``bot`` given) the bot has View Channel and ``bot``.

    ``unseen`` is raised instead when the caller cannot see ``channel`` at all, so that what a
    hidden channel holds is not revealed (a brief there is "not a brief" to them). The bot is
    checked first-hand too, rather than letting Discord answer 403: failed requests count towards
    an IP ban.
    """
    granted = channel.permissions_for(caller(interaction))
    if not granted.view_channel and unseen is not None:
        raise unseen
    missing = [name for name in ("view_channel", *member) if not getattr(granted, name)]
    if missing:
        raise NotAllowedThere("You need", missing, channel)
    if bot is None:
        return
    mine = channel.permissions_for(channel.guild.me)
    missing = [name for name in ("view_channel", *bot) if not getattr(mine, name)]
    if missing:
        raise NotAllowedThere("I need", missing, channel)

"""Answering a command that failed: the user's mistake explained, a passing fault (Discord or the
database briefly unavailable) told as such and logged as a WARNING, anything else a reference id."""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.outages import passing_outage as unavailable

log = logging.getLogger(__name__)


def _unwrap(error: BaseException) -> BaseException:
    # discord.py wraps what a command raised in CommandInvokeError / TransformerError.
    while isinstance(error, (app_commands.CommandInvokeError, app_commands.TransformerError)) and (
        error.__cause__ is not None or getattr(error, "original", None) is not None
    ):
        error = getattr(error, "original", None) or error.__cause__  # type: ignore[assignment]
    return error


_STORAGE_UNAVAILABLE = "newslink's database is busy right now; try again in a moment."
_DISCORD_UNAVAILABLE = "Discord is having trouble right now; try again in a minute."
_DISCORD_REFUSED = (
    "Discord refused: I may be missing a permission in this channel; a moderator can check "
    "my role's permissions."
)


def fault(error: BaseException) -> str | None:
    """What went wrong, for the log, when ``error`` is a passing fault rather than a bug."""
    if unavailable(error):
        return f"database unavailable ({type(error).__name__}: {error})"
    if isinstance(error, discord.DiscordServerError):
        return f"Discord kept failing (HTTP {error.status})"
    if isinstance(error, discord.Forbidden):
        # Our permission checks said yes, so Discord's view differs (an overwrite we could not
        # see, a role changed meanwhile): the moderators' business, not a bug of ours.
        return f"Discord refused (HTTP 403, code {error.code})"
    return None


def explain(error: BaseException) -> str | None:
    """The message for an expected failure, or None if the error is a bug."""
    if isinstance(error, UserFacingError):
        return error.user_message
    if unavailable(error):
        return _STORAGE_UNAVAILABLE
    if isinstance(error, discord.DiscordServerError):
        return _DISCORD_UNAVAILABLE
    if isinstance(error, discord.Forbidden):
        return _DISCORD_REFUSED
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        names = permission_names(error.missing_permissions)
        return f"I need the {names} permission in this channel to do that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use this command here."
    return None


def permission_names(permissions: list[str]) -> str:
    return " and ".join(p.replace("_", " ").title() for p in permissions)


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the caller, ephemerally; log a bug's traceback under the reference id shown to them."""
    error = _unwrap(error)
    text = explain(error)
    passing = fault(error)
    if passing is not None:
        log.warning("interaction %s failed: %s", interaction.id, passing)
    if text is None:
        reference = secrets.token_hex(3).upper()
        command = interaction.command.qualified_name if interaction.command else interaction.data
        log.error("unexpected error (reference %s) in %s", reference, command, exc_info=error)
        text = f"Something went wrong (reference {reference})."
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        # The interaction may have expired (15 minutes); the log line above is all that is left.
        log.warning("could not tell the user about a failed interaction %s", interaction.id)

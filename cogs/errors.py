"""One error handler for every command, button and context menu (see ``cogs/_failures.py``), and
a WARNING when the gateway connection is lost (discord.py reconnects and resumes by itself; the
log should still say that it happened and that it recovered)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from discord.ext import commands

from cogs._failures import answer_error

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)


class ErrorsCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot
        self._previous: Any = None

    async def cog_load(self) -> None:
        tree = self.bot.tree
        self._previous = tree.on_error
        tree.on_error = answer_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        if self.bot.is_closed():
            return  # our own shutdown, not a fault
        log.warning("lost the connection to Discord's gateway; reconnecting")

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        log.info("gateway session resumed: missed events are replayed")

    @commands.Cog.listener()
    async def on_command_error(
        self, ctx: commands.Context[NewslinkBot], error: commands.CommandError
    ) -> None:
        # newslink has no prefix commands; a message that merely mentions the bot is not an error.
        if isinstance(error, commands.CommandNotFound):
            return
        log.error("prefix command %s failed", ctx.command, exc_info=error)


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(ErrorsCog(bot))

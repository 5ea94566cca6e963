"""``/search words [channel] [since]``: the server's past briefs matching the words, best first,
only to the caller, paged with buttons; only briefs of channels the caller can read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.briefing.render import cut, safe_markdown
from bot.search import SearchPage
from cogs._checks import caller, can_read
from cogs._failures import answer_error
from cogs._publishing import CONTENT_LIMIT, jump_url

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

# Shorter than the interaction token's 15 minutes, so an edit never meets an expired token.
_PAGES_SECONDS = 600
PREVIOUS, NEXT = "newslink:search:previous", "newslink:search:next"


def readable_channels(
    guild: discord.Guild, member: discord.Member, only: discord.TextChannel | None
) -> list[int]:
    """The text channels whose briefs ``member`` may see (of ``only`` when given), resolved
    from roles and overwrites as /pinned and /ask brief: do."""
    channels = [only] if only is not None else guild.text_channels
    return [c.id for c in channels if can_read(c, member)]


def render_page(words: str, found: SearchPage) -> str:
    shown = safe_markdown(cut(" ".join(words.split()), 100))
    if not found.results:
        return (
            f"No briefs match “{shown}”." if found.page == 1 else f"No more briefs match “{shown}”."
        )
    lines = [f"Briefs matching “{shown}”, best first (page {found.page}):"]
    for result in found.results:
        parts = [
            f"[{safe_markdown(cut(result.title, 150))}]"
            f"(<{jump_url(result.guild_id, result.channel_id, result.message_id)}>)"
        ]
        if result.outlet:
            parts.append(safe_markdown(cut(result.outlet, 60)))
        parts.append(f"{result.created_at:%Y-%m-%d}")
        if result.thread_id is not None:
            parts.append(
                f"thread: https://discord.com/channels/{result.guild_id}/{result.thread_id}"
            )
        lines.append("- " + " · ".join(parts))
    return "\n".join(lines)[:CONTENT_LIMIT]


class SearchPages(discord.ui.View):
    """Previous and Next under a /search answer; each press runs the search again for that page
    with the caller's permissions as they are then."""

    def __init__(
        self,
        bot: NewslinkBot,
        words: str,
        channel: discord.TextChannel | None,
        since: str | None,
        found: SearchPage,
    ) -> None:
        super().__init__(timeout=_PAGES_SECONDS)
        self.bot = bot
        self.words = words
        self.channel = channel
        self.since = since
        self.show(found)

    def show(self, found: SearchPage) -> None:
        self.page = found.page
        self.previous.disabled = found.page <= 1
        self.next.disabled = not found.more

    async def _turn(self, interaction: discord.Interaction, page: int) -> None:
        found = await search_for(self.bot, interaction, self.words, self.channel, self.since, page)
        self.show(found)
        await interaction.response.edit_message(content=render_page(self.words, found), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id=PREVIOUS)
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[SearchPages]
    ) -> None:
        await self._turn(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, custom_id=NEXT)
    async def next(
        self, interaction: discord.Interaction, button: discord.ui.Button[SearchPages]
    ) -> None:
        await self._turn(interaction, self.page + 1)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[SearchPages],
    ) -> None:
        await answer_error(interaction, error)


async def search_for(
    bot: NewslinkBot,
    interaction: discord.Interaction,
    words: str,
    channel: discord.TextChannel | None,
    since: str | None,
    page: int,
) -> SearchPage:
    member = caller(interaction)
    return await bot.services.search.search(
        member.guild.id,
        words,
        channel_ids=readable_channels(member.guild, member, channel),
        since=since,
        page=page,
    )


class SearchCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot

    @app_commands.command(name="search")
    @app_commands.guild_only()
    @app_commands.describe(
        words="Words in the headline, outlet, lead or quotes",
        channel="Only briefs posted in this channel",
        since="A date (2026-11-30) or a span back from now (7d, 2w)",
    )
    async def search(
        self,
        interaction: discord.Interaction,
        words: app_commands.Range[str, 1, 200],
        channel: discord.TextChannel | None = None,
        since: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        """Search this server's past briefs, best first (only you see the answer)."""
        found = await search_for(self.bot, interaction, words, channel, since, 1)
        view = SearchPages(self.bot, words, channel, since, found)
        await interaction.response.send_message(
            render_page(words, found), view=view, ephemeral=True, suppress_embeds=True
        )


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(SearchCog(bot))

"""Following topics: ``/subscribe``, ``/unsubscribe`` and ``/subscriptions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.choices import Delivery
from cogs._checks import guild_text_channel

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

_AUTOCOMPLETE_CHOICES = 25  # Discord shows at most 25 choices
_HOW = {Delivery.THREAD: "in the brief's thread", Delivery.DM: "by direct message"}


class SubscriptionsCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot

    @app_commands.command(name="subscribe")
    @app_commands.guild_only()
    @app_commands.describe(
        topic="A word or phrase, e.g. climate or central banks",
        delivery="Where to tell you: in the brief's thread (default) or by direct message",
    )
    @app_commands.choices(
        delivery=[
            app_commands.Choice(
                name="mention me in the brief's thread", value=Delivery.THREAD.value
            ),
            app_commands.Choice(name="send me a direct message", value=Delivery.DM.value),
        ]
    )
    async def subscribe(
        self, interaction: discord.Interaction, topic: str, delivery: str = Delivery.THREAD.value
    ) -> None:
        """Be told when a brief in this server is about a topic you follow."""
        channel = guild_text_channel(interaction)
        followed = await self.bot.services.following.follow(
            channel.guild.id, interaction.user.id, topic, Delivery(delivery)
        )
        await interaction.response.send_message(
            f"You now follow **{discord.utils.escape_markdown(followed.topic)}**; "
            f"you will be told {_HOW[followed.delivery]}.",
            ephemeral=True,
        )

    @app_commands.command(name="unsubscribe")
    @app_commands.guild_only()
    @app_commands.describe(topic="One of the topics you follow")
    async def unsubscribe(self, interaction: discord.Interaction, topic: str) -> None:
        """Stop following a topic."""
        channel = guild_text_channel(interaction)
        await self.bot.services.following.unfollow(channel.guild.id, interaction.user.id, topic)
        await interaction.response.send_message(
            f"You no longer follow **{discord.utils.escape_markdown(topic)}**.", ephemeral=True
        )

    @unsubscribe.autocomplete("topic")
    async def _your_topics(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        followed = await self.bot.services.following.followed(
            interaction.guild.id, interaction.user.id
        )
        wanted = current.casefold()
        return [
            app_commands.Choice(name=f.topic, value=f.topic)
            for f in followed
            if wanted in f.topic.casefold()
        ][:_AUTOCOMPLETE_CHOICES]

    @app_commands.command(name="subscriptions")
    @app_commands.guild_only()
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        """List the topics you follow in this server."""
        channel = guild_text_channel(interaction)
        followed = await self.bot.services.following.followed(channel.guild.id, interaction.user.id)
        if not followed:
            text = "You follow no topics here yet; use /subscribe to follow one."
        else:
            lines = [
                f"- {discord.utils.escape_markdown(f.topic)} "
                f"({'by direct message' if f.delivery is Delivery.DM else 'in threads'})"
                for f in followed
            ]
            text = "You follow:\n" + "\n".join(lines)
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(SubscriptionsCog(bot))

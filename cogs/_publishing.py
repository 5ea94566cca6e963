"""How a share looks in Discord: the :class:`bot.sharing.Publisher` given to the core."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

import discord

from bot.brief import Brief
from bot.errors import UserFacingError
from bot.render import EmbedSpec, render_embed
from bot.sharing import EarlierBrief, FailureMode, Mention

log = logging.getLogger(__name__)

FAILURE_REACTION = "\N{WARNING SIGN}\N{VARIATION SELECTOR-16}"
# Discord answers this code when a thread was already started from the message (a retried share).
THREAD_ALREADY_EXISTS = 160004
ONE_DAY: Literal[1440] = 1440  # thread auto-archive, minutes
_CONTENT_LIMIT = 2000


def to_embed(spec: EmbedSpec) -> discord.Embed:
    embed = discord.Embed(title=spec.title, url=spec.url, description=spec.description)
    if spec.author_name:
        embed.set_author(name=spec.author_name)
    if spec.footer:
        embed.set_footer(text=spec.footer)
    if spec.image_url:
        embed.set_image(url=spec.image_url)
    return embed


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def can_post(channel: discord.abc.GuildChannel | discord.Thread, member: discord.Member) -> bool:
    """Whether the bot can read ``channel`` and post a brief in it (checked first: 403s cost)."""
    perms = channel.permissions_for(member)
    return (
        perms.view_channel
        and perms.send_messages
        and perms.embed_links
        and perms.read_message_history
    )


def discussion_texts(sharer_id: int, mentions: Sequence[Mention]) -> list[str]:
    """The thread's opening message(s): the sharer, then each subscriber once with why."""
    lines = [f"Shared by <@{sharer_id}>."]
    if mentions:
        lines.append("Following a matching topic:")
        lines.extend(f"<@{m.user_id}> ({', '.join(m.topics)})" for m in mentions)
    # Many subscribers can outgrow one message: split between lines, never inside one.
    texts: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > _CONTENT_LIMIT:
            texts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:_CONTENT_LIMIT]
    texts.append(current)
    return texts


class ChannelPublisher:
    """Posts in a text channel; the brief replies to ``reply_to``, the sharer's message, if any."""

    def __init__(
        self, bot: discord.Client, channel: discord.TextChannel, reply_to: discord.Message | None
    ) -> None:
        self.bot = bot
        self.channel = channel
        self.reply_to = reply_to

    @property
    def _me(self) -> discord.Member:
        return self.channel.guild.me

    async def post_brief(self, brief: Brief) -> int:
        embed = to_embed(render_embed(brief))
        if self.reply_to is not None:
            message = await self.reply_to.reply(embed=embed, mention_author=False)
        else:
            message = await self.channel.send(embed=embed)
        return message.id

    async def open_thread(self, message_id: int, name: str) -> int | None:
        perms = self.channel.permissions_for(self._me)
        if not (perms.create_public_threads and perms.send_messages_in_threads):
            log.info(
                "no thread permissions in channel %s; brief %s has no thread",
                self.channel.id,
                message_id,
            )
            return None
        message = self.channel.get_partial_message(message_id)
        try:
            thread = await message.create_thread(name=name, auto_archive_duration=ONE_DAY)
        except discord.HTTPException as exc:
            if exc.code != THREAD_ALREADY_EXISTS:
                raise
            # A thread started from a message has the message's id.
            log.info("thread already exists on message %s; reusing it", message_id)
            return message_id
        return thread.id

    async def can_read(self, user_ids: Sequence[int]) -> set[int]:
        readers: set[int] = set()
        guild = self.channel.guild
        for user_id in user_ids:
            member = guild.get_member(user_id)
            if member is None:
                try:
                    member = await guild.fetch_member(user_id)
                except discord.NotFound:
                    continue
            if self.channel.permissions_for(member).view_channel:
                readers.add(user_id)
        return readers

    async def open_discussion(
        self, thread_id: int, sharer_id: int, mentions: Sequence[Mention]
    ) -> None:
        thread = self.bot.get_partial_messageable(
            thread_id, guild_id=self.channel.guild.id, type=discord.ChannelType.public_thread
        )
        pinged = [discord.Object(id=m.user_id) for m in mentions]
        # Exactly the subscribers may be pinged; the sharer is named without a ping.
        allowed = discord.AllowedMentions(
            everyone=False, roles=False, users=pinged, replied_user=False
        )
        for text in discussion_texts(sharer_id, mentions):
            await thread.send(text, allowed_mentions=allowed)

    async def send_dm(
        self, user_id: int, brief: Brief, message_id: int, topics: Sequence[str]
    ) -> None:
        link = jump_url(self.channel.guild.id, self.channel.id, message_id)
        text = f"A new brief in {self.channel.guild.name} matches {', '.join(topics)}: {link}"
        try:
            dm = await self.bot.create_dm(discord.Object(id=user_id))
            await dm.send(text[:_CONTENT_LIMIT])
        except discord.Forbidden:
            log.info("user %s does not accept DMs; skipped", user_id)

    async def point_to(self, url: str, earlier: EarlierBrief) -> None:
        where = jump_url(self.channel.guild.id, earlier.channel_id, earlier.message_id)
        text = f"Briefed here recently: {where}"
        if earlier.thread_id is not None:
            text += f" (discussion: <#{earlier.thread_id}>)"
        await self._say(text)

    async def report_failure(self, url: str, error: UserFacingError, mode: FailureMode) -> None:
        if mode is FailureMode.REACT and self.reply_to is not None:
            if self.channel.permissions_for(self._me).add_reactions:
                await self.reply_to.add_reaction(FAILURE_REACTION)
            return
        if mode is not FailureMode.IGNORE:
            await self._say(f"No brief for <{url}>: {error.user_message}")

    async def _say(self, text: str) -> None:
        if self.reply_to is not None:
            await self.reply_to.reply(text, mention_author=False, suppress_embeds=True)
        else:
            await self.channel.send(text, suppress_embeds=True)

"""How a share looks in Discord: the :class:`bot.sharing.Publisher` given to the core.

When Discord fails a request: discord.py itself waits out a 429 and retries a 5xx a few times;
what is left reaches here. A brief that cannot be posted (403, 5xx after the retries) becomes a
:class:`PostRefused` or :class:`DiscordUnavailable`, whose message the member can be shown; a
thread that cannot be opened leaves the brief without one (its subscribers get a DM instead).
Each is logged as a WARNING naming the channel and Discord's answer.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import discord

from bot.briefing.render import EmbedSpec, render_embed
from bot.briefing.types import Brief
from bot.choices import FailureMode
from bot.errors import Refused, UserFacingError
from bot.sharing.types import EarlierBrief

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)


class PostRefused(UserFacingError):
    """Discord refused the brief (403) although the permissions looked right."""

    user_message = (
        "Discord refused to let me post in this channel; a moderator can check my permissions here."
    )


class DiscordUnavailable(UserFacingError):
    """Discord kept failing (5xx) after discord.py's own retries."""

    user_message = "Discord is having trouble right now; try again in a minute."


def _answer(error: discord.HTTPException) -> str:
    return f"HTTP {error.status} (code {error.code})"


FAILURE_REACTION = "\N{WARNING SIGN}\N{VARIATION SELECTOR-16}"
# Discord answers this code when a thread was already started from the message (a retried share).
THREAD_ALREADY_EXISTS = 160004
ONE_DAY: Literal[1440] = 1440  # thread auto-archive, minutes
CONTENT_LIMIT = 2000  # Discord's limit on a message's content


def to_embed(spec: EmbedSpec) -> discord.Embed:
    embed = discord.Embed(title=spec.title, url=spec.url, description=spec.description)
    if spec.author_name:
        embed.set_author(name=spec.author_name)
    if spec.footer:
        embed.set_footer(text=spec.footer)
    if spec.image_url:
        embed.set_image(url=spec.image_url)
    return embed


def message_chunks(lines: Sequence[str], limit: int = CONTENT_LIMIT) -> list[str]:
    """``lines`` joined into as few messages as Discord's ``limit`` allows, each cut only between
    lines (a single line longer than the limit is shortened, with an ellipsis). Never empty."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        if len(line) > limit:
            line = line[: limit - 1] + "…"
        joined = f"{current}\n{line}" if current else line
        if len(joined) > limit:
            chunks.append(current)
            joined = line
        current = joined
    return [*chunks, current]


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def can_post(channel: discord.abc.GuildChannel | discord.Thread, member: discord.Member) -> bool:
    """Whether the bot can read ``channel`` and post a brief in it (checked first: 403s cost)."""
    perms = channel.permissions_for(member)
    # In a thread (or forum post) posting is its own permission.
    sends = (
        perms.send_messages_in_threads
        if isinstance(channel, discord.Thread)
        else perms.send_messages
    )
    return perms.view_channel and sends and perms.embed_links and perms.read_message_history


class ChannelPublisher:
    """Posts in a text channel; the brief replies to ``reply_to``, the sharer's message, if any."""

    def __init__(
        self,
        bot: NewslinkBot,
        channel: discord.TextChannel | discord.Thread,
        reply_to: discord.Message | None,
    ) -> None:
        self.bot = bot
        self.channel = channel
        self.reply_to = reply_to

    @property
    def _me(self) -> discord.Member:
        return self.channel.guild.me

    async def post_brief(self, brief: Brief, *, nonce: str | None = None) -> int:
        embed = to_embed(render_embed(brief))
        # discord.py always sends enforce_nonce: a second post with the same nonce returns the
        # first message, so a retry after an unknown outcome cannot post a second brief.
        # Without one, a random nonce as discord.py would pick.
        sent_nonce: str | int = secrets.randbits(64) if nonce is None else nonce
        try:
            if self.reply_to is not None:
                message = await self.reply_to.reply(
                    embed=embed, mention_author=False, nonce=sent_nonce
                )
            else:
                message = await self.channel.send(embed=embed, nonce=sent_nonce)
        except discord.Forbidden as exc:
            log.warning(
                "Discord refused the brief of %s in channel %s: %s",
                brief.url,
                self.channel.id,
                _answer(exc),
            )
            raise PostRefused(detail=_answer(exc)) from exc
        except discord.DiscordServerError as exc:
            log.warning(
                "could not post the brief of %s in channel %s: Discord kept failing (%s)",
                brief.url,
                self.channel.id,
                _answer(exc),
            )
            raise DiscordUnavailable(detail=_answer(exc)) from exc
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
            if exc.code == THREAD_ALREADY_EXISTS:
                # A thread started from a message has the message's id.
                log.info("thread already exists on message %s; reusing it", message_id)
                return message_id
            if not isinstance(exc, (discord.Forbidden, discord.DiscordServerError)):
                raise  # a malformed request is a bug, not a fault to live with
            # The brief is posted and recorded: better without a thread than lost.
            log.warning(
                "could not open a thread on brief %s in channel %s (%s); it stays without one",
                message_id,
                self.channel.id,
                _answer(exc),
            )
            return None
        return thread.id

    async def can_read(self, user_ids: Sequence[int]) -> set[int]:
        readers: set[int] = set()
        for user_id in user_ids:
            member = await self._member(user_id)
            if member is not None and self.channel.permissions_for(member).view_channel:
                readers.add(user_id)
        return readers

    async def _member(self, user_id: int) -> discord.Member | None:
        """The member (None if they left), from the gateway's cache, else from the bot's small
        lookup cache, else one REST lookup (remembered: a busy server's subscribers are looked up
        for brief after brief)."""
        guild = self.channel.guild
        member = guild.get_member(user_id)
        if member is not None:
            return member
        lookups = self.bot.member_lookups
        hit, cached = lookups.get((guild.id, user_id))
        if hit:
            return cached
        try:
            member = await guild.fetch_member(user_id)
        except discord.NotFound:
            member = None  # left the server
        except discord.HTTPException as exc:
            # Unknown whether they may read the channel: not notified, never the brief lost.
            log.warning("could not look up member %s (%s); not notified", user_id, _answer(exc))
            return None
        lookups.put((guild.id, user_id), member)
        return member

    async def post_in_thread(self, thread_id: int, text: str, ping: Sequence[int]) -> bool:
        thread = self.bot.get_partial_messageable(
            thread_id, guild_id=self.channel.guild.id, type=discord.ChannelType.public_thread
        )
        # Exactly these subscribers may be pinged; the sharer is named without a ping.
        allowed = discord.AllowedMentions(
            everyone=False,
            roles=False,
            users=[discord.Object(id=u) for u in ping],
            replied_user=False,
        )
        try:
            await thread.send(text[:CONTENT_LIMIT], allowed_mentions=allowed)
        except discord.HTTPException as exc:
            # The brief and its thread stand; only this message (and its pings) is missing.
            log.warning(
                "could not post in thread %s (%s); %d members not notified",
                thread_id,
                _answer(exc),
                len(ping),
            )
            return False
        return True

    async def send_dm(
        self, user_id: int, brief: Brief, message_id: int, topics: Sequence[str]
    ) -> bool:
        link = jump_url(self.channel.guild.id, self.channel.id, message_id)
        text = f"A new brief in {self.channel.guild.name} matches {', '.join(topics)}: {link}"
        try:
            dm = await self.bot.create_dm(discord.Object(id=user_id))
            await dm.send(text[:CONTENT_LIMIT])
        except discord.Forbidden:
            log.info("user %s does not accept DMs; skipped", user_id)
            return False
        except discord.HTTPException as exc:
            # One failed DM must not keep the other subscribers from theirs.
            log.warning("could not send a DM to %s (%s); skipped", user_id, _answer(exc))
            return False
        return True

    async def point_to(self, url: str, earlier: EarlierBrief) -> None:
        where = jump_url(self.channel.guild.id, earlier.channel_id, earlier.message_id)
        text = f"Briefed here recently: {where}"
        if earlier.thread_id is not None:
            text += f" (discussion: <#{earlier.thread_id}>)"
        await self._say(text)

    async def report_failure(self, url: str, error: UserFacingError, mode: FailureMode) -> None:
        if mode is FailureMode.REACT and self.reply_to is not None:
            if self.channel.permissions_for(self._me).add_reactions:
                # The server's own rules (a site, a limit) have their own sign.
                await self.reply_to.add_reaction(getattr(error, "reaction", FAILURE_REACTION))
                return
            if not isinstance(error, Refused):
                return
            # A refusal by the server's rules is never silent: without reactions, it is said.
        if mode is not FailureMode.IGNORE:
            await self._say(f"No brief for <{url}>: {error.user_message}")

    async def _say(self, text: str) -> None:
        if self.reply_to is not None:
            await self.reply_to.reply(text, mention_author=False, suppress_embeds=True)
        else:
            await self.channel.send(text, suppress_embeds=True)

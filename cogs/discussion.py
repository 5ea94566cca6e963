"""Questions in a brief's discussion: a member asks, newslink answers from the article (issue 12).

Asked three ways: a message in a thread newslink opened on a brief that mentions the bot (a reply
to one of its messages pings it by default, so it counts; a reply with the ping turned off does
not, and is ignored, as Discord gives a bot without the message-content intent no text for it);
``/ask question`` in such a thread; ``/ask question brief:<message link>`` anywhere, for a brief
whose channel the member can read (that answer is shown to the member only, since the channel
asked in may be open to people who cannot read the brief's).

The answer is the article's own paragraphs (:mod:`bot.discussion`), read from the stored text
(:mod:`bot.storage.articles`), so it works after a restart and in any process. Never answers
bots, webhooks or itself; ``ASK_COOLDOWN_SECONDS`` per member and ``ASK_PER_THREAD_HOUR`` per
thread, told by a reaction (mentions) or ephemerally (``/ask``). Nothing in an answer pings.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.briefing.render import cut, safe_markdown
from bot.discussion.service import AskedBrief, Discussion
from bot.errors import BriefNotFound, UserFacingError
from cogs._checks import check_in

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)

ASKED_LIMIT = 300  # of the question repeated above an /ask answer (its answer fits in 2000)
LIMITED_REACTION = "\N{HOURGLASS WITH FLOWING SAND}"
# A Discord message link (or a bare id). Linear: no nested repetition.
_LINK = re.compile(r"https://(?:[a-z]+\.)?discord(?:app)?\.com/channels/(\d+)/(\d+)/(\d+)/?")
_MENTION = re.compile(r"<@!?(\d+)>")
_NOT_A_BRIEF_THREAD = (
    "Ask in the thread of a brief, or give `brief:` a brief's message link (Copy Message Link)."
)


def _brief_message_id(text: str) -> int:
    text = text.strip()
    if text.isdigit():
        return int(text)
    match = _LINK.fullmatch(text)
    if match is None:
        raise UserFacingError("Give a brief's message link (Copy Message Link) or its id.")
    return int(match.group(3))


def question_text(content: str, bot_id: int) -> str:
    """The question in a message: its text without the mentions of the bot."""
    return _MENTION.sub(lambda m: "" if int(m.group(1)) == bot_id else m.group(0), content).strip()


class DiscussionCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot

    @property
    def discussion(self) -> Discussion:
        return self.bot.services.discussion

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.bot.spawn(self.discussion.purge_now_and_then(), name="purge-article-texts")

    def _addressed(self, message: discord.Message) -> bool:
        """A member's message in a server thread that pings the bot (mention or pinging reply)."""
        me = self.bot.user
        if me is None or message.guild is None or not isinstance(message.channel, discord.Thread):
            return False
        # Bots and webhooks (ours included) are never answered: no loops between bots.
        if message.author.bot or message.webhook_id is not None or message.author.id == me.id:
            return False
        return any(user.id == me.id for user in message.mentions)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._addressed(message) or self.bot.draining:
            return
        # Off the gateway's event handler, tracked (a shutdown waits for it).
        self.bot.spawn(self._answer_message(message), name=f"ask-{message.id}")

    async def _answer_message(self, message: discord.Message) -> None:
        thread = message.channel
        assert isinstance(thread, discord.Thread) and message.guild is not None
        brief = await self.discussion.brief_of_thread(message.guild.id, thread.id)
        if brief is None:
            return  # a thread newslink did not open: not its discussion
        mine = thread.permissions_for(message.guild.me)
        if not (mine.send_messages_in_threads and mine.read_message_history):
            log.info("cannot answer in thread %s: missing permissions", thread.id)
            return
        question = question_text(message.content, message.guild.me.id)
        if not question:
            return
        if self.discussion.limits.refuse(message.guild.id, message.author.id, thread.id):
            if mine.add_reactions:
                await message.add_reaction(LIMITED_REACTION)
            return
        if await self.discussion.uses_model(message.guild.id):
            # A model answer may take seconds: show that one is coming, as /ask's defer does.
            async with thread.typing():
                text = await self.discussion.answer(brief, question)
        else:
            text = await self.discussion.answer(brief, question)
        await message.reply(
            text, mention_author=False, allowed_mentions=discord.AllowedMentions.none()
        )

    @app_commands.command(name="ask")
    @app_commands.guild_only()
    @app_commands.describe(
        question="What you want to know from the article",
        brief="A brief's message link (default: the brief of this thread)",
    )
    async def ask(
        self, interaction: discord.Interaction, question: str, brief: str | None = None
    ) -> None:
        """Ask what a brief's article says; newslink answers with the article's own words."""
        guild = interaction.guild
        assert guild is not None
        channel = interaction.channel
        try:
            if brief is not None:
                record: AskedBrief = await self.discussion.brief(guild.id, _brief_message_id(brief))
            elif isinstance(channel, discord.Thread):
                record = await self.discussion.brief(guild.id, channel.id)
            else:
                raise UserFacingError(_NOT_A_BRIEF_THREAD)
        except BriefNotFound:
            raise UserFacingError(
                "That is not a brief newslink posted in this server."
                if brief
                else _NOT_A_BRIEF_THREAD
            ) from None
        brief_channel = guild.get_channel(record.channel_id)
        if not isinstance(brief_channel, discord.TextChannel):
            raise UserFacingError("That brief's channel is gone.")
        # The member must be able to read the brief where it is; to someone who cannot even see
        # that channel, a brief there is not one (nothing about it is revealed).
        check_in(
            interaction,
            brief_channel,
            ["read_message_history"],
            unseen=UserFacingError("That is not a brief newslink posted in this server."),
        )
        in_thread = isinstance(channel, discord.Thread) and channel.id == record.thread_id
        where = channel.id if in_thread and channel is not None else record.message_id
        refused = self.discussion.limits.refuse(guild.id, interaction.user.id, where)
        if refused is not None:
            await interaction.response.send_message(refused, ephemeral=True)
            return
        # The stored text is read and indexed after this: answer within Discord's 3 s.
        await interaction.response.defer(ephemeral=not in_thread, thinking=True)
        # The command's text is not shown to the thread: the answer says what was asked.
        asked = f"**Asked:** {safe_markdown(cut(question, ASKED_LIMIT))}\n"
        text = asked + await self.discussion.answer(record, question.strip())
        await interaction.followup.send(
            text, ephemeral=not in_thread, allowed_mentions=discord.AllowedMentions.none()
        )


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(DiscussionCog(bot))

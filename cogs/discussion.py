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

import asyncio
import collections
import functools
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.briefing.render import cut, safe_markdown
from bot.discussion.answer import PURGED, Answerer, render
from bot.discussion.embedding import embedder
from bot.errors import BriefNotFound, UserFacingError
from bot.storage import articles, repository
from bot.storage.models import BriefRecord
from cogs._checks import check_in

if TYPE_CHECKING:
    from bot.client import NewslinkBot

log = logging.getLogger(__name__)

ASKED_LIMIT = 300  # of the question repeated above an /ask answer (its answer fits in 2000)
LIMITED_REACTION = "\N{HOURGLASS WITH FLOWING SAND}"
# Articles whose index is kept built (one per brief being discussed; cheap to rebuild).
ANSWERERS_KEPT = 64
_HOUR_S = 3600.0
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


class Limits:
    """``ASK_COOLDOWN_SECONDS`` per member and ``ASK_PER_THREAD_HOUR`` per thread, on a monotonic
    clock (pacing, not dates). In memory: a restart forgets them, which costs at most one burst."""

    def __init__(self, cooldown_s: float, per_hour: int, monotonic: Callable[[], float]) -> None:
        self.cooldown_s = cooldown_s
        self.per_hour = per_hour
        self.monotonic = monotonic
        self._last: dict[tuple[int, int], float] = {}
        self._thread: dict[int, collections.deque[float]] = {}

    def refuse(self, guild_id: int, member_id: int, thread_id: int) -> str | None:
        """Why this question is not answered now, or None (and it is counted)."""
        now = self.monotonic()
        last = self._last.get((guild_id, member_id))
        if last is not None and now - last < self.cooldown_s:
            return (
                f"You asked a moment ago; ask again in {int(self.cooldown_s - (now - last)) + 1} s."
            )
        asked = self._thread.setdefault(thread_id, collections.deque())
        while asked and now - asked[0] >= _HOUR_S:
            asked.popleft()
        if len(asked) >= self.per_hour:
            return "This thread has had its questions for the hour; try again later."
        asked.append(now)
        self._last[(guild_id, member_id)] = now
        return None


class DiscussionCog(commands.Cog):
    def __init__(self, bot: NewslinkBot, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.monotonic = monotonic
        self._answerers: collections.OrderedDict[tuple[str, object], Answerer] = (
            collections.OrderedDict()
        )
        self._purged_at: float | None = None

    @functools.cached_property
    def limits(self) -> Limits:
        # Built on first use: the cog also loads in a bot without services (command sync).
        settings = self.bot.services.settings
        return Limits(settings.ask_cooldown_seconds, settings.ask_per_thread_hour, self.monotonic)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.bot.spawn(self._purge_now_and_then(), name="purge-article-texts")

    async def _purge_now_and_then(self) -> None:
        """Purge texts past ``ARTICLE_TEXT_DAYS`` at start and then at most hourly, on use (a
        text past its days is never answered from anyway: :func:`articles.stored_text`)."""
        now = self.monotonic()
        if self._purged_at is not None and now - self._purged_at < _HOUR_S:
            return
        self._purged_at = now
        services = self.bot.services
        async with services.sessions() as session, session.begin():
            await articles.purge_texts(
                session, now=services.clock.now(), keep_days=services.settings.article_text_days
            )

    # ----------------------------------------------------------------- answering

    async def _thread_brief(self, thread: discord.Thread) -> BriefRecord | None:
        """The brief whose discussion ``thread`` is, None for any other thread."""
        async with self.bot.services.sessions() as session:
            try:
                brief = await repository.brief_by_message(session, thread.guild.id, thread.id)
            except BriefNotFound:
                return None
        return brief if brief.thread_id == thread.id else None

    async def answer_for(self, brief: BriefRecord, question: str) -> str:
        """The message text answering ``question`` about ``brief``'s article."""
        services = self.bot.services
        keep_days = services.settings.article_text_days
        async with services.sessions() as session:
            text = await articles.stored_text(
                session, brief.article.url_key, now=services.clock.now(), keep_days=keep_days
            )
        if text is None:
            log.info("question on brief %s: no stored text", brief.brief_message_id)
            return PURGED
        await self._purge_now_and_then()
        cache_key = (text.url_key, text.stored_at)
        answerer = self._answerers.get(cache_key)
        if answerer is None:
            # Loaded on the first question (0.5-2 s, once), in a thread: not on the event loop,
            # and not at start, where it would delay the connection.
            model = await asyncio.to_thread(embedder)
            answerer = Answerer(text.paragraphs, text.language, text.url, embedder=model)
            self._answerers[cache_key] = answerer
            while len(self._answerers) > ANSWERERS_KEPT:
                self._answerers.popitem(last=False)
        self._answerers.move_to_end(cache_key)
        answer = answerer.answer(question)
        log.info(
            "question on brief %s: %s",
            brief.brief_message_id,
            "not said" if answer.says_nothing else [q.index for q in answer.passages],
        )
        return render(answer)

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
        brief = await self._thread_brief(thread)
        if brief is None:
            return  # a thread newslink did not open: not its discussion
        mine = thread.permissions_for(message.guild.me)
        if not (mine.send_messages_in_threads and mine.read_message_history):
            log.info("cannot answer in thread %s: missing permissions", thread.id)
            return
        question = question_text(message.content, message.guild.me.id)
        if not question:
            return
        if self.limits.refuse(message.guild.id, message.author.id, thread.id) is not None:
            if mine.add_reactions:
                await message.add_reaction(LIMITED_REACTION)
            return
        text = await self.answer_for(brief, question)
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
        async with self.bot.services.sessions() as session:
            try:
                if brief is not None:
                    record = await repository.brief_by_message(
                        session, guild.id, _brief_message_id(brief)
                    )
                elif isinstance(channel, discord.Thread):
                    record = await repository.brief_by_message(session, guild.id, channel.id)
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
        where = channel.id if in_thread and channel is not None else record.brief_message_id
        refused = self.limits.refuse(guild.id, interaction.user.id, where)
        if refused is not None:
            await interaction.response.send_message(refused, ephemeral=True)
            return
        # The stored text is read and indexed after this: answer within Discord's 3 s.
        await interaction.response.defer(ephemeral=not in_thread, thinking=True)
        # The command's text is not shown to the thread: the answer says what was asked.
        asked = f"**Asked:** {safe_markdown(cut(question, ASKED_LIMIT))}\n"
        text = asked + await self.answer_for(record, question.strip())
        await interaction.followup.send(
            text, ephemeral=not in_thread, allowed_mentions=discord.AllowedMentions.none()
        )


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(DiscussionCog(bot))

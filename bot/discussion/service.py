"""What members ask in a brief's discussion, as the cog calls it (issue 12).

:class:`Discussion` finds the brief a question is about (the thread's, or one named by its message),
reads the article's stored text (:mod:`bot.storage.articles`: it survives a restart and is shared by
every process), keeps an index per article being discussed, and answers with the article's own
paragraphs (:mod:`bot.discussion.answer`). The cog only turns Discord events into these calls.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.discussion.answer import PURGED, Answer, Answerer, cited, render, render_model
from bot.discussion.embedding import embedder
from bot.errors import BriefNotFound
from bot.model.budget import Budget
from bot.model.checks import check_answer
from bot.model.client import Completion, Message, ModelClient
from bot.model.pieces import write_piece
from bot.model.prompts import answer_prompt
from bot.storage import articles as stored_articles
from bot.storage import briefs as stored_briefs
from bot.storage.models import BriefRecord

log = logging.getLogger(__name__)

# Articles whose index is kept built (one per brief being discussed; cheap to rebuild).
ANSWERERS_KEPT = 64
_HOUR_S = 3600.0


@dataclass(frozen=True)
class AskedBrief:
    """The brief a question is about, as the cog needs it."""

    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int | None
    url_key: str
    headline: str = ""
    outlet: str = ""


def _asked(record: BriefRecord) -> AskedBrief:
    return AskedBrief(
        record.guild_id,
        record.channel_id,
        record.brief_message_id,
        record.thread_id,
        record.article.url_key,
        record.article.title or "",
        record.article.site_name or "",
    )


# Whether a server has model commentary on (the server setting); its answers then use the model.
ModelMode = Callable[[int], Awaitable[bool]]


@dataclass(frozen=True)
class ModelAnswers:
    """The language model behind answers: the shared client, spending from the daily budget
    that commentary spends from too, on servers where ``mode`` says the model is on."""

    client: ModelClient
    budget: Budget
    mode: ModelMode

    async def ask(self, guild_id: int, messages: Sequence[Message]) -> Completion:
        return await self.budget.complete(self.client, guild_id, messages)


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


class Discussion:
    """Answers members' questions about briefs' articles from the stored text."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        text_days: int,
        cooldown_s: float,
        per_thread_hour: int,
        monotonic: Callable[[], float] = time.monotonic,
        model: ModelAnswers | None = None,
    ) -> None:
        self.sessions = sessions
        self.model = model
        self.clock = clock
        self.text_days = text_days
        self.monotonic = monotonic
        self.limits = Limits(cooldown_s, per_thread_hour, monotonic)
        self._answerers: collections.OrderedDict[tuple[str, object], Answerer] = (
            collections.OrderedDict()
        )
        self._purged_at: float | None = None

    async def brief(self, guild_id: int, message_id: int) -> AskedBrief:
        """The brief posted as (or threaded under) ``message_id``; BriefNotFound if none."""
        async with self.sessions() as session:
            return _asked(await stored_briefs.brief_by_message(session, guild_id, message_id))

    async def brief_of_thread(self, guild_id: int, thread_id: int) -> AskedBrief | None:
        """The brief whose discussion thread ``thread_id`` is, None for any other thread."""
        try:
            brief = await self.brief(guild_id, thread_id)
        except BriefNotFound:
            return None
        return brief if brief.thread_id == thread_id else None

    async def purge_now_and_then(self) -> None:
        """Purge texts past ``ARTICLE_TEXT_DAYS`` at start and then at most hourly, on use (a
        text past its days is never answered from anyway: :func:`stored_articles.stored_text`)."""
        now = self.monotonic()
        if self._purged_at is not None and now - self._purged_at < _HOUR_S:
            return
        self._purged_at = now
        async with self.sessions() as session, session.begin():
            await stored_articles.purge_texts(
                session, now=self.clock.now(), keep_days=self.text_days
            )

    async def answer(self, brief: AskedBrief, question: str) -> str:
        """The message text answering ``question`` about ``brief``'s article."""
        async with self.sessions() as session:
            text = await stored_articles.stored_text(
                session, brief.url_key, now=self.clock.now(), keep_days=self.text_days
            )
        if text is None:
            log.info("question on brief %s: no stored text", brief.message_id)
            return PURGED
        await self.purge_now_and_then()
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
            brief.message_id,
            "not said" if answer.says_nothing else [q.index for q in answer.passages],
        )
        if answer.retrieved and await self.uses_model(brief.guild_id):
            return await self._modelled(brief, answer, text.paragraphs, text.language)
        return render(answer)

    async def uses_model(self, guild_id: int) -> bool:
        """Whether ``guild_id``'s answers go to the language model (it may be slow: the cog
        shows it is typing)."""
        return self.model is not None and await self.model.mode(guild_id)

    async def _modelled(
        self,
        brief: AskedBrief,
        answer: Answer,
        paragraphs: Sequence[str],
        language: str | None,
    ) -> str:
        """One request: a checked answer citing the retrieved passages, with those it cites
        quoted under it; any failure or refusal gives the passages alone (reason logged)."""
        assert self.model is not None
        model = self.model
        retrieved = {q.index for q in answer.retrieved}
        messages = answer_prompt(
            answer.question,
            [(q.index, q.text) for q in answer.retrieved],
            headline=brief.headline,
            outlet=brief.outlet,
            language=language,
        )
        fallback = render(answer)
        piece = await write_piece(
            lambda m: model.ask(brief.guild_id, m),
            messages,
            lambda reply: check_answer(reply, paragraphs=paragraphs, retrieved=retrieved),
            fallback,
            what=f"answer on brief {brief.message_id}",
        )
        if piece.model is None:
            return fallback
        return render_model(piece.text, cited(piece.text, answer.retrieved))

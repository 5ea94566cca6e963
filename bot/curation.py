"""What moderators ask: which channels are watched and how, pinning briefs, the pinned index, and
removing a brief. One method per command, each one unit of work; the cogs check permissions and
talk to Discord, and get plain values back (:class:`BriefRef`), never database rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import CommentaryMode, FailureMode, Length
from bot.clock import Clock
from bot.errors import BriefNotFound
from bot.model.budget import Budget
from bot.sharing.types import ChannelPolicy
from bot.storage import briefs as stored_briefs
from bot.storage import settings as stored_settings
from bot.storage.models import BriefRecord


@dataclass(frozen=True)
class BriefRef:
    """A posted brief as the commands see it."""

    guild_id: int
    channel_id: int
    message_id: int
    title: str
    pinned_by: int | None = None
    pinned_at: dt.datetime | None = None
    sharer_id: int | None = None  # who shared the link: they may remove its brief (issue 17)
    thread_id: int | None = None


def _ref(record: BriefRecord) -> BriefRef:
    return BriefRef(
        record.guild_id,
        record.channel_id,
        record.brief_message_id,
        record.article.title or record.article.url,
        record.pinned_by,
        record.pinned_at,
        record.sharer_id,
        record.thread_id,
    )


@dataclass(frozen=True)
class ModelUsage:
    """What ``/newslink settings`` shows of the model: its name, tokens used today, the limit."""

    model: str
    used_today: int
    daily_tokens: int


@dataclass(frozen=True)
class Curation:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    # the daily model budget (None: no model configured), for the usage shown in settings
    budget: Budget | None = None
    model_name: str = ""

    @property
    def has_model(self) -> bool:
        return self.budget is not None

    async def commentary_mode(self, guild_id: int) -> CommentaryMode:
        """Who writes the server's commentary (also what thread answers ask: model or not)."""
        async with self.sessions() as session:
            stored = await stored_settings.get_guild_settings(session, guild_id)
        return stored.commentary_mode

    async def set_commentary_mode(self, guild_id: int, mode: CommentaryMode) -> CommentaryMode:
        async with self.sessions() as session, session.begin():
            stored = await stored_settings.set_guild_settings(
                session, guild_id, commentary_mode=mode, now=self.clock.now()
            )
        return stored.commentary_mode

    async def model_usage(self, guild_id: int) -> ModelUsage | None:
        """The server's model tokens today and the daily limit; None with no model configured."""
        if self.budget is None:
            return None
        used = await self.budget.used_today(guild_id)
        return ModelUsage(self.model_name, used, self.budget.daily_tokens)

    async def configure(
        self,
        guild_id: int,
        channel_id: int,
        *,
        watched: bool | None = None,
        length: Length | None = None,
        threads: bool | None = None,
        on_failure: FailureMode | None = None,
    ) -> ChannelPolicy:
        """Change a channel's settings (None: keep) and return them all; with no change, just
        read them."""
        changing = any(v is not None for v in (watched, length, threads, on_failure))
        async with self.sessions() as session, session.begin():
            if changing:
                stored = await stored_settings.set_channel_settings(
                    session,
                    guild_id,
                    channel_id,
                    watched=watched,
                    length=length,
                    threads=threads,
                    on_failure=on_failure,
                    now=self.clock.now(),
                )
            else:
                stored = await stored_settings.get_channel_settings(session, guild_id, channel_id)
        return ChannelPolicy(stored.watched, stored.length, stored.threads, stored.on_failure)

    async def find_brief(self, guild_id: int, channel_id: int, message_id: int | None) -> BriefRef:
        """The brief posted as (or threaded under) ``message_id``, else the channel's latest;
        BriefNotFound if there is none."""
        async with self.sessions() as session:
            if message_id is not None:
                return _ref(await stored_briefs.brief_by_message(session, guild_id, message_id))
            found = await stored_briefs.latest_brief(session, guild_id, channel_id)
        if found is None:
            raise BriefNotFound("There is no brief in this channel yet.")
        return _ref(found)

    async def set_pin(
        self, brief: BriefRef, user_id: int | None, when: dt.datetime | None = None
    ) -> None:
        """Record the brief pinned by ``user_id`` (None: unpinned) in the index, at ``when``
        (default now; a restore passes the old time)."""
        async with self.sessions() as session, session.begin():
            if user_id is None:
                await stored_briefs.mark_unpinned(session, brief.guild_id, brief.message_id)
            else:
                await stored_briefs.mark_pinned(
                    session,
                    brief.guild_id,
                    brief.message_id,
                    user_id=user_id,
                    now=when or self.clock.now(),
                )

    async def pinned(
        self, guild_id: int, *, channel_ids: Collection[int], page: int, per_page: int
    ) -> tuple[list[BriefRef], bool]:
        """One page of the server's pinned briefs in ``channel_ids`` (those the caller can read),
        most recently pinned first, and whether there is a next page."""
        async with self.sessions() as session:
            # One more than a page tells whether there is a next page without counting them all.
            rows = await stored_briefs.pinned_briefs(
                session,
                guild_id,
                channel_ids=channel_ids,
                offset=(page - 1) * per_page,
                limit=per_page + 1,
            )
        return [_ref(r) for r in rows[:per_page]], len(rows) > per_page

    async def briefs_of_deleted(
        self, channel_id: int, message_ids: Sequence[int]
    ) -> list[BriefRef]:
        """The briefs of members' messages just deleted in ``channel_id`` (they go too)."""
        async with self.sessions() as session:
            rows = await stored_briefs.briefs_from_sources(session, channel_id, message_ids)
        return [_ref(r) for r in rows]

    async def forget(self, brief: BriefRef) -> None:
        """Drop the brief from the index (its message was deleted)."""
        async with self.sessions() as session, session.begin():
            await stored_briefs.delete_brief(session, brief.message_id)

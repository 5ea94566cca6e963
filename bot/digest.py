"""The digest: once a day or a week, at the hour a server chose in its own time zone, one message
in a channel listing the period's briefs, most discussed first (issue 16).

Periods are wall-clock periods in the server's zone: a daily digest at 08:00 covers 08:00
yesterday to 08:00 today local time, 23 or 25 hours across a DST change; a weekly one the seven
local days before its weekday's hour. An hour a DST change skips is taken as the instant it
becomes (02:00 on a spring-forward night is 03:00 local); an hour that happens twice, the first
time. A period is posted once (:func:`bot.storage.digests.claim_period`); a digest missed
while the bot was down is posted at the next start, for the latest period only, once.

How much a brief was discussed is its thread's ``message_count`` as Discord reports it (the
publisher fetches the thread): Discord already counts, after restarts and for messages the bot
never saw, where a count kept by the bot would miss what was said while it was down.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.render import cut, safe_markdown
from bot.choices import DigestSchedule
from bot.clock import Clock
from bot.errors import UserFacingError
from bot.storage import digests as stored
from bot.storage import settings as stored_settings
from bot.storage.digests import Digest
from bot.storage.models import BriefRecord
from bot.topics import BriefText, TopicIndex, normalize_topic

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000  # Discord's limit on a message's content
# A digest lists at most this many briefs (the most discussed): a digest is a summary.
MAX_BRIEFS = 50
# ... chosen among at most this many (the newest): each costs a thread lookup on Discord.
MAX_COUNTED = 200
_HEADLINE_CHARS = 150
DISCORD_WEB = "https://discord.com/channels"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class InvalidTimeZone(UserFacingError):
    user_message = (
        "That is not a time zone newslink knows: use an IANA name such as Europe/Paris, "
        "America/New_York or UTC."
    )


def time_zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone ``name``; InvalidTimeZone if there is none (or it is not a plain name)."""
    name = name.strip()
    # ZoneInfo reads files by name: refuse paths outright rather than relying on its own check.
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise InvalidTimeZone(detail=name[:64])
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidTimeZone(detail=name[:64]) from None


def _at(day: dt.date, hour: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The instant (UTC) of ``hour``:00 local time on ``day`` (see the module for DST)."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(dt.UTC)


def _step(schedule: DigestSchedule) -> dt.timedelta:
    return dt.timedelta(days=7 if schedule is DigestSchedule.WEEKLY else 1)


def latest_period(
    schedule: DigestSchedule, hour: int, weekday: int, zone: zoneinfo.ZoneInfo, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The last period that has ended at ``now``: ``(start, end)``, UTC instants of local
    wall-clock hours (``weekday``: 0 = Monday, weekly only)."""
    day = now.astimezone(zone).date()
    if schedule is DigestSchedule.WEEKLY:
        day -= dt.timedelta(days=(day.weekday() - weekday) % 7)
    if _at(day, hour, zone) > now:
        day -= _step(schedule)
    return _at(day - _step(schedule), hour, zone), _at(day, hour, zone)


def next_end(digest: Digest, now: dt.datetime) -> dt.datetime:
    """When the period after the latest ended one at ``now`` ends."""
    zone = time_zone(digest.timezone)
    _, end = latest_period(digest.schedule, digest.hour, digest.weekday, zone, now)
    day = end.astimezone(zone).date() + _step(digest.schedule)
    return _at(day, digest.hour, zone)


@dataclass(frozen=True)
class Listed:
    """One brief of a digest."""

    title: str
    outlet: str | None
    guild_id: int
    channel_id: int
    message_id: int
    thread_id: int | None
    messages: int  # in its thread (0 without one)


def message_link(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    """A link to a message, or (no ``message_id``) to a channel or thread."""
    tail = f"/{message_id}" if message_id is not None else ""
    return f"{DISCORD_WEB}/{guild_id}/{channel_id}{tail}"


def _line(number: int, item: Listed) -> str:
    title = safe_markdown(cut(item.title, _HEADLINE_CHARS))
    parts = [
        f"{number}. [{title}](<{message_link(item.guild_id, item.channel_id, item.message_id)}>)"
    ]
    if item.outlet:
        parts.append(safe_markdown(cut(item.outlet, 60)))
    if item.thread_id is not None:
        said = f"{item.messages} message{'' if item.messages == 1 else 's'}"
        parts.append(f"{said} in {message_link(item.guild_id, item.thread_id)}")
    return " · ".join(parts)


def render(
    digest: Digest, start: dt.datetime, end: dt.datetime, items: Sequence[Listed]
) -> list[str]:
    """The digest's messages: a heading and one line per brief, split between lines only where
    one message would pass Discord's 2000 characters."""
    zone = time_zone(digest.timezone)
    first, last = start.astimezone(zone), end.astimezone(zone)
    kind = "Weekly" if digest.schedule is DigestSchedule.WEEKLY else "Daily"
    about = f" on “{digest.topic}”" if digest.topic else ""
    count = f"{len(items)} brief{'' if len(items) == 1 else 's'}"
    heading = (
        f"**{kind} digest**{about}: {count}, "
        f"{first:%b %d %H:%M} – {last:%b %d %H:%M} ({digest.timezone}), most discussed first"
    )
    messages: list[str] = []
    current = heading
    for number, item in enumerate(items, 1):
        line = cut(_line(number, item), MESSAGE_LIMIT)
        if len(current) + 1 + len(line) > MESSAGE_LIMIT:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    messages.append(current)
    return messages


class DigestPublisher(Protocol):
    """What the digest needs of Discord (the cog provides it)."""

    async def message_counts(self, guild_id: int, thread_ids: Sequence[int]) -> dict[int, int]:
        """Messages in each thread that still exists (a missing one: left out)."""
        ...

    async def listable(
        self, guild_id: int, digest_channel_id: int, channel_ids: Collection[int]
    ) -> set[int]:
        """Of ``channel_ids``, those whose briefs may be listed in the digest channel: no
        digest may show a brief of a channel its readers cannot read."""
        ...

    async def post(self, channel_id: int, messages: Sequence[str]) -> bool:
        """Post the messages in the channel, in order; False if the channel is gone or the bot
        may not post there (the period is not tried again); raises on a passing failure."""
        ...


@dataclass(frozen=True)
class DigestSetting:
    """What ``/newslink digest`` set (``schedule`` off: removed)."""

    channel_id: int
    schedule: DigestSchedule
    hour: int = 0
    weekday: int = 0
    topic: str | None = None
    timezone: str = "UTC"
    next_at: dt.datetime | None = None


@dataclass
class Digests:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    max_briefs: int = MAX_BRIEFS

    async def timezone(self, guild_id: int) -> str:
        async with self.sessions() as session:
            return (await stored_settings.get_guild_settings(session, guild_id)).timezone

    async def set_timezone(self, guild_id: int, name: str) -> str:
        """Set the server's time zone (InvalidTimeZone for an unknown name); its canonical name.
        Every digest of the server moves to the new zone's hours from its next period on."""
        zone = time_zone(name)
        async with self.sessions() as session, session.begin():
            await stored_settings.set_guild_settings(
                session, guild_id, timezone=zone.key, now=self.clock.now()
            )
        return zone.key

    async def set_digest(
        self,
        guild_id: int,
        channel_id: int,
        schedule: DigestSchedule,
        *,
        hour: int = 8,
        weekday: int = 0,
        topic: str | None = None,
    ) -> DigestSetting:
        """Set up, change or (``off``) stop the channel's digest. The first digest is the next
        period's: a period that ended before it was set up is not posted."""
        if schedule is DigestSchedule.OFF:
            async with self.sessions() as session, session.begin():
                await stored.remove_digest(session, guild_id, channel_id)
            return DigestSetting(channel_id, schedule)
        if not 0 <= hour <= 23 or not 0 <= weekday <= 6:
            raise UserFacingError("The hour is 0 to 23 and the weekday Monday to Sunday.")
        topic = normalize_topic(topic) if topic else None
        now = self.clock.now()
        async with self.sessions() as session, session.begin():
            zone_name = (await stored_settings.get_guild_settings(session, guild_id)).timezone
            zone = time_zone(zone_name)
            _, ended = latest_period(schedule, hour, weekday, zone, now)
            await stored.set_digest(
                session,
                guild_id,
                channel_id,
                schedule=schedule,
                hour=hour,
                weekday=weekday,
                topic=topic,
                last_period_end=ended,
                now=now,
            )
        digest = Digest(guild_id, channel_id, schedule, hour, weekday, topic, ended, zone_name)
        return DigestSetting(
            channel_id, schedule, hour, weekday, topic, zone_name, next_end(digest, now)
        )

    async def run_due(self, publisher: DigestPublisher) -> dt.datetime | None:
        """Post every digest whose period has ended and was not posted; when the next is due
        (None: no digest is set up)."""
        now = self.clock.now()
        async with self.sessions() as session:
            every = await stored.digests(session)
        upcoming: list[dt.datetime] = []
        for digest in every:
            try:
                zone = time_zone(digest.timezone)
            except InvalidTimeZone:  # stored by an older tzdata, say: the digest waits, logged
                log.warning("digest of channel %s: unknown time zone", digest.channel_id)
                continue
            start, end = latest_period(digest.schedule, digest.hour, digest.weekday, zone, now)
            if digest.last_period_end is None or digest.last_period_end < end:
                await self._post_period(digest, start, end, publisher)
            upcoming.append(next_end(digest, now))
        return min(upcoming, default=None)

    async def _post_period(
        self, digest: Digest, start: dt.datetime, end: dt.datetime, publisher: DigestPublisher
    ) -> None:
        async with self.sessions() as session, session.begin():
            if not await stored.claim_period(session, digest.guild_id, digest.channel_id, end):
                return  # another process (or an earlier tick) has it
        try:
            items = await self._items(digest, start, end, publisher)
            if not items:
                log.info(
                    "digest of channel %s: no briefs from %s to %s", digest.channel_id, start, end
                )
                return
            posted = await publisher.post(digest.channel_id, render(digest, start, end, items))
            if not posted:
                log.warning("digest of channel %s: cannot post there; skipped", digest.channel_id)
        except BaseException as exc:
            # A passing failure (Discord, the database) or a shutdown mid-post: the period is
            # given back, so the next round (or start) posts it.
            if isinstance(exc, Exception):
                log.warning(
                    "digest of channel %s for %s not posted; tried again later",
                    digest.channel_id,
                    end,
                    exc_info=True,
                )
            async with self.sessions() as session, session.begin():
                await stored.release_period(
                    session, digest.guild_id, digest.channel_id, end, digest.last_period_end
                )
            if not isinstance(exc, Exception):
                raise

    async def _items(
        self, digest: Digest, start: dt.datetime, end: dt.datetime, publisher: DigestPublisher
    ) -> list[Listed]:
        async with self.sessions() as session:
            rows = await stored.briefs_between(session, digest.guild_id, start, end)
        if digest.topic:
            index = TopicIndex([digest.topic])
            rows = [r for r in rows if index.match(_text(r))]
        if rows:
            allowed = await publisher.listable(
                digest.guild_id, digest.channel_id, {r.channel_id for r in rows}
            )
            rows = [r for r in rows if r.channel_id in allowed]
        rows = rows[-MAX_COUNTED:]
        threads = [r.thread_id for r in rows if r.thread_id is not None]
        counts = await publisher.message_counts(digest.guild_id, threads) if threads else {}
        items = [
            Listed(
                r.article.title or r.article.url,
                r.article.site_name,
                r.guild_id,
                r.channel_id,
                r.brief_message_id,
                r.thread_id,
                counts.get(r.thread_id, 0) if r.thread_id is not None else 0,
            )
            for r in rows
        ]
        # Most discussed first; among equals, the order they were briefed in (stable sort).
        items.sort(key=lambda item: -item.messages)
        return items[: self.max_briefs]


def _text(record: BriefRecord) -> BriefText:
    """What the topic rule reads of a stored brief: the quotes stand in for the body."""
    return BriefText(
        record.article.title or "",
        record.article.description or "",
        record.lead or "",
        tuple((record.quoted or "").split("\n\n")),
    )

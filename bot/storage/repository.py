"""What the bot does with its data, one function per intent.

Every function takes an :class:`AsyncSession` first. The caller owns the transaction and commits,
except where a docstring says the function commits: a claim has to be visible to every other
process the moment it is won. Races on unique keys end as domain results (``False``, an empty
list, :class:`~bot.errors.AlreadySubscribed`), never as ``IntegrityError``: inserts that may
collide use the dialect's ``INSERT … ON CONFLICT DO NOTHING``, which SQLite and PostgreSQL share.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.article.types import Article
from bot.errors import AlreadySubscribed, BriefNotFound, NotSubscribed, TooManySubscriptions
from bot.storage.models import (
    DELIVERIES,
    LENGTHS,
    ON_FAILURE,
    ArticleRecord,
    BriefRecord,
    ChannelSettingsRecord,
    DeliveredNotification,
    GuildSettingsRecord,
    LinkClaim,
    Subscription,
)
from bot.topics import normalize_topic

log = logging.getLogger(__name__)


def _insert(session: AsyncSession, model: type[Any]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (the generic one does not)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


# --- Link claims ------------------------------------------------------------------------------


async def claim_link(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    guild_id: int | None = None,
    channel_id: int | None = None,
    now: dt.datetime,
    retake_own_failure: bool = True,
) -> bool:
    """Claim the briefing of ``url_key`` in message ``message_id``; True if this caller won.

    Commits the session, so the claim holds for every other process at once: a message Discord
    delivers twice (reconnect, resume) is briefed by whichever handler claims it first. A claim
    that ``failed`` (Discord or the database was down; nothing was posted) is taken over, so the
    link can be retried by sharing the same message again; a posted or given-up one never is.
    ``retake_own_failure=False`` takes over only another owner's failure (catch-up at start: a
    link this process already tried and failed on is not tried again behind the member's back).
    """
    retakable = LinkClaim.state == "failed"
    if not retake_own_failure:
        retakable = retakable & (LinkClaim.owner != owner)
    statement = (
        _insert(session, LinkClaim)
        .values(
            source_message_id=message_id,
            url_key=url_key,
            guild_id=guild_id,
            channel_id=channel_id,
            state="claimed",
            owner=owner,
            attempts=1,
            claimed_at=now,
        )
        .on_conflict_do_update(
            index_elements=["source_message_id", "url_key"],
            set_={
                "state": "claimed",
                "owner": owner,
                "claimed_at": now,
                "finished_at": None,
                "attempts": LinkClaim.attempts + 1,
            },
            where=retakable,
        )
        .returning(LinkClaim.id)
    )
    won = (await session.execute(statement)).scalar_one_or_none() is not None
    await session.commit()
    if not won:
        log.info("link %s in message %s is already claimed", url_key, message_id)
    return won


async def _finish_claim(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    owner: str,
    now: dt.datetime,
    values: dict[str, Any],
) -> bool:
    # Only the current owner may finish a claim: a stale process must not overwrite the work
    # of the one that reclaimed it.
    result = await session.execute(
        update(LinkClaim)
        .where(
            LinkClaim.source_message_id == message_id,
            LinkClaim.url_key == url_key,
            LinkClaim.owner == owner,
            LinkClaim.state == "claimed",
        )
        .values(finished_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def complete_claim(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    now: dt.datetime,
    brief_id: int | None = None,
) -> bool:
    """Mark a claim posted; False if ``owner`` no longer holds it."""
    return await _finish_claim(
        session, message_id, url_key, owner, now, {"state": "posted", "brief_id": brief_id}
    )


async def fail_claim(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    now: dt.datetime,
    give_up: bool = False,
) -> bool:
    """Mark a claim failed (may be retried by :func:`reclaim_stale`) or given up (final)."""
    state = "given_up" if give_up else "failed"
    return await _finish_claim(session, message_id, url_key, owner, now, {"state": state})


async def stale_claims(
    session: AsyncSession,
    older_than: dt.timedelta,
    *,
    now: dt.datetime,
    limit: int = 100,
) -> list[LinkClaim]:
    """Claims still ``claimed`` after ``older_than`` (their process probably died), or ``failed``;
    oldest first."""
    cutoff = now - older_than
    rows = await session.scalars(
        select(LinkClaim)
        .where(
            or_(
                (LinkClaim.state == "claimed") & (LinkClaim.claimed_at < cutoff),
                LinkClaim.state == "failed",
            )
        )
        .order_by(LinkClaim.claimed_at, LinkClaim.id)
        .limit(limit)
    )
    return list(rows)


async def reclaim_stale(
    session: AsyncSession,
    message_id: int,
    url_key: str,
    *,
    owner: str,
    older_than: dt.timedelta,
    now: dt.datetime,
) -> bool:
    """Take over a stale or failed claim for a retry; True if this caller won it. Commits.

    A single conditional UPDATE, so of several processes retrying the same claim one wins.
    """
    result = await session.execute(
        update(LinkClaim)
        .where(
            LinkClaim.source_message_id == message_id,
            LinkClaim.url_key == url_key,
            or_(
                (LinkClaim.state == "claimed") & (LinkClaim.claimed_at < now - older_than),
                LinkClaim.state == "failed",
            ),
        )
        .values(
            state="claimed",
            owner=owner,
            claimed_at=now,
            finished_at=None,
            attempts=LinkClaim.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- Articles and briefs ------------------------------------------------------------------------


def _with_article(statement: Select[BriefRecord]) -> Select[BriefRecord]:
    return statement.options(selectinload(BriefRecord.article))


async def record_article(
    session: AsyncSession, article: Article, url_key: str, *, fetched_at: dt.datetime
) -> ArticleRecord:
    """Insert the article, or refresh the stored one with the same ``url_key``."""
    values = {
        "url": article.url,
        "title": article.title,
        "site_name": article.site_name,
        "authors": list(article.authors),
        "published": article.published,
        "image_url": article.image_url,
        "description": article.description,
        "language": article.language,
        "kind": article.kind,
        "fetched_at": fetched_at,
    }
    statement = (
        _insert(session, ArticleRecord)
        .values(url_key=url_key, **values)
        .on_conflict_do_update(index_elements=["url_key"], set_=values)
        .returning(ArticleRecord)
    )
    rows = await session.scalars(statement, execution_options={"populate_existing": True})
    record: ArticleRecord = rows.one()
    return record


async def record_brief(
    session: AsyncSession,
    *,
    guild_id: int,
    channel_id: int,
    brief_message_id: int,
    sharer_id: int,
    article_id: int,
    source_message_id: int | None = None,
    thread_id: int | None = None,
    created_at: dt.datetime,
) -> BriefRecord:
    """Record a posted brief; recording the same brief message again returns the first record."""
    statement = (
        _insert(session, BriefRecord)
        .values(
            guild_id=guild_id,
            channel_id=channel_id,
            brief_message_id=brief_message_id,
            sharer_id=sharer_id,
            article_id=article_id,
            source_message_id=source_message_id,
            thread_id=thread_id,
            created_at=created_at,
        )
        .on_conflict_do_nothing(index_elements=["brief_message_id"])
    )
    await session.execute(statement)
    brief = await session.scalar(
        _with_article(select(BriefRecord).where(BriefRecord.brief_message_id == brief_message_id))
    )
    assert brief is not None  # inserted just now or already there
    return brief


async def set_brief_thread(session: AsyncSession, brief_id: int, thread_id: int) -> None:
    """Remember the discussion thread opened under a brief (it is created after the message)."""
    await session.execute(
        update(BriefRecord)
        .where(BriefRecord.id == brief_id)
        .values(thread_id=thread_id)
        .execution_options(synchronize_session=False)
    )


async def find_recent_brief(
    session: AsyncSession, guild_id: int, url_key: str, since: dt.datetime
) -> BriefRecord | None:
    """The newest brief of ``url_key`` in the server created at or after ``since``."""
    return await session.scalar(
        _with_article(
            select(BriefRecord)
            .join(BriefRecord.article)
            .where(
                BriefRecord.guild_id == guild_id,
                ArticleRecord.url_key == url_key,
                BriefRecord.created_at >= since,
            )
            .order_by(BriefRecord.created_at.desc(), BriefRecord.id.desc())
            .limit(1)
        )
    )


async def brief_by_message(session: AsyncSession, guild_id: int, message_id: int) -> BriefRecord:
    """The brief posted as message ``message_id``, or whose thread has that id.

    Raises BriefNotFound when there is none in this server."""
    brief = await session.scalar(
        _with_article(
            select(BriefRecord)
            .where(
                BriefRecord.guild_id == guild_id,
                or_(
                    BriefRecord.brief_message_id == message_id, BriefRecord.thread_id == message_id
                ),
            )
            .limit(1)
        )
    )
    if brief is None:
        raise BriefNotFound(detail=f"message {message_id}")
    return brief


async def latest_brief(session: AsyncSession, guild_id: int, channel_id: int) -> BriefRecord | None:
    return await session.scalar(
        _with_article(
            select(BriefRecord)
            .where(BriefRecord.guild_id == guild_id, BriefRecord.channel_id == channel_id)
            .order_by(BriefRecord.created_at.desc(), BriefRecord.id.desc())
            .limit(1)
        )
    )


async def delete_brief(session: AsyncSession, brief_message_id: int) -> bool:
    """Forget a brief whose message was deleted; False if there was none."""
    result = await session.execute(
        delete(BriefRecord)
        .where(BriefRecord.brief_message_id == brief_message_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_pinned(
    session: AsyncSession,
    guild_id: int,
    message_id: int,
    *,
    user_id: int,
    now: dt.datetime,
) -> BriefRecord:
    """Record that ``user_id`` pinned the brief; BriefNotFound if the message is not a brief."""
    brief = await brief_by_message(session, guild_id, message_id)
    brief.pinned_by = user_id
    brief.pinned_at = now
    await session.flush()
    return brief


async def mark_unpinned(session: AsyncSession, guild_id: int, message_id: int) -> BriefRecord:
    brief = await brief_by_message(session, guild_id, message_id)
    brief.pinned_by = None
    brief.pinned_at = None
    await session.flush()
    return brief


async def pinned_briefs(
    session: AsyncSession,
    guild_id: int,
    *,
    channel_ids: Collection[int] | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[BriefRecord]:
    """The server's pinned briefs, most recently pinned first; only those in ``channel_ids`` when
    given (the channels the caller can read: filtered here, so that every page is full)."""
    query = select(BriefRecord).where(
        BriefRecord.guild_id == guild_id, BriefRecord.pinned_at.is_not(None)
    )
    if channel_ids is not None:
        query = query.where(BriefRecord.channel_id.in_(list(channel_ids)))
    rows = await session.scalars(
        _with_article(
            query.order_by(BriefRecord.pinned_at.desc(), BriefRecord.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return list(rows)


# --- Subscriptions and notifications ------------------------------------------------------------


async def subscribe(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    topic: str,
    *,
    limit: int,
    delivery: str = "thread",
    now: dt.datetime,
) -> Subscription:
    """Follow ``topic`` (normalised first).

    Raises InvalidTopic, AlreadySubscribed, or TooManySubscriptions when the member already
    follows ``limit`` topics. Two concurrent subscribes by one member may pass the limit by one;
    the limit is a courtesy, not a security boundary, so it is not worth a lock.
    """
    if delivery not in DELIVERIES:
        raise ValueError(f"delivery must be one of {DELIVERIES}")
    topic = normalize_topic(topic)
    mine = Subscription.guild_id == guild_id, Subscription.user_id == user_id
    topics = set(await session.scalars(select(Subscription.topic).where(*mine)))
    if topic in topics:
        raise AlreadySubscribed(detail=topic)
    if len(topics) >= limit:
        raise TooManySubscriptions(
            f"You follow {len(topics)} topics, the most allowed ({limit}); "
            "unsubscribe from one first.",
        )
    statement = (
        _insert(session, Subscription)
        .values(
            guild_id=guild_id,
            user_id=user_id,
            topic=topic,
            delivery=delivery,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["guild_id", "user_id", "topic"])
        .returning(Subscription)
    )
    subscription: Subscription | None = (await session.scalars(statement)).one_or_none()
    if subscription is None:
        raise AlreadySubscribed(detail=topic)
    return subscription


async def unsubscribe(session: AsyncSession, guild_id: int, user_id: int, topic: str) -> None:
    """Stop following ``topic``; NotSubscribed if the member did not follow it."""
    topic = normalize_topic(topic)
    result = await session.execute(
        delete(Subscription)
        .where(
            Subscription.guild_id == guild_id,
            Subscription.user_id == user_id,
            Subscription.topic == topic,
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotSubscribed(detail=topic)


async def list_topics(session: AsyncSession, guild_id: int, user_id: int) -> list[str]:
    rows = await session.scalars(
        select(Subscription.topic)
        .where(Subscription.guild_id == guild_id, Subscription.user_id == user_id)
        .order_by(Subscription.topic)
    )
    return list(rows)


async def list_subscriptions(
    session: AsyncSession, guild_id: int, user_id: int
) -> list[Subscription]:
    """One member's subscriptions in the server, by topic."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.guild_id == guild_id, Subscription.user_id == user_id)
        .order_by(Subscription.topic)
    )
    return list(rows)


async def all_subscriptions(session: AsyncSession, guild_id: int) -> list[Subscription]:
    """Every subscription in the server, to build a :class:`bot.topics.TopicIndex` from."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.guild_id == guild_id)
        .order_by(Subscription.topic, Subscription.user_id)
    )
    return list(rows)


async def subscribers_for(
    session: AsyncSession, guild_id: int, topics: Iterable[str]
) -> list[Subscription]:
    """The subscriptions to any of ``topics`` (normalised topics, as matching returns them)."""
    wanted = sorted(set(topics))
    if not wanted:
        return []
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.guild_id == guild_id, Subscription.topic.in_(wanted))
        .order_by(Subscription.user_id, Subscription.topic)
    )
    return list(rows)


async def record_notifications(
    session: AsyncSession, brief_id: int, user_ids: Sequence[int], *, now: dt.datetime
) -> list[int]:
    """Record that these members were notified of the brief; returns those not notified before,
    in the given order. Notify exactly those: nobody hears twice about one brief."""
    unique = list(dict.fromkeys(user_ids))
    if not unique:
        return []
    statement = (
        _insert(session, DeliveredNotification)
        .values([{"brief_id": brief_id, "user_id": u, "notified_at": now} for u in unique])
        .on_conflict_do_nothing(index_elements=["brief_id", "user_id"])
        .returning(DeliveredNotification.user_id)
    )
    fresh = set((await session.execute(statement)).scalars())
    return [u for u in unique if u in fresh]


# --- Settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuildSettings:
    """A server's defaults for channels without their own settings."""

    watch_by_default: bool = True
    default_length: str = "standard"
    default_on_failure: str = "react"


@dataclass(frozen=True)
class ChannelSettings:
    watched: bool = True
    length: str = "standard"
    quotes: bool = True
    threads: bool = True
    on_failure: str = "react"


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise ValueError(f"{name} must be one of {choices}")


async def _upsert(
    session: AsyncSession,
    model: type[Any],
    key: dict[str, int],
    values: dict[str, Any],
    now: dt.datetime,
) -> None:
    values = {**values, "updated_at": now}
    await session.execute(
        _insert(session, model)
        .values(**key, **values)
        .on_conflict_do_update(index_elements=list(key), set_=values)
    )


async def get_guild_settings(session: AsyncSession, guild_id: int) -> GuildSettings:
    row = await session.get(GuildSettingsRecord, guild_id, populate_existing=True)
    if row is None:
        return GuildSettings()
    return GuildSettings(row.watch_by_default, row.default_length, row.default_on_failure)


async def set_guild_settings(
    session: AsyncSession,
    guild_id: int,
    *,
    watch_by_default: bool | None = None,
    default_length: str | None = None,
    default_on_failure: str | None = None,
    now: dt.datetime,
) -> GuildSettings:
    """Change the given settings (None: keep) and return them all."""
    _check_choice("default_length", default_length, LENGTHS)
    _check_choice("default_on_failure", default_on_failure, ON_FAILURE)
    current = await get_guild_settings(session, guild_id)
    new = GuildSettings(
        current.watch_by_default if watch_by_default is None else watch_by_default,
        default_length or current.default_length,
        default_on_failure or current.default_on_failure,
    )
    await _upsert(session, GuildSettingsRecord, {"guild_id": guild_id}, new.__dict__, now)
    return new


async def get_channel_settings(
    session: AsyncSession, guild_id: int, channel_id: int
) -> ChannelSettings:
    """The channel's settings, or the server's defaults when it has none of its own."""
    row = await session.get(ChannelSettingsRecord, channel_id, populate_existing=True)
    if row is not None:
        return ChannelSettings(row.watched, row.length, row.quotes, row.threads, row.on_failure)
    guild = await get_guild_settings(session, guild_id)
    return ChannelSettings(
        watched=guild.watch_by_default,
        length=guild.default_length,
        on_failure=guild.default_on_failure,
    )


async def set_channel_settings(
    session: AsyncSession,
    guild_id: int,
    channel_id: int,
    *,
    watched: bool | None = None,
    length: str | None = None,
    quotes: bool | None = None,
    threads: bool | None = None,
    on_failure: str | None = None,
    now: dt.datetime,
) -> ChannelSettings:
    """Change the given settings (None: keep) and return them all; the channel stops following
    the server's defaults from then on."""
    _check_choice("length", length, LENGTHS)
    _check_choice("on_failure", on_failure, ON_FAILURE)
    current = await get_channel_settings(session, guild_id, channel_id)
    new = ChannelSettings(
        current.watched if watched is None else watched,
        length or current.length,
        current.quotes if quotes is None else quotes,
        current.threads if threads is None else threads,
        on_failure or current.on_failure,
    )
    await _upsert(
        session,
        ChannelSettingsRecord,
        {"channel_id": channel_id},
        {"guild_id": guild_id, **new.__dict__},
        now,
    )
    return new

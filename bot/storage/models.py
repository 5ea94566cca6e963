"""The tables: server and channel settings, articles, briefs, subscriptions, link claims and
delivered notifications.

Discord ids are 64-bit snowflakes (``BigInteger``). Every timestamp is timezone-aware UTC on the
way in and on the way out: :class:`UTCDateTime` is the one place that normalises, because SQLite
hands back naive datetimes while PostgreSQL hands back aware ones. No column defaults to the time:
the repository writes every timestamp from the caller's clock (:mod:`bot.clock`). Relationships
never load lazily by accident (``lazy="raise"``): load them with ``selectinload`` where needed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from bot.choices import (
    ClaimState,
    CommentaryMode,
    Delivery,
    DigestSchedule,
    FailureMode,
    FeedItemState,
    Length,
    values,
)

LENGTHS = values(Length)
ON_FAILURE = values(FailureMode)
COMMENTARY_MODES = values(CommentaryMode)
DELIVERIES = values(Delivery)
CLAIM_STATES = values(ClaimState)
FEED_ITEM_STATES = values(FeedItemState)
DIGEST_SCHEDULES = tuple(v for v in values(DigestSchedule) if v != DigestSchedule.OFF)

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that refuses naive datetimes and always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        # SQLite keeps no offset; store naive UTC so text comparisons order correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    # Named constraints make migrations reproducible and let downgrades drop them by name.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: dict[Any, Any] = {dt.datetime: UTCDateTime()}


class GuildSettingsRecord(Base):
    """A server's defaults for channels that have no settings of their own."""

    __tablename__ = "guild_settings"
    __table_args__ = (
        CheckConstraint(_one_of("default_length", LENGTHS), name="default_length"),
        CheckConstraint(_one_of("default_on_failure", ON_FAILURE), name="default_on_failure"),
        CheckConstraint(_one_of("commentary_mode", COMMENTARY_MODES), name="commentary_mode"),
    )

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    watch_by_default: Mapped[bool] = mapped_column(Boolean, default=True)
    default_length: Mapped[str] = mapped_column(String(16), default=Length.STANDARD.value)
    default_on_failure: Mapped[str] = mapped_column(String(16), default=FailureMode.REACT.value)
    # who writes the commentary, server-wide (issue 13): the article's words or the model
    commentary_mode: Mapped[str] = mapped_column(
        String(16),
        default=CommentaryMode.ARTICLE.value,
        server_default=CommentaryMode.ARTICLE.value,
    )
    # the server's IANA time zone, for the hour its digests are posted at (issue 16)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    updated_at: Mapped[dt.datetime] = mapped_column()


class ChannelSettingsRecord(Base):
    __tablename__ = "channel_settings"
    __table_args__ = (
        CheckConstraint(_one_of("length", LENGTHS), name="length"),
        CheckConstraint(_one_of("on_failure", ON_FAILURE), name="on_failure"),
    )

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    watched: Mapped[bool] = mapped_column(Boolean, default=True)
    length: Mapped[str] = mapped_column(String(16), default=Length.STANDARD.value)
    threads: Mapped[bool] = mapped_column(Boolean, default=True)
    on_failure: Mapped[str] = mapped_column(String(16), default=FailureMode.REACT.value)
    updated_at: Mapped[dt.datetime] = mapped_column()


class ArticleRecord(Base):
    """One article, shared by every brief of it; ``url_key`` is the normalised URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    url_key: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[dt.date | None] = mapped_column(Date)
    image_url: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(32), default="article")  # an ArticleKind
    fetched_at: Mapped[dt.datetime] = mapped_column()

    briefs: Mapped[list[BriefRecord]] = relationship(back_populates="article", lazy="raise")


class BriefRecord(Base):
    """A posted brief: where it is, who shared what, and whether it is pinned."""

    __tablename__ = "briefs"
    __table_args__ = (
        Index("ix_briefs_guild_article_created", "guild_id", "article_id", "created_at"),
        Index("ix_briefs_guild_channel_created", "guild_id", "channel_id", "created_at"),
        Index("ix_briefs_guild_pinned", "guild_id", "pinned_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    # None when the brief came from /brief rather than from a member's message.
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    brief_message_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    sharer_id: Mapped[int] = mapped_column(BigInteger)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column()
    pinned_by: Mapped[int | None] = mapped_column(BigInteger)
    pinned_at: Mapped[dt.datetime | None] = mapped_column()
    # What the brief said (issue 16: /search and the digest read them): its lead, and its quoted
    # paragraphs joined by blank lines. None for briefs recorded before they were kept.
    lead: Mapped[str | None] = mapped_column(Text)
    quoted: Mapped[str | None] = mapped_column(Text)

    article: Mapped[ArticleRecord] = relationship(back_populates="briefs", lazy="raise")


class Subscription(Base):
    """A member follows a topic in a server; ``topic`` is stored normalised (see bot.topics)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id", "topic"),
        Index("ix_subscriptions_guild_topic", "guild_id", "topic"),
        CheckConstraint(_one_of("delivery", DELIVERIES), name="delivery"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(50))
    delivery: Mapped[str] = mapped_column(String(16), default=Delivery.THREAD.value)
    created_at: Mapped[dt.datetime] = mapped_column()


class LinkClaim(Base):
    """Who is briefing a (message, URL): Discord may deliver a message twice; it is briefed once.

    ``owner`` names the process that claimed it, so a crashed process's claims (still ``claimed``
    long after ``claimed_at``) can be found and retried or given up.
    """

    __tablename__ = "link_claims"
    __table_args__ = (
        UniqueConstraint("source_message_id", "url_key"),
        Index("ix_link_claims_state_claimed_at", "state", "claimed_at"),
        CheckConstraint(_one_of("state", CLAIM_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    url_key: Mapped[str] = mapped_column(Text)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default=ClaimState.CLAIMED.value)
    owner: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[dt.datetime] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id", ondelete="SET NULL"))


class DeliveredNotification(Base):
    """A member was told about a brief; the unique key makes it at most once."""

    __tablename__ = "delivered_notifications"
    __table_args__ = (UniqueConstraint("brief_id", "user_id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    notified_at: Mapped[dt.datetime] = mapped_column()


class ArticleText(Base):
    """An article's paragraphs, stored once per article (``url_key`` as in :class:`ArticleRecord`)
    so that members' questions are answered from the text after a restart and in any process.

    Kept ``ARTICLE_TEXT_DAYS`` after ``stored_at``, then purged; the brief's own record stays."""

    __tablename__ = "article_texts"

    url_key: Mapped[str] = mapped_column(Text, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(35))
    paragraphs: Mapped[list[str]] = mapped_column(JSON)
    stored_at: Mapped[dt.datetime] = mapped_column(index=True)


class ModelUsage(Base):
    """Language-model tokens a server used on one UTC day (``usage.total_tokens`` summed), the
    daily budget's count (bot.model.budget); the day comes from the caller's clock."""

    __tablename__ = "model_usage"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column()


class SiteRule(Base):
    """A server allows or blocks a site, by registrable domain (``bbc.co.uk``): with any
    ``allow`` rule only allowed sites are briefed; a ``block`` rule is never briefed."""

    __tablename__ = "site_rules"
    __table_args__ = (CheckConstraint("rule IN ('allow', 'block')", name="rule"),)

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    rule: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column()


class GuildDeparture(Base):
    """The bot was removed from a server at ``left_at``: its data is purged ``PURGE_AFTER_DAYS``
    later unless the bot is added back first (which deletes this row)."""

    __tablename__ = "guild_departures"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    left_at: Mapped[dt.datetime] = mapped_column(index=True)


class FeedRecord(Base):
    """A feed a server's moderators added (issue 16): where its items are briefed, how often it
    is polled, what its last answer said, and which process holds its poll.

    ``url_hash`` (sha256 of the address's :func:`~bot.fetch.urls.url_key`) makes one feed once
    per server; ``etag`` and ``last_modified`` are sent back for a conditional GET. The lease
    (``lease_owner`` until ``lease_until``) is taken with one conditional UPDATE, so of two
    processes (or a restart) only one polls a feed at a time."""

    __tablename__ = "feeds"
    __table_args__ = (
        UniqueConstraint("guild_id", "url_hash"),
        Index("ix_feeds_next_poll_at", "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[dt.datetime] = mapped_column()
    interval_minutes: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    next_poll_at: Mapped[dt.datetime] = mapped_column()
    last_polled_at: Mapped[dt.datetime | None] = mapped_column()
    last_item_at: Mapped[dt.datetime | None] = mapped_column()
    last_item_url: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # the moderators were told of the current run of failures (once per run)
    failure_noticed: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column()


class FeedItemRecord(Base):
    """An item a feed held, once: known by its id (``guid_hash``) or its link (``link_hash``,
    of the link's :func:`~bot.fetch.urls.url_key`), so rewritten dates, a new order or a new guid
    on the same link are not new items. Hashes keep the keys short for the indexes."""

    __tablename__ = "feed_items"
    __table_args__ = (
        UniqueConstraint("feed_id", "link_hash"),
        Index("ix_feed_items_feed_guid", "feed_id", "guid_hash"),
        Index("ix_feed_items_feed_state", "feed_id", "state", "id"),
        CheckConstraint(_one_of("state", FEED_ITEM_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid_hash: Mapped[str | None] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    seen_at: Mapped[dt.datetime] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    # The last successful poll whose listing held the item: an item no listing has held for a
    # while is pruned once finished (a feed still listing it must still know it, or it posts again).
    listed_at: Mapped[dt.datetime] = mapped_column()


class IdentifyBucket(Base):
    """When a gateway IDENTIFY rate-limit bucket last identified, shared by every process of the
    bot (Discord allows one IDENTIFY per bucket per 5 seconds; see :mod:`bot.shards`)."""

    __tablename__ = "identify_buckets"

    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    identified_at: Mapped[dt.datetime] = mapped_column()


class Page(Base):
    """A page's extracted article shared by the processes of one bot (issue 14): stored by the
    fetched link's ``url_key`` with its fetch time, and the claim of the process fetching it now
    (``fetcher``, until ``claim_expires_at``: a fetcher that died is taken over after that).

    ``article`` is the article as plain data (:mod:`bot.sharing.pages` converts it); None while
    the first fetch runs. Reused for ``PAGE_CACHE_MINUTES`` after ``fetched_at``, then purged."""

    __tablename__ = "pages"

    url_key: Mapped[str] = mapped_column(Text, primary_key=True)
    article: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    fetcher: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at: Mapped[dt.datetime | None] = mapped_column()


class TopicVersion(Base):
    """How many times a server's subscriptions changed: bumped in the transaction of every change
    (subscribe, unsubscribe, forget-me, purge), so a process that cached the server's topic index
    at an older version knows to rebuild it. Never deleted (a purge bumps it too): a version that
    started again from 0 could meet a stale cache at the same number."""

    __tablename__ = "topic_versions"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class DigestRecord(Base):
    """A channel gets a digest of the server's briefs, daily or weekly at ``hour`` (0-23) in the
    server's time zone (``weekday`` 0 = Monday, weekly only), of one ``topic`` or of all.

    ``last_period_end`` is the end of the last period posted (or, when set up, the last one that
    had already ended): a period is claimed by moving it forward in one UPDATE, so a restart or a
    second process never posts it twice."""

    __tablename__ = "digests"
    __table_args__ = (
        CheckConstraint(_one_of("schedule", DIGEST_SCHEDULES), name="schedule"),
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
    )

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    schedule: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(50))
    hour: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    last_period_end: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

"""Feeds and the items they held (issue 16).

``feeds``: a server's feed, its channel, interval, conditional-GET validators, last poll and
error, consecutive failures, and the poll's lease. ``feed_items``: each item once per feed, by
its id and its link (hashed), with where its brief stands.

Revision ID: 0007_feeds
Revises: 0006_commentary
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_feeds"
down_revision: str | Sequence[str] | None = "0006_commentary"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_item_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_item_url", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failure_noticed", sa.Boolean(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("guild_id", "url_hash", name=op.f("uq_feeds_guild_id_url_hash")),
    )
    op.create_index("ix_feeds_next_poll_at", "feeds", ["next_poll_at"], unique=False)
    op.create_table(
        "feed_items",
        sa.Column("id", _ROW_ID, nullable=False),
        sa.Column("feed_id", _ROW_ID, nullable=False),
        sa.Column("guid_hash", sa.String(length=64), nullable=True),
        sa.Column("link_hash", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'posted', 'pointed', 'skipped', 'failed')",
            name=op.f("ck_feed_items_state"),
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
            name=op.f("fk_feed_items_feed_id_feeds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_items")),
        sa.UniqueConstraint("feed_id", "link_hash", name=op.f("uq_feed_items_feed_id_link_hash")),
    )
    op.create_index("ix_feed_items_feed_guid", "feed_items", ["feed_id", "guid_hash"], unique=False)
    op.create_index(
        "ix_feed_items_feed_state", "feed_items", ["feed_id", "state", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_feed_items_feed_state", table_name="feed_items")
    op.drop_index("ix_feed_items_feed_guid", table_name="feed_items")
    op.drop_table("feed_items")
    op.drop_index("ix_feeds_next_poll_at", table_name="feeds")
    op.drop_table("feeds")

"""/search under 50 ms for 100,000 briefs on PostgreSQL, and feed items pruned (issue 16).

- PostgreSQL's ``brief_search`` keeps each brief's server, channel and date (a brief never
  moves; filled here from ``briefs``), with B-tree indexes on (server, date) and (server,
  channel, date): a query filters, finds its newest matches and ranks them without joining
  ``briefs`` for every match (see :mod:`bot.storage.search`). SQLite's FTS5 table is left as it
  is: it reads its matches newest first by rowid, and its join to ``briefs`` is one B-tree probe
  a match (measured under 50 ms before this).
- ``feed_items.listed_at``: the last successful poll whose listing held the item (existing
  items: when they were first seen), so finished items no listing holds any more can be pruned
  without forgetting one the feed still lists (:func:`bot.storage.feeds.prune_items`).

Revision ID: 0012_search_feeds
Revises: 0011_search
Create Date: 2026-12-01 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_search_feeds"
down_revision: str | Sequence[str] | None = "0011_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRES_UP = (
    "ALTER TABLE brief_search ADD COLUMN guild_id BIGINT, ADD COLUMN channel_id BIGINT, "
    "ADD COLUMN created_at TIMESTAMP WITH TIME ZONE",
    "UPDATE brief_search s SET guild_id = b.guild_id, channel_id = b.channel_id, "
    "created_at = b.created_at FROM briefs b WHERE b.id = s.brief_id",
    "ALTER TABLE brief_search ALTER COLUMN guild_id SET NOT NULL, "
    "ALTER COLUMN channel_id SET NOT NULL, ALTER COLUMN created_at SET NOT NULL",
    "CREATE INDEX brief_search_guild_created ON brief_search (guild_id, created_at, brief_id)",
    "CREATE INDEX brief_search_guild_channel_created "
    "ON brief_search (guild_id, channel_id, created_at, brief_id)",
)
_POSTGRES_DOWN = (
    "DROP INDEX brief_search_guild_channel_created",
    "DROP INDEX brief_search_guild_created",
    "ALTER TABLE brief_search DROP COLUMN created_at, DROP COLUMN channel_id, DROP COLUMN guild_id",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_UP:
            op.execute(statement)
    with op.batch_alter_table("feed_items") as batch:
        batch.add_column(sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE feed_items SET listed_at = seen_at")
    with op.batch_alter_table("feed_items") as batch:
        batch.alter_column("listed_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_items") as batch:
        batch.drop_column("listed_at")
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_DOWN:
            op.execute(statement)

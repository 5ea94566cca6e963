"""topic_versions: a version per server of its subscriptions, for the cached topic index (issue 14).

Every process caches a server's topic index with the version it was built at; a change to the
server's subscriptions bumps the version in its own transaction. Existing servers start without a
row (version 0) unless they have subscriptions: those get version 1 here, so version 0 always
means "no subscriptions, ever" and a brief in such a server reads no topics at all.

Revision ID: 0010_topic_versions
Revises: 0009_pages
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_topic_versions"
down_revision: str | Sequence[str] | None = "0009_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "topic_versions",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_topic_versions")),
    )
    op.execute(
        "INSERT INTO topic_versions (guild_id, version) SELECT DISTINCT guild_id, 1 FROM subscriptions"
    )


def downgrade() -> None:
    op.drop_table("topic_versions")

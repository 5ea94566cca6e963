"""identify_buckets: each gateway IDENTIFY bucket's last turn, shared by the bot's processes
(issue 14: one IDENTIFY per bucket per 5 s across processes).

Revision ID: 0008_shards
Revises: 0007_feeds
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_shards"
down_revision: str | Sequence[str] | None = "0007_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identify_buckets",
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("identified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_identify_buckets")),
    )


def downgrade() -> None:
    op.drop_table("identify_buckets")

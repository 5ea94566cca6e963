"""pages: extracted articles shared by a bot's processes, with the claim of the one fetching
(issue 14, item 2: one fetch per page across processes).

Revision ID: 0009_pages
Revises: 0008_shards
Create Date: 2026-12-01 14:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_pages"
down_revision: str | Sequence[str] | None = "0008_shards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pages",
        sa.Column("url_key", sa.Text(), nullable=False),
        sa.Column("article", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetcher", sa.String(length=64), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("url_key", name=op.f("pk_pages")),
    )
    op.create_index(op.f("ix_pages_fetched_at"), "pages", ["fetched_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pages_fetched_at"), table_name="pages")
    op.drop_table("pages")

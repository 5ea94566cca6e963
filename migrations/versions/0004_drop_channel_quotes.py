"""Drop channel_settings.quotes: no command set it and no brief read it (issue 11).

A brief is its verbatim quotes; a channel that wants none has no use for newslink, so the setting
was dropped rather than wired. Downgrade restores the column with its old default (true).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch: SQLite drops a column by copying the table.
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_column("quotes")


def downgrade() -> None:
    with op.batch_alter_table("channel_settings") as batch:
        batch.add_column(
            sa.Column("quotes", sa.Boolean(), nullable=False, server_default=sa.true())
        )

"""guild_settings.commentary_mode: who writes a server's commentary (issue 13).

``article`` (the default: the lead and bridges built from the article) or ``model`` (a language
model behind LLM_BASE_URL writes them, each piece checked). Existing servers stay ``article``.

Revision ID: 0006_commentary
Revises: 0005_sites
Create Date: 2026-12-01 12:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_commentary"
down_revision: str | Sequence[str] | None = "0005_sites"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch: SQLite adds a CHECK constraint by copying the table.
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(
            sa.Column(
                "commentary_mode", sa.String(length=16), nullable=False, server_default="article"
            )
        )
        batch.create_check_constraint("commentary_mode", "commentary_mode IN ('article', 'model')")


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_constraint(op.f("ck_guild_settings_commentary_mode"), type_="check")
        batch.drop_column("commentary_mode")

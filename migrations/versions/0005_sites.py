"""Allowed and blocked sites per server; servers the bot left, for the purge (issue 17).

Revision ID: 0005_sites
Revises: 0004
Create Date: 2026-12-01 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_sites'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('site_rules',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('rule', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rule IN ('allow', 'block')", name=op.f('ck_site_rules_rule')),
    sa.PrimaryKeyConstraint('guild_id', 'domain', name=op.f('pk_site_rules'))
    )
    op.create_table('guild_departures',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('guild_id', name=op.f('pk_guild_departures'))
    )
    op.create_index(op.f('ix_guild_departures_left_at'), 'guild_departures', ['left_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_guild_departures_left_at'), table_name='guild_departures')
    op.drop_table('guild_departures')
    op.drop_table('site_rules')

"""Article texts: the paragraphs members' questions are answered from (issue 12).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('article_texts',
    sa.Column('url_key', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('paragraphs', sa.JSON(), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('url_key', name=op.f('pk_article_texts'))
    )
    op.create_index(op.f('ix_article_texts_stored_at'), 'article_texts', ['stored_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_article_texts_stored_at'), table_name='article_texts')
    op.drop_table('article_texts')

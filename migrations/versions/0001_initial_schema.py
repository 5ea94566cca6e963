"""Initial schema: settings, articles, briefs, subscriptions, link claims, notifications.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:38:37.120238
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('articles',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('url_key', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('site_name', sa.Text(), nullable=True),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('image_url', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('url_key', name=op.f('uq_articles_url_key'))
    )
    op.create_table('channel_settings',
    sa.Column('channel_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('watched', sa.Boolean(), nullable=False),
    sa.Column('length', sa.String(length=16), nullable=False),
    sa.Column('quotes', sa.Boolean(), nullable=False),
    sa.Column('threads', sa.Boolean(), nullable=False),
    sa.Column('on_failure', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("length IN ('compact', 'standard', 'long')", name=op.f('ck_channel_settings_length')),
    sa.CheckConstraint("on_failure IN ('react', 'reply', 'ignore')", name=op.f('ck_channel_settings_on_failure')),
    sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_channel_settings'))
    )
    op.create_index(op.f('ix_channel_settings_guild_id'), 'channel_settings', ['guild_id'], unique=False)

    op.create_table('guild_settings',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('watch_by_default', sa.Boolean(), nullable=False),
    sa.Column('default_length', sa.String(length=16), nullable=False),
    sa.Column('default_on_failure', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("default_length IN ('compact', 'standard', 'long')", name=op.f('ck_guild_settings_default_length')),
    sa.CheckConstraint("default_on_failure IN ('react', 'reply', 'ignore')", name=op.f('ck_guild_settings_default_on_failure')),
    sa.PrimaryKeyConstraint('guild_id', name=op.f('pk_guild_settings'))
    )
    op.create_table('subscriptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('topic', sa.String(length=50), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("delivery IN ('thread', 'dm')", name=op.f('ck_subscriptions_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('guild_id', 'user_id', 'topic', name=op.f('uq_subscriptions_guild_id_user_id_topic'))
    )
    op.create_index('ix_subscriptions_guild_topic', 'subscriptions', ['guild_id', 'topic'], unique=False)

    op.create_table('briefs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('source_message_id', sa.BigInteger(), nullable=True),
    sa.Column('brief_message_id', sa.BigInteger(), nullable=False),
    sa.Column('thread_id', sa.BigInteger(), nullable=True),
    sa.Column('sharer_id', sa.BigInteger(), nullable=False),
    sa.Column('article_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pinned_by', sa.BigInteger(), nullable=True),
    sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_briefs_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefs')),
    sa.UniqueConstraint('brief_message_id', name=op.f('uq_briefs_brief_message_id'))
    )
    op.create_index('ix_briefs_guild_article_created', 'briefs', ['guild_id', 'article_id', 'created_at'], unique=False)
    op.create_index('ix_briefs_guild_channel_created', 'briefs', ['guild_id', 'channel_id', 'created_at'], unique=False)
    op.create_index('ix_briefs_guild_pinned', 'briefs', ['guild_id', 'pinned_at'], unique=False)

    op.create_table('delivered_notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('brief_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], name=op.f('fk_delivered_notifications_brief_id_briefs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivered_notifications')),
    sa.UniqueConstraint('brief_id', 'user_id', name=op.f('uq_delivered_notifications_brief_id_user_id'))
    )
    op.create_table('link_claims',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_message_id', sa.BigInteger(), nullable=False),
    sa.Column('url_key', sa.Text(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('brief_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint("state IN ('claimed', 'posted', 'failed', 'given_up')", name=op.f('ck_link_claims_state')),
    sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], name=op.f('fk_link_claims_brief_id_briefs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_claims')),
    sa.UniqueConstraint('source_message_id', 'url_key', name=op.f('uq_link_claims_source_message_id_url_key'))
    )
    op.create_index('ix_link_claims_state_claimed_at', 'link_claims', ['state', 'claimed_at'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_link_claims_state_claimed_at', table_name='link_claims')

    op.drop_table('link_claims')
    op.drop_table('delivered_notifications')
    op.drop_index('ix_briefs_guild_pinned', table_name='briefs')
    op.drop_index('ix_briefs_guild_channel_created', table_name='briefs')
    op.drop_index('ix_briefs_guild_article_created', table_name='briefs')

    op.drop_table('briefs')
    op.drop_index('ix_subscriptions_guild_topic', table_name='subscriptions')

    op.drop_table('subscriptions')
    op.drop_table('guild_settings')
    op.drop_index(op.f('ix_channel_settings_guild_id'), table_name='channel_settings')

    op.drop_table('channel_settings')
    op.drop_table('articles')

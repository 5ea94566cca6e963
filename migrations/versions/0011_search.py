"""Search over past briefs and the digest (issue 16).

- ``briefs.lead`` and ``briefs.quoted``: what a brief said, kept from now on (search reads them).
- ``brief_search``, the full-text index, per engine (see :mod:`bot.storage.search`): an FTS5
  virtual table on SQLite, with a trigger deleting a brief's row with the brief; a table of one
  ``tsvector`` per brief with a GIN index on PostgreSQL. Existing briefs are indexed here, by
  their article's headline, outlet and description (their lead and quotes were never stored;
  the description is what most leads are made from).
- ``guild_settings.timezone`` (IANA name, ``UTC`` by default) and ``digests``: which channels get
  a daily or weekly digest, and the last period posted.

Revision ID: 0011_search
Revises: 0010_topic_versions
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The bot's own folding: the backfill must index the words its queries look for, as the bot
# does for every new brief. (Not its statement: 0012_search_feeds adds columns to the index.)
from bot.storage.search import index_values

revision: str = "0011_search"
down_revision: str | Sequence[str] | None = "0010_topic_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE brief_search USING fts5(headline, outlet, lead, quoted, "
    "tokenize = 'unicode61')",
    "CREATE TRIGGER brief_search_delete AFTER DELETE ON briefs BEGIN "
    "DELETE FROM brief_search WHERE rowid = old.id; END",
)
_POSTGRES_INDEX = (
    "CREATE TABLE brief_search (brief_id BIGINT PRIMARY KEY "
    "REFERENCES briefs (id) ON DELETE CASCADE, document tsvector NOT NULL)",
    "CREATE INDEX brief_search_document ON brief_search USING gin (document)",
)
_INDEX_STATEMENT = {
    "postgresql": (
        "INSERT INTO brief_search (brief_id, document) VALUES (:id, "
        "setweight(to_tsvector('simple', :headline), 'A') || "
        "setweight(to_tsvector('simple', :outlet), 'B') || "
        "setweight(to_tsvector('simple', :lead), 'C') || "
        "setweight(to_tsvector('simple', :quoted), 'D'))"
    ),
    "sqlite": (
        "INSERT INTO brief_search (rowid, headline, outlet, lead, quoted) "
        "VALUES (:id, :headline, :outlet, :lead, :quoted)"
    ),
}
_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("briefs") as batch:
        batch.add_column(sa.Column("lead", sa.Text(), nullable=True))
        batch.add_column(sa.Column("quoted", sa.Text(), nullable=True))
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC")
        )
    op.create_table(
        "digests",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("schedule", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=50), nullable=True),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("last_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("schedule IN ('daily', 'weekly')", name=op.f("ck_digests_schedule")),
        sa.CheckConstraint("hour >= 0 AND hour <= 23", name=op.f("ck_digests_hour")),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f("ck_digests_weekday")),
        sa.PrimaryKeyConstraint("guild_id", "channel_id", name=op.f("pk_digests")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_INDEX if postgres else _SQLITE_INDEX:
        op.execute(statement)
    _backfill()


def _backfill() -> None:
    """Index every brief already recorded (the bot indexes new ones as it records them)."""
    if op.get_context().as_sql:
        return  # offline (--sql): there are no rows to read; the script makes the schema only
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT b.id, a.title, a.site_name, a.description "
            "FROM briefs b JOIN articles a ON a.id = b.article_id ORDER BY b.id"
        )
    ).all()
    statement = sa.text(_INDEX_STATEMENT[connection.dialect.name])
    for start in range(0, len(rows), _BATCH):
        values = [
            {
                key: value
                for key, value in index_values(
                    row[0], headline=row[1], outlet=row[2], lead=row[3], quoted=None
                ).items()
                if key in {"id", "headline", "outlet", "lead", "quoted"}
            }
            for row in rows[start : start + _BATCH]
        ]
        connection.execute(statement, values)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE brief_search")
    else:
        op.execute("DROP TRIGGER brief_search_delete")
        op.execute("DROP TABLE brief_search")
    op.drop_table("digests")
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("timezone")
    with op.batch_alter_table("briefs") as batch:
        batch.drop_column("quoted")
        batch.drop_column("lead")

"""Full-text search over a server's briefs: headline, outlet, lead and quoted text (issue 16).

One index, made per engine by migrations ``0011_search`` and ``0012_search_feeds``, named
``brief_search`` on both:

- SQLite: an FTS5 virtual table (``rowid`` = the brief's id; columns headline, outlet, lead,
  quoted), ranked by ``bm25`` with the headline weighted most. The repository writes it with
  the brief (:func:`index_brief`); a trigger on ``briefs`` deletes a brief's row with it, so
  every way a brief goes (its message deleted, a server purged, an article's cascade) is covered.
  The server, channel and date filters join ``briefs`` by rowid (one B-tree probe a match):
  FTS5 reads its matches newest first, and stops at the newest :data:`RANKED_MATCHES`.
- PostgreSQL: a table of one ``tsvector`` per brief (weights A..D for the same four fields),
  with a GIN index, ranked by ``ts_rank``; ``ON DELETE CASCADE`` removes it with the brief. It
  holds the brief's server, channel and date too (a brief never moves), with B-tree indexes on
  (server, date) and (server, channel, date): a query filters, finds its newest matches and
  ranks them in one statement without reading ``briefs``, walking the date index newest first
  for a frequent word and the GIN index for a rare one (the planner's choice).

Both engines index the same words: the text is folded here first (accents stripped, case
folded, split into runs of letters and digits), and the engine's own tokenizer, on either side
the ``simple``/``unicode61`` one without stemming, only splits on the spaces. Why no stemming:
briefs are in any language and a member's query says nothing of which; a language-aware
configuration would stem English and mangle the rest. Instead each word of three letters or more
matches as a prefix (``vote`` finds ``votes`` and ``voted``), the same on both engines.

Member text never reaches either query language as syntax: it is reduced to those folded words,
each quoted as a string (FTS5) or a quoted lexeme (``to_tsquery``), joined by AND, and bound as
a parameter.

Ranking reads each match's text, so a query matching more than :data:`RANKED_MATCHES` briefs
ranks only the newest that many (measured in ``bench/search.py``: a word in a quarter of
100,000 briefs took ~0.9 s to rank in full on either engine), in the same statement.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection

from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.storage.models import BriefRecord

# Runs of letters and digits (no underscore: both engines' tokenizers split on it). Linear.
_WORD = re.compile(r"[^\W_]+")
# A query of more words than this keeps the first ones: a pasted paragraph is not a search.
MAX_QUERY_WORDS = 12
_MAX_WORD_CHARS = 64
# Shorter words match exactly; a one- or two-letter prefix would match half the index.
PREFIX_MIN_CHARS = 3
# A query matching more briefs than this ranks the newest this many of them (see search_briefs).
RANKED_MATCHES = 1000
# The headline counts most, then the outlet, the lead, the quotes (FTS5 bm25 weights).
_BM25_WEIGHTS = "10.0, 5.0, 2.0, 1.0"


def fold(value: str | None) -> str:
    """``value`` as both indexes see it: accents stripped, case folded, words joined by spaces."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(bare))


def query_words(words: str) -> list[str]:
    """The member's words as searched: folded, each at most 64 characters, at most
    :data:`MAX_QUERY_WORDS`, duplicates once; empty when nothing searchable is left."""
    found = [w[:_MAX_WORD_CHARS] for w in fold(words).split()]
    return list(dict.fromkeys(found))[:MAX_QUERY_WORDS]


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word as a quoted string (so ``NEAR``, ``OR``, ``*``, ``-``
    or quotes are just words), a prefix when long enough, all required."""
    parts = []
    for word in words:
        quoted = '"' + word.replace('"', '""') + '"'
        parts.append(quoted + "*" if len(word) >= PREFIX_MIN_CHARS else quoted)
    return " AND ".join(parts)


def tsquery(words: list[str]) -> str:
    """A ``to_tsquery`` expression: every word a quoted lexeme, a prefix when long enough,
    all required (``&``)."""
    parts = []
    for word in words:
        quoted = "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"
        parts.append(quoted + ":*" if len(word) >= PREFIX_MIN_CHARS else quoted)
    return " & ".join(parts)


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def index_statement(dialect: str) -> TextClause:
    """The statement that indexes one brief (executemany-able) on ``dialect``; its parameters
    come from :func:`index_values`."""
    if dialect == "postgresql":
        return text(
            "INSERT INTO brief_search (brief_id, guild_id, channel_id, created_at, document) "
            "VALUES (:id, :guild_id, :channel_id, :created_at, "
            "setweight(to_tsvector('simple', :headline), 'A') || "
            "setweight(to_tsvector('simple', :outlet), 'B') || "
            "setweight(to_tsvector('simple', :lead), 'C') || "
            "setweight(to_tsvector('simple', :quoted), 'D')) "
            "ON CONFLICT (brief_id) DO UPDATE SET document = excluded.document"
        )
    return text(
        "INSERT OR REPLACE INTO brief_search (rowid, headline, outlet, lead, quoted) "
        "VALUES (:id, :headline, :outlet, :lead, :quoted)"
    )


def index_values(
    brief_id: int,
    *,
    headline: str | None,
    outlet: str | None,
    lead: str | None,
    quoted: str | None,
    guild_id: int | None = None,
    channel_id: int | None = None,
    created_at: dt.datetime | None = None,
) -> dict[str, object]:
    """The parameters of :func:`index_statement`: the folded text, and where and when the
    brief was posted (PostgreSQL's index keeps them; SQLite's reads them from ``briefs``)."""
    return {
        "id": brief_id,
        "headline": fold(headline),
        "outlet": fold(outlet),
        "lead": fold(lead),
        "quoted": fold(quoted),
        "guild_id": guild_id,
        "channel_id": channel_id,
        "created_at": created_at,
    }


async def index_brief(
    session: AsyncSession,
    brief: BriefRecord,
    *,
    headline: str | None,
    outlet: str | None,
    lead: str | None,
    quoted: str | None,
) -> None:
    """Index (or index again) ``brief``'s searchable text."""
    values = index_values(
        brief.id,
        headline=headline,
        outlet=outlet,
        lead=lead,
        quoted=quoted,
        guild_id=brief.guild_id,
        channel_id=brief.channel_id,
        created_at=brief.created_at,
    )
    await session.execute(index_statement(session.get_bind().dialect.name), values)


async def search_briefs(
    session: AsyncSession,
    guild_id: int,
    words: str,
    *,
    channel_ids: Collection[int] | None = None,
    since: dt.datetime | None = None,
    limit: int = 5,
    offset: int = 0,
) -> list[BriefRecord]:
    """The server's briefs matching every word of ``words`` (see the module), best first (then
    newest) among the newest :data:`RANKED_MATCHES` of them; only those in ``channel_ids`` when
    given (the channels the member can read: filtered here, so that every page is full) and
    created at or after ``since``. ``[]`` for words with nothing searchable in them."""
    searched = query_words(words)
    if not searched or (channel_ids is not None and not channel_ids):
        return []
    postgres = _postgres(session)
    # PostgreSQL filters its own table; SQLite the briefs it joins.
    table = "s" if postgres else "b"
    filters = [f"{table}.guild_id = :guild"]
    params: dict[str, object] = {
        "guild": guild_id,
        "limit": limit,
        "offset": offset,
        "ranked": RANKED_MATCHES,
    }
    if channel_ids is not None:
        filters.append(f"{table}.channel_id IN :channels")
        params["channels"] = sorted(set(channel_ids))
    if since is not None:
        filters.append(f"{table}.created_at >= :since")
        # As BriefRecord.created_at stores it: naive UTC on SQLite, aware on PostgreSQL.
        since = since.astimezone(dt.UTC)
        params["since"] = since if postgres else since.replace(tzinfo=None)
    where = " AND ".join(filters)
    # Ranking reads every match's text: for a word in a quarter of 100,000 briefs that is most
    # of a second. Only the newest RANKED_MATCHES matches are ranked, found without ranking (the
    # inner query, its LIMIT where the engine can stop early), then ranked (the outer one).
    if postgres:
        params["query"] = tsquery(searched)
        statement = (
            "SELECT m.brief_id FROM (SELECT s.brief_id, s.created_at, s.document "
            "FROM brief_search s WHERE s.document @@ to_tsquery('simple', :query) "
            f"AND {where} ORDER BY s.created_at DESC, s.brief_id DESC LIMIT :ranked) m "
            "ORDER BY ts_rank(m.document, to_tsquery('simple', :query)) DESC, "
            "m.created_at DESC, m.brief_id DESC LIMIT :limit OFFSET :offset"
        )
    else:
        params["query"] = fts5_query(searched)
        # By the FTS5 table's own rowid: it reads its matches newest first (ids grow with time).
        statement = (
            f"SELECT m.id FROM (SELECT b.id, b.created_at, bm25(brief_search, {_BM25_WEIGHTS}) "
            "AS rank FROM brief_search s JOIN briefs b ON b.id = s.rowid "
            f"WHERE brief_search MATCH :query AND {where} ORDER BY s.rowid DESC "
            "LIMIT :ranked) m ORDER BY m.rank, m.created_at DESC, m.id DESC "
            "LIMIT :limit OFFSET :offset"
        )
    ids = list(await session.scalars(_bind(text(statement), channel_ids), params))
    if not ids:
        return []
    rows = await session.scalars(
        select(BriefRecord).where(BriefRecord.id.in_(ids)).options(joinedload(BriefRecord.article))
    )
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _bind(statement: TextClause, channel_ids: Collection[int] | None) -> TextClause:
    if channel_ids is None:
        return statement
    return statement.bindparams(bindparam("channels", expanding=True))

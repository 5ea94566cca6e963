"""Full-text search over briefs on real databases (SQLite FTS5 and PostgreSQL tsvector)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import briefs, guilds, search
from bot.storage.database import _run_alembic, create_engine, session_factory, upgrade_to_head
from tests.storage._records import CHANNEL, GUILD, OTHER_GUILD, T0, USER, record_brief

DAY = dt.timedelta(days=1)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    async with sessionmaker() as session:
        yield session  # type: ignore[misc]


async def _brief(
    session: AsyncSession,
    message_id: int,
    title: str,
    *,
    outlet: str | None = "The Coastal Courier",
    guild: int = GUILD,
    channel: int = CHANNEL,
    created_at: dt.datetime = T0,
    **brief: object,
) -> int:
    record = await record_brief(
        session,
        message_id,
        guild=guild,
        channel=channel,
        key=f"example.org/{message_id}",
        created_at=created_at,
        article={"title": title, "site_name": outlet},
        **brief,
    )
    return record.brief_message_id


async def _found(session: AsyncSession, words: str, **kw: object) -> list[int]:
    rows = await search.search_briefs(session, GUILD, words, **kw)  # type: ignore[arg-type]
    return [r.brief_message_id for r in rows]


async def test_headline_outlet_lead_and_quotes_match_best_first(session: AsyncSession) -> None:
    await _brief(
        session,
        1,
        "Dock workers strike over pay and hours",
        quoted="Coal shipments stopped at the port.",
    )
    await _brief(session, 2, "Harbour votes to close coal terminal", lead="A long debate.")
    await _brief(
        session, 3, "City budget passes after a debate", lead="Coal money is gone, the mayor says."
    )
    await _brief(session, 4, "Storm warning for the whole coast", outlet="Coal Country Gazette")
    await _brief(session, 5, "Nothing about it", quoted="Ships and trains.")
    # headline, then outlet, then lead, then quoted text
    assert await _found(session, "coal") == [2, 4, 3, 1]


async def test_every_word_must_match_case_accents_and_prefixes_fold(
    session: AsyncSession,
) -> None:
    await _brief(session, 1, "Zürich élection: Les Verts gagnent", quoted="Voters went out.")
    await _brief(session, 2, "Zurich weather")
    assert await _found(session, "ZURICH election") == [1]
    assert await _found(session, "zur elect") == [1]  # prefixes of three letters or more
    assert await _found(session, "vote") == [1]  # "voters"
    assert await _found(session, "zurich") == [2, 1] or await _found(session, "zurich") == [1, 2]
    assert await _found(session, "zurich snow") == []


async def test_only_the_server_the_channels_given_and_since(session: AsyncSession) -> None:
    await _brief(session, 1, "Coal terminal vote", created_at=T0 - 10 * DAY)
    await _brief(session, 2, "Coal terminal vote", created_at=T0 - 2 * DAY)
    await _brief(session, 3, "Coal terminal vote", channel=CHANNEL + 1)
    await _brief(session, 4, "Coal terminal vote", guild=OTHER_GUILD)
    assert sorted(await _found(session, "coal")) == [1, 2, 3]
    assert sorted(await _found(session, "coal", channel_ids=[CHANNEL])) == [1, 2]
    assert await _found(session, "coal", channel_ids=[]) == []
    assert sorted(await _found(session, "coal", since=T0 - 3 * DAY)) == [2, 3]


async def test_channel_and_since_filter_before_the_newest_matches_are_ranked(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The channel and date filters apply to the index's own copy of them: the newest matches
    ranked are the newest of the channel and period asked for, not of the whole server."""
    monkeypatch.setattr(search, "RANKED_MATCHES", 2)
    await _brief(session, 9, "Budget", quoted="Coal again.", created_at=T0 - 9 * DAY)
    await _brief(session, 1, "Coal terminal vote", created_at=T0 - 5 * DAY)  # the best match
    await _brief(session, 2, "Budget", quoted="Coal.", created_at=T0 - 4 * DAY)
    for i in range(3, 7):  # newer, in another channel and another server
        await _brief(session, i, "Coal terminal vote", channel=CHANNEL + 1, created_at=T0)
        await _brief(session, 10 + i, "Coal terminal vote", guild=OTHER_GUILD, created_at=T0)
    assert await _found(session, "coal", channel_ids=[CHANNEL], limit=10) == [1, 2]
    since = T0 - 6 * DAY
    assert await _found(session, "coal", channel_ids=[CHANNEL + 1], since=since) == [6, 5]
    assert await _found(session, "coal", channel_ids=[CHANNEL], since=T0 - 3 * DAY) == []


async def test_paged_newest_first_among_equals(session: AsyncSession) -> None:
    for i in range(7):
        await _brief(session, 10 + i, "Coal terminal vote", created_at=T0 + i * DAY)
    first = await _found(session, "coal", limit=3)
    second = await _found(session, "coal", limit=3, offset=3)
    third = await _found(session, "coal", limit=3, offset=6)
    assert first + second + third == [16, 15, 14, 13, 12, 11, 10]


HOSTILE = [
    '"',
    '""',
    "'",
    'coal" OR "1',
    "coal' & 'x",
    "NEAR(coal terminal, 2)",
    "coal NEAR terminal",
    "*",
    "coal*",
    "-coal",
    "coal -terminal",
    "(coal",
    "coal)",
    "headline:coal",
    "^coal",
    "coal AND OR NOT",
    "!coal | terminal <-> x",
    "coal:*",
    "\\",
    "\x00coal",
    "🦀 coal 🦀",
    "ＣＯＡＬ",  # fullwidth: folds to "coal"
    "coal\u0301",  # a combining accent
    "колба 煤炭 석탄",
    "a" * 5000,
    " ".join(["coal"] * 500),
    "",
    "   ",
    "%_%",
]


@pytest.mark.parametrize("words", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_input_never_breaks_the_query(session: AsyncSession, words: str) -> None:
    await _brief(session, 1, "Coal terminal vote", quoted="The terminal handled coal.")
    found = await _found(session, words)
    assert found in ([], [1])
    if search.query_words(words) and all(w.startswith("coal") for w in search.query_words(words)):
        assert found == [1]


async def test_a_deleted_brief_leaves_the_index(session: AsyncSession) -> None:
    await _brief(session, 1, "Coal terminal vote")
    await session.commit()
    assert await briefs.delete_brief(session, 1)
    # A new brief may reuse the deleted one's row id on SQLite: it must not inherit its words.
    await _brief(session, 2, "Weather report")
    assert await _found(session, "coal") == []
    assert await _found(session, "weather") == [2]
    await guilds.purge_guild(session, GUILD)
    assert await _found(session, "weather") == []
    assert await _index_rows(session) == 0


async def _index_rows(session: AsyncSession) -> int:
    return int(await session.scalar(text("SELECT count(*) FROM brief_search")) or 0)


async def test_the_migration_indexes_existing_briefs(database_url: str) -> None:
    """Briefs recorded before 0011_search are found by headline, outlet and description."""
    await _run_alembic(database_url, "upgrade", "0010_topic_versions")  # the one before
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO articles (id, url_key, url, title, site_name, description, "
                    "authors, kind, fetched_at) VALUES (1, 'k', 'https://k', 'Harbour coal vote', "
                    "'Coastal Courier', 'Councillors backed the plan', '[]', 'article', :t)"
                ),
                {"t": T0},
            )
            await connection.execute(
                text(
                    "INSERT INTO briefs (id, guild_id, channel_id, brief_message_id, sharer_id, "
                    "article_id, created_at) VALUES (7, :g, :c, 70, :u, 1, :t)"
                ),
                {"g": GUILD, "c": CHANNEL, "u": USER, "t": T0},
            )
        await upgrade_to_head(database_url)
        async with session_factory(engine)() as session:
            for words in ("harbour coal", "coastal", "councillors plan"):
                assert await _found(session, words) == [70], words
            assert await _found(session, "terminal") == []
            # Where and when it was posted, as the index keeps them (0012 on PostgreSQL).
            assert await _found(session, "coal", channel_ids=[CHANNEL], since=T0) == [70]
            assert await _found(session, "coal", channel_ids=[CHANNEL + 1]) == []
            assert await _found(session, "coal", since=T0 + DAY) == []
            assert await search.search_briefs(session, OTHER_GUILD, "coal") == []
    finally:
        await engine.dispose()


async def test_a_query_matching_many_ranks_only_the_newest(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranking reads every match (most of a second for 25,000): past RANKED_MATCHES matches,
    the newest that many are ranked, still best first among them, and paged."""
    monkeypatch.setattr(search, "RANKED_MATCHES", 3)
    await _brief(session, 1, "Coal terminal vote")  # the best match, but the oldest
    for i in range(2, 6):
        await _brief(session, i, "Budget news", quoted=f"Coal is mentioned ({i}).")
    await _brief(session, 6, "Coal mine", channel=CHANNEL + 1)  # not readable: not counted
    newest = await _found(session, "coal", channel_ids=[CHANNEL], limit=10)
    assert sorted(newest) == [3, 4, 5]
    monkeypatch.setattr(search, "RANKED_MATCHES", 100)
    assert (await _found(session, "coal", channel_ids=[CHANNEL], limit=10))[0] == 1

"""/search at scale: 100,000 stored briefs, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Run on demand (not part of the test suite)::

    .venv/bin/python bench/search.py ../shared/data [--postgres URL] [--briefs 100000]
        [--repeat 20] [--json OUT]

PostgreSQL runs when ``--postgres`` (or ``NEWSLINK_TEST_POSTGRES_URL``) names a server: a
database of its own is created there and dropped after. Each engine gets a database migrated to
head; the briefs are written in bulk with the repository's own indexing statement
(:func:`bot.storage.search.index_statement`), then each query runs through
:func:`bot.storage.search.search_briefs` exactly as ``/search`` calls it (one page of 5 and one
more, the briefs loaded with their articles), in a fresh read session.

The briefs: text drawn (seeded) from the SummEval news articles in
``DATA/summaries/SummEval.jsonl``: a headline of 6 to 14 words, one of 40 outlets, a lead
sentence and 3 to 6 quoted sentences (~700 characters). All 100,000 are in ONE server (the
worst case: the server filter removes nothing), over 10 channels, over the year before
2026-12-01 (ids in the order of their dates, as the bot records them); the member
reads 9 of the 10 channels. Queries (seeded from the same vocabulary): frequent words (in about
a tenth of the briefs or more), middling words, rare words, two-word queries, prefixes, with a
``since`` of 30 days, in one channel (``channel:``; frequent and middling words), an outlet, a
word that matches nothing, and hostile input. Prints a table:
median and p95 milliseconds per query, per kind and overall; the goal is under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bot.storage import search  # noqa: E402
from bot.storage.database import create_engine, session_factory, upgrade_to_head  # noqa: E402

SEED = 20261201
GUILD = 1
CHANNELS = list(range(100, 110))
READABLE = CHANNELS[:-1]
T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
OUTLETS = [
    f"{name} {kind}"
    for name in (
        "Coastal",
        "Northern",
        "Daily",
        "Evening",
        "Metro",
        "National",
        "Valley",
        "Harbour",
    )
    for kind in ("Courier", "Herald", "Times", "Post", "Gazette")
]
_BATCH = 2000
ONE_CHANNEL = "one channel"
_WORD = re.compile(r"[A-Za-z]{4,}")


def _sentences(data: Path) -> list[str]:
    lines = (data / "summaries" / "SummEval.jsonl").read_text(encoding="utf-8").splitlines()
    texts = dict.fromkeys(json.loads(line)["src"] for line in lines if line.strip())
    found: list[str] = []
    for article in texts:
        article = re.sub(r" ([,.;:!?')])", r"\1", article).replace(" 's", "'s")
        found += [s.strip() for s in re.split(r"(?<=[.!?]) ", article) if len(s.split()) >= 6]
    return found


def _briefs(sentences: list[str], count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    # Over a year, in the order they were recorded: ids grow with time, as the bot's do.
    minutes = sorted(rng.randint(0, 365 * 24 * 60) for _ in range(count))
    for i in range(count):
        headline = " ".join(rng.choice(sentences).split()[: rng.randint(6, 14)])
        yield {
            "id": i + 1,
            "headline": headline.rstrip(",.;:"),
            "outlet": rng.choice(OUTLETS),
            "lead": rng.choice(sentences),
            "quoted": "\n\n".join(rng.sample(sentences, rng.randint(3, 6))),
            "channel": rng.choice(CHANNELS),
            "created": T0 - dt.timedelta(days=365) + dt.timedelta(minutes=minutes[i]),
        }


async def _fill(engine: AsyncEngine, rows: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    dialect = engine.dialect.name
    naive = dialect == "sqlite"  # as UTCDateTime stores it

    def when(value: dt.datetime) -> dt.datetime:
        return value.replace(tzinfo=None) if naive else value

    async with engine.begin() as connection:
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            await connection.execute(
                text(
                    "INSERT INTO articles (id, url_key, url, title, site_name, authors, kind, "
                    "fetched_at) VALUES (:id, :key, :url, :headline, :outlet, '[]', 'article', "
                    ":fetched)"
                ),
                [
                    {
                        **r,
                        "key": f"example.org/{r['id']}",
                        "url": f"https://example.org/{r['id']}",
                        "fetched": when(r["created"]),
                    }
                    for r in batch
                ],
            )
            await connection.execute(
                text(
                    "INSERT INTO briefs (id, guild_id, channel_id, brief_message_id, sharer_id, "
                    "article_id, created_at, lead, quoted) VALUES (:id, :guild, :channel, :mid, 7, "
                    ":id, :created, :lead, :quoted)"
                ),
                [
                    {**r, "guild": GUILD, "mid": 10**12 + r["id"], "created": when(r["created"])}
                    for r in batch
                ],
            )
            await connection.execute(
                search.index_statement(dialect),
                [
                    search.index_values(
                        r["id"],
                        headline=r["headline"],
                        outlet=r["outlet"],
                        lead=r["lead"],
                        quoted=r["quoted"],
                        guild_id=GUILD,
                        channel_id=r["channel"],
                        created_at=when(r["created"]),
                    )
                    for r in batch
                ],
            )
        if dialect == "postgresql":
            await connection.execute(text("ANALYZE"))
        else:
            await connection.execute(
                text("INSERT INTO brief_search(brief_search) VALUES('optimize')")
            )
    return time.perf_counter() - started


def _queries(
    rows: list[dict[str, Any]], rng: random.Random
) -> tuple[list[tuple[str, str, bool]], dict[str, float]]:
    """(kind, words, with a since) for every query; and per kind of single word, the median
    share of briefs holding the word (from a sample of 20,000)."""
    sample = rows[:20_000]
    frequency: collections.Counter[str] = collections.Counter()
    for r in sample:
        frequency.update(
            {w.lower() for w in _WORD.findall(f"{r['headline']} {r['lead']} {r['quoted']}")}
        )
    ranked = [w for w, _ in frequency.most_common()]
    third = len(ranked) // 3
    bands = {
        "frequent word": ranked[:50],
        "middling word": ranked[third : third + 500],
        "rare word": ranked[-500:],
    }
    queries: list[tuple[str, str, bool]] = []
    share: dict[str, float] = {}
    for kind, words in bands.items():
        chosen = rng.sample(words, 5)
        queries += [(kind, w, False) for w in chosen]
        share[kind] = statistics.median(frequency[w] / len(sample) for w in chosen)
    middling = bands["middling word"]
    queries += [
        ("two words", f"{a} {b}", False)
        for a, b in zip(rng.sample(middling, 5), rng.sample(ranked[:300], 5), strict=True)
    ]
    queries += [("prefix", w[:4], False) for w in rng.sample(middling, 5)]
    queries += [("since 30 days", w, True) for w in rng.sample(bands["frequent word"], 3)]
    # ``channel:``, one channel of the ten: a frequent word and a middling one
    queries += [(ONE_CHANNEL, w, False) for w in rng.sample(bands["frequent word"], 3)]
    queries += [(ONE_CHANNEL, w, False) for w in rng.sample(middling, 2)]
    queries += [("outlet", "harbour gazette", False), ("no match", "zyxwvutsr", False)]
    queries += [
        ("hostile", q, False) for q in ('NEAR(police "court", 2)', "-police OR *", "polic*' & '")
    ]
    return queries, share


async def _bench(
    engine: AsyncEngine, queries: list[tuple[str, str, bool]], repeat: int
) -> dict[str, list[float]]:
    sessions = session_factory(engine)
    timings: dict[str, list[float]] = collections.defaultdict(list)
    for kind, words, with_since in queries:
        since = T0 - dt.timedelta(days=30) if with_since else None
        for attempt in range(repeat + 1):
            started = time.perf_counter()
            async with sessions() as session:
                channels = CHANNELS[:1] if kind == ONE_CHANNEL else READABLE
                await search.search_briefs(
                    session, GUILD, words, channel_ids=channels, since=since, limit=6
                )
            elapsed = (time.perf_counter() - started) * 1000
            if attempt:  # the first run warms caches and the statement cache
                timings[kind].append(elapsed)
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


async def _run_engine(
    url: str, rows: list[dict[str, Any]], queries: list[tuple[str, str, bool]], repeat: int
) -> tuple[float, dict[str, list[float]]]:
    await upgrade_to_head(url)
    engine = create_engine(url)
    try:
        fill = await _fill(engine, rows)
        return fill, await _bench(engine, queries, repeat)
    finally:
        await engine.dispose()


async def _postgres_database(server_url: str) -> tuple[str, AsyncEngine]:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"newslink_bench_{uuid.uuid4().hex[:12]}"
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), admin


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="the shared data folder (summaries/SummEval.jsonl)")
    parser.add_argument("--postgres", default=os.environ.get("NEWSLINK_TEST_POSTGRES_URL"))
    parser.add_argument("--briefs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    rng = random.Random(SEED)
    rows = list(_briefs(_sentences(args.data), args.briefs, rng))
    queries, share = _queries(rows, rng)
    results: dict[str, Any] = {"briefs": args.briefs, "repeat": args.repeat, "engines": {}}
    with tempfile.TemporaryDirectory() as folder:
        engines = [("SQLite FTS5", f"sqlite+aiosqlite:///{folder}/bench.db")]
        admin: AsyncEngine | None = None
        database = None
        if args.postgres:
            url, admin = await _postgres_database(args.postgres)
            database = make_url(url).database
            engines.append(("PostgreSQL tsvector", url))
        try:
            for name, url in engines:
                fill, timings = await _run_engine(url, rows, queries, args.repeat)
                results["engines"][name] = {"fill_s": fill, "timings_ms": timings}
        finally:
            if admin is not None:
                async with admin.connect() as connection:
                    await connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
                await admin.dispose()

    kinds = list(dict.fromkeys(kind for kind, _, _ in queries))
    print(
        f"/search over {args.briefs:,} briefs in one server; ms per query, {args.repeat} runs each"
    )
    print()
    print("| query | " + " | ".join(f"{n} median | {n} p95" for n in results["engines"]) + " |")
    print("|---|" + "---:|---:|" * len(results["engines"]))
    for kind in [*kinds, "all"]:
        cells = []
        for engine in results["engines"].values():
            values = (
                [v for vs in engine["timings_ms"].values() for v in vs]
                if kind == "all"
                else engine["timings_ms"][kind]
            )
            cells += [f"{statistics.median(values):.1f}", f"{_p95(values):.1f}"]
        if kind in share:
            kind_label = f"{kind}, in {share[kind]:.1%} of briefs"
        else:
            kind_label = kind
        label = (
            f"**{kind}**"
            if kind == "all"
            else f"{kind_label} ({sum(1 for k, _, _ in queries if k == kind)})"
        )
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    for name, engine in results["engines"].items():
        print(f"{name}: {args.briefs:,} briefs written and indexed in {engine['fill_s']:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps({**results, "queries": queries, "share": share}, indent=1, default=str)
        )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

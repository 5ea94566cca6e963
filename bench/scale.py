"""newslink at scale: the event loop's worst stall during a brief in a big server, and the bot
driven through the fake Discord with many servers and links (issue 14, "Measured").

Usage (on demand, never in the suite; needs no data)::

    python bench/scale.py stall [--subscriptions 100000] [--topics 10000] [--runs 3]
        [--postgres URL] [--json OUT]
    python bench/scale.py drive [--servers 100] [--links 1000] [--shared 100] [--delay 0.1]
        [--rate 50] [--processes 1] [--shards-per-process 2] [--subscriptions 100000]
        [--shares-in-flight N] [--postgres URL] [--json OUT]

``stall``: one server with ``--subscriptions`` subscriptions over ``--topics`` topics, and a
~1,000-word brief that matches a few of them. An event-loop lag monitor (a task sleeping 1 ms and
noting how late it wakes) runs beside the notification step of a brief, measured three ways:
**main's path** (issue 14 measured 2.25 s: every subscription loaded as an ORM row and the topic
index built on the loop; reproduced here with the same storage call and the same index), and this
branch's :class:`~bot.sharing.notify.Notifier` **after a change** (the topic version moved: the
topics are read in rounds and the index rebuilt in steps) and **warm** (the cached index; only the
matched topics' subscriptions are read). On SQLite, and on PostgreSQL with ``--postgres URL`` (a
database of your own: it is migrated, and the bench's rows are deleted afterwards).

``drive``: the real bot (``python -m bot``'s code path, in ``--processes`` processes of its own,
each with a lag monitor) against the fake Discord (``tests/fakediscord``) with ``--servers``
servers of one channel each and an article server on 127.0.0.1 answering after ``--delay``
seconds. ``--shared`` servers paste the same URL at once, then the other links (distinct pages)
are pasted at ``--rate`` links a second, spread over the servers. Printed and written with
``--json OUT``: ``links``, ``briefs`` (must equal links), ``doubles`` (briefs beyond one per pasted
message: 0), ``shared_url_fetches`` (page fetches of the shared URL: 1 with one fetch per page
across processes), ``latency_ms_p50/p95/p99`` (paste to brief), ``requests_per_brief`` (Discord
REST requests), ``worst_stall_ms`` (the worst of the processes); with ``--processes`` above 1 the
one-process run is made too and written under ``single_process``. Several processes need
PostgreSQL and the bot's ``SHARD_COUNT``/``SHARD_IDS`` settings (issue 14 item 1): each process
gets ``--shards-per-process`` shards of ``processes x shards-per-process``. ``--shares-in-flight``
sets each process's ``SHARES_IN_FLIGHT`` (default: the bot's own).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bot.article.types import Article  # noqa: E402
from bot.briefing.types import Brief, QuoteRun  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.sharing.notify import Notifier, candidates  # noqa: E402
from bot.storage import subscriptions as stored  # noqa: E402
from bot.storage.database import create_engine, session_factory, upgrade_to_head  # noqa: E402
from bot.storage.models import Subscription, TopicVersion  # noqa: E402
from bot.topics import BriefText, TopicIndex  # noqa: E402

SEED = 14
BIG_GUILD = 9_000_000_001  # the bench's server: nothing else uses this id
SHARER = 8_000_000_001
# Words topics are made of: topics of one to three of them, as members write them.
_WORDS = (
    "nato russia ukraine china taiwan tariff election senate climate harbour coal energy "
    "inflation bank rates housing rail strike union budget tax health vaccine school "
    "university court ruling police border migration refugee drought flood wildfire storm "
    "football cricket olympics music film festival museum science space rocket satellite "
    "battery solar wind nuclear gas oil mining copper lithium chip semiconductor software "
    "privacy data antitrust merger startup market stocks bonds dollar euro yen pension "
    "wages jobs farming wheat rice fishing ocean forest wildlife transport airline airport "
    "shipping port canal bridge tunnel water sewage waste plastic recycling"
).split()


class LagMonitor:
    """How late a task sleeping ``interval`` seconds wakes: the event loop's stalls. ``worst`` is
    wall time, and includes the machine preempting the process (a loaded machine's noise);
    ``worst_busy`` is the loop thread's own CPU time between two wakes: time the loop spent in
    other work without letting the monitor run, whatever the machine's load."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.worst = 0.0
        self.worst_busy = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.perf_counter() - start - self.interval)
            self.worst_busy = max(self.worst_busy, time.thread_time() - cpu)

    async def __aenter__(self) -> LagMonitor:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        await asyncio.sleep(self.interval * 2)  # a stall at the very end is still seen
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    @property
    def worst_ms(self) -> float:
        return self.worst * 1000

    @property
    def worst_busy_ms(self) -> float:
        return self.worst_busy * 1000


# --- stall ----------------------------------------------------------------------------------------


def _topics(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct topics: every word alone, then phrases of two and three words."""
    found: set[str] = set(_WORDS)
    while len(found) < count:
        found.add(" ".join(rng.choice(_WORDS) for _ in range(rng.choice((2, 3)))))
    return sorted(found)[:count]


def _brief(topics: list[str], rng: random.Random) -> Brief:
    """A ~1,000-word article that names a handful of the topics."""
    filler = [w for w in "the minister said on tuesday that talks would resume".split()]
    paragraphs = []
    for _ in range(40):
        words = [rng.choice(filler) for _ in range(25)]
        paragraphs.append(" ".join(words).capitalize() + ".")
    named = rng.sample(topics, 4)
    paragraphs[3] += f" Observers linked it to {named[2]} and to {named[3]}."
    paragraphs[9] += f" Again {named[2]}, and again {named[3]}."
    article = Article(
        url="https://bench.example/story",
        title=f"Talks on {named[0]} resume",
        site_name="Bench News",
        description=f"Ministers discussed {named[1]}.",
        paragraphs=paragraphs,
    )
    return Brief(
        article=article,
        url=article.url,
        lead="Bench News reports:",
        runs=[QuoteRun(paragraphs[:2])],
    )


async def populate(
    sessions: async_sessionmaker[AsyncSession], guild_id: int, topics: list[str], count: int
) -> None:
    """``count`` subscriptions over ``topics`` in one server (every topic followed; members
    follow up to 25 topics each), inserted in bulk; the topic version bumped once."""
    rng = random.Random(SEED)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    members = max(1, count // 10)
    i = 0
    while len(rows) < count:
        topic = topics[i] if i < len(topics) else rng.choice(topics)
        user = 10_000_000 + rng.randrange(members)
        i += 1
        if (user, topic) in seen:
            continue
        seen.add((user, topic))
        rows.append(
            {
                "guild_id": guild_id,
                "user_id": user,
                "topic": topic,
                "delivery": "thread",
                "created_at": now + dt.timedelta(seconds=len(rows)),
            }
        )
    async with sessions() as session, session.begin():
        await _clear(session, guild_id)
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(Subscription), rows[start : start + 5_000])
        await stored.bump_topic_version(session, guild_id)


async def _clear(session: AsyncSession, guild_id: int) -> None:
    await session.execute(delete(Subscription).where(Subscription.guild_id == guild_id))
    await session.execute(delete(TopicVersion).where(TopicVersion.guild_id == guild_id))


async def _version(sessions: async_sessionmaker[AsyncSession], guild_id: int) -> int:
    async with sessions() as session:
        return await stored.topic_version(session, guild_id)


async def mains_path(
    sessions: async_sessionmaker[AsyncSession], guild_id: int, brief: Brief
) -> int:
    """What main did for every brief: every subscription of the server as an ORM row (in the
    share's read), the index built from them on the loop, then matching; the candidates."""
    async with sessions() as session:
        rows = await stored.all_subscriptions(session, guild_id)
    grouped: dict[str, set[int]] = {}
    for row in rows:  # main's TopicIndex.from_pairs grouped the members by topic
        grouped.setdefault(row.topic, set()).add(row.user_id)
    index = TopicIndex(grouped)
    matched = set(index.match(BriefText.from_brief(brief)))
    return len(candidates(rows, matched, SHARER, True))


async def this_branch(
    notifier: Notifier, sessions: async_sessionmaker[AsyncSession], guild_id: int, brief: Brief
) -> int:
    """The branch's notification step: the version (read with the share's context), the cached
    index (rebuilt off the loop for a newer version), the matched topics' subscriptions."""
    version = await _version(sessions, guild_id)
    matched, rows = await notifier.matching(guild_id, version, brief)
    return len(candidates(rows, matched, SHARER, True))


async def _idle(seconds: float) -> int:
    await asyncio.sleep(seconds)
    return -1


async def _stalled(step: Callable[[], Awaitable[int]]) -> tuple[float, float, int, float]:
    """(worst stall ms, elapsed ms, candidates, worst loop-busy ms) of one run of ``step``."""
    async with LagMonitor() as monitor:
        start = time.perf_counter()
        found = await step()
        elapsed = (time.perf_counter() - start) * 1000
    return monitor.worst_ms, elapsed, found, monitor.worst_busy_ms


async def stall_on(url: str, args: argparse.Namespace) -> dict[str, Any]:
    await upgrade_to_head(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    rng = random.Random(SEED)
    topics = _topics(args.topics, rng)
    brief = _brief(topics, rng)
    try:
        started = time.perf_counter()
        await populate(sessions, BIG_GUILD, topics, args.subscriptions)
        took = time.perf_counter() - started
        log(f"  {args.subscriptions:,} subscriptions inserted in {took:.1f} s")
        notifier = Notifier(sessions, SystemClock())
        cases: dict[str, list[tuple[float, float, int, float]]] = {
            "idle": [],
            "main": [],
            "changed": [],
            "warm": [],
        }
        for _ in range(args.runs):
            # The noise floor: the monitor alone for 100 ms (a loaded machine preempts the process).
            cases["idle"].append(await _stalled(lambda: _idle(0.1)))
            cases["main"].append(await _stalled(lambda: mains_path(sessions, BIG_GUILD, brief)))
            async with sessions() as session, session.begin():  # a subscribe elsewhere
                await stored.bump_topic_version(session, BIG_GUILD)
            cases["changed"].append(
                await _stalled(lambda: this_branch(notifier, sessions, BIG_GUILD, brief))
            )
            cases["warm"].append(
                await _stalled(lambda: this_branch(notifier, sessions, BIG_GUILD, brief))
            )
        found = {c[2] for name, runs in cases.items() if name != "idle" for c in runs}
        assert len(found) == 1, f"the paths found different candidates: {found}"
        out: dict[str, Any] = {
            "candidates": cases["main"][0][2],
            "index_builds": notifier.indexes.builds,
        }
        for name, runs in cases.items():
            out[name] = {
                "worst_stall_ms": round(max(r[0] for r in runs), 1),
                "median_stall_ms": round(statistics.median(r[0] for r in runs), 1),
                "median_elapsed_ms": round(statistics.median(r[1] for r in runs), 1),
                "worst_loop_busy_ms": round(max(r[3] for r in runs), 1),
                "runs": len(runs),
            }
        return out
    finally:
        async with sessions() as session, session.begin():
            await _clear(session, BIG_GUILD)
        await engine.dispose()


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def stall(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "subscriptions": args.subscriptions,
        "topics": args.topics,
    }
    with tempfile.TemporaryDirectory() as folder:
        engines = {"sqlite": f"sqlite+aiosqlite:///{folder}/scale.db"}
        if args.postgres:
            engines["postgresql"] = args.postgres
        for name, url in engines.items():
            log(f"{name}:")
            results[name] = asyncio.run(stall_on(url, args))
    print(
        f"\nWorst event-loop stall during a brief's notification step, {args.subscriptions:,} "
        f"subscriptions over {args.topics:,} topics in one server ({args.runs} runs each)\n"
    )
    print(
        "| database | path | worst stall ms | median stall ms | worst loop-busy ms "
        "| median step ms |"
    )
    print("|---|---|---|---|---|---|")
    labels = {
        "idle": "nothing (the noise floor: 100 ms of the monitor alone)",
        "main": "main (all rows, index on the loop)",
        "changed": "branch, after a change (index rebuilt in steps)",
        "warm": "branch, warm (cached index)",
    }
    for name in ("sqlite", "postgresql"):
        if name not in results:
            continue
        for case, label in labels.items():
            r = results[name][case]
            print(
                f"| {name} | {label} | {r['worst_stall_ms']} | {r['median_stall_ms']} | "
                f"{r['worst_loop_busy_ms']} | {r['median_elapsed_ms']} |"
            )
    return results


# --- drive --------------------------------------------------------------------------------------

# Each bot process runs ``bot.app.main.main()`` (what ``python -m bot`` runs) with an event-loop
# lag monitor on its loop, recording only while the driver's marker file exists (start-up, with
# its migrations and worker warm-up, is not what is measured); the worst is written at exit.
_MONITORED_BOT = r"""
import asyncio, json, os, sys, time
marker, out = os.environ["NEWSLINK_BENCH_MEASURING"], os.environ["NEWSLINK_BENCH_STALL_FILE"]
_run = asyncio.run
worst = [0.0, 0.0]

async def _watch():
    while True:
        start, cpu = time.perf_counter(), time.thread_time()
        await asyncio.sleep(0.001)
        lag, busy = time.perf_counter() - start - 0.001, time.thread_time() - cpu
        if (lag > worst[0] or busy > worst[1]) and os.path.exists(marker):
            worst[0], worst[1] = max(worst[0], lag), max(worst[1], busy)

def run(main, **kwargs):
    async def monitored():
        task = asyncio.get_running_loop().create_task(_watch())
        try:
            return await main
        finally:
            task.cancel()
            with open(out, "w") as f:
                json.dump({"worst_stall_ms": worst[0] * 1000, "loop_busy_ms": worst[1] * 1000}, f)
    return _run(monitored(), **kwargs)

asyncio.run = run
from bot.app.main import main
sys.exit(main(["run"]))
"""

GUILD_BASE = 7_000_000_000
CHANNEL_BASE = 7_100_000_000
SHARER_BASE = 7_200_000_000
SHARED_PATH = "/shared/story"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class ArticleServer:
    """Article pages on 127.0.0.1, each answered after ``delay`` seconds; counts fetches per
    path. Every path is its own article (its own title), so each link is its own page."""

    def __init__(self, delay: float, topics: list[str]) -> None:
        self.delay = delay
        self.topics = topics
        self.fetches: dict[str, int] = {}
        self.base = ""
        self._runner: Any = None

    async def _page(self, request: Any) -> Any:
        from aiohttp import web

        from tests._article_page import PARAGRAPHS, article_html

        self.fetches[request.path] = self.fetches.get(request.path, 0) + 1
        await asyncio.sleep(self.delay)
        n = sum(map(ord, request.path))
        # Some titles name a topic of the big server, as news does.
        title = f"Ministers meet over {self.topics[n % len(self.topics)]} ({request.path})"
        return web.Response(body=article_html(title, PARAGRAPHS), content_type="text/html")

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/{tail:.*}", self._page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        await self._runner.cleanup()


def _shard_layout(processes: int, per_process: int) -> list[dict[str, str]]:
    """The SHARD_COUNT/SHARD_IDS of each process (none for one process: it runs every shard)."""
    if processes == 1:
        return [{}]
    count = processes * per_process
    return [
        {
            "SHARD_COUNT": str(count),
            "SHARD_IDS": ",".join(str(p * per_process + i) for i in range(per_process)),
        }
        for p in range(processes)
    ]


async def drive_once(args: argparse.Namespace, processes: int, folder: Path) -> dict[str, Any]:
    import signal

    from bot.storage.database import downgrade_to_base
    from tests.e2e.conftest import bot_environment
    from tests.fakediscord.server import FakeDiscord

    rng = random.Random(SEED)
    topics = _topics(args.topics, rng)
    site = ArticleServer(args.delay, topics)
    await site.start()
    if args.postgres:
        url = args.postgres
        await downgrade_to_base(url)  # the bench's own database: emptied for each run
    else:
        url = f"sqlite+aiosqlite:///{folder}/drive-{processes}.db"
    await upgrade_to_head(url)
    if args.subscriptions:
        engine = create_engine(url)
        await populate(session_factory(engine), GUILD_BASE, topics, args.subscriptions)
        await engine.dispose()

    posted_at: dict[int, float] = {}  # the pasted message's id -> when it was sent
    briefed_at: dict[int, list[float]] = {}  # the pasted message's id -> its briefs' times
    bots: list[asyncio.subprocess.Process] = []
    marker = folder / f"measuring-{processes}"
    async with FakeDiscord() as fake:
        store = fake._store

        def recording_store(message: Any) -> None:
            # A brief is the bot's reply with an embed to a pasted message.
            data = message.data
            ref = (data.get("message_reference") or {}).get("message_id")
            if data.get("embeds") and ref is not None and int(ref) in posted_at:
                briefed_at.setdefault(int(ref), []).append(time.perf_counter())
            store(message)

        fake._store = recording_store  # type: ignore[method-assign]
        for g in range(args.servers):
            fake.add_guild(GUILD_BASE + g, f"server {g}")
            fake.add_channel(GUILD_BASE + g, CHANNEL_BASE + g, "news")
        links: list[tuple[int, int, str]] = []  # (channel, sharer, path)
        for g in range(min(args.shared, args.servers)):
            links.append((CHANNEL_BASE + g, SHARER_BASE + len(links), SHARED_PATH))
        while len(links) < args.links:
            g = len(links) % args.servers
            links.append((CHANNEL_BASE + g, SHARER_BASE + len(links), f"/news/{len(links)}"))
        for i, (channel, sharer, _) in enumerate(links):
            fake.add_member(GUILD_BASE + (channel - CHANNEL_BASE), sharer, f"sharer{i}")

        base_env = bot_environment(fake, folder / "unused.db", site.base)
        base_env |= {
            "DATABASE_URL": url,
            "PARSE_WORKERS": str(args.parse_workers),
            "BRIEFS_PER_MEMBER_HOUR": "1000000",
            "BRIEFS_PER_CHANNEL_HOUR": "1000000",
            "LOG_LEVEL": "WARNING",
            "NEWSLINK_BENCH_MEASURING": str(marker),
        }
        if args.shares_in_flight is not None:
            base_env["SHARES_IN_FLIGHT"] = str(args.shares_in_flight)
        if args.asyncio_debug:  # asyncio logs every callback that ran over 100 ms, by name
            base_env["PYTHONASYNCIODEBUG"] = "1"
        stall_files: list[Path] = []
        logs: list[Path] = []
        for p, shards in enumerate(_shard_layout(processes, args.shards_per_process)):
            stall_files.append(folder / f"stall-{processes}-{p}.json")
            env = base_env | shards | {"NEWSLINK_BENCH_STALL_FILE": str(stall_files[-1])}
            logs.append(folder / f"bot-{processes}-{p}.log")
            with logs[-1].open("wb") as output:
                bots.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-c",
                        _MONITORED_BOT,
                        env=env,
                        cwd=str(ROOT),
                        stdout=output,
                        stderr=output,
                    )
                )
        try:
            await fake.wait_for(lambda: fake.identify_count >= processes and fake.connected, 120)
            await asyncio.sleep(3)  # every GUILD_CREATE handled
            requests_before = len(fake.requests())
            marker.touch()
            log(f"  {processes} process(es) connected; pasting {len(links)} links")

            async def paste(channel: int, sharer: int, path: str) -> None:
                message = await fake.send_message(channel, sharer, f"Read {site.base}{path}")
                posted_at[int(message["id"])] = time.perf_counter()

            shared = [link for link in links if link[2] == SHARED_PATH]
            await asyncio.gather(*(paste(*link) for link in shared))  # at once
            for link in links[len(shared) :]:
                await paste(*link)
                await asyncio.sleep(1 / args.rate)
            try:
                await fake.wait_for(lambda: len(briefed_at) >= len(links), args.timeout)
            except AssertionError:
                log(f"  only {len(briefed_at)} of {len(links)} links briefed in {args.timeout} s")
            await asyncio.sleep(2)  # a late double would show here
            marker.unlink()
            requests = len(fake.requests()) - requests_before
        finally:
            for bot in bots:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
            for bot in bots:
                try:
                    await asyncio.wait_for(bot.wait(), 60)
                except TimeoutError:
                    bot.kill()
                    await bot.wait()
            await site.close()
    monitored = [json.loads(f.read_text()) if f.exists() else {} for f in stall_files]
    stalls = [m.get("worst_stall_ms", float("nan")) for m in monitored]
    busy = [m.get("loop_busy_ms", float("nan")) for m in monitored]
    latencies = [(min(times) - posted_at[mid]) * 1000 for mid, times in briefed_at.items()]
    briefs = sum(len(times) for times in briefed_at.values())
    logged = "\n".join(f.read_text(errors="replace") for f in logs)
    if args.keep_logs:
        for f in logs:
            (args.keep_logs / f.name).write_text(f.read_text(errors="replace"))
    return {
        "processes": processes,
        "links": len(links),
        "briefs": briefs,
        "doubles": sum(len(times) - 1 for times in briefed_at.values()),
        "shared_url_fetches": site.fetches.get(SHARED_PATH, 0),
        "latency_ms_p50": round(_percentile(latencies, 0.50), 1),
        "latency_ms_p95": round(_percentile(latencies, 0.95), 1),
        "latency_ms_p99": round(_percentile(latencies, 0.99), 1),
        "requests_per_brief": round(requests / briefs, 2) if briefs else None,
        "worst_stall_ms": round(max(stalls), 1),
        "worst_stall_ms_per_process": [round(s, 1) for s in stalls],
        "worst_loop_busy_ms": round(max(busy), 1),
        # What the bot logged: errors (tracebacks) and links it gave up on for now.
        "errors_logged": logged.count(" ERROR "),
        "not_briefed_now": logged.count("not briefed now"),
    }


def _shards_supported() -> bool:
    """Whether this bot has the SHARD_COUNT/SHARD_IDS settings (issue 14 item 1)."""
    import dataclasses

    from bot.settings import Settings

    names = {f.name for f in dataclasses.fields(Settings)}
    return {"shard_count", "shard_ids"} <= names


def drive(args: argparse.Namespace) -> dict[str, Any]:
    if args.processes > 1 and not _shards_supported():
        log(
            "this bot has no SHARD_COUNT/SHARD_IDS settings (issue 14 item 1): several processes "
            "would each run every shard; measuring the one-process run only"
        )
        args.processes = 1
    if args.processes > 1 and not args.postgres:
        raise SystemExit("several processes share one database: give --postgres URL")
    with tempfile.TemporaryDirectory() as folder:
        log(f"{args.processes} process(es):")
        results = asyncio.run(drive_once(args, args.processes, Path(folder)))
        if args.processes > 1:
            log("1 process:")
            results["single_process"] = asyncio.run(drive_once(args, 1, Path(folder)))
    runs = [results] + ([results["single_process"]] if "single_process" in results else [])
    print(
        f"\n{args.servers} servers, {args.links} links ({args.shared} servers pasting one URL at "
        f"once), article server delay {args.delay * 1000:.0f} ms, "
        f"{args.subscriptions:,} subscriptions in one server, "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}\n"
    )
    keys = [k for k in runs[0] if k not in ("worst_stall_ms_per_process", "single_process")]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for run in runs:
        print("| " + " | ".join(str(run[k]) for k in keys) + " |")
    return results


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("stall", help="the worst stall of a brief in a big server")
    one.add_argument("--subscriptions", type=int, default=100_000)
    one.add_argument("--topics", type=int, default=10_000)
    one.add_argument("--runs", type=int, default=3)
    one.add_argument(
        "--postgres", help="a PostgreSQL database URL of your own (postgresql+asyncpg://…)"
    )
    one.add_argument("--json", type=Path, help="where to write the figures")
    two = commands.add_parser("drive", help="the bot through the fake Discord")
    two.add_argument("--servers", type=int, default=100)
    two.add_argument("--links", type=int, default=1000)
    two.add_argument("--shared", type=int, default=100, help="servers pasting one URL at once")
    two.add_argument("--delay", type=float, default=0.1, help="the article server's delay, s")
    two.add_argument("--rate", type=float, default=50, help="links pasted a second after those")
    two.add_argument("--processes", type=int, default=1)
    two.add_argument("--shards-per-process", type=int, default=2)
    two.add_argument("--parse-workers", type=int, default=2)
    two.add_argument("--subscriptions", type=int, default=100_000, help="in the first server")
    two.add_argument("--topics", type=int, default=10_000)
    two.add_argument("--timeout", type=float, default=120, help="seconds to wait for the briefs")
    two.add_argument("--postgres", help="a PostgreSQL database URL of your own: emptied")
    two.add_argument("--json", type=Path, help="where to write the figures")
    two.add_argument("--keep-logs", type=Path, help="a folder to copy the bots' logs into")
    two.add_argument("--asyncio-debug", action="store_true", help="log the slow callbacks")
    two.add_argument("--shares-in-flight", type=int, help="each process's SHARES_IN_FLIGHT")
    args = parser.parse_args(argv)
    if args.command == "stall":
        results = stall(args)
    else:
        results = drive(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

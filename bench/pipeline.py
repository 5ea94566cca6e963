"""Pipeline benchmark: from links to briefs against a local server that answers after ~100 ms.

    python bench/pipeline.py ../shared/data/extraction [--json OUT] [--delay 0.1]

Serves the data set's real article pages from an aiohttp server on 127.0.0.1 that waits ``--delay``
seconds before answering, then measures, in one run:

- latency of 1 link; throughput and p50/p95 latency of 10 and 100 concurrent distinct links;
- 100 simultaneous requests for one URL: how many fetches reached the server;
- the longest stall of a 10 ms heartbeat task on the event loop during each load;
- peak memory (max RSS of this process and of the parse workers);
- the target from the issue: 100 concurrent links finish within 2 x (one link's latency + total CPU
  time of 100 extractions, measured sequentially in this process).

The peer is the naive pipeline most bots start with: the same fetcher, but extraction and brief
composition run inline on the event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gzip
import ipaddress
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.article.read import extract_article  # noqa: E402
from bot.briefing.compose import compose_brief  # noqa: E402
from bot.briefing.types import Brief  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.fetch.fetcher import Fetcher  # noqa: E402
from bot.fetch.guard import create_session  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.sharing.jobs import warm_parsers  # noqa: E402
from bot.sharing.pipeline import Briefer  # noqa: E402
from bot.workers import ParsePool  # noqa: E402

CLOCK = SystemClock()  # as the bot would run now: the pages are dated long before


def load_pages(data_dir: Path, count: int) -> list[bytes]:
    files = sorted((data_dir / "html").glob("*.html.gz"))[:count]
    return [gzip.decompress(f.read_bytes()) for f in files]


class SlowServer:
    def __init__(self, pages: list[bytes], delay: float) -> None:
        self.pages = pages
        self.delay = delay
        self.hits = 0
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        await asyncio.sleep(self.delay)
        page = self.pages[int(request.match_info["n"]) % len(self.pages)]
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/article/{n}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        if self.runner:
            await self.runner.cleanup()


class Heartbeat:
    """A task that sleeps 10 ms at a time and records the longest gap between wake-ups."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.01)
            last = now

    def __enter__(self) -> Heartbeat:
        self._task = asyncio.get_running_loop().create_task(self._beat())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


class InlineBriefer:
    """The peer: same fetcher, parsing and composing on the event loop."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    async def warm(self) -> None:
        warm_parsers()

    async def brief(self, url: str, *, length: str = "standard") -> Brief:
        page = await self.fetcher.fetch(url)
        article = extract_article(
            page.body, page.final_url, today=CLOCK.today(), charset=page.charset
        )
        return compose_brief(article, article.url, length=length)


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    try:
        await call()
    except Exception as exc:  # noqa: BLE001 - a failed brief still counts its time
        print(f"  (a brief failed: {type(exc).__name__}: {exc})", file=sys.stderr)
    return time.perf_counter() - start


async def measure(
    name: str, make: Callable[[Fetcher], object], settings: Settings, server: SlowServer, base: str
) -> dict[str, object]:
    out: dict[str, object] = {"system": name}
    async with create_session(settings) as http:
        fetcher = Fetcher(http, settings)
        briefer = make(fetcher)
        await getattr(briefer, "warm", _noop)()
        one = await timed(lambda: briefer.brief(f"{base}/article/0"))  # type: ignore[attr-defined]
        out["latency_1_ms"] = one * 1000
        offset = 1
        for n in (10, 100):
            urls = [f"{base}/article/{offset + i}?n={n}" for i in range(n)]
            offset += n
            with Heartbeat() as beat:
                start = time.perf_counter()
                lat = await asyncio.gather(*(timed(lambda u=u: briefer.brief(u)) for u in urls))  # type: ignore[attr-defined,misc]
                wall = time.perf_counter() - start
            out[f"wall_{n}_s"] = wall
            out[f"throughput_{n}_per_s"] = n / wall
            out[f"p95_{n}_ms"] = statistics.quantiles(lat, n=20)[-1] * 1000
            out[f"stall_{n}_ms"] = beat.worst * 1000
        hits_before = server.hits
        same = f"{base}/article/999?utm_source=bench"
        await asyncio.gather(
            *(
                briefer.brief(same if i % 2 else same.split("?")[0])  # type: ignore[attr-defined]
                for i in range(100)
            )
        )
        out["fetches_for_100_same"] = server.hits - hits_before
        pool = getattr(briefer, "pool", None)
        if pool is not None:
            out["worker_peak_mb"] = await pool.run(30, worker_peak_mb)
        close = getattr(briefer, "close", None)
        if close:
            close()
    return out


def worker_peak_mb() -> float:
    """This process's peak resident size (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _noop() -> None:
    return None


def cpu_of_extractions(pages: list[bytes], n: int) -> float:
    start = time.process_time()
    for i in range(n):
        article = extract_article(
            pages[i % len(pages)], f"http://bench.local/{i}", today=CLOCK.today()
        )
        compose_brief(article, article.url, length="standard")
    return time.process_time() - start


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    pages = load_pages(Path(args.data_dir), 111)
    server = SlowServer(pages, args.delay)
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    settings = dataclasses.replace(
        Settings(),
        fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        fetch_allowed_ports=frozenset({server.port}),
        fetch_pool_per_host=100,
        fetch_pool_size=100,
        brief_timeout=120.0,
        fetch_total_timeout=60.0,
        fetch_first_byte_timeout=60.0,
    )

    class Pooled:
        def __init__(self, fetcher: Fetcher) -> None:
            self.pool = ParsePool(settings.parse_workers)
            self.briefer = Briefer(fetcher, self.pool, settings, clock=CLOCK)

        async def warm(self) -> None:
            await self.pool.warm_up(warm_parsers)

        async def brief(self, url: str) -> Brief:
            return await self.briefer.brief(url)

        def close(self) -> None:
            self.pool.close()

    rows = [
        await measure(
            f"newslink ({settings.parse_workers} parse workers)", Pooled, settings, server, base
        ),
        await measure("inline on the event loop (peer)", InlineBriefer, settings, server, base),
    ]
    await server.close()
    cpu100 = cpu_of_extractions(pages, 100)
    self_rss = worker_peak_mb()  # the same reading, for this (the bot's) process
    ours = rows[0]
    bound = 2 * (float(ours["latency_1_ms"]) / 1000 + cpu100)  # type: ignore[arg-type]
    return {
        "rows": rows,
        "cpu_100_extractions_s": cpu100,
        "target_100_s": bound,
        "meets_target": float(ours["wall_100_s"]) <= bound,  # type: ignore[arg-type]
        "peak_rss_mb": {"bot_process": self_rss, "parse_worker": ours.get("worker_peak_mb")},
        "delay_s": args.delay,
    }


def table(result: dict[str, object]) -> str:
    cols = [
        "system",
        "latency_1_ms",
        "p95_10_ms",
        "throughput_10_per_s",
        "wall_100_s",
        "p95_100_ms",
        "throughput_100_per_s",
        "stall_100_ms",
        "fetches_for_100_same",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in result["rows"]:  # type: ignore[attr-defined]
        cells = [f"{row[c]:.1f}" if isinstance(row[c], float) else str(row[c]) for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"CPU time of 100 extractions+compositions (sequential, in-process): "
        f"{result['cpu_100_extractions_s']:.2f} s; target for 100 concurrent links: "
        f"≤ {result['target_100_s']:.2f} s → {'met' if result['meets_target'] else 'MISSED'}"
    )
    peaks = result["peak_rss_mb"]
    lines.append(
        f"Peak resident memory (VmHWM): bot process {peaks['bot_process']:.0f} MB "  # type: ignore[index]
        f"(both systems ran in it), one newslink parse worker {peaks['parse_worker']:.0f} MB"  # type: ignore[index]
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "data_dir", help="the extraction data folder, e.g. ../shared/data/extraction"
    )
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--delay", type=float, default=0.1, help="server delay per response (s)")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

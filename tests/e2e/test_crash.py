"""``python -m bot`` killed or stopped mid-share, then started again: one brief, never two.

Each test runs the real entry point as a subprocess against the fake Discord, with a file SQLite
database shared by both runs and a loopback news site that can hold an article request open, so
the bot can be stopped at a known point of a share:

- SIGKILL while the article is being fetched: claimed, not posted.
- SIGKILL after Discord stored the brief, before the database recorded it: the test holds the
  SQLite write lock, so the bot posts and then waits on the lock; it is killed there. Restarted
  within Discord's nonce memory, the nonce returns the first post; restarted after it (the fake
  forgets its nonces, the claim is backdated past ``NONCE_TRUST``), recovery finds the brief in
  the channel's history and adopts it.
- SIGTERM while the article is being fetched: the share finishes within the shutdown grace.
- SIGTERM twice: the share is cancelled and its claim released; a link pasted during the shutdown
  is claimed and released too; the next start briefs both.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sharing.recovery import NONCE_TRUST
from tests._article_page import PARAGRAPHS, article_html
from tests.e2e.conftest import GUILD, MEMBER, NEWS, SHARER, bot_environment, build_world
from tests.fakediscord.server import FakeDiscord

NATO = "/world/nato-russia"
SUMMIT = "/world/summit"
# Only bounds a failing test on a loaded machine (30 s was once too few, at a load of 8+).
WAIT_S = 60
# A start spawns and warms a parse worker first (~5 s of CPU): on a machine loaded by other
# jobs that alone took over 30 s. Only bounds a start that hangs.
START_WAIT_S = 120


@dataclass
class HoldingSite:
    """Article pages on 127.0.0.1; while ``holding``, a request waits until ``release()``."""

    base: str = ""
    holding: bool = False
    requests: list[str] = field(default_factory=list)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def release(self) -> None:
        self.holding = False
        self._release.set()

    async def handler(self, request: web.Request) -> web.Response:
        pages = {
            NATO: article_html(),
            SUMMIT: article_html("Leaders gather for a summit on Syria", PARAGRAPHS[2:]),
        }
        body = pages.get(request.path)
        if body is None:
            return web.Response(status=404, text="not found")
        self.requests.append(request.path)
        if self.holding:
            await self._release.wait()
        return web.Response(body=body, content_type="text/html", charset="utf-8")


@pytest.fixture
async def site() -> AsyncIterator[HoldingSite]:
    holding = HoldingSite()
    app = web.Application()
    app.router.add_get("/{tail:.*}", holding.handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    holding.base = f"http://127.0.0.1:{server.port}"
    try:
        yield holding
    finally:
        holding.release()
        await server.close()


@dataclass
class Bot:
    """One ``python -m bot`` process; its log (stderr) goes to a file the test can read."""

    process: asyncio.subprocess.Process
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    async def exit_status(self) -> int:
        return await asyncio.wait_for(self.process.wait(), WAIT_S)


@dataclass
class Harness:
    fake: FakeDiscord
    site: HoldingSite
    tmp: Path
    runs: list[Bot] = field(default_factory=list)

    @property
    def database(self) -> Path:
        return self.tmp / "bot.db"

    async def start(self) -> Bot:
        """Start the bot and wait until it answers a command (it has its guilds, handles events)."""
        env = bot_environment(self.fake, self.database, self.site.base, LOG_LEVEL="INFO")
        log = self.tmp / f"run{len(self.runs) + 1}.log"
        with log.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.tmp,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )
        bot = Bot(process, log)
        self.runs.append(bot)
        identified = self.fake.identify_count
        await self.fake.wait_for(
            lambda: (
                (self.fake.identify_count > identified and self.fake.connected)
                or process.returncode is not None
            ),
            START_WAIT_S,
        )
        listing = await self.fake.slash(GUILD, NEWS, MEMBER, "subscriptions")
        await self.until(lambda: bool(listing.responses) or process.returncode is not None)
        assert process.returncode is None, bot.text()[-3000:]
        return bot

    async def until(self, predicate: Callable[[], bool]) -> None:
        await self.fake.wait_for(predicate, WAIT_S)

    async def kill(self, bot: Bot) -> None:
        bot.process.kill()
        # Reaped, so its pid is free: the next start knows the owner of its claims is gone.
        assert await bot.exit_status() == -signal.SIGKILL

    async def stop(self, bot: Bot) -> None:
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.exit_status() == 0, bot.text()[-3000:]
        assert "services closed" in bot.text()

    def briefs(self) -> list[dict[str, Any]]:
        return [m for m in self.fake.messages(NEWS) if m.get("embeds")]

    def claims(self) -> list[tuple[int, str, int]]:
        """(message id, state, attempts) of every claim, read as another process would."""
        with sqlite3.connect(self.database) as db:
            rows = db.execute(
                "SELECT source_message_id, state, attempts FROM link_claims ORDER BY id"
            ).fetchall()
        return [(int(m), str(s), int(a)) for m, s, a in rows]

    def backdate_claims(self, by: dt.timedelta) -> None:
        """Make every claim older by ``by``, as if the bot had been down that long."""
        with sqlite3.connect(self.database) as db:
            for claim_id, text in db.execute("SELECT id, claimed_at FROM link_claims").fetchall():
                when = dt.datetime.fromisoformat(str(text)) - by
                db.execute(
                    "UPDATE link_claims SET claimed_at = ? WHERE id = ?",
                    (when.isoformat(sep=" "), claim_id),
                )

    def recorded_briefs(self) -> list[tuple[int, int | None]]:
        with sqlite3.connect(self.database) as db:
            rows = db.execute(
                "SELECT brief_message_id, source_message_id FROM briefs ORDER BY id"
            ).fetchall()
        return [(int(b), None if s is None else int(s)) for b, s in rows]

    async def briefed_once(self, shared: dict[str, Any], path: str) -> dict[str, Any]:
        """The single brief of ``path`` replying to ``shared``, with its thread, recorded."""
        await self.until(
            lambda: any(
                int(t["id"]) == int(b["id"])
                for b in self._briefs_of(shared)
                for t in self.fake.threads(NEWS)
            )
        )
        [brief] = self._briefs_of(shared)
        assert brief["embeds"][0]["url"] == self.site.url(path)
        assert (int(brief["id"]), int(shared["id"])) in self.recorded_briefs()
        return brief

    def _briefs_of(self, shared: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            b
            for b in self.briefs()
            if (b.get("message_reference") or {}).get("message_id") == shared["id"]
        ]


@pytest.fixture
async def harness(
    fake_discord: FakeDiscord, site: HoldingSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    build_world(fake_discord)
    harness = Harness(fake_discord, site, tmp_path)
    try:
        yield harness
    finally:
        for bot in harness.runs:
            if bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()


async def _killed_after_posting(harness: Harness, shared_text: str) -> dict[str, Any]:
    """Share a link and SIGKILL the bot after Discord stored its brief, before it was recorded:
    the database stalls (the test holds the write lock), so the bot posts, waits to record, and
    dies waiting."""
    site = harness.site
    site.holding = True
    first = await harness.start()
    shared = await harness.fake.send_message(NEWS, SHARER, shared_text)
    await harness.until(lambda: site.requests == [NATO])
    lock = sqlite3.connect(harness.database, timeout=5, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        site.release()
        await harness.until(lambda: len(harness.briefs()) == 1)
        await harness.kill(first)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert harness.claims() == [(int(shared["id"]), "claimed", 1)]
    assert harness.recorded_briefs() == []
    return shared


async def test_killed_after_claiming_before_posting_the_next_start_briefs_it_once(
    harness: Harness,
) -> None:
    site = harness.site
    site.holding = True
    first = await harness.start()
    shared = await harness.fake.send_message(NEWS, SHARER, f"Worth a read {site.url(NATO)}")
    await harness.until(lambda: site.requests == [NATO])  # claimed (the claim precedes the fetch)
    await harness.kill(first)
    assert harness.briefs() == []
    assert harness.claims() == [(int(shared["id"]), "claimed", 1)]

    site.release()
    second = await harness.start()
    brief = await harness.briefed_once(shared, NATO)
    assert "Worth a read" in brief["embeds"][0]["description"]  # the sharer's words, re-read
    await harness.stop(second)
    assert harness.claims() == [(int(shared["id"]), "posted", 2)]
    assert len(harness.briefs()) == 1 and "recovering" in second.text()


async def test_killed_after_posting_before_recording_the_next_start_adopts_the_post(
    harness: Harness,
) -> None:
    fake = harness.fake
    shared = await _killed_after_posting(harness, harness.site.url(NATO))
    assert fake.threads(NEWS) == []

    second = await harness.start()
    brief = await harness.briefed_once(shared, NATO)
    await harness.stop(second)
    assert len(harness.briefs()) == 1
    assert harness.claims() == [(int(shared["id"]), "posted", 2)]
    # Both runs posted with the claim's nonce; Discord answered the second with the first message.
    posts = [
        body
        for method, path, body in fake.requests()
        if method == "POST" and path == f"/channels/{NEWS}/messages" and body and body["embeds"]
    ]
    assert len(posts) == 2
    assert posts[0]["nonce"] == posts[1]["nonce"] and posts[1]["enforce_nonce"] is True
    assert [t["id"] for t in fake.threads(NEWS)] == [brief["id"]]


async def test_restarted_after_discord_forgot_the_nonce_recovery_adopts_the_posted_brief(
    harness: Harness,
) -> None:
    fake = harness.fake
    shared = await _killed_after_posting(harness, f"Worth a read {harness.site.url(NATO)}")
    [posted] = harness.briefs()
    # Down long enough that Discord no longer knows the nonce: a re-post would be a second brief.
    fake.forget_nonces()
    harness.backdate_claims(NONCE_TRUST + dt.timedelta(minutes=3))

    second = await harness.start()
    brief = await harness.briefed_once(shared, NATO)
    await harness.stop(second)
    assert brief["id"] == posted["id"] and len(harness.briefs()) == 1
    assert harness.claims() == [(int(shared["id"]), "posted", 2)]
    assert harness.recorded_briefs() == [(int(posted["id"]), int(shared["id"]))]
    assert [t["id"] for t in fake.threads(NEWS)] == [posted["id"]]
    assert f"adopting brief {posted['id']}" in second.text()
    # Found in the history after the sharer's message, not posted again.
    history = [
        path
        for method, path, _ in fake.requests()
        if method == "GET" and path == f"/channels/{NEWS}/messages"
    ]
    posts = [
        body
        for method, path, body in fake.requests()
        if method == "POST" and path == f"/channels/{NEWS}/messages" and body and body["embeds"]
    ]
    # (Catch-up at each start reads the channel's latest page too, so history is read at least
    # once; what matters is that nothing was posted again.)
    assert len(history) >= 1 and len(posts) == 1


async def test_sigterm_lets_a_share_in_flight_finish_and_exits_zero(harness: Harness) -> None:
    site = harness.site
    site.holding = True
    bot = await harness.start()
    shared = await harness.fake.send_message(NEWS, SHARER, site.url(NATO))
    await harness.until(lambda: site.requests == [NATO])
    bot.process.send_signal(signal.SIGTERM)
    await harness.until(lambda: "waiting up to" in bot.text())
    site.release()  # the page answers during the grace
    assert await bot.exit_status() == 0, bot.text()[-3000:]
    assert "services closed" in bot.text()
    await harness.briefed_once(shared, NATO)
    assert harness.claims() == [(int(shared["id"]), "posted", 1)]


async def test_sigterm_twice_releases_the_share_and_the_next_start_briefs_it(
    harness: Harness,
) -> None:
    site, fake = harness.site, harness.fake
    site.holding = True
    first = await harness.start()
    shared = await fake.send_message(NEWS, SHARER, site.url(NATO))
    await harness.until(lambda: site.requests == [NATO])
    first.process.send_signal(signal.SIGTERM)
    await harness.until(lambda: "waiting up to" in first.text())
    # Pasted while the bot shuts down: not briefed now, not lost either.
    late = await fake.send_message(NEWS, MEMBER, site.url(SUMMIT))
    await harness.until(lambda: "left for the next start" in first.text())
    first.process.send_signal(signal.SIGTERM)  # do not wait for the slow page
    assert await first.exit_status() == 0, first.text()[-3000:]
    assert "services closed" in first.text()
    assert harness.briefs() == []
    assert harness.claims() == [(int(shared["id"]), "failed", 1), (int(late["id"]), "failed", 1)]

    site.release()
    second = await harness.start()
    await harness.briefed_once(shared, NATO)
    await harness.briefed_once(late, SUMMIT)
    await harness.stop(second)
    assert len(harness.briefs()) == 2
    assert harness.claims() == [(int(shared["id"]), "posted", 2), (int(late["id"]), "posted", 2)]

"""The worker-process pool that keeps parsing off the event loop."""

import asyncio
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.errors import ExtractionError
from bot.workers import ParsePool

log = logging.getLogger(__name__)
# A line of the bot's log format (bot/logs.py): time, level, logger name, message.
LOG_LINE = r"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} {level} +tests\.test_parse_pool: {message}$"


@pytest.fixture
def pool():
    p = ParsePool(1)
    yield p
    p.close()


async def test_runs_in_another_process(pool: ParsePool) -> None:
    assert await pool.run(30, os.getpid) != os.getpid()


async def test_overrun_is_killed_and_pool_recovers(pool: ParsePool) -> None:
    first_pid = await pool.run(30, os.getpid)
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="too long"):
        await pool.run(0.5, time.sleep, 30)
    # The deadline, not the job, ended it: a generous margin for a busy machine, far below 30 s.
    assert time.monotonic() - started < 15
    # The stuck worker was killed, not left running; a fresh one answers.
    second_pid = await pool.run(30, os.getpid)
    assert second_pid != first_pid
    assert await _gone(first_pid)


async def _gone(pid: int) -> bool:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_worker_death_is_an_extraction_error(pool: ParsePool) -> None:
    with pytest.raises(ExtractionError):
        await pool.run(30, os._exit, 3)
    assert await pool.run(30, sum, [1, 2]) == 3


async def test_event_loop_keeps_beating_while_workers_parse(
    pool: ParsePool, tmp_path: Path
) -> None:
    """The job can only finish if the event loop keeps running while it does: it waits for a
    file that the loop's heartbeat writes after a few beats. No figure about speed."""
    beaten = tmp_path / "beaten"

    async def heartbeat() -> None:
        for _ in range(5):
            await asyncio.sleep(0.01)
        beaten.touch()

    beat = asyncio.create_task(heartbeat())
    assert await pool.run(60, _burn_until, str(beaten), 30.0), "the loop did not beat meanwhile"
    await beat


def _burn_until(path: str, timeout: float) -> bool:
    # Busy, as a parse is (holding a CPU, not sleeping), until the parent's loop has beaten.
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
    return False


async def test_a_job_beside_an_overrun_is_tried_again_not_failed() -> None:
    pool = ParsePool(2)
    try:
        await pool.warm_up()
        overrun = asyncio.create_task(pool.run(0.5, time.sleep, 30))
        bystander = asyncio.create_task(pool.run(30, _sleep_then_pid, 1.0))
        with pytest.raises(ExtractionError, match="too long"):
            await overrun
        # Its worker was killed with the pool; it ran again in the new one.
        assert isinstance(await bystander, int)
    finally:
        pool.close()


def test_close_does_not_wait_for_a_running_job() -> None:
    async def scenario() -> float:
        pool = ParsePool(1)
        job = asyncio.create_task(pool.run(60, time.sleep, 30))
        await asyncio.sleep(1.0)  # the worker is spawned and sleeping
        started = time.monotonic()
        pool.close()
        elapsed = time.monotonic() - started
        with pytest.raises(ExtractionError):
            await job
        return elapsed

    # The job sleeps 30 s: a generous margin for a busy machine, far below it.
    assert asyncio.run(scenario()) < 10


def _sleep_then_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _log_in_worker(pool_level: str) -> int:
    log.info("worker reads %s at %s", "a page", pool_level)
    log.warning("worker warns about %s at %s", "a page", pool_level)
    return os.getpid()


# A parent process like the bot's: its own stderr, its root level set, one pool at a time. Workers
# are forked by the fork server, so they write to the stderr the server started with: the test
# cannot swap fd 2 under a running server (pytest's capfd does, per test), it runs a process of
# its own. One process for both levels (a start costs seconds): each pool's workers take the
# level the parent had when that pool started.
_PARENT = """
import asyncio, logging, os
from bot.workers import ParsePool
from tests.test_parse_pool import _log_in_worker

async def main() -> None:
    for level in (logging.INFO, logging.WARNING):
        logging.getLogger().setLevel(level)
        pool = ParsePool(1)
        try:
            assert await pool.run(30, _log_in_worker, logging.getLevelName(level)) != os.getpid()
        finally:
            pool.close()

asyncio.run(main())
"""


def test_a_worker_logs_like_the_bot() -> None:
    """A worker's records reach the bot's log (stderr, which workers inherit) in the bot's
    format, at the parent's level: INFO is neither dropped nor printed when the parent hides it."""
    parent = subprocess.run(
        [sys.executable, "-c", _PARENT],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    err = parent.stderr
    assert parent.returncode == 0, err
    for level in ("INFO", "WARNING"):
        warning = LOG_LINE.format(level="WARNING", message=f"worker warns about a page at {level}")
        info = LOG_LINE.format(level="INFO", message=f"worker reads a page at {level}")
        assert re.search(warning, err, re.MULTILINE), err
        assert bool(re.search(info, err, re.MULTILINE)) == (level == "INFO"), err


async def test_a_job_queued_behind_an_overrun_runs_after_it_not_failed() -> None:
    # One worker: the innocent jobs wait in the queue while the runaway holds the worker. Killing
    # the pool for the runaway used to cancel those still queued (a CancelledError nobody
    # logged), and their deadlines ran while they waited.
    pool = ParsePool(1)
    try:
        await pool.warm_up()
        runaway = asyncio.create_task(pool.run(1.0, time.sleep, 30))
        await asyncio.sleep(0.2)  # the runaway holds the worker
        innocents = [asyncio.create_task(pool.run(3.0, _sleep_then_pid, 0.1)) for _ in range(3)]
        with pytest.raises(ExtractionError, match="too long"):
            await runaway
        assert all(isinstance(pid, int) for pid in await asyncio.gather(*innocents))
    finally:
        pool.close()


async def test_innocent_jobs_survive_overruns_on_every_worker() -> None:
    # The attack of issue 10: two hostile pages hold both workers, ordinary ones arrive meanwhile.
    pool = ParsePool(2)
    try:
        await pool.warm_up()
        runaways = [asyncio.create_task(pool.run(1.0, time.sleep, 30)) for _ in range(2)]
        await asyncio.sleep(0.2)
        innocents = [asyncio.create_task(pool.run(3.0, _sleep_then_pid, 0.1)) for _ in range(3)]
        outcomes = await asyncio.gather(*runaways, return_exceptions=True)
        assert all(isinstance(o, ExtractionError) and "too long" in str(o) for o in outcomes)
        assert all(isinstance(pid, int) for pid in await asyncio.gather(*innocents))
    finally:
        pool.close()


async def test_a_job_its_caller_gives_up_on_does_not_keep_the_worker() -> None:
    pool = ParsePool(1)
    try:
        first_pid = await pool.run(30, os.getpid)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await pool.run(60, time.sleep, 30)
        # The worker running the abandoned job was killed: the next job gets a fresh one at once.
        assert await pool.run(5, os.getpid) != first_pid
        assert await _gone(first_pid)
    finally:
        pool.close()


def _pids() -> tuple[int, int]:
    return os.getpid(), os.getppid()  # the worker's, and its fork server's


# A parent that starts a worker, says the worker's and the fork server's pids, then waits to be
# killed. ``bot.sharing.preload`` as the bot has it: the fork server that outlived its parent was
# the preloaded one.
_KILLED_PARENT = """
import asyncio, sys
from bot.workers import ParsePool
from tests.test_parse_pool import _pids

async def main() -> None:
    pool = ParsePool(1)
    worker, server = await pool.run(60, _pids)
    print(worker, server, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; whoever adopted it reaps it when it likes


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_and_their_fork_server_end_when_the_parent_is_killed() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_PARENT],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the killed parent's resource tracker warns of its leaks
        text=True,
    ) as parent:
        try:
            assert parent.stdout is not None
            worker, server = map(int, parent.stdout.readline().split())
            assert _running(worker) and _running(server)
        finally:
            parent.kill()
    # Generous: only bounds the test on a loaded machine (they end within milliseconds).
    deadline = time.monotonic() + 60
    while (_running(worker) or _running(server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(worker), "the worker outlived its parent"
    assert not _running(server), "the fork server outlived its parent"

"""The last resort against a hung test: its process ends, and the run says where it hung.

pytest-timeout (``timeout`` in pyproject.toml) fails a test that runs too long by raising in it,
which is the usual way out. It can fail to free the run: the test's teardown may hang in turn (it
is not timed again), and a thread stuck in C code never runs the raising handler. CI once waited 90
minutes on one such test and printed nothing about it. So each test also arms faulthandler's
watchdog, a C thread, for a while longer than the timeout: when it fires, it writes every
thread's stack to a file and ends the process. Under pytest-xdist the controller then reports the
worker's test as crashed, starts another worker and goes on; at the end it prints each stack.
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

HANGS_ENV = "NEWSLINK_TEST_HANGS_DIR"  # shared by the controller and its workers (inherited)
GRACE_S = "60"  # beyond pytest-timeout's own timeout: its raise had that long to free the run

_owner = pytest.StashKey[Path]()
_file = pytest.StashKey[IO[str]]()
_deadline = pytest.StashKey[float]()  # monotonic: when the running test's process is ended


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "hang_grace",
        "seconds past pytest-timeout's timeout before a test's process is ended",
        default=GRACE_S,
    )


def pytest_configure(config: pytest.Config) -> None:
    folder = os.environ.get(HANGS_ENV)
    if folder is None:  # the controller (or a run without workers): the folder is its own
        folder = tempfile.mkdtemp(prefix="newslink-hangs-")
        os.environ[HANGS_ENV] = folder
        config.stash[_owner] = Path(folder)
    config.stash[_file] = (Path(folder) / f"{os.getpid()}.txt").open("w", encoding="utf-8")


def _limit(config: pytest.Config) -> float | None:
    timeout = float(config.getini("timeout") or 0)
    return timeout + float(config.getini("hang_grace")) if timeout > 0 else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    limit = _limit(item.config)
    record = item.config.stash.get(_file, None)
    if limit is None or record is None:
        yield
        return
    record.seek(0)
    record.truncate()
    record.write(f"{item.nodeid} was still running after {limit:.0f} s; every thread's stack:\n")
    record.flush()
    item.config.stash[_deadline] = time.monotonic() + limit
    _arm(item.config)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        del item.config.stash[_deadline]
        record.seek(0)
        record.truncate()


def _arm(config: pytest.Config) -> None:
    left = max(1.0, config.stash[_deadline] - time.monotonic())
    faulthandler.dump_traceback_later(left, exit=True, file=config.stash[_file])


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item | pytest.Collector) -> None:
    # pytest's faulthandler plugin cancels the watchdog whenever a test phase fails (for pdb):
    # that is exactly when a teardown may hang next, so arm it again for the time left.
    if _deadline in node.config.stash:
        _arm(node.config)


def pytest_report_header(config: pytest.Config) -> str | None:
    folder = config.stash.get(_owner, None)
    return None if folder is None else f"stacks of hung tests: {folder}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = terminalreporter.config.stash.get(_owner, None)
    if folder is None:
        return
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        if text:
            terminalreporter.write_sep("=", f"hung test (process {path.stem})", red=True)
            terminalreporter.write_line(text)


def pytest_unconfigure(config: pytest.Config) -> None:
    record = config.stash.get(_file, None)
    if record is not None:
        record.close()
    folder = config.stash.get(_owner, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(HANGS_ENV, None)

"""The suite cannot hang (tests/_watchdog.py): a test whose teardown blocks after pytest-timeout
failed it is ended with its stack printed, and the run goes on to the next test."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests._growth import _capped

ROOT = Path(__file__).resolve().parent.parent

HANGING = """
import threading, time
import pytest

@pytest.fixture
def stuck():
    yield
    threading.Event().wait()  # a teardown that never ends: pytest-timeout has already fired

def test_hangs_in_teardown(stuck):
    time.sleep(30)

def test_after_it():
    pass
"""


def test_a_test_hung_in_its_teardown_is_ended_and_reported(tmp_path: Path) -> None:
    (tmp_path / "test_hanging.py").write_text(HANGING)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests._watchdog",
            "-p",
            "no:cacheprovider",
            "-n",
            "1",
            "-o",
            "timeout=1",
            "-o",
            "hang_grace=1",
            "-q",
            "-rA",
            str(tmp_path / "test_hanging.py"),
        ],
        cwd=tmp_path,
        env={"PATH": "", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=90,  # without the watchdog the run would never end
    )
    out = run.stdout
    assert run.returncode == 1, out
    assert "hung test" in out and "test_hanging.py::test_hangs_in_teardown was still running" in out
    assert "in stuck" in out, out  # the stack shows where it hung
    assert "PASSED test_hanging.py::test_after_it" in out, out  # the run went on


def test_the_growth_checks_alarm_gives_back_the_test_s_timer() -> None:
    """tests/_growth.py caps a call with SIGALRM, the signal pytest-timeout's timer uses: it must
    leave that timer running, not cancel it (the test would then have no timeout)."""
    outer = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    before = signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        with _capped(5):
            assert 4 < signal.getitimer(signal.ITIMER_REAL)[0] <= 5
        assert 90 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, *before)
        signal.signal(signal.SIGALRM, outer)

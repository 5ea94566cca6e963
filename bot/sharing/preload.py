"""Loaded once by the parse pool's fork server (``ParsePool(preload=...)``), before it forks any
worker: importing this module primes the parsers (:func:`bot.sharing.jobs.warm_parsers`, seconds
of CPU), so every worker forked after, the first and each one replacing a worker killed for
overrunning, starts with them loaded instead of paying for them again.

Never imported by the bot itself: the import is the warm-up.
"""

from __future__ import annotations

import logging

from bot.sharing.jobs import warm_parsers

log = logging.getLogger(__name__)

try:
    warm_parsers()
except Exception:
    # The fork server must survive a warm-up that failed: its workers then prime themselves
    # (ParsePool.warm_up), as slowly as a worker started from nothing.
    log.exception("warming the parsers in the fork server failed")

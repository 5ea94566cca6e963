"""Logging, configured once at start by the entry point."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def configure_logging(level: str | int = "INFO") -> None:
    """Send every logger's records to stderr at ``level`` (a name or a number); quieten chatty
    libraries. Parse workers call it too (bot.workers), with the parent's level."""
    logging.basicConfig(level=level, format=_FORMAT, force=True)
    threshold = logging.getLogger().level
    # discord.py logs every gateway event at DEBUG; keep its INFO unless asked for DEBUG.
    if threshold > logging.DEBUG:
        logging.getLogger("discord").setLevel(max(logging.INFO, threshold))
    logging.getLogger("htmldate").setLevel(logging.WARNING)
    logging.getLogger("readability").setLevel(logging.WARNING)

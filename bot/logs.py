"""Logging, configured once at start by the entry point."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr at ``level``; quieten chatty libraries."""
    logging.basicConfig(level=level, format=_FORMAT, force=True)
    # discord.py logs every gateway event at DEBUG; keep its INFO unless asked for DEBUG.
    if level != "DEBUG":
        logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("htmldate").setLevel(logging.WARNING)
    logging.getLogger("readability").setLevel(logging.WARNING)

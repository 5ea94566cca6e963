"""Command-line commands that need no Discord: ``brief`` (preview a brief) and ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.brief import Brief, build_brief
from bot.clock import Clock
from bot.errors import InvalidURL, UserFacingError
from bot.fetcher import Fetcher, create_session
from bot.pipeline import Briefer
from bot.render import render_text
from bot.settings import Settings
from bot.workers import ParsePool


class UsageError(UserFacingError):
    """The command line itself is wrong."""


def brief_command(settings: Settings, args: argparse.Namespace, clock: Clock) -> int:
    """Print the brief for a URL (fetched safely) or a saved page, as text or JSON."""
    if args.html:
        if not args.page_url:
            raise UsageError("--html needs --url: the address the page was saved from.")
        try:
            html = Path(args.html).read_bytes()
        except OSError as exc:
            raise UsageError(f"Cannot read {args.html}: {exc.strerror}.") from None
        brief = build_brief(
            html, args.page_url, today=clock.today(), take=args.take, length=args.length
        )
    elif args.url:
        brief = asyncio.run(
            _fetch_brief(settings, clock, args.url, take=args.take, length=args.length)
        )
    else:
        raise UsageError("Give a URL, or --html FILE --url URL.")
    if args.json:
        print(json.dumps(brief.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(brief))
    return 0


async def _fetch_brief(
    settings: Settings, clock: Clock, url: str, *, take: str | None, length: str
) -> Brief:
    if not url.lower().startswith(("http://", "https://")):
        raise InvalidURL("Only http:// and https:// links can be briefed.")
    pool = ParsePool(1)
    try:
        async with create_session(settings) as http:
            briefer = Briefer(Fetcher(http, settings), pool, settings, clock=clock)
            return await briefer.brief(url, take=take, length=length)
    finally:
        pool.close()


def migrate_command(settings: Settings) -> int:
    """Upgrade the database in DATABASE_URL to the latest schema."""
    from bot.storage.database import upgrade_to_head

    asyncio.run(upgrade_to_head(settings.database_url))
    print("newslink: database is up to date.", file=sys.stderr)
    return 0

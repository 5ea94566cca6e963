"""Command-line commands that need no Discord: ``brief`` (preview a brief) and ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from bot.app.services import open_briefer
from bot.briefing.render import render_text
from bot.briefing.types import Brief
from bot.choices import CommentaryMode
from bot.clock import Clock
from bot.errors import InvalidURL, UserFacingError
from bot.fetch.guard import check_url
from bot.settings import Settings
from bot.sharing.pipeline import Briefer


class UsageError(UserFacingError):
    """The command line itself is wrong."""


def brief_command(settings: Settings, args: argparse.Namespace, clock: Clock) -> int:
    """Print the brief for a URL (fetched safely) or a saved page, as text or JSON."""
    commentary = getattr(args, "commentary", None) or (
        CommentaryMode.MODEL if settings.llm_base_url else CommentaryMode.ARTICLE
    )
    if commentary == CommentaryMode.MODEL and settings.llm_base_url is None:
        raise UsageError("--commentary model needs LLM_BASE_URL (an OpenAI-compatible API).")
    if args.html:
        if not args.page_url:
            raise UsageError("--html needs --url: the address the page was saved from.")
        try:
            # Shown as the article's link and used for its outlet: an address, as a pasted one.
            check_url(args.page_url, settings)
        except InvalidURL as exc:
            raise UsageError(f"--url must be the page's http(s) address: {exc}") from None
        try:
            html = Path(args.html).read_bytes()
        except OSError as exc:
            raise UsageError(f"Cannot read {args.html}: {exc.strerror}.") from None
        brief = asyncio.run(
            _brief_saved_page(
                settings,
                clock,
                html,
                args.page_url,
                take=args.take,
                length=args.length,
                commentary=commentary,
            )
        )
    elif args.url:
        brief = asyncio.run(
            _fetch_brief(
                settings, clock, args.url, take=args.take, length=args.length, commentary=commentary
            )
        )
    else:
        raise UsageError("Give a URL, or --html FILE --url URL.")
    if args.json:
        print(json.dumps(brief.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(brief))
    return 0


async def _fetch_brief(
    settings: Settings, clock: Clock, url: str, *, take: str | None, length: str, commentary: str
) -> Brief:
    if not url.lower().startswith(("http://", "https://")):
        raise InvalidURL("Only http:// and https:// links can be briefed.")
    async with _preview_briefer(settings, clock) as briefer:
        return await briefer.brief(url, take=take, length=length, commentary=commentary)


async def _brief_saved_page(
    settings: Settings,
    clock: Clock,
    html: bytes,
    url: str,
    *,
    take: str | None,
    length: str,
    commentary: str,
) -> Brief:
    # Parsed like a fetched page, in a worker with the bot's deadline: a hostile saved page ends
    # with "That page took too long to read." instead of running for as long as it likes.
    async with _preview_briefer(settings, clock) as briefer:
        return await briefer.brief_page(html, url, take=take, length=length, commentary=commentary)


def _preview_briefer(settings: Settings, clock: Clock) -> AbstractAsyncContextManager[Briefer]:
    """The bot's own briefer, built by the composition root, with one worker started before the
    deadline runs. Not primed like the bot's (priming costs seconds of CPU, more than most
    previews): the parsers load inside the deadline."""
    return open_briefer(dataclasses.replace(settings, parse_workers=1), clock=clock, prime=False)


def migrate_command(settings: Settings) -> int:
    """Upgrade the database in DATABASE_URL to the latest schema."""
    from bot.storage.database import upgrade_to_head

    asyncio.run(upgrade_to_head(settings.database_url))
    print("newslink: database is up to date.", file=sys.stderr)
    return 0

"""``python -m bot [run|brief|migrate|sync]``: the composition root's entry point.

Settings are read here, once; the HTTP session, database engine and services are built by
:mod:`bot.app.services` and passed in. Any expected failure prints one line on stderr and
exits with status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.choices import Length
from bot.clock import Clock, SystemClock
from bot.errors import NewslinkError, SettingsError, UserFacingError
from bot.logs import configure_logging
from bot.settings import Settings, load_settings

EXIT_FAILURE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="newslink, the news-link Discord bot."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord and brief shared links (the default)")
    brief = sub.add_parser("brief", help="print the brief for a link, as it would read in Discord")
    brief.add_argument(
        "url", nargs="?", help="the article's URL (fetched safely unless --html is given)"
    )
    brief.add_argument("--html", metavar="FILE", help="brief a saved page instead of fetching")
    brief.add_argument(
        "--url", dest="page_url", metavar="URL", help="the saved page's URL (with --html)"
    )
    brief.add_argument("--take", help="your own commentary, used as the lead")
    brief.add_argument(
        "--length",
        choices=[length.value for length in Length],
        default=Length.STANDARD.value,
        help="how much to quote (default: standard, a new channel's length)",
    )
    brief.add_argument(
        "--commentary",
        choices=["article", "model"],
        default=None,
        help="who writes the lead and bridges (default: model when LLM_BASE_URL is set)",
    )
    brief.add_argument("--json", action="store_true", help="print the brief as JSON")
    sub.add_parser("migrate", help="upgrade the database to the latest schema")
    sync = sub.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", type=int, metavar="ID", help="sync to one server only (instant)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"newslink: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    command = args.command or "run"
    # The preview prints its one line of failure itself; the log would say it twice.
    quiet = command == "brief" and settings.log_level != "DEBUG"
    configure_logging("ERROR" if quiet else settings.log_level)
    clock = SystemClock()  # the one wall clock, passed to everything that asks "now"
    try:
        if command == "brief":
            from bot.app.cli import brief_command

            return brief_command(settings, args, clock)
        if command == "migrate":
            from bot.app.cli import migrate_command

            return migrate_command(settings)
        return _discord_command(settings, command, args, clock)
    except UserFacingError as exc:
        print(f"newslink: {exc.user_message}", file=sys.stderr)
        return EXIT_FAILURE
    except NewslinkError as exc:
        print(f"newslink: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, never a traceback
        if command == "run":
            raise
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(
            f"newslink: unexpected error ({type(exc).__name__}); "
            "run with LOG_LEVEL=DEBUG for details",
            file=sys.stderr,
        )
        return EXIT_FAILURE


def _discord_command(
    settings: Settings, command: str, args: argparse.Namespace, clock: Clock
) -> int:
    if settings.discord_token is None:
        print(
            "newslink: DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in .env "
            "(copy .env.example to .env; README explains where to find the token).",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    from bot.app.client import run_bot, sync_commands

    if command == "sync":
        return sync_commands(settings, guild_id=args.guild)
    return run_bot(settings, clock)


if __name__ == "__main__":
    sys.exit(main())

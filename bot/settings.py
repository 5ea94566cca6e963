"""Settings: the environment over ``.env`` over defaults, read once at start.

Every setting is a field of :class:`Settings` whose metadata names its environment key and holds
its documentation; ``.env.example`` lists the same keys (a test keeps the two in step). Loading
collects every missing or malformed value and reports them together in one
:class:`~bot.errors.SettingsError`. Secrets are wrapped in :class:`Secret`, which never prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.errors import SettingsError
from bot.setting_values import (  # Secret is imported from here too
    EXPECTS,
    Network,
    Secret,
    parse_bool,
    parse_feed_minutes,
    parse_log_level,
    parse_networks,
    parse_non_negative_int,
    parse_optional_positive_int,
    parse_optional_url,
    parse_ports,
    parse_positive_float,
    parse_positive_int,
    parse_secret,
    parse_shard_ids,
    parse_str,
    parse_url,
)


def _setting(key: str, default: Any, parse: Callable[[str], Any], doc: str) -> Any:
    """A field read from environment key ``key``; ``default`` is given as its ``.env`` text."""
    return field(
        default=parse(default),
        metadata={"key": key, "parse": parse, "doc": doc, "raw_default": default},
    )


@dataclass(frozen=True)
class Settings:
    # Discord
    discord_token: Secret | None = _setting(
        "DISCORD_TOKEN",
        "",
        parse_secret,
        "The bot token from the Discord developer portal (Bot > Reset Token). "
        "Required to run the bot.",
    )
    discord_api_base: str = _setting(
        "DISCORD_API_BASE",
        "https://discord.com/api/v10",
        parse_url,
        "Discord's REST API base URL. Several processes of one bot point it at one shared "
        "rate-limit proxy (nirn-proxy: http://HOST:8080/api/v10, see README); tests at a fake.",
    )
    discord_gateway_url: str = _setting(
        "DISCORD_GATEWAY_URL",
        "wss://gateway.discord.gg/",
        parse_url,
        "Discord's gateway websocket URL. Change only to run against a local fake Discord.",
    )
    discord_guild_ready_timeout: float = _setting(
        "DISCORD_GUILD_READY_TIMEOUT",
        "2",
        parse_positive_float,
        "Seconds to wait after the last server arrives at connect before the bot is ready "
        "(discord.py's guild_ready_timeout). Change only to run against a local fake Discord, "
        "which sends every server at once.",
    )

    # Shards and processes (issue 14)
    shard_count: int | None = _setting(
        "SHARD_COUNT",
        "",
        parse_optional_positive_int,
        "How many shards the bot has in all (empty: the count Discord recommends). Every process "
        "of one bot must give the same count.",
    )
    shard_ids: tuple[int, ...] | None = _setting(
        "SHARD_IDS",
        "",
        parse_shard_ids,
        "Comma-separated shards this process runs, each below SHARD_COUNT (empty: all of them). "
        "Processes with disjoint SHARD_IDS on one PostgreSQL DATABASE_URL form one bot; SQLite "
        "allows one process only, running every shard.",
    )
    commands_only: bool = _setting(
        "COMMANDS_ONLY",
        "false",
        parse_bool,
        "true: never ask for the Message Content intent. Pasted links are not seen; /brief, "
        "Brief this link, /ask, mentions and every other command work. The bot also falls back "
        "to this when Discord refuses the intent.",
    )
    health_log_minutes: int = _setting(
        "HEALTH_LOG_MINUTES",
        "15",
        parse_non_negative_int,
        "Every this many minutes each process logs one health line (shards and their latency, "
        "briefs in flight, claims recovered, cache hits; 0: only on SIGUSR1).",
    )

    # Storage and logs
    database_url: str = _setting(
        "DATABASE_URL",
        "sqlite+aiosqlite:///newslink.db",
        parse_str,
        "SQLAlchemy URL of the database: sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASS@HOST/DB.",
    )
    log_level: str = _setting(
        "LOG_LEVEL", "INFO", parse_log_level, "DEBUG, INFO, WARNING or ERROR."
    )

    # Links and briefs
    max_links_per_message: int = _setting(
        "MAX_LINKS_PER_MESSAGE",
        "3",
        parse_positive_int,
        "At most this many links of one message are briefed.",
    )
    shares_in_flight: int = _setting(
        "SHARES_IN_FLIGHT",
        "10",
        parse_positive_int,
        "At most this many shares (a message's links, a /brief, a feed item) run at once in a "
        "process; the others wait their turn, in order per server and taking turns across "
        "servers, none dropped. Keep it below the database pool's 15 connections, leaving room "
        "for commands.",
    )
    rebrief_window_days: int = _setting(
        "REBRIEF_WINDOW_DAYS",
        "7",
        parse_positive_int,
        "A link briefed in a server within this many days gets a pointer to the earlier brief, "
        "not a new one.",
    )
    catch_up_minutes: int = _setting(
        "CATCH_UP_MINUTES",
        "60",
        parse_non_negative_int,
        "At start, brief links posted in watched channels during this many minutes before, while "
        "the bot was offline (among the last 100 messages of a channel; 0: none).",
    )
    max_topics_per_member: int = _setting(
        "MAX_TOPICS_PER_MEMBER",
        "25",
        parse_positive_int,
        "How many topics one member may follow in a server.",
    )
    notify_max_per_brief: int = _setting(
        "NOTIFY_MAX_PER_BRIEF",
        "50",
        parse_positive_int,
        "At most this many members are told of one brief (mentions and DMs together; those "
        "following a matching topic longest first); the thread says when the limit was reached.",
    )
    dm_per_minute: int = _setting(
        "DM_PER_MINUTE",
        "20",
        parse_positive_int,
        "At most this many subscriber DMs a minute for the whole bot; the rest wait their turn.",
    )

    # Questions in a brief's discussion (issue 12)
    article_text_days: int = _setting(
        "ARTICLE_TEXT_DAYS",
        "30",
        parse_positive_int,
        "An article's paragraphs are kept this many days for answering questions, then purged "
        "(the brief's headline, lead and quotes stay).",
    )
    ask_cooldown_seconds: int = _setting(
        "ASK_COOLDOWN_SECONDS",
        "30",
        parse_positive_int,
        "A member waits this many seconds between two questions to the bot.",
    )
    ask_per_thread_hour: int = _setting(
        "ASK_PER_THREAD_HOUR",
        "20",
        parse_positive_int,
        "At most this many questions an hour are answered in one brief's thread.",
    )

    # Server administration (issue 17)
    briefs_per_member_hour: int = _setting(
        "BRIEFS_PER_MEMBER_HOUR",
        "10",
        parse_positive_int,
        "At most this many briefs an hour of one member's links in a server (pointers to an "
        "earlier brief and failures do not count); past it the member is told, not briefed.",
    )
    briefs_per_channel_hour: int = _setting(
        "BRIEFS_PER_CHANNEL_HOUR",
        "30",
        parse_positive_int,
        "At most this many briefs an hour in one channel, whoever shares.",
    )
    purge_after_days: int = _setting(
        "PURGE_AFTER_DAYS",
        "30",
        parse_positive_int,
        "A server the bot was removed from has its settings, subscriptions, briefs' records and "
        "stored article text deleted this many days later, unless the bot is added back first.",
    )
    search_page_size: int = _setting(
        "SEARCH_PAGE_SIZE",
        "5",
        parse_positive_int,
        "/search shows this many briefs a page (buttons page through the rest).",
    )
    digest_max_briefs: int = _setting(
        "DIGEST_MAX_BRIEFS",
        "50",
        parse_positive_int,
        "A digest lists at most this many briefs of its period, the most discussed.",
    )

    # Feeds (issue 16)
    feed_poll_minutes: int = _setting(
        "FEED_POLL_MINUTES",
        "15",
        parse_feed_minutes,
        "Minutes between two polls of a feed unless /feed add gives its own (at least 5); each "
        "poll is moved by up to a tenth of that at random, and a failing feed waits longer.",
    )
    feed_max_items_per_poll: int = _setting(
        "FEED_MAX_ITEMS_PER_POLL",
        "5",
        parse_positive_int,
        "At most this many new items of one feed are briefed per poll; the rest wait for the "
        "next polls, oldest first.",
    )
    feeds_per_server: int = _setting(
        "FEEDS_PER_SERVER",
        "20",
        parse_positive_int,
        "How many feeds one server may add.",
    )

    # Fetching (see SECURITY.md for where the defaults come from)
    fetch_allowed_networks: tuple[Network, ...] = _setting(
        "FETCH_ALLOWED_NETWORKS",
        "",
        parse_networks,
        "Comma-separated CIDRs exempted from the private/reserved address block list "
        "(empty: none).",
    )
    fetch_allowed_ports: frozenset[int] = _setting(
        "FETCH_ALLOWED_PORTS", "80,443", parse_ports, "Comma-separated ports links may use."
    )
    fetch_connect_timeout: float = _setting(
        "FETCH_CONNECT_TIMEOUT", "5", parse_positive_float, "Seconds to connect to a site."
    )
    fetch_first_byte_timeout: float = _setting(
        "FETCH_FIRST_BYTE_TIMEOUT",
        "10",
        parse_positive_float,
        "Seconds until the response headers arrive.",
    )
    fetch_total_timeout: float = _setting(
        "FETCH_TOTAL_TIMEOUT",
        "15",
        parse_positive_float,
        "Seconds for the whole fetch, redirects included.",
    )
    brief_timeout: float = _setting(
        "BRIEF_TIMEOUT",
        "20",
        parse_positive_float,
        "Seconds for fetch plus extraction of one link.",
    )
    fetch_max_declared_bytes: int = _setting(
        "FETCH_MAX_DECLARED_BYTES",
        "5242880",
        parse_positive_int,
        "Refuse a response whose Content-Length is over this many bytes.",
    )
    fetch_max_bytes: int = _setting(
        "FETCH_MAX_BYTES",
        "2097152",
        parse_positive_int,
        "Stop reading a body after this many bytes (counted after decompression).",
    )
    parse_max_bytes: int = _setting(
        "PARSE_MAX_BYTES", "1048576", parse_positive_int, "Parse at most this many bytes of HTML."
    )
    fetch_max_redirects: int = _setting(
        "FETCH_MAX_REDIRECTS", "5", parse_non_negative_int, "Follow at most this many redirects."
    )
    fetch_pool_size: int = _setting(
        "FETCH_POOL_SIZE", "20", parse_positive_int, "Connections in the shared HTTP pool."
    )
    fetch_pool_per_host: int = _setting(
        "FETCH_POOL_PER_HOST", "2", parse_positive_int, "Connections to one host at once."
    )
    fetch_cache_seconds: float = _setting(
        "FETCH_CACHE_SECONDS", "3600", parse_positive_float, "How long a fetched page is reused."
    )
    fetch_failure_cache_seconds: float = _setting(
        "FETCH_FAILURE_CACHE_SECONDS",
        "300",
        parse_positive_float,
        "How long a failed fetch is remembered.",
    )
    page_cache_minutes: int = _setting(
        "PAGE_CACHE_MINUTES",
        "60",
        parse_non_negative_int,
        "On PostgreSQL, an article any process of the bot fetched within this many minutes is "
        "reused by the others instead of fetched again (0: each process fetches its own).",
    )
    page_claim_seconds: float = _setting(
        "PAGE_CLAIM_SECONDS",
        "10",
        parse_positive_float,
        "Seconds another process waits for the one fetching a page before fetching it itself "
        "(the fetcher may have died); less than BRIEF_TIMEOUT, so the waiter has time left.",
    )
    fetch_user_agent: str = _setting(
        "FETCH_USER_AGENT",
        "newslink/0.1 (Discord news-link bot; +https://github.com/newslink)",
        parse_str,
        "User-Agent sent with every fetch.",
    )
    parse_workers: int = _setting(
        "PARSE_WORKERS", "2", parse_positive_int, "Processes that parse pages off the event loop."
    )
    parse_preload: bool = _setting(
        "PARSE_PRELOAD",
        "true",
        parse_bool,
        "Load the page parsers before connecting, once for every parse worker (the date parser "
        "compiles some 200 languages' rules: seconds of CPU, paid by about the fourth real page "
        "anyway). false: each worker loads them on first use; a faster start for development "
        "and tests, and the first pages a worker reads take seconds longer.",
    )
    parse_timeout: float = _setting(
        "PARSE_TIMEOUT",
        "10",
        parse_positive_float,
        "Seconds one page may take to parse in a worker (within BRIEF_TIMEOUT); a page that takes "
        "longer is refused, and the links waiting behind it still have time for their own.",
    )

    # Language model (optional; issue 13): an OpenAI-compatible chat-completions server
    llm_base_url: str | None = _setting(
        "LLM_BASE_URL",
        "",
        parse_optional_url,
        "Base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1 (Ollama) or "
        "http://127.0.0.1:8080/v1 (llama.cpp); empty: no model, commentary from the article.",
    )
    llm_api_key: Secret | None = _setting(
        "LLM_API_KEY",
        "",
        parse_secret,
        "Bearer key for LLM_BASE_URL, if the server wants one (never printed or logged).",
    )
    llm_model: str = _setting(
        "LLM_MODEL", "", parse_str, "Model name sent with each request (some servers ignore it)."
    )
    llm_timeout: float = _setting(
        "LLM_TIMEOUT", "10", parse_positive_float, "Seconds one model request may take."
    )
    llm_max_tokens: int = _setting(
        "LLM_MAX_TOKENS",
        "120",
        parse_positive_int,
        "Most tokens the model may write for one piece (a lead, a bridge, an answer).",
    )
    llm_daily_tokens: int = _setting(
        "LLM_DAILY_TOKENS",
        "200000",
        parse_positive_int,
        "Tokens (prompt and reply, as the server counts them) one server may use a UTC day.",
    )
    llm_concurrency: int = _setting(
        "LLM_CONCURRENCY",
        "2",
        parse_positive_int,
        "Model requests one server may have in flight at once.",
    )

    @classmethod
    def keys(cls) -> list[str]:
        return [f.metadata["key"] for f in fields(cls)]


def _shard_problems(values: Mapping[str, Any]) -> list[str]:
    """SHARD_IDS only make sense against a SHARD_COUNT, and each must be below it."""
    ids, count = values.get("shard_ids"), values.get("shard_count")
    if ids is None:
        return []
    if count is None:
        return ["SHARD_IDS: needs SHARD_COUNT (the bot's shards in all, the same in every process)"]
    if max(ids, default=0) >= count:
        return [f"SHARD_IDS: every id must be below SHARD_COUNT ({count})"]
    return []


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike[str] | None = ".env"
) -> Settings:
    """Read settings from ``environ`` (default: ``os.environ``) over ``env_file`` over defaults.

    Raises :class:`SettingsError` naming every malformed value; values are never echoed, since a
    malformed line may hold a secret.
    """
    environ = os.environ if environ is None else environ
    from_file: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        from_file = dotenv_values(env_file)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in fields(Settings):
        key = f.metadata["key"]
        raw = environ.get(key)
        if raw is None:
            raw = from_file.get(key)
        if raw is None:
            continue
        try:
            values[f.name] = f.metadata["parse"](raw)
        except (ValueError, TypeError) as exc:
            # Built-in parsers quote the bad value; a malformed line may be a secret, so don't.
            reason = (
                str(exc)
                if raw.strip() not in str(exc)
                else EXPECTS.get(f.metadata["parse"], "is malformed")
            )
            problems.append(f"{key}: {reason}")
    problems.extend(_shard_problems(values))
    unknown = sorted(k for k in from_file if k not in Settings.keys())
    problems.extend(f"{k}: unknown setting in {env_file}" for k in unknown)
    if problems:
        raise SettingsError(problems)
    return Settings(**values)

"""The values settings take, and how each is read from its ``.env`` text (:mod:`bot.settings`).

Each parser raises ``ValueError`` on a malformed value; :data:`EXPECTS` says in words what a
parser wants, for the error message when the built-in one would quote the value (a malformed line
may hold a secret).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Secret:
    """A string that shows as ``'**********'`` in reprs, logs and tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def parse_positive_int(raw: str) -> int:
    value = int(raw.strip())
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def parse_non_negative_int(raw: str) -> int:
    value = int(raw.strip())
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


FEED_MIN_MINUTES = 5


def parse_feed_minutes(raw: str) -> int:
    value = int(raw.strip())
    if value < FEED_MIN_MINUTES:
        raise ValueError(f"must be at least {FEED_MIN_MINUTES}")
    return value


def parse_positive_float(raw: str) -> float:
    value = float(raw.strip())
    if not value > 0:
        raise ValueError("must be greater than 0")
    return value


def parse_networks(raw: str) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()
    )


def parse_ports(raw: str) -> frozenset[int]:
    ports = frozenset(int(part) for part in raw.split(",") if part.strip())
    if not ports or any(not 0 < p < 65536 for p in ports):
        raise ValueError("must be a comma-separated list of ports 1-65535")
    return ports


def parse_secret(raw: str) -> Secret | None:
    return Secret(raw.strip()) if raw.strip() else None


def parse_str(raw: str) -> str:
    return raw.strip()


def parse_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if "://" not in value:
        raise ValueError("must be a URL with a scheme")
    return value


def parse_optional_url(raw: str) -> str | None:
    return parse_url(raw) if raw.strip() else None


def parse_optional_positive_int(raw: str) -> int | None:
    return parse_positive_int(raw) if raw.strip() else None


def parse_shard_ids(raw: str) -> tuple[int, ...] | None:
    if not raw.strip():
        return None
    ids = tuple(int(part) for part in raw.split(",") if part.strip())
    if any(i < 0 for i in ids) or len(set(ids)) != len(ids):
        raise ValueError("must be comma-separated shard ids 0 or more, each once")
    return tuple(sorted(ids))


def parse_log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return value


TRUE, FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in TRUE | FALSE:
        raise ValueError("must be true or false")
    return value in TRUE


EXPECTS: dict[Callable[[str], Any], str] = {
    parse_positive_int: "must be a whole number of at least 1",
    parse_non_negative_int: "must be a whole number of 0 or more",
    parse_positive_float: "must be a number greater than 0",
    parse_networks: "must be comma-separated CIDRs such as 127.0.0.0/8",
    parse_ports: "must be a comma-separated list of ports 1-65535",
    parse_bool: "must be true or false",
    parse_optional_positive_int: "must be empty or a whole number of at least 1",
    parse_shard_ids: "must be comma-separated shard ids 0 or more, each once",
}

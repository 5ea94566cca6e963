"""What may be fetched: the URL check before anything touches the network, and the HTTP session
whose connector checks every address a host resolves to (steps 1 and 2 of :mod:`bot.fetch.fetcher`).

SECURITY.md lists the threats and where each limit comes from.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.errors import BlockedAddress, InvalidURL, ResolutionFailed
from bot.fetch.addresses import Network, is_forbidden
from bot.fetch.urls import ascii_host
from bot.settings import Settings

if TYPE_CHECKING:
    from aiohttp.tracing import Trace

__all__ = ["ACCEPT", "MAX_URL_LENGTH", "check_url", "create_session", "describe_error", "shorten"]

MAX_URL_LENGTH = 2048
ACCEPT = "text/html,application/xhtml+xml"

_DETAIL_CHARS = 200
_HOST_CHARACTERS = re.compile(r"[a-z0-9_.-]+")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")


def check_url(url: str, settings: Settings) -> URL:
    """Parse ``url`` and refuse what newslink never fetches, with :class:`InvalidURL`.

    Refused: schemes other than http(s), userinfo, backslashes in the authority or path, control
    characters or spaces, odd numeric hosts (``127.1``, ``2130706433``, ``0x7f.1``), empty hosts,
    ports outside ``fetch_allowed_ports`` and URLs over 2048 characters. Canonical IP literals
    pass: whether the address may be reached is the connector's check.
    """
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(detail=f"URL longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidURL(detail="control character or space in URL")
    # Backslashes and "@" are where Python's and browsers' parsers disagree about the host, so
    # they are judged on the raw text, before any parser normalises them away.
    before_query = url.split("#", 1)[0].split("?", 1)[0]
    if "\\" in before_query:
        raise InvalidURL(detail="backslash in URL")
    try:
        raw = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise InvalidURL(detail=f"unparsable URL: {describe_error(exc)}") from None
    if raw.scheme.lower() not in {"http", "https"}:
        raise InvalidURL(detail=f"scheme {raw.scheme!r} not allowed")
    if "@" in raw.netloc:
        raise InvalidURL(detail="userinfo in URL")
    try:
        parsed = URL(url)
        host = parsed.raw_host
        port = parsed.port
    except (ValueError, UnicodeError) as exc:
        raise InvalidURL(detail=f"unparsable URL: {describe_error(exc)}") from None
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise InvalidURL(detail="userinfo in URL")
    if not host:
        raise InvalidURL(detail="no host in URL")
    _check_host(host.lower())
    # The labels too (empty, over-long, xn-- that is not punycode), as url_key and display read
    # them: a malformed name is refused here, before any lookup, never half-way through a fetch.
    ascii_host(parsed)
    if port is None or port not in settings.fetch_allowed_ports:
        raise InvalidURL(detail=f"port {port} not allowed")
    return parsed


def _check_host(host: str) -> None:
    if "%" in host:
        # Percent-escapes and IPv6 zone ids name hosts differently to different parsers.
        raise InvalidURL(detail=f"percent sign in host {host!r}")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidURL(detail=f"malformed IPv6 host {host!r}") from None
        return
    if not _HOST_CHARACTERS.fullmatch(host):
        raise InvalidURL(detail=f"unexpected characters in host {host!r}")
    # The WHATWG URL standard reads a host whose last label is a number as an IPv4 address in
    # any of its legacy forms (127.1, 0x7f.1, 0177.0.0.1, 2130706433); only the canonical
    # dotted quad, which every parser reads the same way, is let through.
    labels = host.split(".")
    last = labels[-1] if labels[-1] or len(labels) == 1 else labels[-2]
    if _NUMERIC_LABEL.fullmatch(last):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InvalidURL(detail=f"non-canonical numeric host {host!r}") from None


class _GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector that connects only to addresses outside the block list.

    The check overrides ``_resolve_host`` (the SSRF-safe connector pattern) because that is the
    one path every connection takes: a custom resolver alone is skipped for IP-literal hosts, and
    the addresses returned here are the very ones connected to, so a DNS answer cannot change
    between the check and the connection.
    """

    def __init__(
        self,
        allowed_networks: Sequence[Network],
        *,
        limit: int,
        limit_per_host: int,
        resolver: AbstractResolver | None,
    ) -> None:
        super().__init__(limit=limit, limit_per_host=limit_per_host, resolver=resolver)
        self._allowed_networks = tuple(allowed_networks)

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace] | None = None
    ) -> list[ResolveResult]:
        results = await super()._resolve_host(host, port, traces=traces)
        addresses = [r["host"] for r in results]
        if not addresses:
            raise ResolutionFailed(detail=f"{host} resolves to no address")
        try:
            forbidden = [a for a in addresses if is_forbidden(a, self._allowed_networks)]
        except ValueError:
            raise BlockedAddress(detail=f"{host} resolves to a non-address: {addresses}") from None
        # One bad address among good ones is refused too: which one gets connected to is not
        # ours to choose, and a rebinding attacker would answer with both.
        if forbidden:
            raise BlockedAddress(detail=f"{host} resolves to forbidden {forbidden}")
        return results


def create_session(
    settings: Settings, *, resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """The one HTTP session of the process, with the address check in its connector.

    ``resolver`` replaces DNS (tests make names resolve to chosen addresses with it). The session
    ignores proxy variables (``trust_env=False``), keeps no cookies between sites, and sends the
    configured User-Agent.
    """
    connector = _GuardedConnector(
        settings.fetch_allowed_networks,
        limit=settings.fetch_pool_size,
        limit_per_host=settings.fetch_pool_per_host,
        resolver=resolver,
    )
    return aiohttp.ClientSession(
        connector=connector,
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": settings.fetch_user_agent, "Accept": ACCEPT},
        timeout=aiohttp.ClientTimeout(
            total=None,
            sock_connect=settings.fetch_connect_timeout,
            sock_read=settings.fetch_first_byte_timeout,
        ),
    )


def describe_error(exc: BaseException) -> str:
    """An exception for a log line or an error detail, its text cut short."""
    return f"{type(exc).__name__}: {shorten(str(exc))}"


def shorten(text: str) -> str:
    """``text`` cut for a log line: aiohttp quotes whole buffers of server bytes in its errors."""
    return repr(text[:_DETAIL_CHARS] + ("..." if len(text) > _DETAIL_CHARS else ""))

"""Links in a Discord message: finding them, keying them, and showing their host.

``url_key`` turns a URL into the key used for caching and de-duplication. It never changes what
is fetched (the URL as posted is fetched, SECURITY.md); it only decides when two links are "the
same article". Normalisation, in order: lower-case scheme and host, IDN host to punycode, default
port dropped, fragment dropped, empty path as ``/``, percent-escapes with upper-case hex and
unreserved characters (RFC 3986 section 6.2.2.2) decoded, tracking parameters dropped, the rest of
the query sorted by name (stable, so repeated names keep their order; blank values kept).

Tracking parameters (``TRACKING_PARAMS`` plus names starting with one of ``TRACKING_PREFIXES``)
are those that only tell the publisher or an ad network where a click came from and never select
content, so dropping them cannot merge two different pages:

- ``utm_*``: Google Analytics campaign tags, used by nearly every newsletter and social share.
- click ids of ad networks: ``gclid``, ``gclsrc``, ``dclid``, ``gbraid``, ``wbraid`` (Google),
  ``fbclid`` (Meta), ``msclkid`` (Microsoft), ``yclid`` (Yandex), ``twclid`` (X/Twitter),
  ``ttclid`` (TikTok), ``li_fat_id`` (LinkedIn), ``igshid`` (Instagram share), ``epik``
  (Pinterest), ``srsltid`` (Google Merchant), ``s_kwcid`` and ``ef_id`` (Adobe Advertising),
  ``hsa_*`` (HubSpot ads).
- mailing and marketing tools: ``mc_cid``, ``mc_eid`` (Mailchimp), ``_hsenc``, ``_hsmi``
  (HubSpot), ``mkt_tok`` (Marketo), ``vero_id`` (Vero), ``wickedid`` (Wicked Reports),
  ``oly_anon_id``, ``oly_enc_id`` (Omeda), ``_ga``, ``_gl`` (Google Analytics cross-domain).
- publishers' own share and campaign tags: ``ref_src``, ``ref_url`` (Twitter embeds), ``cmpid``,
  ``s_cid``, ``ncid`` (Yahoo), ``ocid`` (MSN), ``sr_share`` (Simple Reach), ``smid`` (NYT share
  id), ``spm`` (Alibaba).

Generic names such as ``ref`` or ``source`` are deliberately kept: some sites use them to select
content, and a missed de-duplication costs one extra fetch while a wrong one shows the wrong page.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import SplitResult, unquote_plus, urlsplit

log = logging.getLogger(__name__)

TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "cmpid",
        "dclid",
        "ef_id",
        "epik",
        "fbclid",
        "gbraid",
        "gclid",
        "gclsrc",
        "igshid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "msclkid",
        "ncid",
        "ocid",
        "oly_anon_id",
        "oly_enc_id",
        "ref_src",
        "ref_url",
        "s_cid",
        "s_kwcid",
        "smid",
        "spm",
        "sr_share",
        "srsltid",
        "ttclid",
        "twclid",
        "vero_id",
        "wbraid",
        "wickedid",
        "yclid",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_WHITESPACE = re.compile(r"\s")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def is_tracking_param(name: str) -> bool:
    """True when the query parameter ``name`` (as written, possibly percent-encoded) only tracks."""
    decoded = unquote_plus(name).lower()
    return decoded in TRACKING_PARAMS or decoded.startswith(TRACKING_PREFIXES)


def _normalize_escapes(part: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    # Whitespace is escaped too: a key must survive ``strip()`` and re-parsing unchanged.
    return _WHITESPACE.sub(_escape, _PERCENT_ESCAPE.sub(fix, part))


def _escape(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


def _ascii_host(host: str) -> str:
    """The lower-case ASCII (punycode) form of ``host``; raises ``UnicodeError`` if it has none."""
    if host.startswith("["):
        return host.lower()  # an IPv6 literal: nothing to encode
    if host.isascii():
        return host.lower()
    # encodings.idna (IDNA 2003 with nameprep) lower-cases and maps full-width dots itself.
    return host.encode("idna").decode("ascii").lower()


def _split_netloc(netloc: str) -> tuple[str, str, str]:
    """``netloc`` as (userinfo with its ``@`` or "", host, port digits or "")."""
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, bracket, rest = hostport.partition("]")
        host += bracket
    else:
        host, colon, rest = hostport.partition(":")
        rest = colon + rest
    port = rest[1:] if rest.startswith(":") else rest
    if rest and not rest.startswith(":"):
        raise ValueError("junk after host")
    if port and not port.isdigit():
        raise ValueError("port is not a number")
    return userinfo + at, host, port


def _normalize_query(query: str) -> str:
    pairs = [p for p in query.split("&") if p]
    kept = [_normalize_escapes(p) for p in pairs if not is_tracking_param(p.partition("=")[0])]
    # Sort by name only: a stable sort keeps repeated names (a=2&a=1) in their meaningful order.
    kept.sort(key=lambda p: p.partition("=")[0])
    return "&".join(kept)


def _key(parts: SplitResult) -> str:
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise ValueError("not an http(s) URL with a host")
    userinfo, host, port = _split_netloc(parts.netloc)
    if not host:
        raise ValueError("empty host")
    host = _ascii_host(host)
    port = "" if not port or int(port) == _DEFAULT_PORTS[scheme] else str(int(port))
    netloc = userinfo + host + (":" + port if port else "")
    path = _normalize_escapes(parts.path) or "/"
    query = _normalize_query(parts.query)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def url_key(url: str) -> str:
    """A normalised key for ``url``, for caching and de-duplication only (never for fetching).

    Never raises: a string that is not an http(s) URL with a host is returned stripped, as is.
    """
    stripped = url.strip()
    try:
        return _key(urlsplit(stripped))
    except (ValueError, UnicodeError):
        log.debug("cannot normalise %r: keyed as written", stripped)
        return stripped

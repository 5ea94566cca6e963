"""Which site a host belongs to, and links that only wrap another link.

**Sites.** :func:`registrable_domain` is a host's registrable domain ("eTLD+1") by the Public
Suffix List: ``m.bbc.co.uk`` and ``www.bbc.co.uk`` are one site, ``bbc.co.uk``; ``alice.github.io``
and ``bob.github.io`` are two (the list's private section is read too: each name under
``github.io`` is its own site). It decides when a page may name another address as its own
(:func:`bot.fetch.urls.article_address`). The list is ``tldextract``'s snapshot inside the wheel:
the extractor is built so that it never downloads a fresher list (``suffix_list_urls=()``) and
never writes a cache (``cache_dir=None``); a wrong answer from a stale snapshot costs a missed
de-duplication for a brand-new suffix, never a fetch at run time.

**Wrappers.** :func:`unwrap` reads the target of a known redirect wrapper from the parameter that
carries it (Google's ``/url?q=``, Facebook's ``l.php?u=``, Tumblr's ``t.umblr.com/redirect?z=``,
…) without opening the wrapper. The target is then fetched like any pasted link: through the safe
fetcher, with every check (a wrapper pointing at a private address is refused as that address).
Wrappers whose target is opaque (Google News ``news.google.com/articles/…``, shorteners like
``bit.ly``) are not unwrapped: they redirect, and the final URL after redirects decides.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import parse_qsl, urlsplit

import tldextract

log = logging.getLogger(__name__)

# (host, path) -> the query parameters that carry the target, first present wins. Hosts are
# matched exactly (lower case, ASCII); a path of None matches any path.
_WRAPPERS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("l.facebook.com", "/l.php"): ("u",),
    ("lm.facebook.com", "/l.php"): ("u",),
    ("m.facebook.com", "/l.php"): ("u",),
    ("l.instagram.com", None): ("u",),
    ("l.messenger.com", "/l.php"): ("u",),
    ("t.umblr.com", "/redirect"): ("z",),
    ("out.reddit.com", None): ("url",),
    ("www.youtube.com", "/redirect"): ("q",),
    ("slack-redir.net", "/link"): ("url",),
    ("steamcommunity.com", "/linkfilter/"): ("url", "u"),
    ("www.linkedin.com", "/redir/redirect"): ("url",),
    ("away.vk.com", "/away.php"): ("to",),
}
# Google's own "you are leaving Google" link, on any of its country domains.
_GOOGLE_URL_PARAMS = ("q", "url")
# Wrappers nest (a Facebook link to a Google redirect); deeper than this is not a share.
_MAX_UNWRAP = 3


def offline_extractor(*, private: bool = True) -> tldextract.TLDExtract:
    """An extractor that reads only the snapshot bundled with tldextract: no URLs to fetch a
    fresher list from, no cache directory to read or write. ``private``: the list's private
    section counts too (each blog under ``blogspot.com`` is a site of its own)."""
    return tldextract.TLDExtract(
        suffix_list_urls=(),
        cache_dir=None,
        fallback_to_snapshot=True,
        include_psl_private_domains=private,
    )


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    return offline_extractor()


def registrable_domain(host: str) -> str | None:
    """The registrable domain of ``host`` (ASCII, lower case), or None when it has none: an IP
    literal, a bare public suffix, a name under no known suffix (``localhost``)."""
    host = host.strip("[]").rstrip(".").lower()
    if not host or ":" in host:
        return None
    parts = _extractor().extract_str(host)
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


def same_site(host_a: str, host_b: str) -> bool:
    """Whether two hosts are one site: the same registrable domain, or (without one, e.g. an IP
    literal) the very same host."""
    a, b = registrable_domain(host_a), registrable_domain(host_b)
    if a is None or b is None:
        return host_a.strip("[]").rstrip(".").lower() == host_b.strip("[]").rstrip(".").lower()
    return a == b


def _is_google(host: str) -> bool:
    site = registrable_domain(host)
    # google.com, google.co.uk, google.de…: the registrable domain's first label is "google".
    return site is not None and site.split(".", 1)[0] == "google"


def _amp_cache_target(host: str, path: str) -> str | None:
    """The page an AMP cache serves, from its path: ``www.google.com/amp/s/HOST/PATH`` and
    ``*.cdn.ampproject.org/c/s/HOST/PATH`` (``s/``: over https)."""
    if _is_google(host) and path.startswith("/amp/"):
        rest = path[len("/amp/") :]
    elif host.endswith(".cdn.ampproject.org") and path.startswith(("/c/", "/v/")):
        rest = path[len("/c/") :]
    else:
        return None
    scheme = "http"
    if rest.startswith("s/"):
        scheme, rest = "https", rest[2:]
    return f"{scheme}://{rest}" if rest and not rest.startswith("/") else None


def _target(url: str) -> str | None:
    """The URL a known wrapper carries, None if ``url`` is not one (or carries no http(s) URL)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if host == "href.li":
        found = parts.query  # the whole query is the target
    elif (amp := _amp_cache_target(host, parts.path)) is not None:
        found = amp
    else:
        names = _WRAPPERS.get((host, parts.path)) or _WRAPPERS.get((host, None))
        if names is None and _is_google(host) and parts.path == "/url":
            names = _GOOGLE_URL_PARAMS
        if not names:
            return None
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        found = next((params[n] for n in names if params.get(n)), "")
    found = found.strip()
    if urlsplit(found).scheme.lower() not in ("http", "https"):
        return None
    return found


def unwrap(url: str) -> str:
    """``url`` with known redirect wrappers taken off (see the module docstring); ``url`` itself
    when it is not a wrapper. Never opens anything."""
    for _ in range(_MAX_UNWRAP):
        target = _target(url)
        if target is None:
            return url
        log.debug("%s wraps %s", url, target)
        url = target
    return url


# The list is read at import (~0.15 s, ~10 MB), once per process: not in the middle of the first
# share's fetch, whose time and memory it would otherwise seem to cost.
registrable_domain("example.com")

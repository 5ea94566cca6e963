"""A link's registrable domain (``news.bbc.co.uk`` -> ``bbc.co.uk``), from the Public Suffix List.

One extractor per process, built like :mod:`bot.fetch.sites`'s from tldextract's bundled snapshot
(nothing is ever downloaded or written at run time), without the list's private section: a
server that blocks ``blogspot.com`` blocks every blog under it.
"""

from __future__ import annotations

import functools

import tldextract
import yarl

from bot.fetch.sites import offline_extractor


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    return offline_extractor(private=False)


def registrable_domain(address: str) -> str | None:
    """The registrable domain of a URL or a bare host name, lower case; the host itself for an IP
    address or a name under no public suffix (``localhost``); None when there is no host or the
    host is a public suffix itself (``co.uk``)."""
    text = address.strip()
    host = yarl.URL(text if "//" in text else f"//{text}").host if text else None
    if not host:
        return None
    host = host.rstrip(".").lower()
    found = _extractor()(host)
    if not found.domain:
        return None  # a public suffix itself (co.uk): nobody's site
    if not found.suffix:
        return host  # an IP address, or a name no public suffix covers
    return f"{found.domain}.{found.suffix}"

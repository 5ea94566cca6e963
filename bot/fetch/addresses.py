"""Which IP addresses the fetcher may connect to.

``ipaddress``'s ``is_global`` is not enough (SECURITY.md): on Python 3.11 it calls ``::127.0.0.1``,
NAT64 and 6to4 forms of private addresses, ``fec0::1`` and multicast "global". So addresses that
embed an IPv4 address are unwrapped and the IPv4 part checked, transition ranges that tunnel to
addresses we cannot see (Teredo, 6to4) are refused outright, and the block list is explicit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_V4_BLOCKED = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)

_V6_BLOCKED = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::/96",  # IPv4-compatible (deprecated); unwrapped below, the rest refused
        "::ffff:0:0/96",  # IPv4-mapped; unwrapped below
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/32",  # Teredo: tunnels to an address we cannot check
        "2001:db8::/32",  # documentation
        "2001:10::/28",  # ORCHID
        "2002::/16",  # 6to4: tunnels to an embedded IPv4
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _V4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_forbidden(address: IPAddress | str, allowed: Iterable[Network] = ()) -> bool:
    """True when the fetcher must not connect to ``address``.

    ``allowed`` networks (the ``FETCH_ALLOWED_NETWORKS`` setting) are exempt from the block list;
    an address that embeds an IPv4 address is judged by that IPv4 address as well.
    """
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    allowed = tuple(allowed)
    if any(address.version == net.version and address in net for net in allowed):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None and is_forbidden(inner, allowed):
            return True
        if address.ipv4_mapped is not None or address in _NAT64:
            # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket, and NAT64 is how an IPv6-only
            # network reaches a.b.c.d: the IPv4 part decides.
            return False
        return any(address in net for net in _V6_BLOCKED) or not address.is_global
    return any(address in net for net in _V4_BLOCKED) or not address.is_global

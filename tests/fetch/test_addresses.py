"""The address block list, table-driven over SECURITY.md's forms."""

import ipaddress

import pytest

from bot.fetch.addresses import embedded_ipv4, is_forbidden

FORBIDDEN = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1",
    "100.127.255.255",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "::127.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::7f00:1",
    "64:ff9b:1::1",
    "2002:7f00:1::",
    "2002:0808:0808::",
    "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
    "100::1",
    "::8.8.8.8",
]
ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_forbidden(address: str) -> None:
    assert is_forbidden(address)


@pytest.mark.parametrize("address", ALLOWED)
def test_allowed(address: str) -> None:
    assert not is_forbidden(address)


def test_python_is_global_is_not_trusted() -> None:
    # The forms SECURITY.md says Python 3.11 wrongly calls global (or not private).
    for address in ("::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "fec0::1", "224.0.0.1"):
        assert is_forbidden(address)


def test_allowed_networks_exempt_only_themselves() -> None:
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert not is_forbidden("127.0.0.1", loopback)
    assert not is_forbidden("::ffff:127.0.0.1", loopback)
    assert is_forbidden("::1", loopback)
    assert is_forbidden("10.0.0.1", loopback)
    assert is_forbidden("169.254.169.254", loopback)


@pytest.mark.parametrize(
    ("v6", "v4"),
    [
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("::1.2.3.4", "1.2.3.4"),
        ("64:ff9b::102:304", "1.2.3.4"),
        ("2002:102:304::1", "1.2.3.4"),
        ("2606:4700::1", None),
        ("::1", None),
    ],
)
def test_embedded_ipv4(v6: str, v4: str | None) -> None:
    inner = embedded_ipv4(ipaddress.IPv6Address(v6))
    assert (str(inner) if inner else None) == v4

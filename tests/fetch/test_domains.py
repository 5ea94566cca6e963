"""Registrable domains from the bundled Public Suffix List snapshot (issue 17, item 6)."""

from __future__ import annotations

import pytest

from bot.fetch import domains


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("https://www.bbc.co.uk/news", "bbc.co.uk"),
        ("https://news.BBC.co.uk./a", "bbc.co.uk"),
        ("edition.cnn.com", "cnn.com"),
        ("https://user@www.example.com:8443/x", "example.com"),
        ("http://127.0.0.1:8080/x", "127.0.0.1"),  # an address is its own site
        ("localhost", "localhost"),
        ("co.uk", None),  # a public suffix is nobody's site
        ("", None),
    ],
)
def test_registrable_domain(address: str, expected: str | None) -> None:
    assert domains.registrable_domain(address) == expected


def test_the_list_is_the_bundled_snapshot_never_fetched() -> None:
    extractor = domains._extractor()
    assert tuple(extractor.suffix_list_urls) == ()

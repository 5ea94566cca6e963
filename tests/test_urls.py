"""Tests for bot.urls: table-driven cases per rule, plus property tests on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.urls import url_key

# ---------------------------------------------------------------------------------------- url_key

URL_KEY_CASES = [
    # scheme and host case; path case kept
    ("HTTPS://WWW.Example.COM/Some/Path", "https://www.example.com/Some/Path"),
    ("Http://Example.com", "http://example.com/"),
    # default ports dropped, others kept and written plainly
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:443/a", "http://example.com:443/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("https://example.com:0443/a", "https://example.com/a"),
    ("https://example.com:/a", "https://example.com/a"),
    # fragment dropped, empty path becomes /
    ("https://example.com/a#section-2", "https://example.com/a"),
    ("https://example.com#top", "https://example.com/"),
    ("https://example.com?b=1", "https://example.com/?b=1"),
    # tracking parameters dropped
    (
        "https://www.reuters.com/world/story-2024-01-01/?utm_source=twitter&utm_medium=social",
        "https://www.reuters.com/world/story-2024-01-01/",
    ),
    ("https://example.com/a?fbclid=IwAR0abc", "https://example.com/a"),
    ("https://example.com/a?id=7&gclid=xyz&UTM_Campaign=x", "https://example.com/a?id=7"),
    ("https://example.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4", "https://example.com/a"),
    ("https://example.com/a?utm%5Fsource=x&p=2", "https://example.com/a?p=2"),
    ("https://example.com/a?ref=hn", "https://example.com/a?ref=hn"),  # generic names kept
    ("https://example.com/a?hsa_acc=1&hsa_cam=2&x=1", "https://example.com/a?x=1"),
    # remaining query sorted by name, stable for repeated names, blank values kept
    ("https://example.com/s?q=news&a=1", "https://example.com/s?a=1&q=news"),
    ("https://example.com/s?a=2&b=0&a=1", "https://example.com/s?a=2&a=1&b=0"),
    ("https://example.com/s?z=&flag&a=1", "https://example.com/s?a=1&flag&z="),
    ("https://example.com/s?&&a=1&&", "https://example.com/s?a=1"),
    ("https://example.com/s?", "https://example.com/s"),
    # percent-encoding: upper-case hex, unreserved characters decoded, reserved kept encoded
    ("https://example.com/a%2fb%c3%a9", "https://example.com/a%2Fb%C3%A9"),
    ("https://example.com/%7Euser/%41%2D%5F", "https://example.com/~user/A-_"),
    ("https://example.com/?q=a%2bb", "https://example.com/?q=a%2Bb"),
    ("https://example.com/a b?q=x y", "https://example.com/a%20b?q=x%20y"),
    # IDN hosts to punycode
    ("https://bücher.example/katalog", "https://xn--bcher-kva.example/katalog"),
    ("https://BÜCHER.example/", "https://xn--bcher-kva.example/"),
    ("https://пример.рф/новости", "https://xn--e1afmkfd.xn--p1ai/новости"),
    ("https://例え。テスト/", "https://xn--r8jz45g.xn--zckzah/"),
    ("https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example/"),
    # IPv6 literal
    ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
    # surrounding whitespace ignored
    ("  https://example.com/a  ", "https://example.com/a"),
    # not an http(s) URL with a host: returned stripped, unchanged
    ("", ""),
    ("  not a url ", "not a url"),
    ("ftp://Example.com/a", "ftp://Example.com/a"),
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    ("https://", "https://"),
    ("https:///path", "https:///path"),
    ("http://example.com:port/", "http://example.com:port/"),
    ("http://[::1/", "http://[::1/"),
    ("https://" + "a" * 70 + "é.com/", "https://" + "a" * 70 + "é.com/"),
]


@pytest.mark.parametrize(("url", "expected"), URL_KEY_CASES)
def test_url_key(url: str, expected: str) -> None:
    assert url_key(url) == expected


@pytest.mark.parametrize(("url", "expected"), URL_KEY_CASES)
def test_url_key_is_idempotent_on_table(url: str, expected: str) -> None:
    assert url_key(expected) == expected


def test_url_key_merges_the_same_article_shared_two_ways() -> None:
    a = "https://www.bbc.co.uk/news/world-12345?at_medium=x&utm_source=tw#comments"
    b = "HTTPS://www.BBC.co.uk:443/news/world-12345?utm_campaign=y&at_medium=x"
    assert url_key(a) == url_key(b)


_URLISH = st.builds(
    lambda scheme, host, rest: f"{scheme}://{host}{rest}",
    st.sampled_from(["http", "https", "HTTP", "hTTps", "ftp"]),
    st.text(min_size=0, max_size=30),
    st.text(min_size=0, max_size=60),
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=120), _URLISH))
def test_url_key_never_raises_and_is_idempotent(url: str) -> None:
    key = url_key(url)
    assert isinstance(key, str)
    assert url_key(key) == key

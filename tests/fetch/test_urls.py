"""Tests for bot.fetch.urls: table-driven cases per rule, plus property tests on arbitrary text."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from bot.errors import InvalidURL
from bot.fetch.guard import check_url
from bot.fetch.links import find_links
from bot.fetch.urls import display_host, url_key
from bot.settings import Settings
from tests.fetch.test_links import _MESSAGES

# ---------------------------------------------------------------------------------------- url_key

URL_KEY_CASES = [
    # scheme and host case; path case kept
    ("HTTPS://WWW.Example.COM/Some/Path", "https://example.com/Some/Path"),  # www: a variant
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
        "https://reuters.com/world/story-2024-01-01/",
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


# -------------------------------------------------------------------- one host encoding (issue 10)

# Hosts that IDNA 2003 (Python's "idna" codec) folds together and IDNA 2008, which the fetch
# uses, keeps apart: its four deviation characters, written as text or as the punycode fetched.
DEVIATIONS = [
    ("busineßinsider.com", "businessinsider.com"),
    ("xn--busineinsider-gdb.com", "businessinsider.com"),
    ("BUSINEẞINSIDER.com", "businessinsider.com"),  # capital sharp s
    ("faß.de", "fass.de"),
    ("ςοφια.gr", "σοφια.gr"),
    ("xn--mxaprlv.gr", "σοφια.gr"),
    ("a\u200db.com", "ab.com"),  # ZWJ: IDNA 2003 drops it; the fetcher refuses it
    ("a\u200cb.com", "ab.com"),  # ZWNJ
    ("xn--11b2ezcs70k.in", "\u0915\u094d\u0937.in"),  # ZWNJ after a virama, as punycode
]


@pytest.mark.parametrize(("lookalike", "genuine"), DEVIATIONS)
def test_hosts_differing_by_an_idna_deviation_never_share_a_key_or_a_name(
    lookalike: str, genuine: str
) -> None:
    fake, real = f"https://{lookalike}/x", f"https://{genuine}/x"
    assert url_key(fake) != url_key(real)
    assert display_host(fake) != display_host(real)
    assert display_host(real) == URL(real).host
    assert find_links(f"{fake} {real}") == [fake, real]


@pytest.mark.parametrize("host", [h for pair in DEVIATIONS for h in pair])
def test_the_key_names_the_host_the_fetcher_connects_to(host: str) -> None:
    url = f"https://{host}/x"
    try:
        fetched = check_url(url, Settings()).raw_host
    except InvalidURL:
        assert url_key(url) == url  # refused by the fetcher, and keyed as written
        return
    assert urlsplit(url_key(url)).hostname == fetched


_HOST_TEXT = st.text(
    st.sampled_from(list("abs.-") + ["ß", "ς", "σ", "\u200d", "\u200c", "\u0915", "\u094d", "ü"]),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(_HOST_TEXT)
def test_a_key_host_is_always_the_fetched_host(host: str) -> None:
    url = f"https://{host}.com/x"
    try:
        fetched = check_url(url, Settings()).raw_host
    except InvalidURL:
        assert url_key(url) == url
    else:
        assert urlsplit(url_key(url)).hostname == fetched


MALFORMED_HOSTS = [
    "http://xn--zz/",  # not punycode
    "http://a.xn--/",  # empty punycode
    "http://XN--ZZ.example/",
    "http://xn--abc-.example/",  # decodes to ASCII: not an A-label
    "http://xn--a.example/",
    "http://" + "a" * 64 + ".example/",  # label over 63
    "http://" + "a" * 63 + "." + ("b" * 62 + ".") * 3 + "example/",  # name over 253
    "http://a..example/",  # empty label
    "http://.example/",
]


@pytest.mark.parametrize("url", MALFORMED_HOSTS)
def test_a_malformed_host_is_still_found_keyed_as_written_and_named_by_nothing(url: str) -> None:
    # Found, so the member hears the fetcher's refusal; keyed as written; never shown as a name.
    assert find_links(f"see {url} now") == [url]
    assert url_key(url) == url
    assert display_host(url) == ""


# ---------------------------------------------------------------------------------- display_host

DISPLAY_HOST_CASES = [
    ("https://www.Reuters.com/world/", "www.reuters.com"),
    ("https://example.com:8443/a", "example.com"),
    ("https://bücher.example/", "bücher.example"),
    ("https://xn--bcher-kva.example/", "bücher.example"),
    ("https://яндекс.рф/", "яндекс.рф"),
    ("https://пример.com/", "пример.com"),
    ("https://例え.テスト/", "例え.テスト"),
    ("https://日本語ドメインexample.jp/", "日本語ドメインexample.jp"),
    ("https://한국어도메인.kr/", "한국어도메인.kr"),
    ("https://αθηνα.gr/", "αθηνα.gr"),
    ("https://news-24.рф/", "news-24.рф"),
    # mixed scripts in one label: homographs shown as punycode
    ("https://\u0430pple.com/", "xn--pple-43d.com"),  # Cyrillic а + Latin pple
    ("https://paypa\u04cf.com/", "xn--paypa-iof.com"),  # Cyrillic palochka for l
    ("https://g\u03bfogle.com/", "xn--gogle-rce.com"),  # Greek omicron
    ("https://xn--pple-43d.com/", "xn--pple-43d.com"),
    # an all-Cyrillic look-alike of a Latin name under a Latin TLD
    ("https://\u0430\u0440\u0440\u04cf\u0435.com/", "xn--80ak6aa92e.com"),
    ("https://\u0440\u0430\u0441.рф/", "\u0440\u0430\u0441.рф"),  # fine under a Cyrillic TLD
    # no host
    ("not a url", ""),
    ("http://[::1]:8080/", "[::1]"),
    # malformed: never fetched, so never named
    ("https://xn--zz.com/", ""),
    # IDNA 2008 as fetched: ß and ς are letters, not ss and σ
    ("https://busineßinsider.com/", "busineßinsider.com"),
    ("https://xn--busineinsider-gdb.com/", "busineßinsider.com"),
    ("https://ςοφια.gr/", "ςοφια.gr"),
    # what only IDNA 2003 could encode (a symbol) is named by the punycode fetched
    ("https://☃.com/", "xn--n3h.com"),
    # a joiner's punycode: the fetcher refuses the joiner written out, so this form as well
    ("https://xn--11b2ezcs70k.in/", ""),
]


@pytest.mark.parametrize(("url", "expected"), DISPLAY_HOST_CASES)
def test_display_host(url: str, expected: str) -> None:
    assert display_host(url) == expected


@settings(max_examples=200, deadline=None)
@given(_MESSAGES)
def test_display_host_never_raises(text: str) -> None:
    assert isinstance(display_host(text), str)

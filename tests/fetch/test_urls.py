"""Tests for bot.fetch.urls: table-driven cases per rule, plus property tests on arbitrary text."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from bot.errors import InvalidURL
from bot.fetch.fetcher import check_url
from bot.fetch.urls import display_host, find_links, sharer_words, url_key
from bot.settings import Settings
from tests._growth import assert_linear

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


# ------------------------------------------------------------------------------------- find_links

FIND_LINKS_CASES = [
    # plain messages
    (
        "https://www.reuters.com/world/nato-2012-12-02/",
        ["https://www.reuters.com/world/nato-2012-12-02/"],
    ),
    ("no links here, just chat", []),
    ("", []),
    (
        "Big news today https://apnews.com/article/abc123 what do you all think?",
        ["https://apnews.com/article/abc123"],
    ),
    (
        "first http://example.com/one\nsecond https://example.org/two",
        ["http://example.com/one", "https://example.org/two"],
    ),
    # trailing punctuation is prose, not URL
    ("Read this: https://example.com/a.", ["https://example.com/a"]),
    (
        "https://example.com/a, https://example.com/b; https://example.com/c:",
        [
            "https://example.com/a",
            "https://example.com/b",
            "https://example.com/c",
        ],
    ),
    ("Wow https://example.com/a!!!", ["https://example.com/a"]),
    ("Is this real https://example.com/a?", ["https://example.com/a"]),
    ("Is this real https://example.com/a?id=3?", ["https://example.com/a?id=3"]),
    ('he said "https://example.com/q" twice', ["https://example.com/q"]),
    ("“https://example.com/curly”…", ["https://example.com/curly"]),
    ("'https://example.com/single'", ["https://example.com/single"]),
    ("see https://example.com/a...", ["https://example.com/a"]),
    ("https://example.com/file.html.", ["https://example.com/file.html"]),
    ("見て https://example.jp/記事。", ["https://example.jp/記事"]),
    # parentheses: balanced ones belong to the URL, an unbalanced closer to the prose
    (
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
        ["https://en.wikipedia.org/wiki/Python_(programming_language)"],
    ),
    ("(see https://example.com/a)", ["https://example.com/a"]),
    ("(see https://example.com/a).", ["https://example.com/a"]),
    (
        "(background: https://en.wikipedia.org/wiki/Mercury_(planet))",
        ["https://en.wikipedia.org/wiki/Mercury_(planet)"],
    ),
    ("[see https://example.com/a]", ["https://example.com/a"]),
    # Discord masked links: the URL counts
    ("[Reuters story](https://www.reuters.com/a) is good", ["https://www.reuters.com/a"]),
    (
        "[wiki](https://en.wikipedia.org/wiki/Mercury_(planet)) and more",
        ["https://en.wikipedia.org/wiki/Mercury_(planet)"],
    ),
    ("[ spaced ]( https://example.com/a )", ["https://example.com/a"]),
    ("**[bold label](https://example.com/a)**", ["https://example.com/a"]),
    # markdown emphasis around a link
    ("**https://example.com/bold**", ["https://example.com/bold"]),
    ("*https://example.com/italic*", ["https://example.com/italic"]),
    ("_https://example.com/italic_", ["https://example.com/italic"]),
    ("__https://example.com/underline__", ["https://example.com/underline"]),
    ("~~https://example.com/struck~~", ["https://example.com/struck"]),
    ("***https://example.com/both***!", ["https://example.com/both"]),
    ("https://example.com/snake_case_", ["https://example.com/snake_case_"]),
    ("> https://example.com/quoted", ["https://example.com/quoted"]),
    # scheme case, IDN hosts; returned exactly as posted
    ("HTTPS://EXAMPLE.COM/Path", ["HTTPS://EXAMPLE.COM/Path"]),
    ("Http://Example.com/x", ["Http://Example.com/x"]),
    ("https://bücher.example/katalog?x=1", ["https://bücher.example/katalog?x=1"]),
    ("новости https://пример.рф/статья", ["https://пример.рф/статья"]),
    (
        "https://example.com/a?utm_source=x&b=1#frag",
        ["https://example.com/a?utm_source=x&b=1#frag"],
    ),
    # skipped: no-preview links, code, spoilers
    ("<https://example.com/no-preview>", []),
    ("<https://example.com/a> but https://example.com/b", ["https://example.com/b"]),
    ("[label](<https://example.com/suppressed>)", []),
    ("`https://example.com/code`", []),
    ("``https://example.com/code ` tick``", []),
    ("```\ncurl https://example.com/api\n```", []),
    (
        "```py\nx = 'https://example.com/a'\n``` then https://example.com/b",
        ["https://example.com/b"],
    ),
    ("||https://example.com/spoiler||", []),
    ("||ending spoiler https://example.com/s|| https://example.com/t", ["https://example.com/t"]),
    ("`||` https://example.com/shown `||`", ["https://example.com/shown"]),
    ("||`code in spoiler` https://example.com/s||", []),
    ("an unclosed `tick https://example.com/a", ["https://example.com/a"]),
    # not links
    ("ftp://example.com/file mailto:a@example.com", []),
    ("https:// and http://", []),
    ("xhttps://example.com/glued", []),
    ("https://.", []),
    ("https://(((", []),
    ("[x](https://-._~)", []),
    ("example.com/no-scheme www.example.com", []),
    # duplicates by url_key count once, the first kept as written
    (
        "https://example.com/a?utm_source=tw and HTTPS://EXAMPLE.com/a#c",
        ["https://example.com/a?utm_source=tw"],
    ),
    ("https://example.com/a https://example.com/a", ["https://example.com/a"]),
    ("[x](https://example.com/a) https://example.com/a", ["https://example.com/a"]),
    # at most three by default, in order of appearance
    (
        "https://a.example/ https://b.example/ https://c.example/ https://d.example/",
        ["https://a.example/", "https://b.example/", "https://c.example/"],
    ),
    (
        "https://b.example/x [a](https://a.example/y)",
        ["https://b.example/x", "https://a.example/y"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), FIND_LINKS_CASES)
def test_find_links(text: str, expected: list[str]) -> None:
    assert find_links(text) == expected


@pytest.mark.parametrize(("limit", "expected"), [(0, []), (1, ["https://a.example/"]), (5, 4)])
def test_find_links_limit(limit: int, expected: list[str] | int) -> None:
    text = "https://a.example/ https://b.example/ https://c.example/ https://d.example/"
    links = find_links(text, limit=limit)
    if isinstance(expected, int):
        assert len(links) == expected
    else:
        assert links == expected


# ---------------------------------------------------------------------------------- sharer_words

SHARER_WORDS_CASES = [
    ("https://example.com/a", None),
    ("   https://example.com/a   ", None),
    ("Big if true https://example.com/a", "Big if true"),
    ("https://example.com/a\n\nThis is   the one I meant.", "This is the one I meant."),
    ("Interesting read: https://example.com/a", "Interesting read"),
    ("Wow, https://example.com/a.", "Wow."),
    ("Great piece - https://example.com/a", "Great piece"),
    ("https://example.com/a - must read", "must read"),
    ("**https://example.com/a**", None),
    ("must read **https://example.com/a**", "must read"),
    ("(https://example.com/a)", None),
    ("“https://example.com/a”!", None),
    ("ok https://example.com/a", "ok"),
    ("k https://example.com/a", None),
    ("🔥 https://example.com/a", "🔥"),
    ("!!! https://example.com/a ...", None),
    ("See [this story](https://example.com/a) on NATO", "See this story on NATO"),
    ("ignore `code https://x.example/` but https://example.com/a matters", "ignore but matters"),
    ("```\nhttps://x.example/\n``` https://example.com/a", None),
    ("no spoilers ||the butler did it|| https://example.com/a", "no spoilers"),
    ("also <https://example.com/other> worth it https://example.com/a", "also worth it"),
    ("> quoted line\n> https://example.com/a", "quoted line"),
    ("This, not that https://example.com/a?utm_source=x https://example.com/a", "This, not that"),
    ("I *really* like https://example.com/a", "I *really* like"),
]


@pytest.mark.parametrize(("text", "expected"), SHARER_WORDS_CASES)
def test_sharer_words(text: str, expected: str | None) -> None:
    assert sharer_words(text, find_links(text)) == expected


def test_sharer_words_keeps_links_it_was_not_given() -> None:
    text = "compare https://a.example/x with https://b.example/y"
    assert sharer_words(text, ["https://a.example/x"]) == "compare with https://b.example/y"


def test_sharer_words_with_no_links_is_the_message() -> None:
    assert sharer_words("  just   talking\nhere ", []) == "just talking here"


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


# ------------------------------------------------------------------------------ property tests

# Text rich in the characters the parser cares about, so the properties meet real edge cases.
_MESSAGE_PIECES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "https://",
            "http://",
            "HTTPS://",
            "example.com",
            "bücher.example",
            "/a_(b)",
            "?utm_source=x&a=1",
            "`",
            "``",
            "```",
            "||",
            "<",
            ">",
            "[",
            "](",
            ")",
            "(",
            "**",
            "_",
            "~~",
            ".",
            ",",
            "!",
            "\u201d",
            " ",
            "\n",
            "#x",
        ]
    ),
)
_MESSAGES = st.one_of(st.text(max_size=200), st.lists(_MESSAGE_PIECES, max_size=30).map("".join))


@settings(max_examples=200, deadline=None)
@given(_MESSAGES, st.integers(min_value=0, max_value=5))
def test_find_links_properties(text: str, limit: int) -> None:
    links = find_links(text, limit=limit)
    assert len(links) <= limit
    assert len({url_key(link) for link in links}) == len(links)
    for link in links:
        assert link in text
        assert link.lower().startswith(("http://", "https://"))


@settings(max_examples=200, deadline=None)
@given(_MESSAGES)
def test_sharer_words_never_raises(text: str) -> None:
    words = sharer_words(text, find_links(text))
    assert words is None or (words and words == words.strip())


@settings(max_examples=200, deadline=None)
@given(_MESSAGES)
def test_display_host_never_raises(text: str) -> None:
    assert isinstance(display_host(text), str)


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("(", ")"), ("[", "]"), ("**", "**"), ("(“[", "]”)"), ("~~ ( ", " ) ~~"), ("(", "")],
)
def test_sharer_words_is_linear_in_nested_pairs(opening: str, closing: str) -> None:
    # Issue 10: 4,000 characters of "((( … )))" cost 350 ms on the event loop, one pass per level.
    def make(n: int) -> str:
        depth = n // (len(opening) + len(closing))
        return "see " + opening * depth + "https://example.com/a " + closing * depth

    assert sharer_words(make(40), find_links(make(40))) == "see"
    assert_linear(lambda text: sharer_words(text, find_links(text)), make, 500)

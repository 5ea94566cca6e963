"""Tests for bot.fetch.links: table-driven cases per rule, plus property tests on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fetch.links import find_links, sharer_words
from bot.fetch.urls import url_key
from tests._growth import assert_linear

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

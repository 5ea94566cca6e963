"""bot.article.document: the page decoded and parsed once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.article.document import _NOT_XML, _holds_non_xml, parse_page

# Every character the XML test treats differently, its neighbours, and multi-byte letters whose
# UTF-8 shares bytes with U+FFFE and U+FFFF (U+FFFD, U+FFBE, U+EFBF).
_CHARACTERS = st.sampled_from(
    [chr(c) for c in range(0x21)]
    + ["\x7f", "\x80", "a", "é", "Ж", "\ufffd", "\ufffe", "\uffff", "\uffbe", "\uefbf", "😀"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_CHARACTERS, max_size=12).map("".join))
def test_bytes_test_finds_what_the_regex_finds(text: str) -> None:
    assert _holds_non_xml(text.encode("utf-8")) == (_NOT_XML.search(text) is not None)


def test_characters_xml_forbids_are_spaces_in_the_tree() -> None:
    page = "<html><body><p>one\x01two\ufffethree\x7ffour\ufffffive</p></body></html>"
    parsed = parse_page(page.encode(), "https://example.com/a", charset="utf-8", max_bytes=1 << 20)
    assert parsed is not None
    text, doc = parsed
    assert doc.findtext(".//p") == "one two three four five"
    assert "\x01" not in text

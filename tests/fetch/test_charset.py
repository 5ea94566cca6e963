"""decode_html: SECURITY.md's charset order, WHATWG's latin-1 labels, and no crash on bad bytes."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetch.charset import decode_html, normalize_charset

CURLY_CP1252 = "\u201cCaf\u00e9\u201d \u2014 na\u00efve".encode("cp1252")


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        # BOM beats everything, including a contradicting meta and header.
        (codecs.BOM_UTF8 + b'<meta charset="koi8-r"><p>caf\xc3\xa9', "cp1252", "<p>caf\u00e9"),
        (codecs.BOM_UTF16_LE + "<p>\u017e".encode("utf-16-le"), None, "<p>\u017e"),
        # meta charset, and the http-equiv form, beat the header.
        (
            b'<meta charset="windows-1252"><p>' + CURLY_CP1252,
            "utf-8",
            "\u201cCaf\u00e9\u201d \u2014 na\u00efve",
        ),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-2">'
            b"<p>\xb1\xe6\xbe",
            None,
            "\u0105\u0107\u017e",
        ),
        # XML declaration when there is no meta.
        (
            b'<?xml version="1.0" encoding="KOI8-R"?><p>\xf0\xd2\xc9\xd7\xc5\xd4',
            None,
            "\u041f\u0440\u0438\u0432\u0435\u0442",
        ),
        # Header when the document says nothing.
        (b"<p>\xe8\xe9", "iso-8859-2", "<p>\u010d\u00e9"),
        # Nothing declared: strict UTF-8 first, then cp1252.
        (b"<p>caf\xc3\xa9", None, "<p>caf\u00e9"),
        (b"<p>" + CURLY_CP1252, None, "\u201cCaf\u00e9\u201d"),
        # latin-1 and ascii labels mean cp1252, as in browsers.
        (b'<meta charset="iso-8859-1"><p>\x93hi\x94', None, "\u201chi\u201d"),
        (b"<p>\x93hi\x94", "us-ascii", "\u201chi\u201d"),
        # Bogus or non-text codec names are skipped, falling through to the next source.
        (b'<meta charset="no-such-charset"><p>caf\xc3\xa9', None, "caf\u00e9"),
        (b'<meta charset="rot13"><p>abc', None, "<p>abc"),
        (b"<p>abc\xe9", "base64", "abc\u00e9"),
        # A document cannot truthfully declare UTF-16 in ASCII bytes; UTF-7 is never used.
        (b'<meta charset="utf-16"><p>caf\xc3\xa9', None, "caf\u00e9"),
        (b'<meta charset="utf-7"><p>+ADw-script', None, "+ADw-script"),
        # NULs are removed.
        (b"<p>a\x00b", None, "<p>ab"),
    ],
)
def test_decode_order(body: bytes, header: str | None, expected: str) -> None:
    assert expected in decode_html(body, header)


def test_meta_only_counts_in_first_1024_bytes() -> None:
    body = b"<p>" + b" " * 1100 + b'<meta charset="koi8-r"><p>caf\xc3\xa9'
    assert decode_html(body).endswith("caf\u00e9")


def test_utf8_cut_inside_a_character_stays_utf8() -> None:
    body = "<p>\u201cquoted\u201d \u20ac".encode()[:-1]
    text = decode_html(body)
    assert text.startswith("<p>\u201cquoted\u201d")


def test_bad_bytes_in_declared_charset_are_replaced() -> None:
    assert decode_html(b'<meta charset="utf-8"><p>\xff\xfeok', None).endswith("\ufffd\ufffdok")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("latin1", "cp1252"),
        ("ISO-8859-1", "cp1252"),
        ("ascii", "cp1252"),
        ("UTF8", "utf-8"),
        ("koi8-r", "koi8-r"),
        ("", None),
        ("nope", None),
        ("hex", None),
        (None, None),
    ],
)
def test_normalize_charset(label: str | None, expected: str | None) -> None:
    assert normalize_charset(label) == expected


@given(
    st.binary(max_size=2048),
    st.one_of(st.none(), st.sampled_from(["utf-8", "bogus", "utf-16", "koi8-r", "rot13"])),
)
def test_never_raises_and_never_returns_nul(body: bytes, header: str | None) -> None:
    text = decode_html(body, header)
    assert isinstance(text, str)
    assert "\x00" not in text


def test_late_meta_decodes_bytes_that_are_not_utf8() -> None:
    # An archive's banner pushes the page's own <meta> past 1024 bytes (the Xinhua page on the
    # Wayback Machine): the GB2312 text is read as declared, as a browser reparses it, not as cp1252.
    body = (
        b"<script>" + b" " * 1100 + b"</script><meta charset=gb2312><p>" + "新华网".encode("gb2312")
    )
    assert decode_html(body).endswith("<p>新华网")


def test_late_meta_is_ignored_when_the_bytes_are_utf8_or_it_says_utf8() -> None:
    late = b"<p>" + b" " * 1100
    assert decode_html(late + b'<meta charset="utf-8"><p>' + CURLY_CP1252).endswith(
        "\u201cCaf\u00e9\u201d \u2014 na\u00efve"
    )
    # Past the 64 KiB searched, cp1252 as before.
    far = b"<p>" + b" " * (64 * 1024) + b"<meta charset=gb2312><p>"
    assert decode_html(far + CURLY_CP1252).endswith("\u201cCaf\u00e9\u201d \u2014 na\u00efve")

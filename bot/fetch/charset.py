"""Turning the bytes of a fetched page into text.

The order follows SECURITY.md ("Content"), which is Synapse's: a byte-order mark, then a
``<meta charset>`` or ``http-equiv`` declaration in the first 1024 bytes, then an XML declaration,
then the Content-Type header's charset, then strict UTF-8, then cp1252. A declared name Python does
not know, or one that is not a text encoding (``rot13``, ``base64``), is skipped, not trusted.

One refinement of the last step: bytes that are not UTF-8 and declare a charset only after the
first 1024 bytes (an archive's banner pushed the page's own ``<meta>`` down) are decoded as
declared, not as cp1252. A browser does the same: its guess is only tentative, and the parser
changes the encoding when it meets that ``<meta>``. Only the first 64 KiB are searched.
"""

from __future__ import annotations

import codecs
import logging
import re

log = logging.getLogger(__name__)

__all__ = ["decode_html", "normalize_charset"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# "[^<>]", not "[^>]": after many "<meta" and no ">", each would be scanned to the end.
_META_CHARSET = re.compile(
    rb"""<meta[^<>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-zA-Z0-9_.:\-]+)["']""", re.IGNORECASE
)

# WHATWG decodes these labels as windows-1252: pages labelled latin-1 routinely use the
# 0x80-0x9F curly quotes and dashes that only cp1252 defines.
_AS_CP1252 = frozenset(
    {
        "latin1",
        "latin_1",
        "iso8859_1",
        "iso_8859_1",
        "l1",
        "ascii",
        "us_ascii",
        "cp819",
        "ibm819",
        "iso_ir_100",
        "x_cp1252",
        "cp1252",
        "windows_1252",
    }
)

# A declaration inside the document is read from ASCII-compatible bytes, so it cannot truthfully
# name UTF-16/32 (WHATWG then means UTF-8); UTF-7 is refused as a known XSS vector.
_NOT_FROM_DOCUMENT = frozenset(
    {"utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"}
)
_NEVER = frozenset({"utf_7"})

# How far a late <meta charset> is looked for when the bytes are not UTF-8 (see the docstring).
_LATE_META_BYTES = 64 * 1024


def normalize_charset(label: str | None, *, in_document: bool = False) -> str | None:
    """The Python codec name for a declared charset ``label``, or None if it cannot be used."""
    if not label:
        return None
    key = label.strip().lower().replace("-", "_").replace(" ", "_")
    if key in _AS_CP1252:
        return "cp1252"
    try:
        info = codecs.lookup(label.strip())
    except (LookupError, ValueError):
        return None
    # Non-text codecs (rot13, base64, zlib) are registered too; a page cannot declare them.
    if not getattr(info, "_is_text_encoding", True):
        return None
    name = info.name.replace("-", "_")
    if name in _NEVER:
        return None
    if name in ("latin_1", "iso8859_1", "ascii"):
        return "cp1252"
    if in_document and name in _NOT_FROM_DOCUMENT:
        return "utf-8"
    return info.name


def _declared_in_document(head: bytes) -> str | None:
    for match in _META_CHARSET.finditer(head):
        name = normalize_charset(match.group(1).decode("ascii", "replace"), in_document=True)
        if name is not None:
            return name
    declaration = _XML_ENCODING.match(head)
    if declaration is not None:
        return normalize_charset(declaration.group(1).decode("ascii", "replace"), in_document=True)
    return None


def _declared_late(body: bytes) -> str | None:
    """A ``<meta>`` charset past the first 1024 bytes, for bytes already known not to be UTF-8."""
    for match in _META_CHARSET.finditer(body, 1024, _LATE_META_BYTES):
        name = normalize_charset(match.group(1).decode("ascii", "replace"), in_document=True)
        # A late "utf-8" is no help: the bytes were just found not to be UTF-8.
        if name is not None and codecs.lookup(name).name != "utf-8":
            return name
    return None


def _choose(body: bytes, header_charset: str | None) -> tuple[str, int]:
    """The codec for ``body`` and how many leading bytes (a BOM) to skip."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    declared = _declared_in_document(body[:1024])
    if declared is not None:
        return declared, 0
    from_header = normalize_charset(header_charset)
    if from_header is not None:
        return from_header, 0
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A body cut at a byte limit may end inside a character; that is still UTF-8 if the
        # non-ASCII text before the cut was valid UTF-8.
        cut_short = exc.reason == "unexpected end of data" and exc.start >= len(body) - 3
        if not (cut_short and not body[: exc.start].isascii()):
            return _declared_late(body) or "cp1252", 0
    return "utf-8", 0


def decode_html(body: bytes, header_charset: str | None = None) -> str:
    """Decode a page's bytes to text; never raises on bad bytes (they become U+FFFD).

    NUL characters are removed: lxml treats them as the end of the document.
    """
    codec, skip = _choose(body, header_charset)
    log.debug("decoding %d bytes as %s", len(body), codec)
    try:
        text = body[skip:].decode(codec, "replace")
    except (LookupError, UnicodeError):
        # A codec that accepts the name but cannot decode at all (rare stateful ones).
        text = body[skip:].decode("cp1252", "replace")
    return text.replace("\x00", "")

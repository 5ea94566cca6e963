"""The parsed page and what is read from it once, before anything is removed: meta tags and
JSON-LD (:mod:`bot.article.jsonld`). Body, page kind and metadata code all take a :class:`Page`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html

from bot.article.jsonld import JsonLd, read_json_ld

__all__ = ["Page", "as_str", "clean_meta_text", "itemprop_values", "read_page", "shown_text"]


def clean_meta_text(text: str | None) -> str:
    """NFC, with runs of white space made one space: how metadata compares and shows text."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class Page:
    """What the readers read, gathered in one pass over the document."""

    doc: lxml.html.HtmlElement
    url: str
    meta: dict[str, list[str]]
    json_ld: JsonLd
    # filled on first use (:func:`shown_text`): the date and author readers check against it
    shown_text: str | None = None
    # filled on first use (:func:`itemprop_values`): the publisher and date readers search it
    itemprops: list[Any] | None = None

    def first(self, *keys: str) -> str | None:
        """The first non-empty value of the first of ``keys`` present in meta tags."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    return value
        return None

    def all(self, *keys: str) -> list[str]:
        return [v for key in keys for v in self.meta.get(key, ()) if v]


def _read_meta(doc: lxml.html.HtmlElement) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for el in doc.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        content = clean_meta_text(content)
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key:
                meta.setdefault(key.strip().lower(), []).append(content)
    return meta


_NOT_SHOWN_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})


def shown_text(page: Page) -> str:
    """The text a reader sees: the body without scripts and styles, NFC, white space collapsed,
    case-folded. Read once per page."""
    if page.shown_text is None:
        body = page.doc.find("body")
        parts: list[str] = []
        if body is not None:
            for el in body.iter():
                if isinstance(el.tag, str) and el.tag not in _NOT_SHOWN_TAGS and el.text:
                    parts.append(el.text)
                if el.tail and el is not body:
                    parts.append(el.tail)
        page.shown_text = clean_meta_text(" ".join(parts)).casefold()
    return page.shown_text


_ITEMPROP_VALUES = lxml.etree.XPath("/descendant::*/@itemprop")


def itemprop_values(page: Page) -> list[Any]:
    """The page's ``itemprop`` values in document order, as strings that know their element
    (``value.getparent()``). Read once per page: testing every element's itemprop in XPath costs
    more than comparing the strings, and several readers ask."""
    if page.itemprops is None:
        page.itemprops = _ITEMPROP_VALUES(page.doc)
    return page.itemprops


def read_page(doc: lxml.html.HtmlElement, url: str) -> Page:
    return Page(doc, url, _read_meta(doc), read_json_ld(doc))


def as_str(value: Any) -> str:
    """A JSON-LD value as text: a string, or the name, value or address of an object."""
    if isinstance(value, str):
        return clean_meta_text(value)
    if isinstance(value, dict):
        for key in ("name", "@value", "url"):
            if isinstance(value.get(key), str):
                return clean_meta_text(value[key])
    if isinstance(value, list) and value:
        return as_str(value[0])
    return ""

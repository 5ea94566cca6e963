"""What a page shows its readers: whether a name is in text the browser draws.

Text inside an element a browser does not draw (the ``hidden`` attribute, an inline
``display: none`` or ``visibility: hidden``, a class that hides on every screen) is not shown.
Authors are named only when shown (:mod:`bot.article.metadata.authors`, issue 15).
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from bot.article.page import Page, clean_meta_text, shown_text

_WORD = re.compile(r"\w+")

# one text node holding the name as written: lxml answers in C, without building the page's text
_TEXT_HOLDING = lxml.etree.XPath(
    "//body//text()[contains(., $name)]"
    "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)
# elements a browser does not draw, whatever the stylesheet says
_MAYBE = "@hidden or @style or contains(@class, 'hidden') or contains(@class, 'd-none')"
_MAYBE_HIDDEN = lxml.etree.XPath(f"//body//*[{_MAYBE}]")
# below <body>: a class on <body> or <html> ("sidebar-hidden", "js-hidden") is a page's state
_MAYBE_HIDDEN_AROUND = lxml.etree.XPath(f"ancestor-or-self::*[ancestor::body][{_MAYBE}]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# class names that hide an element on every screen ("hidden", Bootstrap's "d-none", themes'
# "rich-snippet-hidden"); not "overflow-hidden", nor "hidden-xs"/"md:hidden" (one screen size),
# nor a "hidden" beside a class that shows it on some screens ("hidden md:block", "d-lg-flex")
_SHOWN_ON_SOME_SCREENS = re.compile(r":|^d-(?:sm|md|lg|xl|xxl)-|^visible-")


def _hiding_class(el: lxml.html.HtmlElement) -> bool:
    tokens = (el.get("class") or "").lower().split()
    if any(_SHOWN_ON_SOME_SCREENS.search(t) for t in tokens):
        return False
    return any(
        t in ("hidden", "d-none", "is-hidden")
        or (t.endswith("-hidden") and not t.startswith(("overflow", "scroll", "visually")))
        for t in tokens
    )


_NOT_SHOWN_TAGS = frozenset({"script", "style", "noscript", "template"})


def _hidden(el: lxml.html.HtmlElement) -> bool:
    return (
        el.get("hidden") is not None
        or bool(_HIDDEN_STYLE.search(el.get("style") or ""))
        or _hiding_class(el)
    )


class Shown:
    """Whether the page shows a name to its readers: as written, else in other case, across
    elements or word by word ("Doe, Jane" for "Jane Doe"). Text inside an element the browser
    does not draw (``hidden``, an inline ``display: none``) is not shown: templates keep the
    CMS user's name there (issue 15, fold B: a hidden author card beside a byline naming a city)."""

    def __init__(self, page: Page) -> None:
        self._page = page
        self._hidden: set[lxml.html.HtmlElement] | None = None
        self._text: str | None = None
        # the words of each text looked at, by the text
        self._words: dict[str, set[str]] = {}

    def _hidden_elements(self) -> set[lxml.html.HtmlElement]:
        if self._hidden is None:
            self._hidden = {el for el in _MAYBE_HIDDEN(self._page.doc) if _hidden(el)}
        return self._hidden

    def _visible_text(self) -> str:
        if self._text is None:
            hidden = self._hidden_elements()
            body = self._page.doc.find("body")
            if not hidden or body is None:
                self._text = shown_text(self._page)
            else:
                # every element inside a hidden one; a hidden element's own tail is shown
                inside = {d for el in hidden for d in el.iter()}
                parts: list[str] = []
                for el in body.iter():
                    if el not in inside:
                        if isinstance(el.tag, str) and el.tag not in _NOT_SHOWN_TAGS and el.text:
                            parts.append(el.text)
                    elif el not in hidden or el.getparent() in inside:
                        continue
                    if el.tail and el is not body:
                        parts.append(el.tail)
                self._text = clean_meta_text(" ".join(parts)).casefold()
        return self._text

    def __call__(self, name: str) -> bool:
        # the name as written in one text node outside hidden elements: answered without
        # building the page's text (the usual case)
        for node in _TEXT_HOLDING(self._page.doc, name=name):
            owner = node.getparent()
            if owner is not None and node.is_tail:
                owner = owner.getparent()
            if owner is None or not any(_hidden(el) for el in _MAYBE_HIDDEN_AROUND(owner)):
                return True
        # the page's whole text first (read once, the dates read it too): a name it does not
        # hold is not shown, and the visible text is built only for a name it holds
        return self._in_text(name, shown_text(self._page)) and self._in_text(
            name, self._visible_text()
        )

    def _in_text(self, name: str, text: str) -> bool:
        """In other case, across elements or word by word ("Doe, Jane" for "Jane Doe")."""
        folded = name.casefold()
        if folded in text:
            return True
        words = _WORD.findall(folded)
        if not words:
            return False
        if text not in self._words:
            self._words[text] = set(_WORD.findall(text))
        return all(word in self._words[text] for word in words)

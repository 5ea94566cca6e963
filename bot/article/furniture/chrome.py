"""Site chrome removed from the tree before readability chooses the article: navigation, asides,
and elements whose class or id names furniture (cookie banners, related boxes, share bars)."""

from __future__ import annotations

import re
from typing import Any

import lxml.etree
import lxml.html

from bot.article.names import names_holding

_DROP_TAGS = ("nav", "aside", "figcaption", "button", "select", "noscript", "dialog", "template")
# An element with role="button" is a control like <button>: "Bild anzeigen Bild schließen" over a
# recipe step's photo is never text.
_DROP_ROLES = {"navigation", "complementary", "banner", "dialog", "alertdialog", "search", "button"}
_FURNITURE_WORDS = frozenset(
    {
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "related",
        "recommended",
        "recommendations",
        "newsletter",
        "newsletters",
        "comment",
        "comments",
        "disqus",
        "share",
        "sharing",
        "sharebar",
        "social",
        "promo",
        "advert",
        "advertisement",
        "ad",
        "ads",
        "adslot",
        "sponsored",
        "outbrain",
        "taboola",
        "breadcrumb",
        "breadcrumbs",
        "sidebar",
        "trending",
        "mostread",
        "popular",
        "byline",
        "caption",
        "credit",
        "credits",
        "signup",
        "subscribe",
        "readmore",
        "skiplink",
        "tags",
        "toolbar",
    }
)
# A token naming the article itself is never furniture: "entry-content-read-more", "comment-text".
_CONTENT_WORDS = frozenset(
    {"content", "body", "article", "entry", "main", "text", "story", "post", "page"}
)
_TOKEN_SPLIT = re.compile(r"[-_]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")


_Trie = dict[str, "_Trie"]


def _trie_pattern(words: frozenset[str]) -> str:
    """An alternation of ``words`` with shared prefixes factored out ("ad(?:s(?:lot)?|vert…)?"):
    the regex engine then tries one branch per letter instead of every word at every position
    (three times faster on class names, and the same words match)."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: _Trie) -> str:
        alternatives = [re.escape(ch) + branch(child) for ch, child in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        if len(alternatives) == 1 and "" not in node:
            return alternatives[0]
        group = "(?:" + "|".join(alternatives) + ")"
        return group + "?" if "" in node else group

    return branch(trie)


_FURNITURE_HINT = re.compile(_trie_pattern(_FURNITURE_WORDS))
_PROTECTED_TAGS = {"html", "body", "article", "main"}
# An element holding this share of the page's paragraph text is the article, whatever its class.
_MAX_FURNITURE_SHARE = 0.5


def _names_any(marks: str, furniture: frozenset[str]) -> bool:
    """Whether a class or id token of ``marks`` holds a word of ``furniture`` and none naming
    the article itself."""
    for token in marks.split():
        parts = _TOKEN_SPLIT.split(token)
        if len(parts) > 4:
            continue
        # camelCase parts ("InlineImage-imageEmbedCaption") join several words into one part.
        if token.islower():
            words = set(parts)
        else:
            words = {w.lower() for part in parts for w in _CAMEL_BOUNDARY.split(part)}
        if not _CONTENT_WORDS.intersection(words) and furniture.intersection(words):
            return True
    return False


# The names of the body's elements, as strings that know their element: an element object for
# every element with a class, id or role cost more than judging the names, and only the few that
# name furniture need one. (A name is furniture when one of its words is, so an element is when
# its class or its id is.)
_CLASS_VALUES = lxml.etree.XPath("descendant::*/@class")
_ID_VALUES = lxml.etree.XPath("descendant::*/@id")
_ROLE_VALUES = lxml.etree.XPath("descendant::*/@role")
# the elements found by either name, once each, in document order
_IN_ORDER = lxml.etree.XPath("$roles | $classes | $ids")
# A schema.org Person given as the article's author together with a description of them is an
# author bio box ("About Kathrin: I bake..."), whatever the site calls its class.
_ITEMPROP_VALUES = lxml.etree.XPath("descendant::*/@itemprop")
# A box named for the author that holds a paragraph is their bio ("mvp-author-box": "Senior
# editor... follow me on Twitter"); a byline is a line of text, not a paragraph, and stays.
_AUTHOR_WORDS = frozenset({"author"})
# Each mark's subtree is searched: a hostile page nesting thousands of them would cost their
# square; a real page has a handful.
_MAX_AUTHOR_MARKS = 40


def _author_boxes(
    body: lxml.html.HtmlElement, class_values: list[Any], id_values: list[Any]
) -> list[lxml.html.HtmlElement]:
    """Author bio boxes: found from the attribute values as strings (an XPath test of every
    element's class, id and itemprop cost as much as the rest of chrome removal)."""
    boxes: list[lxml.html.HtmlElement] = []
    authors = [v for v in _ITEMPROP_VALUES(body) if "author" in v.split()]
    for value in authors[:_MAX_AUTHOR_MARKS]:
        el = value.getparent()
        described = (
            "description" in (d.get("itemprop") or "").split() for d in el.iterdescendants()
        )
        if any(described):
            boxes.append(el)
    # ('uthor': "Author" too; the words are judged after)
    named = [v for v in (*class_values, *id_values) if "uthor" in v]
    for value in named[:_MAX_AUTHOR_MARKS]:
        if _names_any(value, _AUTHOR_WORDS):
            el = value.getparent()
            if el.tag not in _PROTECTED_TAGS and next(el.iterdescendants("p"), None) is not None:
                boxes.append(el)
    return boxes


def _furniture_named(names: list[Any]) -> list[lxml.html.HtmlElement]:
    """The elements of ``names`` (strings that know their element) that name furniture."""
    # each name once, the hint found by one search through them all (bot.article.names)
    hinted = names_holding(_FURNITURE_HINT, list(set(names)))
    furniture = {name for name in hinted if _names_any(name, _FURNITURE_WORDS)}
    return [name.getparent() for name in names if name in furniture]


def _paragraph_chars(el: lxml.html.HtmlElement) -> int:
    return sum(len(p.text_content()) for p in el.iter("p"))


# A dialog holding this share of the page's paragraphs or more is the page itself: an article
# served in a modal view, with nothing but chrome around it (the metadata set's largest popup
# holds 0.64 of its page's paragraphs).
_PAGE_IN_DIALOG_SHARE = 0.9


def _is_popup(el: lxml.html.HtmlElement, total_paragraphs: int) -> bool:
    """A popup (a newsletter or promo overlay) over the page: removed however much text it holds,
    as a long one can outweigh a short story (the 50% share that protects an article whose
    class names furniture would keep it, and readability would choose it), unless it holds
    nearly all the page's paragraphs."""
    return (
        el.tag == "dialog" or (el.get("role") or "").lower() in {"dialog", "alertdialog"}
    ) and _paragraph_chars(el) < total_paragraphs * _PAGE_IN_DIALOG_SHARE


def remove_chrome(body: lxml.html.HtmlElement) -> None:
    """Drop navigation, asides, captions and elements whose class or id names page furniture."""
    total_paragraphs = _paragraph_chars(body) or 1
    total_text = len(body.text_content()) or 1
    doomed: list[lxml.html.HtmlElement] = list(body.iter(*_DROP_TAGS))
    class_values, id_values = _CLASS_VALUES(body), _ID_VALUES(body)
    named = _IN_ORDER(
        body,
        roles=[v.getparent() for v in _ROLE_VALUES(body) if v.lower() in _DROP_ROLES],
        classes=_furniture_named(class_values),
        ids=_furniture_named(id_values),
    )
    doomed.extend(el for el in named if el.tag not in _PROTECTED_TAGS)
    doomed.extend(_author_boxes(body, class_values, id_values))
    for el in doomed:
        # An ancestor may already be gone, taking this one with it.
        if el.getparent() is None:
            continue
        # Text outside <p> counts too: some blogs write the article as <br>-separated text.
        if _is_popup(el, total_paragraphs) or (
            _paragraph_chars(el) < total_paragraphs * _MAX_FURNITURE_SHARE
            and len(el.text_content()) < total_text * _MAX_FURNITURE_SHARE
        ):
            el.drop_tree()
        elif el.tag == "noscript":
            # The page's article itself, for readers without scripts (a blog that renders the
            # post with a script): read as markup, not skipped as a fallback notice.
            el.drop_tag()

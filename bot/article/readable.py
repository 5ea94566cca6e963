"""Driving readability-lxml: its choice of the article node, without the work plain text does not
need.

readability's ``Document.summary`` copies and cleans the tree on every pass, serialises the chosen
node to HTML (and strips attributes from that string with a regular expression) and finds divs to
turn into paragraphs by serialising every div's children; the caller then parsed the HTML again.
:meth:`Readable.article` runs the same passes and returns the chosen node itself; the overridden
steps decide exactly as readability-lxml 0.9's do (``tests/article/test_readable.py`` compares
them with readability's own on the saved pages), only without the serialising.
"""

from __future__ import annotations

import collections
import copy
import logging
import re
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html
import readability.readability
from readability import Document, debug
from readability.cleaners import clean_attributes
from readability.readability import REGEXES

from bot.article.memo import short_string_memo

__all__ = ["Readable"]

# readability formats its debug lines eagerly ("Not removing %s of length %s: %s" % (describe(el),
# ..., text_content(el)) for every element sanitize() keeps): a walk up the tree and a regex over
# the element's whole text each, for lines that are dropped unless readability's logger is at
# DEBUG. The two helpers it formats them with answer "" unless it is; at DEBUG they are its own.
_READABILITY_LOG = logging.getLogger("readability.readability")


def _describe(node: lxml.html.HtmlElement, depth: int = 1) -> str:
    if _READABILITY_LOG.isEnabledFor(logging.DEBUG):
        return debug.describe(node, depth)  # type: ignore[no-any-return]
    return ""


def _text_content(elem: lxml.html.HtmlElement, length: int = 40) -> str:
    if _READABILITY_LOG.isEnabledFor(logging.DEBUG):
        return debug.text_content(elem, length)  # type: ignore[no-any-return]
    return ""


_DISPLAY_NONE = REGEXES["displayNoneRe"]
_UNLIKELY = REGEXES["unlikelyCandidatesRe"]
_MAYBE_CANDIDATE = REGEXES["okMaybeItsACandidateRe"]
# The same words without IGNORECASE, for lowercased ASCII names: five times faster, and the same
# answer (the patterns are lowercase ASCII, and ASCII has no other case forms).
_UNLIKELY_LOWER = re.compile(_UNLIKELY.pattern)
_MAYBE_CANDIDATE_LOWER = re.compile(_MAYBE_CANDIDATE.pattern)
_NEGATIVE, _POSITIVE = REGEXES["negativeRe"], REGEXES["positiveRe"]
_NEGATIVE_LOWER, _POSITIVE_LOWER = re.compile(_NEGATIVE.pattern), re.compile(_POSITIVE.pattern)


# readability's clean(), its patterns compiled once instead of looked up in re's cache on each of
# its three calls (it runs on every paragraph and candidate), and made linear: a match of
# readability's first two patterns covers a whole run of white space, so it can only begin where
# a run begins (the lookbehind), and what a run holds is read once (the possessive repeat); its
# own patterns read a run again from each of its characters. The second is done with str
# methods (below). A step is skipped when the text holds nothing it could match.
_LONG_SPACE = re.compile(r"(?<!\s)\s{255,}")
_TAB_OR_SPACES = re.compile(r"\t|[ \t]{2,}")


def _holds_long_space(text: str) -> bool:
    """Whether ``text`` may hold a run of 255 white space characters: such a run holds a whole
    block of 128 that starts at a multiple of 128, and testing those blocks (str.isspace is
    regex's \\s) costs a fraction of the search through every character."""
    return any(text[i : i + 128].isspace() for i in range(0, len(text) - 127, 128))


def _clean(text: str) -> str:
    """``readability.readability.clean(text)``."""
    if len(text) >= 255 and _holds_long_space(text):
        text = _LONG_SPACE.sub(" " * 255, text)
    if "\n" in text:
        # readability's r"\s*\n\s*" -> "\n": each run of white space holding a line break
        # becomes one, that is the lines stripped and the empty ones (inside a run) left out; at
        # the ends the difference is white space, which the last step strips. Faster than a
        # search through every character.
        text = "\n".join(filter(None, [line.strip() for line in text.split("\n")]))
    if "\t" in text or "  " in text:
        text = _TAB_OR_SPACES.sub(" ", text)
    return text.strip()


def _cleaned_length(elem: lxml.html.HtmlElement) -> int:
    """``readability.readability.text_length(elem)``, with :func:`_clean` for its ``clean``
    (sanitize() measures every table, list and div it may drop, and their siblings)."""
    return len(_clean(elem.text_content() or ""))


readability.readability.describe = _describe
readability.readability.text_content = _text_content
readability.readability.text_length = _cleaned_length


def _matches(name: str, pattern: re.Pattern[str], lowercase: re.Pattern[str]) -> bool:
    """``pattern.search(name)``, through ``lowercase`` (the same words) when ``name`` is ASCII."""
    if name.isascii():
        return lowercase.search(name.lower()) is not None
    return pattern.search(name) is not None


# Pure answers for a string, and a page repeats its class names (every card of a list, every
# paragraph of a story): each distinct name is matched once.
@short_string_memo(maxsize=8192, longest=256)
def _unlikely_name(name: str) -> bool:
    """readability's test of an element's "class id" for an unlikely candidate."""
    return _matches(name, _UNLIKELY, _UNLIKELY_LOWER) and not _matches(
        name, _MAYBE_CANDIDATE, _MAYBE_CANDIDATE_LOWER
    )


@short_string_memo(maxsize=8192, longest=256)
def _feature_weight(feature: str) -> int:
    """readability's class weight for one class or id value."""
    weight = 0
    if _matches(feature, _NEGATIVE, _NEGATIVE_LOWER):
        weight -= 25
    if _matches(feature, _POSITIVE, _POSITIVE_LOWER):
        weight += 25
    return weight


# readability turns a div into a paragraph when its children's markup matches
# ``<(blockquote|dl|div|img|ol|p|pre|table|ul)``: an element whose name starts so (``<picture``
# and ``<param`` match ``<p``) somewhere below it. Text and attribute values are escaped in the
# markup and comments are gone, so only element names can match.
_BLOCK_NAME_STARTS = ("blockquote", "dl", "div", "img", "ol", "p", "table", "ul")
_INLINE_TAGS = frozenset(
    {"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u"}
)
# The class and id values, as strings that know their element: an element object for every
# element with one cost more than matching the values, and only the few that match need one.
_CLASS_VALUES = lxml.etree.XPath("descendant::*/@class")
_ID_VALUES = lxml.etree.XPath("descendant::*/@id")
_IN_ORDER = lxml.etree.XPath("$classes | $ids")  # once each, in document order


def _top(elem: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The root of the tree ``elem`` is in: the document's, or a dropped subtree's."""
    last = collections.deque(elem.iterancestors(), maxlen=1)
    return last[0] if last else elem


def _unlikely(values: list[Any]) -> list[lxml.html.HtmlElement]:
    """The elements of ``values`` whose value holds one of readability's unlikely words."""
    unlikely = {v for v in set(values) if _matches(v, _UNLIKELY, _UNLIKELY_LOWER)}
    return [v.getparent() for v in values if v in unlikely]


_HIDDEN_OR_STYLED = lxml.etree.XPath("/descendant::*[@hidden or @style]")
# readability's two tests of an unlikely candidate, compiled once (elem.xpath(text) compiles its
# expression on every call, and readability makes both calls for every unlikely element)
_IN_CODE = lxml.etree.XPath("ancestor-or-self::pre | ancestor-or-self::code")
_HOLDS_ARTICLE = lxml.etree.XPath(
    "descendant-or-self::main | descendant-or-self::article | descendant-or-self::math"
)


def _with_block_below(root: lxml.html.HtmlElement) -> set[lxml.html.HtmlElement]:
    """The elements of ``root`` with a block-named element (see above) below them."""
    marked: set[lxml.html.HtmlElement] = set()
    # A walk testing names in Python: XPath's starts-with(name(), ...) on every element cost
    # three times as much. (The walk starts at root, which descendant:: leaves out.)
    walk = root.iter()
    next(walk, None)
    for el in walk:
        tag = el.tag
        if tag.__class__ is not str or not tag.startswith(_BLOCK_NAME_STARTS):
            continue
        parent = el.getparent()
        # each ancestor is added once: the walk up stops where an earlier one stopped
        while parent is not None and parent not in marked:
            marked.add(parent)
            parent = parent.getparent()
    return marked


class Readable(Document):  # type: ignore[misc]
    """readability's Document, asked for the article node (:meth:`article`) instead of HTML."""

    # While paragraphs are scored the tree does not change: each element's text length is
    # measured once, not once per candidate it sits in (a link in a paragraph counts for the
    # paragraph's parent and grandparent). None outside scoring: sanitize() changes the tree.
    _text_lengths: dict[lxml.html.HtmlElement, int] | None = None

    def score_paragraphs(self) -> dict[lxml.html.HtmlElement, dict[str, Any]]:
        # readability's scoring, step for step, without its debug line (formatted, describing the
        # node, for every candidate even when debug logging is off: a tenth of the scoring) and
        # with its text clean-up's patterns compiled once (see _clean).
        self._text_lengths = {}
        try:
            min_len = self.min_text_length
            candidates: dict[lxml.html.HtmlElement, dict[str, Any]] = {}
            ordered: list[lxml.html.HtmlElement] = []
            for elem in self.tags(self._html(), "p", "pre", "td", "blockquote"):
                parent_node = elem.getparent()
                if parent_node is None:
                    continue
                grand_parent_node = parent_node.getparent()
                inner_text = _clean(elem.text_content() or "")
                inner_text_len = len(inner_text)
                if inner_text_len < min_len:
                    continue
                if parent_node not in candidates:
                    candidates[parent_node] = self.score_node(parent_node)
                    ordered.append(parent_node)
                if grand_parent_node is not None and grand_parent_node not in candidates:
                    candidates[grand_parent_node] = self.score_node(grand_parent_node)
                    ordered.append(grand_parent_node)
                content_score = 1 + len(inner_text.split(",")) + min(inner_text_len / 100, 3)
                candidates[parent_node]["content_score"] += content_score
                if grand_parent_node is not None:
                    candidates[grand_parent_node]["content_score"] += content_score / 2.0
            for elem in ordered:
                candidates[elem]["content_score"] *= 1 - self.get_link_density(elem)
            return candidates
        finally:
            self._text_lengths = None

    def _text_length(self, elem: lxml.html.HtmlElement) -> int:
        lengths = self._text_lengths
        if lengths is None:
            return _cleaned_length(elem)
        length = lengths.get(elem)
        if length is None:
            length = lengths[elem] = _cleaned_length(elem)
        return length

    def class_weight(self, e: lxml.html.HtmlElement) -> int:
        if self.positive_keywords or self.negative_keywords:
            return super().class_weight(e)  # type: ignore[no-any-return]
        weight = 0
        for feature in (e.get("class", None), e.get("id", None)):
            if feature:
                weight += _feature_weight(feature)
        return weight

    def get_link_density(self, elem: lxml.html.HtmlElement) -> float:
        # readability's measure, with the lengths remembered while scoring
        link_length = sum(self._text_length(link) for link in elem.findall(".//a"))
        return float(link_length) / max(self._text_length(elem), 1)

    def _parse(self, input: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
        # readability runs lxml_html_clean's Cleaner and resolves <base href> here on every pass
        # (a sixth of the extraction time). For text the Cleaner's only effect is to drop
        # scripts, styles, comments and processing instructions, done here directly; the copy
        # keeps the caller's tree unchanged, as the Cleaner's own copy did.
        doc = copy.deepcopy(input)
        self.encoding = "utf-8"
        # Hidden and display:none elements in one walk: dropping one inside another already
        # dropped changes only the detached copy, so the tree ends as after two walks.
        for elem in _HIDDEN_OR_STYLED(doc):
            if elem.get("hidden") is not None or _DISPLAY_NONE.search(elem.get("style", "")):
                elem.drop_tree()
        lxml.etree.strip_elements(
            doc,
            "script",
            "style",
            lxml.etree.Comment,
            lxml.etree.ProcessingInstruction,
            with_tail=False,
        )
        return doc

    def remove_unlikely_candidates(self) -> None:
        # readability visits every element; only those with a class or an id can match, and
        # only when one of the two does (the pattern's words hold no space, so no match spans
        # the one between them).
        root = self.html
        named = _IN_ORDER(
            root, classes=_unlikely(_CLASS_VALUES(root)), ids=_unlikely(_ID_VALUES(root))
        )
        for elem in named:
            s = "{} {}".format(elem.get("class", ""), elem.get("id", ""))
            if len(s) < 2:
                continue
            if (
                _unlikely_name(s)
                and elem.tag not in ("html", "body")
                # inside an element dropped already (a menu's items): gone with it, whatever
                # is decided here, and its two tests below walk the tree
                and _top(elem) is root
                and not _IN_CODE(elem)
                and not _HOLDS_ARTICLE(elem)
            ):
                elem.drop_tree()

    def transform_misused_divs_into_paragraphs(self) -> None:
        # readability's steps, with "its markup matches divToPElementsRe" read from the tree.
        # Renaming a div to p keeps it block-named, and the paragraphs inserted below go under
        # divs visited before any they could sit inside: one marking serves both loops.
        below = _with_block_below(self.html)
        for elem in self.tags(self.html, "div"):
            if elem not in below:
                elem.tag = "p"
        for elem in self.tags(self.html, "div"):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                p = elem.makeelement("p", {})
                p.text = elem.text
                elem.text = None
                elem.insert(0, p)
                paragraph = p
            for child in children:
                if child.tag == "br":
                    paragraph = None
                    continue
                if child.tag not in _INLINE_TAGS or child in below:
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = elem.makeelement("p", {})
                    child.addprevious(paragraph)
                paragraph.append(child)
            for pos, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    p = elem.makeelement("p", {})
                    p.text = child.tail
                    child.tail = None
                    elem.insert(pos + 1, p)
                if child.tag == "br":
                    child.drop_tree()

    def tags(self, node: lxml.html.HtmlElement, *tag_names: str) -> Iterator[lxml.html.HtmlElement]:
        # readability's findall(".//name") for each name, without ElementPath's generators
        # around lxml's own walk (its passes ask for a score of tag names each)
        for tag_name in tag_names:
            yield from list(node.iterdescendants(tag_name))

    def reverse_tags(
        self, node: lxml.html.HtmlElement, *tag_names: str
    ) -> Iterator[lxml.html.HtmlElement]:
        for tag_name in tag_names:
            yield from reversed(list(node.iterdescendants(tag_name)))

    def get_clean_html(self) -> str:
        # sanitize() ends by serialising the article for summary(); article() reads the tree.
        return ""

    def _long_enough(self, article: lxml.html.HtmlElement) -> bool:
        """readability's test that the article's cleaned HTML has ``retry_length`` characters.

        The markup is at least as long as the text (escaping only lengthens it, and the cleaning
        removes attributes only), so the text decides most pages without serialising."""
        retry_length = int(self.retry_length)
        if len(article.text_content()) >= retry_length:
            return True
        markup = clean_attributes(lxml.etree.tounicode(article, method="html"))
        return len(markup) >= retry_length

    def article(self) -> lxml.html.HtmlElement:
        """The article node ``summary(html_partial=True)`` would serialise: the same passes (a
        ruthless one, then a lenient one when it found no candidate or too little text)."""
        ruthless = True
        while True:
            self._html(True)
            # (readability also drops scripts and styles here: _parse already stripped them)
            for i in self.tags(self.html, "noscript"):
                i.drop_tree()
            for i in self.tags(self.html, "body"):
                i.set("id", "readabilityBody")
            if ruthless:
                self.remove_unlikely_candidates()
            self.transform_misused_divs_into_paragraphs()
            candidates = self.score_paragraphs()
            best = self.select_best_candidate(candidates)
            if best:
                best = self.get_semantic_article_candidate(candidates, best)
                best = self.get_semantic_main_candidate(candidates, best)
            if best:
                article = self.get_article(candidates, best, html_partial=True)
            elif ruthless:
                ruthless = False
                continue
            else:
                article = self.html.find("body")
                if article is None:
                    article = self.html
            self.sanitize(article, candidates)
            if ruthless and not self._long_enough(article):
                ruthless = False
                continue
            return article

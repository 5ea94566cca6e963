"""The text of a how-to or a recipe as its structured data gives it: the fallback, like JSON-LD
``articleBody``, for a page that renders its steps with a script.

A schema.org ``HowTo`` or ``Recipe`` node carries the page's own text: its description (often
HTML), a recipe's ingredients, and the steps (``step`` / ``recipeInstructions``: strings,
``HowToStep`` texts, ``HowToSection`` and ``HowToDirection`` items). On a page whose body is
drawn by a script, the markup holds only a notice ("your browser is out of date") and this is
all the text there is. The caller uses it as it uses ``articleBody``: only when it holds clearly
more than what was read from the markup.
"""

from __future__ import annotations

import html

import lxml.etree
import lxml.html

from bot.article.body import article_body_paragraphs, clean_text, iter_blocks
from bot.article.jsonld import JsonLd, node_types

__all__ = ["structured_paragraphs"]

_TYPES = frozenset({"howto", "recipe"})
# A page's structured data is read within bounds: a hostile page may nest or repeat it at will.
_MAX_TEXTS = 300
_MAX_DEPTH = 5
_MAX_CHARS = 200_000


def _add(text: str, out: list[str], seen: set[str]) -> None:
    if text and text not in seen and len(out) < _MAX_TEXTS:
        seen.add(text)
        out.append(text)


def _paragraphs_of(value: str, out: list[str], seen: set[str]) -> None:
    """A text value's paragraphs: the blocks of its HTML, or its parts as ``articleBody``'s."""
    value = value[:_MAX_CHARS]
    if "<" in value:
        try:
            root = lxml.html.fragment_fromstring(value, create_parent="div")
        except (lxml.etree.ParserError, ValueError):
            return
        for text, _, _ in iter_blocks(root):
            _add(clean_text(text), out, seen)
        return
    # publishers often escape the text twice: "Fa&ccedil;a" in the JSON for "Faça"
    value = html.unescape(value) if "&" in value else value
    for part in article_body_paragraphs(value):
        _add(part, out, seen)


def _texts(value: object, out: list[str], seen: set[str], depth: int = 0) -> None:
    if len(out) >= _MAX_TEXTS or depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        _paragraphs_of(value, out, seen)
    elif isinstance(value, list):
        for item in value[:_MAX_TEXTS]:
            _texts(item, out, seen, depth + 1)
    elif isinstance(value, dict):
        # a HowToStep's or HowToDirection's text; a HowToSection's or a step's items
        _texts(value.get("text"), out, seen, depth + 1)
        _texts(value.get("itemListElement"), out, seen, depth + 1)


def structured_paragraphs(json_ld: JsonLd) -> list[str]:
    """The paragraphs of the page's longest HowTo or Recipe node: description, ingredients,
    steps, each text once; [] if the page has none."""
    best: list[str] = []
    for node in json_ld.nodes:
        if _TYPES.isdisjoint(node_types(node)):
            continue
        out: list[str] = []
        seen: set[str] = set()
        for key in ("description", "recipeIngredient", "step", "recipeInstructions"):
            _texts(node.get(key), out, seen)
        if sum(map(len, out)) > sum(map(len, best)):
            best = out
    return best

"""The page's JSON-LD, read once with one set of rules for everything that uses it.

Body extraction (``articleBody``), page kind (is the page typed as an article, is it
``isAccessibleForFree: false``) and metadata (headline, authors, dates, publisher) all read
:class:`JsonLd`. One parser means one size limit, one error recovery and one list of article types:
a block with a raw newline in a string gives its headline *and* its paywall flag, and a ``Review``
is an article for every reader.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lxml.html

log = logging.getLogger(__name__)

__all__ = ["JsonLd", "read_json_ld"]

# A type naming a story: NewsArticle, BlogPosting, LiveBlogPosting, Report, Review, CriticReview...
# ("Blog" alone is a site, not a story).
_ARTICLE_TYPE_ENDINGS = ("article", "posting", "report", "review", "story", "opinion", "liveblog")
# JSON-LD nests deeper than this only in hostile pages; the limits keep the walk bounded.
_MAX_JSON_DEPTH = 12
_MAX_JSON_NODES = 2000
# Keys whose values are page-level nodes of their own. Authors and publishers are read from their
# parent: walking into them would make a Person look like a page-level node.
_NESTED_KEYS = ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart")


def node_types(node: dict[str, Any]) -> list[str]:
    """The node's ``@type`` values, lower-cased."""
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return [v.lower() for v in values if isinstance(v, str)]


def is_article_node(node: dict[str, Any]) -> bool:
    return any(t.endswith(_ARTICLE_TYPE_ENDINGS) for t in node_types(node))


@dataclass(frozen=True)
class JsonLd:
    """The page's JSON-LD nodes in document order, its article nodes, and nodes by ``@id``."""

    nodes: list[dict[str, Any]]
    articles: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]]

    def values(self, key: str) -> list[Any]:
        """The key's values from article nodes first, then from any node (WebPage, etc.)."""
        seen = self.articles + [n for n in self.nodes if n not in self.articles]
        return [n[key] for n in seen if key in n and n[key]]

    def article_body(self) -> str | None:
        """The longest ``articleBody`` of an article node."""
        bodies = [n["articleBody"] for n in self.articles if isinstance(n.get("articleBody"), str)]
        return max(bodies, key=len) if bodies else None

    def free(self) -> bool | None:
        """``isAccessibleForFree`` of the article nodes: False if any says false, None if none
        says anything."""
        found: bool | None = None
        for node in self.articles:
            free = node.get("isAccessibleForFree")
            if isinstance(free, str):
                free = free.strip().lower() not in ("false", "0", "no")
            if isinstance(free, bool):
                found = free if found is None else found and free
        return found


def _walk(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > _MAX_JSON_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key in _NESTED_KEYS:
                yield from _walk(item, depth + 1)


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        # A common breakage is raw newlines inside strings; retry once without them.
        return json.loads(text.replace("\n", " ").replace("\r", " "))


def read_json_ld(doc: lxml.html.HtmlElement) -> JsonLd:
    """Every ``application/ld+json`` block of ``doc``; a block that is not JSON is skipped."""
    nodes: list[dict[str, Any]] = []
    for script in doc.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            data = _load(text)
        except (ValueError, RecursionError):
            log.debug("skipping invalid JSON-LD block")
            continue
        for node in _walk(data):
            nodes.append(node)
            if len(nodes) >= _MAX_JSON_NODES:
                break
        if len(nodes) >= _MAX_JSON_NODES:
            break
    articles = [n for n in nodes if is_article_node(n)]
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    return JsonLd(nodes, articles, by_id)

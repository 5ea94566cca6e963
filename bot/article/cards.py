"""The other cards of a list whose first card readability kept: a listicle's entries, a thread's
posts.

A list of places, products or posts is set as cards: sibling elements of one tag and one class,
each with its own title, prose and details. Readability often keeps the introduction and the
first card, and drops the rest as separate, smaller nodes. When the last paragraph it kept sits
in such a card (a few levels up at most) and at least two sibling cards of the same tag and class
hold prose, the cards' prose blocks are the article's too and follow what was kept, in page
order. Only prose blocks (:func:`bot.article.missed.is_prose`): the cards' titles, opening hours
and prices stay out.
"""

from __future__ import annotations

import itertools

import lxml.html

from bot.article.body import clean_text, iter_blocks
from bot.article.missed import block_elements, is_prose

__all__ = ["with_cards"]

# How far up from the last kept paragraph's block the card may be.
_CARD_LEVELS = 4
_MIN_OTHER_CARDS = 2
# Text elements are paragraphs of one story, not cards.
_NOT_CARD_TAGS = frozenset({"p", "span", "a", "em", "strong", "b", "i", "h1", "h2", "h3", "h4"})
# A card has a title of its own: the story's paragraphs, set as sibling boxes of one class
# (a content system's "paragraph" items), do not.
_TITLE_TAGS = ("h2", "h3", "h4", "h5")


def _titled(card: lxml.html.HtmlElement) -> bool:
    return next(card.iter(*_TITLE_TAGS), None) is not None


def _has_card_groups(body: lxml.html.HtmlElement) -> bool:
    """Whether three titled siblings of one tag and one class exist anywhere in ``body``: what
    :func:`with_cards` needs at the least, found from the page's titles without reading its text
    (finding where the last kept paragraph sits costs a pass over every text node). Each element
    above a title is looked at once, the climb stopping where an earlier title's climb went."""
    seen: set[lxml.html.HtmlElement] = set()
    groups: dict[tuple[lxml.html.HtmlElement, str, str], int] = {}
    for title in body.iter(*_TITLE_TAGS):
        # lazily: the climb stops early, and a tuple of all the ancestors would cost the depth
        for element in itertools.chain((title,), title.iterancestors()):
            if element in seen:
                break
            seen.add(element)
            parent, mark = element.getparent(), element.get("class")
            if parent is not None and mark and element.tag not in _NOT_CARD_TAGS:
                key = (parent, element.tag, mark)
                groups[key] = groups.get(key, 0) + 1
                if groups[key] > _MIN_OTHER_CARDS:
                    return True
            if element is body:
                break
    return False


def _prose_of(card: lxml.html.HtmlElement, shares: dict[str, float]) -> list[str]:
    out = []
    for raw, _, _ in iter_blocks(card):
        text = clean_text(raw)
        share = shares.get(text)
        if share is not None and is_prose(text, share):
            out.append(text)
    return out


def with_cards(
    paragraphs: list[str], blocks: list[tuple[str, float]], body: lxml.html.HtmlElement | None
) -> list[str]:
    """``paragraphs``, and after them the prose of the cards beside the one that holds the
    last of them."""
    if body is None or not paragraphs or not _has_card_groups(body):
        return paragraphs
    places = block_elements(body, {paragraphs[-1]}).get(paragraphs[-1])
    if not places:
        return paragraphs
    shares = {}
    for text, share in blocks:
        shares.setdefault(text, share)
    element = places[0][1]
    for card in [element, *element.iterancestors()][:_CARD_LEVELS]:
        parent = card.getparent()
        mark = card.get("class")
        if parent is None or not mark or card.tag in _NOT_CARD_TAGS or not _titled(card):
            continue
        cards = [c for c in parent if c.tag == card.tag and c.get("class") == mark]
        prose = [(c, _prose_of(c, shares)) for c in cards if c is not card and _titled(c)]
        if sum(1 for _, texts in prose if texts) < _MIN_OTHER_CARDS:
            continue
        kept = set(paragraphs)
        added = [t for _, texts in prose for t in texts if t not in kept]
        return paragraphs + list(dict.fromkeys(added))
    return paragraphs

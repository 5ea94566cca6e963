"""The other cards of a list whose first card readability kept."""

from __future__ import annotations

import lxml.html

from bot.article.body import page_blocks
from bot.article.cards import with_cards
from tests._growth import assert_linear
from tests.article._inline import html_page

INTRO = (
    "We miss the summer already, yet autumn has plenty to be thankful for: here are the trips "
    "out of town that make the most of the short, bright days."
)


def _prose(n: int) -> str:
    return (
        f"Trip {n} takes you along the lake shore to a village where the bakery still bakes in "
        f"a wood oven, and the walk back through the beech wood is at its best in October."
    )


def _card(n: int, cls: str = "card", title: bool = True) -> str:
    heading = f"<h3>{n}. A day at place {n}</h3>" if title else ""
    return (
        f'<article class="{cls}">{heading}<div class="content"><p>{_prose(n)}</p></div>'
        f"<ul><li>Monday to Sunday: 10-19</li><li>12 euros</li></ul></article>"
    )


def _body(cards: str) -> lxml.html.HtmlElement:
    markup = html_page(f'<article class="post"><p>{INTRO}</p><div class="list">{cards}</div>')
    body = lxml.html.document_fromstring(markup).find("body")
    assert body is not None
    return body


def test_the_prose_of_the_cards_beside_the_one_kept_follows_it() -> None:
    body = _body("".join(_card(n) for n in range(1, 5)))
    blocks = page_blocks(body, set())
    # readability kept the introduction and the first card
    kept = [INTRO, _prose(1)]
    assert with_cards(kept, blocks, body) == [*kept, _prose(2), _prose(3), _prose(4)]


def test_boxes_without_titles_or_too_few_cards_are_left_alone() -> None:
    # a content system's story paragraphs, boxes of one class with no title: not cards
    body = _body("".join(_card(n, title=False) for n in range(1, 5)))
    assert with_cards([INTRO, _prose(1)], page_blocks(body, set()), body) == [INTRO, _prose(1)]
    # one other card is not a list
    body = _body(_card(1) + _card(2))
    assert with_cards([INTRO, _prose(1)], page_blocks(body, set()), body) == [INTRO, _prose(1)]
    # cards of another class (a box of teasers after the list) are not this list's
    body = _body(_card(1) + _card(2, "teaser") + _card(3, "teaser"))
    assert with_cards([INTRO, _prose(1)], page_blocks(body, set()), body) == [INTRO, _prose(1)]


def test_finding_the_cards_grows_linearly_with_the_cards() -> None:
    def case(n: int) -> tuple[lxml.html.HtmlElement, list[tuple[str, float]]]:
        body = _body("".join(_card(i) for i in range(1, n + 1)))
        return body, page_blocks(body, set())

    assert_linear(lambda c: with_cards([INTRO, _prose(1)], c[1], c[0]), case, 100, what="cards")


def test_looking_for_card_groups_grows_linearly_with_nested_titles() -> None:
    # every element above a title is looked at once, however deep the titles nest
    from bot.article.cards import _has_card_groups

    def case(n: int) -> lxml.html.HtmlElement:
        # built, not parsed: the HTML parser flattens nesting deeper than 256
        body = lxml.html.fromstring("<html><body></body></html>").find("body")
        parent = body
        for _ in range(n):
            parent = lxml.html.etree.SubElement(parent, "div", {"class": "box"})
            lxml.html.etree.SubElement(parent, "h3").text = "Title"
        return body

    assert not _has_card_groups(case(3))
    assert_linear(_has_card_groups, case, 300, what="nested titles")

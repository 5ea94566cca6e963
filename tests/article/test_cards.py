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


def test_looking_for_card_groups_climbs_above_each_title_once() -> None:
    # Each element above a title is looked at once: a climb to the top from every title would
    # look at the nested boxes' square. Counted, not timed: on trees this deep lxml's own walk
    # grows 24-37x for 8x the depth on a 2-core machine, whatever is asked of it, so a timing
    # test could not tell the two apart (and failed under a loaded run, 28-36x against 24x).
    from bot.article.cards import _has_card_groups

    climbed = 0

    class Counted(lxml.html.HtmlElement):  # type: ignore[misc]
        def iterancestors(self, *tags):  # type: ignore[no-untyped-def]
            nonlocal climbed
            for ancestor in super().iterancestors(*tags):
                climbed += 1
                yield ancestor

    parser = lxml.html.HTMLParser()
    parser.set_element_class_lookup(lxml.html.etree.ElementDefaultClassLookup(element=Counted))
    n = 100  # boxes nested 100 deep, within the parser's 256 levels
    page = '<div class="box"><h3>Title</h3>' * n + "</div>" * n
    body = lxml.html.fromstring(f"<html><body>{page}</body></html>", parser=parser).find("body")
    assert sum(1 for _ in body.iter("h3")) == n
    assert not _has_card_groups(body)
    assert n <= climbed <= 2 * n + 2  # each title's box, and the box it stops at

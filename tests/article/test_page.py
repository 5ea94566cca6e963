"""bot.article.page: what the readers read from the page once."""

from __future__ import annotations

import lxml.html

from bot.article.page import itemprop_values, read_page


def test_itemprop_values_are_read_once_in_page_order_and_know_their_element() -> None:
    doc = lxml.html.document_fromstring(
        '<html><head><meta itemprop="datePublished" content="2024-01-01"></head><body>'
        '<div itemprop="publisher"><span itemprop="name">Harbour Times</span></div>'
        '<p itemprop="author articleBody">x</p></body></html>'
    )
    page = read_page(doc, "https://news.example.com/a")
    values = itemprop_values(page)
    assert values == ["datePublished", "publisher", "name", "author articleBody"]
    assert [v.getparent().tag for v in values] == ["meta", "div", "span", "p"]
    assert itemprop_values(page) is values  # the publisher and date readers share one walk

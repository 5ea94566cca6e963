"""Briefs: the commentary lead and the verbatim quoted runs chosen from an article.

A brief quotes whole paragraphs of the article, verbatim and in article order, grouped into runs of
consecutive paragraphs. Which paragraphs is decided by one ranking of the article (see
:func:`rank_paragraphs`), computed without regard to length, and a budget of quoted characters
(:data:`LENGTHS`): a longer brief adds passages to a shorter one and never swaps them.

The commentary around the quotes (the lead and the bridges between runs) is never set as a quote and
never says more than the publisher did: it is the sharer's own ``take``, or the publisher's own
description or lede sentence with attribution, or a neutral "From {outlet}:".
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.article.read import extract_article
from bot.article.types import Article, ArticleKind
from bot.briefing.commentary import generated_lead, not_article_lead, outlet_of
from bot.briefing.ranking import collapse
from bot.briefing.selection import quote_runs, select_paragraphs
from bot.briefing.types import LENGTHS, MAX_PARAGRAPHS, Brief

log = logging.getLogger(__name__)


def build_brief(
    html: bytes,
    url: str,
    *,
    today: dt.date,
    take: str | None = None,
    length: str = "long",
    budget: int | None = None,
    charset: str | None = None,
) -> Brief:
    """Extract the article from ``html`` and compose its brief (``today``: the caller's date)."""
    return compose_brief(
        extract_article(html, url, today=today, charset=charset),
        url,
        take=take,
        length=length,
        budget=budget,
    )


def compose_brief(
    article: Article,
    url: str,
    *,
    take: str | None = None,
    length: str = "long",
    budget: int | None = None,
) -> Brief:
    """The brief of ``article``: quotes within the ``length`` preset (or ``budget`` characters of
    quoted text), a lead, and a bridge before every run after the first."""
    if length not in LENGTHS:
        raise ValueError(f"unknown length {length!r}; expected one of {sorted(LENGTHS)}")
    limit = LENGTHS[length] if budget is None else max(0, budget)
    take_text = collapse(take) if take else ""
    outlet = outlet_of(article, url)
    if article.kind != ArticleKind.ARTICLE:
        lead = take_text or not_article_lead(article)
        return Brief(article=article, url=url, lead=lead, runs=[], lead_is_take=bool(take_text))

    chosen = select_paragraphs(article, limit, max_paragraphs=MAX_PARAGRAPHS[length])
    runs = quote_runs(article, chosen)
    if take_text:
        lead, is_take = take_text, True
    else:
        lead, is_take = generated_lead(article, outlet, chosen, has_quotes=bool(runs)), False
    return Brief(article=article, url=url, lead=lead, runs=runs, lead_is_take=is_take)

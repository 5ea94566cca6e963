"""What the parse worker runs for the pipeline (:mod:`bot.sharing.pipeline`).

A worker process unpickles these by name, importing this module: it imports only the parsers and
the briefing, never the HTTP, database or Discord code, so a fresh worker (one replacing a worker
killed for overrunning) is ready as soon as the parsers are.
"""

from __future__ import annotations

import datetime as dt

from bot.article.metadata.dates import warm_up
from bot.article.read import extract_article
from bot.briefing.compose import compose_brief
from bot.briefing.types import Brief
from bot.choices import Length
from bot.fetch.urls import article_address

_WARM_UP_PAGE = (
    b"<html lang='en'><head><title>Warm-up - newslink</title>"
    b"<meta property='article:published_time' content='2024-01-02T03:04:05Z'></head><body><article>"
    + b"<p>A paragraph of warm-up text that makes the parsers load everything they need.</p>" * 12
    + b"</article></body></html>"
)
# Any day after the warm-up page's own: the result is thrown away.
_WARM_UP_TODAY = dt.date(2024, 1, 3)

# What a parse pool's fork server imports so that its workers start with the parsers primed
# (ParsePool's ``preload``): importing it runs warm_parsers once.
PRELOAD = ("bot.sharing.preload",)


def read_and_brief(
    html: bytes,
    url: str,
    *,
    today: dt.date,
    charset: str | None = None,
    max_bytes: int,
    take: str | None = None,
    length: str = Length.STANDARD,
) -> Brief:
    """The worker's job for a page not read yet: extract the article, then compose its brief
    (the article travels back inside it, :attr:`Brief.article`)."""
    article = extract_article(html, url, today=today, charset=charset, max_bytes=max_bytes)
    # The brief links to the article's own address (its canonical link on the same site), not to
    # the variant fetched: bot.fetch.urls.article_address.
    return compose_brief(
        article, article_address(article.url, article.canonical), take=take, length=length
    )


def warm_parsers() -> None:
    """Import and prime the parsers (readability, lxml, htmldate's date parsing) in a worker."""
    warm_up()
    article = extract_article(_WARM_UP_PAGE, "https://warm-up.invalid/", today=_WARM_UP_TODAY)
    compose_brief(article, article.url)

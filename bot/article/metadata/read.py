"""Article metadata (headline, outlet, authors, date, image, description, language) from a page's
JSON-LD, Open Graph, meta tags and markup.

Every field is optional and a wrong value is worse than none (the attribution line of a brief shows
only what is known with confidence), so each extractor prefers structured sources, cross-checks
them where it can, and gives up rather than guess. :func:`metadata_of` reads the page (read once,
:mod:`bot.article.page`) without changing it and never raises on hostile or broken markup.
The fields come from
:mod:`~bot.article.metadata.headline`, :mod:`~bot.article.metadata.authors` and
:mod:`~bot.article.metadata.dates`; image, description and language are read here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html

from bot.article.metadata.authors import find_authors
from bot.article.metadata.dates import find_published
from bot.article.metadata.headline import (
    brand_from_title,
    copyright_holder,
    find_site_name,
    find_title,
    prefer_host_brand,
    written_as_name,
)
from bot.article.page import Page, as_str, read_page

log = logging.getLogger(__name__)

__all__ = ["Metadata", "extract_metadata", "metadata_of"]


@dataclass(frozen=True)
class Metadata:
    title: str | None = None
    site_name: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    image_url: str | None = None
    description: str | None = None
    language: str | None = None


def _image_url(page: Page) -> str | None:
    candidates = page.all(
        "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"
    )
    for image in page.json_ld.values("image"):
        candidates.append(as_str(image))
    for candidate in candidates:
        try:
            absolute = urljoin(page.url, candidate.strip())
            scheme = urlsplit(absolute).scheme
        except ValueError:
            continue
        if scheme in ("http", "https"):
            return absolute
    return None


_LANGUAGE_END = re.compile(r"[-_,;\s]")


def _language(page: Page) -> str | None:
    for raw in (
        page.doc.get("lang"),
        page.doc.get("xml:lang"),
        page.first("og:locale"),
        page.first("content-language", "language", "dc.language"),
    ):
        if not raw:
            continue
        primary = _LANGUAGE_END.split(raw.strip(), maxsplit=1)[0].lower()
        if 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha():
            return primary
    return None


_SOCIAL_NETWORKS = (
    r"whatsapp|facebook|twitter|x|linkedin|pinterest|reddit|telegram|e-?mail|messenger|tumblr|"
    r"threads|bluesky|flipboard|sms"
)
# Share buttons whose labels a template copies into the description, sometimes glued to the first
# word ("Share this on WhatsAppNesta página…"): a network's name ends the label, or a separator.
# Matched after the spaces before it are skipped (_SPACES): a leading "\s*" would make a search
# rescan a long run of spaces from each of them.
_SHARE_BUTTON = re.compile(
    rf"(?:(?:share|post|send|tweet)(?:\s+(?:this|it))?(?:\s+(?:on|via|to|with))?\s+"
    rf"(?:{_SOCIAL_NETWORKS})(?-i:(?![a-z]))|"
    rf"(?:share|tweet|e-?mail|print|pin\s+it)(?:\s+(?:this|it))?\s*[|·•:]+)\s*[|·•:]*",
    re.IGNORECASE,
)


_SPACES = re.compile(r"\s*")


def _description(page: Page) -> str | None:
    for key in ("og:description", "description", "twitter:description"):
        text = page.first(key)
        if not text:
            continue
        # Strip button labels from the start, one after another (by position: cutting the text
        # at each would copy the rest of it each time).
        start = 0
        while (match := _SHARE_BUTTON.match(text, _SPACES.match(text, start).end())) is not None:
            start = match.end()
        text = text[start:]
        if text.strip():
            return text.strip()
    return None


def extract_metadata(doc: lxml.html.HtmlElement, url: str, *, today: dt.date) -> Metadata:
    """Read the article's metadata from a parsed page (``doc`` is not modified). ``today`` (UTC,
    from the caller's clock) bounds the publication date: a page dated later is not believed."""
    return metadata_of(read_page(doc, url), today=today)


def metadata_of(page: Page, *, today: dt.date) -> Metadata:
    """:func:`extract_metadata` of a page already read (extraction reads it once for all)."""
    try:
        site_name = find_site_name(page)
        title = find_title(page, site_name)
        # the outlet named beside the headline in <title> when nothing declares one, or when
        # what is declared is not the host's brand and the title's is ("… - Reuters")
        titled = brand_from_title(page, title)
        site_name = prefer_host_brand([n for n in (site_name, titled) if n], page.url)
        if site_name is None or not written_as_name(site_name):
            site_name = copyright_holder(page) or site_name
        authors = find_authors(page, site_name)
        return Metadata(
            title=title,
            site_name=site_name,
            authors=authors,
            published=find_published(page, today, bool(authors)),
            image_url=_image_url(page),
            description=_description(page),
            language=_language(page),
        )
    except Exception:  # noqa: BLE001 - metadata is optional; a broken page still gets a brief
        log.warning("metadata extraction failed for %s", page.url, exc_info=True)
        return Metadata()

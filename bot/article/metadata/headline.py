"""The headline and the outlet's name: JSON-LD, Open Graph and the title, the brand cut off."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

import lxml.html

from bot.article.page import Page, as_str, clean_meta_text

log = logging.getLogger(__name__)

# --- site name and brand ------------------------------------------------------------------------

SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"}


def host_brand(url: str) -> str | None:
    """The registrable label of the host: "theguardian" for www.theguardian.com."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return None
    labels = labels[:-1]
    if len(labels) >= 2 and labels[-1] in SECOND_LEVEL:
        labels = labels[:-1]
    return labels[-1] or None


def squash(text: str) -> str:
    """Letters and digits only, case-folded, for comparing brands and titles loosely."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text).casefold() if ch.isalnum())


def is_brand(part: str, brands: Iterable[str]) -> bool:
    squashed = squash(part)
    if not squashed:
        return False
    for brand in brands:
        b = squash(brand)
        if len(b) < 3:
            continue
        if squashed == b or (len(squashed) >= 4 and (squashed in b or b in squashed)):
            return True
    return False


# Names templates and hosting services put where the outlet's name belongs: they name a kind of
# page or service, not who publishes it.
_GENERIC_SITE_NAMES = frozenset(
    {
        "home", "homepage", "hosted", "news", "blog", "website", "site", "web", "default",
        "index", "untitled", "article", "articles", "story", "stories", "main", "portal",
        "online", "wordpress", "page", "mobile", "amp", "www",
    }
)  # fmt: skip


def _subdomain_labels(url: str) -> set[str]:
    """Labels of the host left of its registrable name: {"hosted"} for hosted.ap.org."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return set()
    labels = [label for label in host.split(".") if label]
    brand = host_brand(url)
    if brand is None or brand not in labels:
        return set()
    return set(labels[: labels.index(brand)])


def _is_site_name(name: str, url: str) -> bool:
    """Whether ``name`` can name the outlet: not a social handle ("@politifact", copied from
    twitter:site), and not one word that is a generic label or the host's subdomain ("Hosted" on
    hosted.ap.org, the AP's service for member papers)."""
    if not name or len(name) > 80 or name.lstrip().startswith("@"):
        return False
    if len(name.split()) == 1:
        word = squash(name)
        return word not in _GENERIC_SITE_NAMES and word not in _subdomain_labels(url)
    return True


def find_site_name(page: Page) -> str | None:
    candidates = [page.first("og:site_name")]
    for publisher in page.json_ld.values("publisher"):
        if isinstance(publisher, dict) and "name" not in publisher:
            publisher = page.json_ld.by_id.get(str(publisher.get("@id")), publisher)
        candidates.append(as_str(publisher))
    candidates.append(page.first("application-name", "apple-mobile-web-app-title"))
    for candidate in candidates:
        if candidate and _is_site_name(candidate, page.url):
            return candidate
    return None


def brand_from_title(page: Page, headline: str | None) -> str | None:
    """The outlet named beside the headline in <title> ("Headline - Nordstadt Kurier")."""
    title_el = page.doc.find(".//title")
    if title_el is None or not headline:
        return None
    parts = _TITLE_SEPARATORS.split(clean_meta_text(title_el.text_content()))
    if len(parts) != 2:
        return None
    head, tail = parts
    if squash(head) == squash(headline) and 0 < len(tail.split()) <= 4:
        return tail if _is_site_name(tail, page.url) else None
    if squash(tail) == squash(headline) and 0 < len(head.split()) <= 4:
        return head if _is_site_name(head, page.url) else None
    return None


# --- title ---------------------------------------------------------------------------------------

# Each pattern that starts with a run ("\s+", "\S+") starts only where the run does: tried from
# every character of a long run, it would rescan the rest of the run each time. The matches are
# the same, since a match from inside a run would also have matched from its start.
_TITLE_SEPARATORS = re.compile(r"(?<!\s)\s+(?:[|\-–—•·»«:/]{1,2}|::)\s+")


def _split_brand(title: str, brands: list[str]) -> str:
    """Drop a site-name prefix or suffix ("Reuters: …", "… | The Guardian")."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        # "Reuters: headline" without spaces around the colon on the left
        head, sep, tail = title.partition(": ")
        if sep and tail and is_brand(head, brands):
            return tail.strip()
        return title
    seps = _TITLE_SEPARATORS.findall(title)
    # strip brand parts from both ends, keep whatever is in the middle joined as written
    start, end = 0, len(parts)
    while end - start > 1 and is_brand(parts[end - 1], brands):
        end -= 1
    while end - start > 1 and is_brand(parts[start], brands):
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return out.strip()


def _h1_texts(doc: lxml.html.HtmlElement) -> list[str]:
    texts = []
    for h1 in doc.iter("h1"):
        text = clean_meta_text(h1.text_content())
        if text and len(text) < 300:
            texts.append(text)
        if len(texts) >= 5:
            break
    return texts


def find_title(page: Page, site_name: str | None) -> str | None:
    brands = [b for b in (site_name, host_brand(page.url)) if b]
    meta_titles = [
        t
        for t in (
            *(as_str(v) for v in page.json_ld.values("headline")),
            page.first("og:title"),
            page.first("twitter:title"),
            page.first("dc.title"),
        )
        if t
    ]
    title_el = page.doc.find(".//title")
    tag_title = clean_meta_text(title_el.text_content()) if title_el is not None else ""
    h1s = _h1_texts(page.doc)

    candidates = [_split_brand(t, brands) for t in meta_titles]
    if tag_title:
        candidates.append(_split_brand(tag_title, brands))
    squashed = {squash(c) for c in candidates + meta_titles + [tag_title] if c}

    # an <h1> that agrees with what the page declares is the headline as the reader sees it
    for h1 in h1s:
        if squash(h1) in squashed:
            return h1
    for h1 in h1s:
        s = squash(h1)
        if len(s) >= 15 and any(s in c for c in squashed):
            return h1
    if candidates:
        return candidates[0]
    return h1s[0] if h1s else None

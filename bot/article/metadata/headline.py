"""The headline and the outlet's name: JSON-LD, Open Graph and the title, the brand cut off."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from bot.article.page import Page, as_str, clean_meta_text, itemprop_values

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


# Runs of the characters str.isalnum() keeps (\w but "_": the same set, every code point checked):
# found in C, not tested one by one in Python.
_ALNUM_RUN = re.compile(r"[^\W_]+")


def squash(text: str) -> str:
    """Letters and digits only, case-folded, for comparing brands and titles loosely."""
    return "".join(_ALNUM_RUN.findall(unicodedata.normalize("NFKD", text).casefold()))


# A brand written with more around it ("Reuters UK", "Wday.ru — женский журнал") is a few words;
# a longer part that names the brand is a sentence about it ("… по версии Wday.ru"), not the brand.
_BRAND_MAX_WORDS = 4


def is_brand(part: str, brands: Iterable[str], *, max_words: int | None = None) -> bool:
    """Whether ``part`` names one of the ``brands``: the same letters, or (with at most
    ``max_words`` words, if given) one holding the other."""
    squashed = squash(part)
    if not squashed:
        return False
    loose = len(squashed) >= 4 and (max_words is None or len(part.split()) <= max_words)
    for brand in brands:
        b = squash(brand)
        if len(b) < 3:
            continue
        if squashed == b or (loose and (squashed in b or b in squashed)):
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
    """The outlet's name the page declares: ``og:site_name``, JSON-LD's or microdata's
    ``publisher``, the application name; see :func:`prefer_host_brand` for which one wins."""
    candidates = [page.first("og:site_name")]
    for publisher in page.json_ld.values("publisher"):
        if isinstance(publisher, dict) and "name" not in publisher:
            publisher = page.json_ld.by_id.get(str(publisher.get("@id")), publisher)
        candidates.append(as_str(publisher))
    candidates += _microdata_publishers(page)
    candidates.append(page.first("application-name", "apple-mobile-web-app-title"))
    names = [c for c in candidates if c and _is_site_name(c, page.url)]
    return prefer_host_brand(names, page.url)


def _microdata_publishers(page: Page) -> list[str]:
    """``itemprop="name"`` of the page's microdata publisher (The New York Times declares
    itself only there)."""
    names = []
    marked = [v.getparent() for v in itemprop_values(page) if "publisher" in v][:3]
    for el in marked:
        if "publisher" not in (el.get("itemprop") or "").split():
            continue
        for name in el.xpath(".//*[@itemprop='name']")[:1]:
            text = clean_meta_text(name.get("content") or name.text_content())
            if text:
                names.append(text)
    return names


# "© 2019 The Associated Press. All rights reserved.": the holder's capitalised words
_COPYRIGHT_HOLDER = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?"
    r"((?:The\s+)?[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,4})",
    re.IGNORECASE,
)
_ACRONYM_SKIP = frozenset({"the", "of", "and", "&"})


def _acronym(name: str) -> str:
    return "".join(w[0] for w in name.split() if w.casefold() not in _ACRONYM_SKIP).casefold()


def _names_host(name: str, brand: str) -> bool:
    """Whether ``name`` is the host's brand, spelt out or as its initials ("The Associated
    Press" on ap.org)."""
    return is_brand(name, [brand]) or (len(brand) >= 2 and _acronym(name) == brand)


def written_as_name(name: str) -> bool:
    # "pcgamer" is the host's label copied into og:site_name; "PC Gamer" is the outlet's name
    return any(ch.isupper() for ch in name) or " " in name.strip()


def copyright_holder(page: Page) -> str | None:
    """The holder named in the page's copyright line, when it is the host's brand: the
    publisher's own name on pages that declare none (hosted.ap.org's member-paper pages)."""
    brand = host_brand(page.url)
    if not brand:
        return None
    for text in page.doc.xpath("//body//text()[contains(., '©')]")[:5]:
        m = _COPYRIGHT_HOLDER.search(str(text)[:300])
        if m and _names_host(m.group(1), brand):
            return m.group(1).strip()
    return None


def prefer_host_brand(names: list[str], url: str) -> str | None:
    """The outlet among the declared ``names``, first declared first, except that a name that is
    the host's brand beats one that is not (Reuters puts a section, "U.S.", in og:site_name and
    "Reuters" in its JSON-LD publisher), and a brand written as a name beats the host's label
    ("PC Gamer" over "pcgamer")."""
    if not names:
        return None
    brand = host_brand(url)
    if not brand:
        return names[0]
    branded = [n for n in names if _names_host(n, brand)]
    if not branded:
        return names[0]
    return next((n for n in branded if written_as_name(n)), branded[0])


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


# Chinese and Japanese titles name the site after a bare hyphen, no spaces around it
# ("武汉的声音：…城！-新华网", "益阳：“数字”是优长-半月谈"): a short run of CJK letters after a
# separator that follows a CJK letter or punctuation mark, at the end of the title.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uff01-\uff0f"
_CJK_SITE_SUFFIX = re.compile(
    rf"(?<=[{_CJK}])[-_|｜]{{1,2}}\s?[\u3400-\u9fff\u3040-\u30ff]{{2,8}}$"
)


def _split_brand(title: str, brands: list[str]) -> str:
    """Drop a site-name prefix or suffix ("Reuters: …", "… | The Guardian", "…-新华网")."""
    cjk = _CJK_SITE_SUFFIX.search(title)
    if cjk:
        title = title[: cjk.start()].rstrip()
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        # "Reuters: headline" without spaces around the colon on the left
        head, sep, tail = title.partition(": ")
        if sep and tail and is_brand(head, brands, max_words=_BRAND_MAX_WORDS):
            return tail.strip()
        return title
    seps = _TITLE_SEPARATORS.findall(title)
    # strip brand parts from both ends, keep whatever is in the middle joined as written
    start, end = 0, len(parts)
    while end - start > 1 and is_brand(parts[end - 1], brands, max_words=_BRAND_MAX_WORDS):
        end -= 1
    while end - start > 1 and is_brand(parts[start], brands, max_words=_BRAND_MAX_WORDS):
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

"""Article metadata (headline, outlet, authors, date, image, description, language) from a page's
JSON-LD, Open Graph, meta tags and markup.

Every field is optional and a wrong value is worse than none (the attribution line of a brief shows
only what is known with confidence), so each extractor prefers structured sources, cross-checks
them where it can, and gives up rather than guess. ``extract_metadata`` reads the parsed document
without changing it and never raises on hostile or broken markup.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.html

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Metadata:
    title: str | None = None
    site_name: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    image_url: str | None = None
    description: str | None = None
    language: str | None = None


# --- reading the page ---------------------------------------------------------------------------

_ARTICLE_TYPES = ("article", "posting", "report", "newsarticle", "blogposting", "liveblog")
# JSON-LD nests deeper than this only in hostile pages; the limit keeps recursion bounded
_MAX_JSON_DEPTH = 12
_MAX_JSON_NODES = 2000


def _clean_text(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class _Page:
    """What the extractors read, gathered in one pass over the document."""

    doc: lxml.html.HtmlElement
    url: str
    meta: dict[str, list[str]]
    ld_nodes: list[dict[str, Any]]
    ld_articles: list[dict[str, Any]]
    ld_by_id: dict[str, dict[str, Any]]
    # filled on first use by _shown_text: most pages never need it
    shown_text: str | None = None

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    return value
        return None

    def all(self, *keys: str) -> list[str]:
        return [v for key in keys for v in self.meta.get(key, ()) if v]


def _read_meta(doc: lxml.html.HtmlElement) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for el in doc.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        content = _clean_text(content)
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key:
                meta.setdefault(key.strip().lower(), []).append(content)
    return meta


def _walk_json(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > _MAX_JSON_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk_json(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            # authors and publishers are read from their parent; walking into them would make a
            # Person look like a page-level node
            if key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
                yield from _walk_json(item, depth + 1)


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return [v.lower() for v in values if isinstance(v, str)]


def _read_json_ld(doc: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for script in doc.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip()
        if not text:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            # a common breakage is raw newlines inside strings; retry once without them
            try:
                data = json.loads(text.replace("\n", " ").replace("\r", " "))
            except ValueError:
                log.debug("skipping invalid JSON-LD block")
                continue
        for node in _walk_json(data):
            nodes.append(node)
            if len(nodes) >= _MAX_JSON_NODES:
                return nodes
    return nodes


def _read_page(doc: lxml.html.HtmlElement, url: str) -> _Page:
    nodes = _read_json_ld(doc)
    articles = [n for n in nodes if any(t.endswith(_ARTICLE_TYPES) for t in _types(n))]
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    return _Page(doc, url, _read_meta(doc), nodes, articles, by_id)


def _ld_values(page: _Page, key: str) -> list[Any]:
    """The key's values from article nodes first, then from any node (WebPage, etc.)."""
    seen = page.ld_articles + [n for n in page.ld_nodes if n not in page.ld_articles]
    return [n[key] for n in seen if key in n and n[key]]


def _as_str(value: Any) -> str:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        for key in ("name", "@value", "url"):
            if isinstance(value.get(key), str):
                return _clean_text(value[key])
    if isinstance(value, list) and value:
        return _as_str(value[0])
    return ""


# --- site name and brand ------------------------------------------------------------------------

_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"}


def _host_brand(url: str) -> str | None:
    """The registrable label of the host: "theguardian" for www.theguardian.com."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return None
    labels = labels[:-1]
    if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    return labels[-1] or None


def _squash(text: str) -> str:
    """Letters and digits only, case-folded, for comparing brands and titles loosely."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text).casefold() if ch.isalnum())


def _is_brand(part: str, brands: Iterable[str]) -> bool:
    squashed = _squash(part)
    if not squashed:
        return False
    for brand in brands:
        b = _squash(brand)
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
    brand = _host_brand(url)
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
        word = _squash(name)
        return word not in _GENERIC_SITE_NAMES and word not in _subdomain_labels(url)
    return True


def _site_name(page: _Page) -> str | None:
    candidates = [page.first("og:site_name")]
    for publisher in _ld_values(page, "publisher"):
        if isinstance(publisher, dict) and "name" not in publisher:
            publisher = page.ld_by_id.get(str(publisher.get("@id")), publisher)
        candidates.append(_as_str(publisher))
    candidates.append(page.first("application-name", "apple-mobile-web-app-title"))
    for candidate in candidates:
        if candidate and _is_site_name(candidate, page.url):
            return candidate
    return None


def _brand_from_title(page: _Page, headline: str | None) -> str | None:
    """The outlet named beside the headline in <title> ("Headline - Nordstadt Kurier")."""
    title_el = page.doc.find(".//title")
    if title_el is None or not headline:
        return None
    parts = _TITLE_SEPARATORS.split(_clean_text(title_el.text_content()))
    if len(parts) != 2:
        return None
    head, tail = parts
    if _squash(head) == _squash(headline) and 0 < len(tail.split()) <= 4:
        return tail if _is_site_name(tail, page.url) else None
    if _squash(tail) == _squash(headline) and 0 < len(head.split()) <= 4:
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
        if sep and tail and _is_brand(head, brands):
            return tail.strip()
        return title
    seps = _TITLE_SEPARATORS.findall(title)
    # strip brand parts from both ends, keep whatever is in the middle joined as written
    start, end = 0, len(parts)
    while end - start > 1 and _is_brand(parts[end - 1], brands):
        end -= 1
    while end - start > 1 and _is_brand(parts[start], brands):
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
        text = _clean_text(h1.text_content())
        if text and len(text) < 300:
            texts.append(text)
        if len(texts) >= 5:
            break
    return texts


def _title(page: _Page, site_name: str | None) -> str | None:
    brands = [b for b in (site_name, _host_brand(page.url)) if b]
    meta_titles = [
        t
        for t in (
            *(_as_str(v) for v in _ld_values(page, "headline")),
            page.first("og:title"),
            page.first("twitter:title"),
            page.first("dc.title"),
        )
        if t
    ]
    title_el = page.doc.find(".//title")
    tag_title = _clean_text(title_el.text_content()) if title_el is not None else ""
    h1s = _h1_texts(page.doc)

    candidates = [_split_brand(t, brands) for t in meta_titles]
    if tag_title:
        candidates.append(_split_brand(tag_title, brands))
    squashed = {_squash(c) for c in candidates + meta_titles + [tag_title] if c}

    # an <h1> that agrees with what the page declares is the headline as the reader sees it
    for h1 in h1s:
        if _squash(h1) in squashed:
            return h1
    for h1 in h1s:
        s = _squash(h1)
        if len(s) >= 15 and any(s in c for c in squashed):
            return h1
    if candidates:
        return candidates[0]
    return h1s[0] if h1s else None


# --- authors -------------------------------------------------------------------------------------

_BYLINE_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|reported|text|story|words|photos?)\s+by|"
    r"geschrieben\s+von|ein\s+beitrag\s+von|ver[öo]ffentlicht\s+von|publi[ée]\s+par|"
    r"publicado\s+por|pubblicato\s+da|mehr\s+von|more\s+(?:from|by)|about|[üu]ber|"
    r"by|von|par|por|door|di|da|av|af|"
    r"autor(?:in)?|author|auteur|texte?|redakteur(?:in)?)\s*[:\-–]?\s+",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(
    r"(?:(?<!\s)\s+)?[,;/|•·]\s*|(?<!\s)\s+(?:and|und|&|et|y|e|og|en|i)\s+", re.IGNORECASE
)
_EMAIL_OR_HANDLE = re.compile(r"(?<!\S)\S+@\S+|(?<!\w)@\w+")
# Innermost groups: "\([^)]*\)" scanned to the end from each of many unclosed "(".
_PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
# a byline often ends in its date and time ("Jane Doe 12.03.2020, 14:05")
_DATE_OR_TIME = re.compile(
    r"\d{1,4}[./-]\s?\d{1,2}[./-]\s?\d{2,4}|\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?", re.IGNORECASE
)
_NOT_NAME_WORDS = frozenset(
    """
    staff editorial editor editors team redaktion redaktionen news newsroom desk online web admin
    administrator webmaster guest gast unknown anonymous anonym autor author autoren authors user
    support service agency agentur press presse media medien verlag zeitung magazin magazine journal
    group gruppe gmbh ag inc ltd llc kg ev e.v. corp company university universität universite
    institut institute ministry ministerium department office association verband verein stadt
    gemeinde council foundation stiftung partei party club bureau büro contributor contributors
    correspondent reporter writer publisher report reports wire wires daily weekly times post
    tribune herald digital radio tv television channel network netzwerk blog official
    sponsored gesponsert gesponserte inhalte anzeige advertorial werbung partner
    dpa afp ap apa kna epd sid ots reuters efe ansa upi ddp rtr xinhua tass sda ats keystone
    afp/dpa dpa/afp
    """.split()
)
_PARTICLES = frozenset(
    "von van der den de del della di da du le la al el bin ibn zu ten ter dos das do y e st".split()
)
_MAX_NAME_WORDS = 4
_MAX_AUTHORS = 6


def _plausible_name(name: str, brands: list[str]) -> bool:
    if not name or len(name) > 60 or any(ch.isdigit() for ch in name):
        return False
    if "://" in name or name.lower().startswith("www.") or "@" in name or "/" in name:
        return False
    words = name.split()
    if len(words) > _MAX_NAME_WORDS:
        return False
    lowered = {w.strip(".,").casefold() for w in words}
    if lowered & _NOT_NAME_WORDS:
        return False
    if _is_brand(name, brands):
        return False
    core = [w for w in words if w.casefold() not in _PARTICLES]
    if not core:
        return False
    for word in core:
        # "NH." is a citation's initials, not a byline
        if word.endswith(".") and len(word) > 2 and word[:-1].isupper() and "." not in word[:-1]:
            return False
        letters = word.replace("-", "").replace(".", "").replace("'", "").replace("’", "")
        if not letters.isalpha():
            return False
        # names are capitalised in every Latin-script language we see; lower-case words are
        # usually nicknames or phrases ("admin", "the team")
        if word[0].isalpha() and word[0].isascii() and not word[0].isupper():
            return False
    if len(core) == 1:
        # a lone word is a nickname or an outlet far more often than a person's name
        return False
    return True


def _clean_author(raw: str, brands: list[str]) -> list[str]:
    text = _clean_text(raw)
    text = _EMAIL_OR_HANDLE.sub(" ", text)
    text = _PAREN.sub(" ", text)
    text = _DATE_OR_TIME.sub(" ", text)
    names = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip(" .:-–—")
        # the prefix can repeat after a split ("By A and by B")
        while True:
            stripped = _BYLINE_PREFIX.sub("", part).strip(" .:-–—")
            if stripped == part:
                break
            part = stripped
        if part.isupper() and len(part) > 3:
            part = part.title()
        if _plausible_name(part, brands):
            names.append(part)
    return names


def _ld_author_names(page: _Page, brands: list[str]) -> list[str]:
    names: list[str] = []
    nodes = page.ld_articles or [n for n in page.ld_nodes if "author" in n]
    for node in nodes[:1]:
        authors = node.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            if isinstance(author, dict) and "name" not in author:
                author = page.ld_by_id.get(author.get("@id", ""), author)
            if isinstance(author, dict):
                types = _types(author)
                if types and "person" not in types:
                    continue
                names += _clean_author(_as_str(author.get("name")), brands)
            elif isinstance(author, str):
                names += _clean_author(author, brands)
    return names


def _byline_elements(doc: lxml.html.HtmlElement) -> Iterator[str]:
    # one pass testing class names in Python: XPath's translate() on every element's class
    # cost more than the rest of the metadata together
    found = 0
    for el in doc.xpath("//*[@class or @rel='author' or @itemprop='author']"):
        if el.get("rel") != "author" and el.get("itemprop") != "author":
            classes = (el.get("class") or "").lower()
            if "byline" not in classes and "author" not in classes and "autor" not in classes:
                continue
        found += 1
        if found > 20:
            break
        if not isinstance(el.tag, str) or el.tag in ("meta", "link", "script", "style", "img"):
            continue
        # comment sections mark every commenter as an author
        if el.xpath("ancestor-or-self::*[contains(@class, 'comment') or contains(@id, 'comment')]"):
            continue
        name_el = el.find(".//*[@itemprop='name']")
        if name_el is not None:
            el = name_el
        # itertext, not text_content: "<span>By</span><a>Name</a>" must not become "ByName"
        text = _clean_text(" ".join(el.itertext()))
        if 0 < len(text) <= 80:
            yield text


def _organisations(page: _Page, site_name: str | None) -> list[str]:
    """Names of the outlet and of every organisation the page mentions in its metadata: an
    "author" equal to one of these is the publisher, not a person."""
    names = [site_name, _host_brand(page.url)]
    names += page.all(
        "og:site_name",
        "publisher",
        "copyright",
        "application-name",
        "article:publisher",
        "dc.publisher",
    )
    names += [_as_str(p) for p in _ld_values(page, "publisher")]
    names += [
        _as_str(n.get("name"))
        for n in page.ld_nodes
        # WordPress marks a one-person blog's owner as both Person and Organization
        if "person" not in _types(n)
        and any(t.endswith(("organization", "corporation")) or t == "website" for t in _types(n))
    ]
    return [n for n in names if n and "://" not in n]


def _authors(page: _Page, site_name: str | None) -> list[str]:
    brands = _organisations(page, site_name)
    found = _ld_author_names(page, brands)
    if not found:
        for key in (
            "author",
            "article:author",
            "parsely-author",
            "sailthru.author",
            "dc.creator",
            "citation_author",
            "byl",
        ):
            names = [n for raw in page.all(key) for n in _clean_author(raw, brands)]
            # a long list under one key is a citation list or a site's contributor roll
            if 0 < len(names) <= _MAX_AUTHORS:
                found = names
                break
    if not found:
        for raw in _byline_elements(page.doc):
            found += _clean_author(raw, brands)
            if found:
                break
    unique: dict[str, str] = {}
    for name in found:
        unique.setdefault(_squash(name), name)
    return list(unique.values())


# --- publication date ----------------------------------------------------------------------------

_EARLIEST = dt.date(1995, 1, 1)
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
_DMY_DATE = re.compile(
    r"(?<!\d)(0?[1-9]|[12]\d|3[01])\.\s?(0?[1-9]|1[0-2])\.\s?((?:19|20)\d\d)(?!\d)"
)
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?:/|[_-]|$)"
)
# a time of day and the zone it is written in, after a date: "T02:54:29.000Z", " 10:01:41 EDT",
# " 00:23:33 GMT+0000"
_TIME = re.compile(
    r"(?<![T\s,])[T\s,]+([01]?\d|2[0-3]):?([0-5]\d)(?::?([0-5]?\d)(?:[.,]\d+)?)?\s*([ap]\.?m\.?)?\s*"
    r"(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d|(?:GMT|UTC)(?:\s?[+-](?:[01]\d|2[0-3]):?[0-5]\d)?|"
    r"[ECMP][SD]T|CES?T)?(?![\w:])",
    re.IGNORECASE,
)
_ISO_STAMP = re.compile(r"(?<!\d)((?:19|20)\d\d)(-?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# the English forms feeds and JavaScript write: "Wed, 04 May 2022", "Tue, Sep 15 2020"
_TEXT_STAMP = re.compile(
    rf"(?<!\w)(?:(\d{{1,2}})\s+{_MONTH}|{_MONTH}\s+(\d{{1,2}})),?\s+((?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
_ZONE_HOURS = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8}
_ZONE_HOURS |= {"PDT": -7, "CET": 1, "CEST": 2, "GMT": 0, "UTC": 0, "Z": 0}


@dataclass(frozen=True)
class _Stamp:
    """A declared date, with its time of day and UTC offset when the value states them."""

    date: dt.date
    time: dt.time | None = None
    offset: dt.timedelta | None = None

    def date_at(self, offset: dt.timedelta) -> dt.date:
        """The calendar date of the same instant at another UTC offset."""
        if self.time is None or self.offset is None:
            return self.date
        return (dt.datetime.combine(self.date, self.time) - self.offset + offset).date()


def _zone_offset(zone: str | None) -> dt.timedelta | None:
    if not zone:
        return None
    zone = zone.upper().replace(" ", "")
    if zone in _ZONE_HOURS:
        return dt.timedelta(hours=_ZONE_HOURS[zone])
    digits = zone.removeprefix("GMT").removeprefix("UTC").replace(":", "")
    sign = -1 if digits[0] == "-" else 1
    return sign * dt.timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))


def _with_time(date: dt.date, rest: str) -> _Stamp:
    match = _TIME.match(rest)
    if not match:
        return _Stamp(date)
    hour, minute, second, half, zone = match.groups()
    hour_n = int(hour)
    if half:
        if hour_n > 12:
            return _Stamp(date)
        hour_n = hour_n % 12 + (12 if half[0].lower() == "p" else 0)
    time = dt.time(hour_n, int(minute), int(second or 0))
    return _Stamp(date, time, _zone_offset(zone))


def _parse_stamp(text: str | None) -> _Stamp | None:
    if not text:
        return None
    match = _ISO_STAMP.search(text)
    if match:
        try:
            date = dt.date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError:
            date = None
        if date:
            return _with_time(date, text[match.end() :])
    match = _TEXT_STAMP.search(text)
    if match:
        day_first, month_a, month_b, day_second, year = match.groups()
        month = _MONTHS.index((month_a or month_b).lower()[:3]) + 1
        try:
            date = dt.date(int(year), month, int(day_first or day_second))
        except ValueError:
            date = None
        if date:
            return _with_time(date, text[match.end() :])
    date = _parse_date(text)
    return _Stamp(date) if date else None


# East of UTC it is already tomorrow (up to UTC+14): a page may be dated a day after ``today``.
_SLACK = dt.timedelta(days=1)


def _plausible_date(date: dt.date, today: dt.date) -> bool:
    return _EARLIEST <= date <= today + _SLACK


def _parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_DMY_DATE, (2, 1, 0))):
        match = pattern.search(text)
        if match:
            groups = match.groups()
            try:
                return dt.date(*(int(groups[i]) for i in order))
            except ValueError:
                continue
    return None


_PUBLISHED_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publish_date",
    "pubdate",
    "dc.date.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "citation_publication_date",
    "date",
)
_OTHER_TIMESTAMP_KEYS = ("article:modified_time", "og:updated_time", "last-modified")


def _declared_texts(page: _Page) -> Iterator[str]:
    """The publication date as the page declares it, most trustworthy source first."""
    if _names_a_revision(page.url):
        # a wiki's revision or diff view is shared for the edit, which is the page's last change
        for node in page.ld_articles:
            yield _as_str(node.get("dateModified"))
    for node in page.ld_articles:
        yield _as_str(node.get("datePublished"))
    for el in page.doc.xpath("//*[@itemprop='datePublished' or (self::time and @pubdate)]")[:3]:
        # blog comments carry their own datePublished
        if not _in_comments(el):
            yield el.get("datetime") or el.get("content") or el.text_content()
    yield from page.all(*_PUBLISHED_KEYS)
    for node in page.ld_nodes:
        if node not in page.ld_articles:
            yield _as_str(node.get("datePublished"))


def _names_a_revision(url: str) -> bool:
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return False
    return "diff" in query or "oldid" in query


def _in_comments(el: lxml.html.HtmlElement) -> bool:
    return bool(
        el.xpath(
            "ancestor::*[contains(@class, 'comment') or contains(@id, 'comment') or "
            "contains(@itemtype, 'Comment')]"
        )
    )


def _other_timestamps(page: _Page) -> Iterator[str]:
    """The page's timestamps other than its publication date: changes, creation, <time>."""
    for key in ("dateModified", "dateCreated"):
        yield from (_as_str(v) for v in _ld_values(page, key))
    yield from page.all(*_OTHER_TIMESTAMP_KEYS)
    yield from (el.get("datetime", "") for el in page.doc.xpath("//time[@datetime]")[:20])


def _page_offset(page: _Page, stamps: list[_Stamp]) -> dt.timedelta | None:
    """The UTC offset the page writes its own local times in, when any timestamp shows one."""
    others = [*stamps]
    others += [s for s in map(_parse_stamp, _other_timestamps(page)) if s]
    offsets = Counter(s.offset for s in others if s.offset)
    return offsets.most_common(1)[0][0] if offsets else None


# Month names in the languages most pages here are written in, for finding a date the page shows.
_MONTH_NAMES = [
    names.split()
    for names in (
        "january januar janvier enero gennaio janeiro januari jan jän janv ene gen",
        "february februar février febrero febbraio fevereiro februari feb févr fév fevr fev",
        "march märz mars marzo março maart mar mär mrz",
        "april avril abril aprile apr avr abr",
        "may mai mayo maggio maio mei mag",
        "june juni juin junio giugno junho jun giu",
        "july juli juillet julio luglio julho jul juil lug",
        "august août agosto augustus aug aoû ago",
        "september septembre septiembre settembre setembro sep sept set",
        "october oktober octobre octubre ottobre outubro okt oct out ott",
        "november novembre noviembre novembro nov",
        "december dezember décembre diciembre dicembre dezembro dec dez déc dic",
    )
]
_NOT_SHOWN_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})


def _shown_text(page: _Page) -> str:
    """The text a reader sees: the body without scripts and styles, case-folded."""
    if page.shown_text is None:
        body = page.doc.find("body")
        parts: list[str] = []
        if body is not None:
            for el in body.iter():
                if isinstance(el.tag, str) and el.tag not in _NOT_SHOWN_TAGS and el.text:
                    parts.append(el.text)
                if el.tail and el is not body:
                    parts.append(el.tail)
        page.shown_text = " ".join(" ".join(parts).split()).casefold()
    return page.shown_text


def _date_patterns(date: dt.date) -> list[str]:
    y, m, d = date.year, date.month, date.day
    months = "|".join(re.escape(name) for name in _MONTH_NAMES[m - 1])
    return [
        rf"(?<!\d){y}\s?[-/.]\s?0?{m}\s?[-/.]\s?0?{d}(?!\d)",
        rf"(?<!\d)0?{d}\s?[-/.]\s?0?{m}\s?[-/.]\s?(?:{y}|{y % 100:02})(?!\d)",
        rf"(?<!\d)0?{m}/0?{d}/(?:{y}|{y % 100:02})(?!\d)",
        rf"(?<!\d){y}\s?年\s?0?{m}\s?月\s?0?{d}\s?日",
        rf"(?<!\d)0?{d}(?:st|nd|rd|th|er)?\.?\s*(?:de\s+)?(?:{months})\.?,?\s*(?:de\s+)?{y}(?!\d)",
        rf"(?<![^\W\d])(?:{months})\.?\s+0?{d}(?:st|nd|rd|th)?,?\s+{y}(?!\d)",
    ]


def _shown(page: _Page, date: dt.date) -> bool:
    """Whether the page shows the date to its readers, in its text or in a <time> element."""
    for el in page.doc.xpath("//body//time[@datetime]")[:50]:
        if _parse_date(el.get("datetime")) == date:
            return True
    text = _shown_text(page)
    return any(re.search(pattern, text) for pattern in _date_patterns(date))


_NUMBER = re.compile(r"\d{3,}")


def _numbered_address(url: str) -> bool:
    """A story's address usually carries its date or a number (its id); a site's static pages,
    whose templates stamp them with dates too, rarely do."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(_NUMBER.search(parts.path + "?" + parts.query))


def _declares(page: _Page, date: dt.date) -> bool:
    """Whether any timestamp the page declares, published or not, names that very day."""
    texts = itertools.chain(_declared_texts(page), _other_timestamps(page))
    return any(stamp is not None and stamp.date == date for stamp in map(_parse_stamp, texts))


def _htmldate(page: _Page, extensive: bool, today: dt.date) -> dt.date | None:
    from htmldate import find_date

    # htmldate reads the machine's clock unless told the latest date it may answer.
    latest = dt.datetime.combine(today + _SLACK, dt.time.max)
    try:
        found = find_date(
            page.doc, extensive_search=extensive, original_date=True, url=page.url, max_date=latest
        )
    except Exception:  # noqa: BLE001 - a third-party parser on hostile input
        log.debug("htmldate failed on %s", page.url, exc_info=True)
        return None
    return _parse_date(found)


def _url_date(url: str) -> dt.date | None:
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        return None


# An error page's title or heading; alone, "error" or "404" also appear in real headlines.
_ERROR_HEADING = re.compile(
    r"\b(?:404|410)\b|page not found|file not found|can[’']t find (?:that|this|the) page|"
    r"page (?:doesn[’']t|does not) exist|seite nicht gefunden|page introuvable|"
    r"p[aá]gina no encontrada|pagina non trovata",
    re.IGNORECASE,
)
_HOME_PATH = re.compile(r"/?(?:(?:index|default|home)\.\w+)?")


def _not_an_article(page: _Page) -> bool:
    """A home or error page: the dates on it belong to the stories it links to."""
    try:
        path = urlsplit(page.url).path
    except ValueError:
        path = ""
    if _HOME_PATH.fullmatch(path):
        return True
    headings = [page.doc.find(".//title"), page.doc.find(".//h1")]
    text = " ".join(_clean_text(el.text_content()) for el in headings if el is not None)
    return bool(_ERROR_HEADING.search(text))


# Where a country-code domain publishes: one zone per country, the capital's or the most populous
# one's where a country has several. Codes sold as generic names (.co, .io, .tv, .me, .fm, ...)
# count only under a second-level label (.com.co).
_COUNTRY_ZONES = {
    "at": "Europe/Vienna", "be": "Europe/Brussels", "bg": "Europe/Sofia", "ch": "Europe/Zurich",
    "cz": "Europe/Prague", "de": "Europe/Berlin", "dk": "Europe/Copenhagen", "ee": "Europe/Tallinn",
    "es": "Europe/Madrid", "fi": "Europe/Helsinki", "fr": "Europe/Paris", "gr": "Europe/Athens",
    "hr": "Europe/Zagreb", "hu": "Europe/Budapest", "ie": "Europe/Dublin", "it": "Europe/Rome",
    "lt": "Europe/Vilnius", "lu": "Europe/Luxembourg", "lv": "Europe/Riga",
    "nl": "Europe/Amsterdam", "no": "Europe/Oslo", "pl": "Europe/Warsaw", "pt": "Europe/Lisbon",
    "ro": "Europe/Bucharest", "rs": "Europe/Belgrade", "se": "Europe/Stockholm",
    "si": "Europe/Ljubljana", "sk": "Europe/Bratislava", "uk": "Europe/London", "ua": "Europe/Kyiv",
    "ru": "Europe/Moscow", "tr": "Europe/Istanbul", "il": "Asia/Jerusalem", "eg": "Africa/Cairo",
    "za": "Africa/Johannesburg", "ng": "Africa/Lagos", "ke": "Africa/Nairobi", "in": "Asia/Kolkata",
    "pk": "Asia/Karachi", "bd": "Asia/Dhaka", "th": "Asia/Bangkok", "vn": "Asia/Ho_Chi_Minh",
    "id": "Asia/Jakarta", "my": "Asia/Kuala_Lumpur", "sg": "Asia/Singapore", "ph": "Asia/Manila",
    "cn": "Asia/Shanghai", "hk": "Asia/Hong_Kong", "tw": "Asia/Taipei", "kr": "Asia/Seoul",
    "jp": "Asia/Tokyo", "au": "Australia/Sydney", "nz": "Pacific/Auckland", "ca": "America/Toronto",
    "us": "America/New_York", "mx": "America/Mexico_City", "co": "America/Bogota",
    "pe": "America/Lima", "ve": "America/Caracas", "cl": "America/Santiago", "bo": "America/La_Paz",
    "ar": "America/Argentina/Buenos_Aires", "br": "America/Sao_Paulo", "uy": "America/Montevideo",
    "ir": "Asia/Tehran", "az": "Asia/Baku",
}  # fmt: skip
_GENERIC_COUNTRY_CODES = frozenset({"co", "io", "tv", "me", "fm", "ai", "ly", "to", "ws", "cc"})


def _host_zone(url: str) -> ZoneInfo | None:
    try:
        labels = (urlsplit(url).hostname or "").lower().split(".")
    except ValueError:
        return None
    code = labels[-1]
    if code in _GENERIC_COUNTRY_CODES and not (len(labels) > 2 and labels[-2] in _SECOND_LEVEL):
        return None
    name = _COUNTRY_ZONES.get(code)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.debug("no time zone data for %s", name)
        return None


# the zones news is published in: Hawaii to Kiribati
_WESTMOST = dt.timedelta(hours=-10)
_EASTMOST = dt.timedelta(hours=14)


def _published(page: _Page, today: dt.date, bylined: bool) -> dt.date | None:
    stamps = [
        s for s in map(_parse_stamp, _declared_texts(page)) if s and _plausible_date(s.date, today)
    ]
    if not stamps:
        if _not_an_article(page):
            return None
        # htmldate reads the whole page, so it runs only when the page declares nothing
        found = _htmldate(page, extensive=True, today=today)
        if not found or not _plausible_date(found, today):
            return None
        # htmldate answers the 1st when it found only a month (a date it refused as later than
        # today among them: 2026-12-31 on 1 December comes back as 2026-12-01) and January 1st
        # when it found only a year. By its value that is any 1st: only the page can tell.
        if found.day == 1 and not (_shown(page, found) or _declares(page, found)):
            return None
        # Its extensive search also takes dates from attributes, image names and the markup of
        # shop, profile and institutional pages; a date the reader never sees is trusted only
        # on an address shaped like a story's.
        if _shown(page, found) or _numbered_address(page.url):
            return found
        return None
    first = stamps[0]
    date = first.date
    if first.offset == dt.timedelta(0) and first.time is not None:
        # A UTC timestamp near midnight names the wrong day for half the world; the reader's date
        # is the one where the page was published, which its other timestamps or its address tell.
        offset = _page_offset(page, stamps)
        url_date = _url_date(page.url)
        zone = _host_zone(page.url)
        if offset is not None:
            date = first.date_at(offset)
        elif url_date and first.date_at(_WESTMOST) <= url_date <= first.date_at(_EASTMOST):
            date = url_date
        elif zone is not None and first.time is not None:
            # a country's domain is a guess at the zone, so it comes after the page's own hints
            moment = dt.datetime.combine(first.date, first.time, tzinfo=dt.UTC)
            date = moment.astimezone(zone).date()
    if not _plausible_date(date, today):
        return None
    # CMS templates stamp every page with a date (a WebPage node's datePublished, dc.date, a
    # "date" meta tag), shop and profile pages too. Such a date counts when the page shows it or
    # something marks the page as a story: an Article in its JSON-LD, Open Graph's article time,
    # a byline, or an address with a date or an id.
    if (
        page.ld_articles
        or _og_article_time(page, first.date)
        or _numbered_address(page.url)
        or _shown(page, date)
        or (date != first.date and _shown(page, first.date))
        or bylined
    ):
        return date
    return None


def _og_article_time(page: _Page, date: dt.date) -> bool:
    if (page.first("og:type") or "").lower() != "article":
        return False
    stamps = map(_parse_stamp, page.all("article:published_time"))
    return any(stamp is not None and stamp.date == date for stamp in stamps)


# A date in words no language has: dateparser tries, and so loads, every locale it knows.
_WARM_UP_PAGE = (
    "<html><head><title>Warm-up</title></head><body>"
    "<p class='date'>3 qqq 2021</p><p>Text.</p></body></html>"
)
_WARM_UP_TODAY = dt.date(2021, 1, 4)  # any day after the warm-up page's: the answer is unused


def warm_up() -> None:
    """Load what htmldate loads on first use (dateparser and its locales, over a second), so that
    a worker process pays for it when it starts rather than in its first brief."""
    doc = lxml.html.document_fromstring(_WARM_UP_PAGE)
    page = _read_page(doc, "https://warm-up.invalid/story")
    _htmldate(page, extensive=True, today=_WARM_UP_TODAY)


# --- the rest ------------------------------------------------------------------------------------


def _image_url(page: _Page) -> str | None:
    candidates = page.all(
        "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"
    )
    for image in _ld_values(page, "image"):
        candidates.append(_as_str(image))
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


def _language(page: _Page) -> str | None:
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


def _description(page: _Page) -> str | None:
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
    try:
        page = _read_page(doc, url)
        site_name = _site_name(page)
        title = _title(page, site_name)
        site_name = site_name or _brand_from_title(page, title)
        authors = _authors(page, site_name)
        return Metadata(
            title=title,
            site_name=site_name,
            authors=authors,
            published=_published(page, today, bool(authors)),
            image_url=_image_url(page),
            description=_description(page),
            language=_language(page),
        )
    except Exception:  # noqa: BLE001 - metadata is optional; a broken page still gets a brief
        log.warning("metadata extraction failed for %s", url, exc_info=True)
        return Metadata()

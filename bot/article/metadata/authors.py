"""Who wrote the story: JSON-LD authors and bylines in the markup, organisations and the
outlet's own name left out.

A name counts only if the page shows it to its readers (issue 15: on the metadata set every
right author is in the page's text, while the names only declared were the site owner's, a
template's or a CMS user's), and a home page has no author: its names are the site's."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from bot.article.jsonld import node_types
from bot.article.kind import is_home_address
from bot.article.metadata.headline import host_brand, is_brand, squash
from bot.article.metadata.shown import Shown
from bot.article.names import names_holding
from bot.article.page import Page, as_str, clean_meta_text

log = logging.getLogger(__name__)

# --- authors -------------------------------------------------------------------------------------

_BYLINE_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|reported|text|story|words)\s+by|"
    r"geschrieben\s+von|ein\s+beitrag\s+von|ver[öo]ffentlicht\s+von|publi[ée]\s+par|"
    r"publicado\s+por|pubblicato\s+da|mehr\s+von|more\s+(?:from|by)|about|[üu]ber|"
    r"by|von|par|por|door|di|da|av|af|"
    r"autor(?:in)?|author|auteur|texte?|redakteur(?:in)?)\s*[:\-–]?\s+",
    re.IGNORECASE,
)
# a picture's credit beside the byline ("Text: A / Fotos: B", "Photo by B"): B took the pictures
_CREDIT = re.compile(
    r"^(?:photos?|pictures?|images?|fotos?|fotografie|bilder?|illustrations?|video|kamera|camera)"
    r"(?:\s+(?:by|von|de|di|par|por))?\s*[:\-–]?\s+",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(
    r"(?:(?<!\s)\s+)?[,;/|•·]\s*|(?<!\s)\s+(?:and|und|&|et|y|e|og|en|i)\s+", re.IGNORECASE
)
# from the start of a run of spaces only: "\s+" tried at each space of a long run is quadratic
_WROTE_FOR = re.compile(r"(?<!\s)\s+(?:for|für)\s(?!\s)", re.IGNORECASE)
_EMAIL_OR_HANDLE = re.compile(r"(?<!\S)\S+@\S+|(?<!\w)@\w+")
# Innermost groups: "\([^)]*\)" scanned to the end from each of many unclosed "(".
_PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
# a byline often ends in its date and time ("Jane Doe 12.03.2020, 14:05", "by Jane Doe Monday,
# November 18, 2019": the weekday stays with the name when the commas split the rest off)
_DATE_OR_TIME = re.compile(
    r"\d{1,4}[./-]\s?\d{1,2}[./-]\s?\d{2,4}|\d{1,2}:\d{2}(?:\s?[ap]\.?\s?m\.?)?|"
    r"(?<!\w)(?:mon|tues|wednes|thurs|fri|satur|sun)day(?!\w)",
    re.IGNORECASE,
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
    redacción redaccion redação redacao rédaction redaction redazione redactie redakcja redakce
    redaksjon toimitus equipo équipe редакция редакція σύνταξη συνταξη συντακτική συντακτικη
    ομάδα ομαδα today police polizei feuerwehr
    """.split()
)
# "The Water Coolest", "The Russian and Syrian defense ministries": an outlet's or a body's name
_ARTICLES = frozenset({"the"})
_PARTICLES = frozenset(
    "von van der den de del della di da du le la al el bin ibn zu ten ter dos das do y e st".split()
)
# a byline inside these belongs to a quotation or a picture
_NOT_THE_STORYS = "ancestor::blockquote or ancestor::q or ancestor::figure or ancestor::figcaption"
# an address of an author's page: "/author/jane-doe", "/autoren/", "/profile/123"
_AUTHOR_PAGE = re.compile(
    r"/(?:authors?|autor(?:en|in)?|auteurs?|autores?|profiles?|profil|people|staff|journalists?)"
    r"(?:[/?#_-]|$)",
    re.IGNORECASE,
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
    if is_brand(name, brands) or words[0].casefold() in _ARTICLES:
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
    if all(len(w.strip(".")) <= 1 for w in core):
        # initials alone ("A. M", a clock's "A. M." left by the byline's time) name no one
        return False
    return True


def _clean_author(raw: str, brands: list[str]) -> list[str]:
    text = clean_meta_text(raw)
    text = _EMAIL_OR_HANDLE.sub(" ", text)
    text = _PAREN.sub(" ", text)
    text = _DATE_OR_TIME.sub(" ", text)
    names = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip(" .:-–—")
        if _CREDIT.match(part):
            continue
        # the prefix can repeat after a split ("By A and by B")
        while True:
            stripped = _BYLINE_PREFIX.sub("", part).strip(" .:-–—")
            if stripped == part:
                break
            part = stripped
        if part.isupper() and len(part) > 3:
            part = part.title()
        # "Brendan Carlin For The Mail On Sunday", "Jane Doe for Dailymail.com": the outlet the
        # author wrote for follows the name
        part = _WROTE_FOR.split(part, maxsplit=1)[0]
        if _plausible_name(part, brands):
            names.append(part)
    return names


def _listed(value: Any) -> Iterator[Any]:
    for item in value if isinstance(value, list) else [value]:
        yield item
        if isinstance(item, dict) and "item" in item:
            yield item["item"]


def _node_addresses(node: dict[str, Any]) -> list[str]:
    entity = node.get("mainEntityOfPage")
    if isinstance(entity, dict):
        entity = entity.get("@id") or entity.get("url")
    return [a for a in (node.get("url"), node.get("@id"), entity) if isinstance(a, str) and a]


def _own_article_nodes(page: Page) -> list[dict[str, Any]]:
    """The nodes that describe this page: article nodes that are not the items of a list (related
    stories), those whose address is the page's first when any is; with no article node, any
    node with an author that is not a list's item."""
    listed = {id(item) for n in page.json_ld.nodes for item in _listed(n.get("itemListElement"))}
    nodes = [n for n in page.json_ld.articles if id(n) not in listed]
    if not nodes:
        return [n for n in page.json_ld.nodes if "author" in n and id(n) not in listed]
    if len(nodes) == 1:
        return nodes
    own = _own_addresses(page)
    here = [
        n
        for n in nodes
        if any(_address_key(urljoin(page.url, a)) in own for a in _node_addresses(n))
    ]
    return here or nodes


def _ld_author_names(page: Page, brands: list[str]) -> list[str]:
    names: list[str] = []
    nodes = _own_article_nodes(page)
    for node in nodes[:1]:
        authors = node.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            if isinstance(author, dict) and "name" not in author:
                author = page.json_ld.by_id.get(author.get("@id", ""), author)
            if isinstance(author, dict):
                types = node_types(author)
                if types and "person" not in types:
                    continue
                names += _clean_author(as_str(author.get("name")), brands)
            elif isinstance(author, str):
                names += _clean_author(author, brands)
    return names


# The page's class values, and its rel and itemprop values, as strings that know their element.
# XPath's translate() on every element's class cost more than the rest of the metadata together,
# and its tests of attribute values (@rel='author') cost as much again; strings tested in Python
# are cheaper, and only the few elements that match need an element object.
_CLASS_VALUES = lxml.etree.XPath("/descendant::*/@class")
_REL_AND_ITEMPROP_VALUES = lxml.etree.XPath("/descendant::*/@rel | /descendant::*/@itemprop")
# the elements found either way, once each, in document order
_IN_ORDER = lxml.etree.XPath("$named | $marked")
# a class naming a byline or an author ("autor" in German, Polish, Spanish...)
_BYLINE_CLASS = re.compile("byline|auth?or")


def _byline_candidates(doc: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Elements with rel or itemprop "author", or a class naming a byline or an author, in
    document order."""
    values = _CLASS_VALUES(doc)
    # each class value once, searched all together (bot.article.names)
    bylines = set(names_holding(_BYLINE_CLASS, list(set(values))))
    named = [value.getparent() for value in values if value in bylines]
    marked = [value.getparent() for value in _REL_AND_ITEMPROP_VALUES(doc) if value == "author"]
    return _IN_ORDER(doc, named=named, marked=marked)  # type: ignore[no-any-return]


def _byline_elements(page: Page) -> Iterator[str]:
    found = 0
    doc = page.doc
    addresses: set[str] | None = None
    for el in _byline_candidates(doc):
        found += 1
        if found > 20:
            break
        if not isinstance(el.tag, str) or el.tag in ("meta", "link", "script", "style", "img"):
            continue
        # comment sections mark every commenter as an author
        if el.xpath("ancestor-or-self::*[contains(@class, 'comment') or contains(@id, 'comment')]"):
            continue
        if el.xpath(_NOT_THE_STORYS) or _in_teaser_link(el) or _after_credit_label(el):
            continue
        if addresses is None:
            addresses = _own_addresses(page)
        if _in_teaser_card(el, page.url, addresses):
            continue
        name_el = el.find(".//*[@itemprop='name']")
        if name_el is not None:
            el = name_el
        # itertext, not text_content: "<span>By</span><a>Name</a>" must not become "ByName"
        text = clean_meta_text(" ".join(el.itertext()))
        if 0 < len(text) <= 80:
            yield text


def _after_credit_label(el: lxml.html.HtmlElement) -> bool:
    """A name after a picture's label ("<strong>Foto:</strong> <p class="autor">B</p>"): B
    took the picture. The label is the text before the element in its parent, or its parent's."""
    for node in (el, el.getparent()):
        if node is None:
            break
        parent = node.getparent()
        if parent is None:
            break
        before = [parent.text or ""]
        for sibling in parent:
            if sibling is node:
                break
            if isinstance(sibling.tag, str):
                before.append(sibling.text_content())
            before.append(sibling.tail or "")
        label = clean_meta_text(" ".join(before))
        if label:
            return len(label) <= 24 and _CREDIT.fullmatch(label + " ") is not None
    return False


# the links of an element's first heading (its own title; later ones may be related stories')
_HEADING_LINKS = lxml.etree.XPath("(.//h2|.//h3|.//h4)[1]//a[@href]/@href")


def _address_key(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return (parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")


_CANONICAL = lxml.etree.XPath("/html/head/link[@rel='canonical']/@href")


def _own_addresses(page: Page) -> set[str]:
    """The page's address and those it declares for itself (canonical, og:url)."""
    own = [page.url, *page.all("og:url"), *_CANONICAL(page.doc)]
    return {_address_key(urljoin(page.url, u)) for u in own if u}


def _in_teaser_card(el: lxml.html.HtmlElement, url: str, own: set[str]) -> bool:
    """Inside an ``<article>`` without an ``<h1>`` whose first heading links to another page: a
    related story's card, whose byline is that story's. (The story's own headline is the page's
    ``<h1>``, not a link or a link to the page itself.)"""
    card = next(el.iterancestors("article"), None)
    # the story's headline is its page's <h1>: an <article> holding one is the story
    if card is None or card.find(".//h1") is not None:
        return False
    for href in _HEADING_LINKS(card):
        if href.startswith("#"):
            continue
        try:
            target = urljoin(url, href)
        except ValueError:
            continue
        if _address_key(target) not in own:
            return True
    return False


def _in_teaser_link(el: lxml.html.HtmlElement) -> bool:
    """Inside a link that holds more than the byline: a card linking to another story. (A link
    around the name alone, or an author's card with a bio linking to the author's page, is the
    author's.)"""
    for link in el.iterancestors("a"):
        if _AUTHOR_PAGE.search(link.get("href") or ""):
            return False
        return len(link.text_content()) > 2 * len(el.text_content()) + 20
    return False


def _home_page(url: str) -> bool:
    """A site's root without a query: its names are the site's. ("/?p=3289", "/index.php?id=7"
    name a post, whose author is the story's.)"""
    try:
        query = urlsplit(url).query
    except ValueError:
        query = ""
    return is_home_address(url) and not query


def _organisations(page: Page, site_name: str | None) -> list[str]:
    """Names of the outlet and of every organisation the page mentions in its metadata: an
    "author" equal to one of these is the publisher, not a person."""
    names = [site_name, host_brand(page.url)]
    names += page.all(
        "og:site_name",
        "publisher",
        "copyright",
        "application-name",
        "article:publisher",
        "dc.publisher",
    )
    names += [as_str(p) for p in page.json_ld.values("publisher")]
    names += [
        as_str(n.get("name"))
        for n in page.json_ld.nodes
        # WordPress marks a one-person blog's owner as both Person and Organization
        if "person" not in node_types(n)
        and any(
            t.endswith(("organization", "corporation")) or t == "website" for t in node_types(n)
        )
    ]
    return [n for n in names if n and "://" not in n]


def find_authors(page: Page, site_name: str | None) -> list[str]:
    if _home_page(page.url):
        return []
    brands = _organisations(page, site_name)

    # a section's name where the author belongs ("Middle East") is no person's
    sections = {squash(s) for s in page.all("article:section", "parsely-section")}

    visible = Shown(page)

    def shown(names: list[str]) -> list[str]:
        return [n for n in names if squash(n) not in sections and visible(n)]

    found = shown(_ld_author_names(page, brands))
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
                found = shown(names)
                if found:
                    break
    if not found:
        for raw in _byline_elements(page):
            found += shown(_clean_author(raw, brands))
            if found:
                break
    unique: dict[str, str] = {}
    for name in found:
        unique.setdefault(squash(name), name)
    return list(unique.values())

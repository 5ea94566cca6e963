"""Article extraction: body text from readability-lxml, metadata from
:mod:`bot.article.metadata.read`.

:func:`extract_article` is pure and synchronous (callers run it off the event loop). The pipeline:

1. decode the page (:func:`bot.fetch.charset.decode_html`; at most four times ``max_bytes``),
   empty the inline scripts and styles (JSON-LD aside), and keep at most ``max_bytes`` of what is
   left;
2. parse it with lxml, ``huge_tree=False``: libxml2 then stops nesting at depth 255 and refuses
   oversized text nodes; a page of more than :data:`MAX_ELEMENTS` elements is cut to that size.
   Together these bound the work on hostile pages;
3. read the metadata and the page-level signals (JSON-LD, og:type, paywall and error markers) from
   the whole tree before anything is removed;
4. remove page furniture readability sometimes keeps (cookie banners, related-article boxes,
   comments, share bars, captions, navigation);
5. let readability choose the article node, and turn it into plain-text paragraphs (``<p>``,
   headings, list items, blockquotes; ``<br><br>`` splits; boilerplate lines and long repeats
   dropped; invisible and bidi-control characters removed);
6. put back prose readability dropped between two paragraphs it kept (embedded posts, short
   paragraphs), and fall back to JSON-LD ``articleBody`` when readability found clearly less;
7. drop the headline if it repeats as a paragraph, and classify the page (:attr:`Article.kind`).

``kind`` is one of:

``"article"``
    a readable article; ``paragraphs`` hold its text.
``"paywall"``
    a subscriber-only teaser: under 400 words of body text and either JSON-LD
    ``isAccessibleForFree: false`` or a "subscribe to continue reading" notice (a paywall class
    name alone counts only under :data:`MIN_ARTICLE_WORDS`: sites put it on their login chrome).
``"too_short"``
    fewer than :data:`MIN_ARTICLE_WORDS` words of body text (CJK text: two characters a word).
``"not_article"``
    an error page (the title or first heading says "page not found", "404", ...); a login or
    cookie wall (a password field or a "log in to continue" notice, with little text); a home or
    listing page (not typed as an article by JSON-LD or og:type, and at the site root, or its
    extracted text mostly headline links, or little prose); binary data served as HTML.

Only a page that cannot be parsed at all (empty, not bytes) raises
:class:`~bot.errors.ExtractionError`; every other page returns an :class:`Article`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
from readability import Document
from readability.readability import REGEXES

from bot.article.metadata.read import Metadata, extract_metadata
from bot.errors import ExtractionError
from bot.fetch.charset import decode_html

log = logging.getLogger(__name__)

__all__ = ["Article", "MIN_ARTICLE_WORDS", "extract_article"]

MIN_ARTICLE_WORDS = 80
# News pages in the benchmark set have at most about 1,600 elements once scripts are skipped.
MAX_ELEMENTS = 10_000


@dataclass(frozen=True)
class Article:
    url: str
    title: str | None = None
    site_name: str | None = None
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    image_url: str | None = None
    description: str | None = None
    language: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    kind: str = "article"
    # Paragraphs that are subheadings in the page (``<h2>``…``<h6>``): they stay in ``paragraphs``
    # (publishers count them as article text) but a brief never quotes one on its own.
    headings: frozenset[str] = frozenset()
    # Paragraphs that are not the article's own prose though reference texts keep them: embedded
    # posts (a tweet's text and its "— Name (@handle) date" signature), captions of pictures
    # signed with a credit, copyright lines. They stay in ``paragraphs``; a brief never quotes one.
    furniture: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


# --- text clean-up ---------------------------------------------------------------------------

# Zero-width, soft hyphen and bidirectional controls: invisible, and the bidi overrides can make
# quoted text read differently from what it is (SECURITY.md "Content").
_INVISIBLE = (
    "\u00ad\u061c\u180e"
    + "".join(
        chr(c)
        for r in ((0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069))
        for c in range(r[0], r[1] + 1)
    )
    + "\ufeff"
)
_CONTROL = [c for c in range(0x20) if chr(c) not in "\t\n\r"] + list(range(0x7F, 0xA0))
# One translate call, much cheaper than regular expressions on every block of every page.
_TEXT_TABLE = {**{ord(c): None for c in _INVISIBLE}, **{c: " " for c in _CONTROL}}


_ASCII_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f]")


def _clean_text(text: str) -> str:
    # split() already treats \x0b, \x0c and \x1c-\x1f as spaces; ASCII text rarely needs more.
    if not text.isascii() or _ASCII_CONTROL.search(text) is not None:
        text = text.translate(_TEXT_TABLE)
    return " ".join(text.split())


# Short lines that are page furniture, not article text. Linear on any text: "." also matches a
# line break (paragraphs have none, so nothing changes), so ".*" then "$" never backtracks over a
# line, and "newsletter … sign up" commits to the first "newsletter" (if "sign up" does not follow
# the first, it follows none) instead of trying each one in turn.
_BOILERPLATE = re.compile(
    r"""^(?:
        advertisement|advertising|sponsored(?:\ content)?|skip\ (?:to\ )?(?:main\ )?content|
        read\ (?:more|next|also)\b.*|like\ this:?|(?:like\ )?loading\.*|
        related(?:\ (?:articles?|stories|coverage|content))?:?.*|
        (?:see|more)\ also\b.*|recommended(?:\ for\ you)?|most\ (?:read|popular)|
        share\ (?:this|on)\b.*|share|tweet|email|print|comments?|\d+\ comments?|
        (?:sign\ up|subscribe)\b.*newsletter.*|(?:(?!\bnewsletter\b).)*+\bnewsletter\b.*sign\ up.*|
        follow\ us\ on\b.*|click\ here\ to\ (?:subscribe|sign\ up)\b.*|
        .*\b(?:we\ use|this\ (?:site|website)\ uses)\ cookies\b.*|accept(?:\ all)?\ cookies|
        (?:photo|image|picture|video|credit|source|getty\ images|reuters|ap\ photo)\s*[:/].{0,80}
    )$""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_BOILERPLATE_MAX_CHARS = 160
# "By Jane Doe", "By Jane Doe, Reuters", "Von Katharina Weiß · 5. Juni": capitalised names, then at
# most a short tail. "By Tuesday, officials said the bridge would reopen." ends like a sentence.
# One to four words with spaces between: "(?:Word\s*){1,4}" read the same lines, but could cut
# one long word into pieces in exponentially many ways, each tried when the line did not match.
_BYLINE = re.compile(
    r"(?:[Bb]y|BY|[Vv]on|[Pp]ar)\s+[A-ZÀ-Þ][\w.'’-]*(?:\s+[A-ZÀ-Þ][\w.'’-]*){0,3}\s*"
    r"(?:(?:,|\||·|-|–|—|\band\b|\bund\b|\bet\b)\s*.{0,60})?(?<![.!?\"”])"
)


# Markup shown as text: an editor's leftovers or a broken embed, never article prose.
_MARKUP_AS_TEXT = re.compile(r"&(?:lt|gt|amp|quot);|<[a-z]+\s+[a-z-]+=[\"']", re.IGNORECASE)


# Datelines and timestamps ("14 March 2024", "Updated: 18 Nov 2019 9:38 pm", "November 20, 2019 /
# 1:07 AM / CBS News") are page furniture: what is left once date words, numbers and separators
# are gone is at most a short capitalised name (the outlet or a place).
_MONTHS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december januar februar märz juni juli oktober dezember "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
)
_DATE_WORDS = frozenset(
    (
        _MONTHS + " mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday "
        "friday saturday sunday montag dienstag mittwoch donnerstag freitag samstag sonntag "
        "lundi mardi mercredi jeudi vendredi samedi dimanche segunda terça quarta quinta sexta "
        "feira sábado domingo lunes martes miércoles jueves viernes am pm a m p gmt utc bst cet "
        "cest est edt cst cdt mst mdt pst pdt et pt ist aest uhr h updated posted published "
        "last modified on at de às um em le am um the of st nd rd th uur stand aktualisiert "
        "veröffentlicht publié mis à jour actualizado publicado atualizado ago hours hour minutes "
        "mins min days day"
    ).split()
)
_MONTH_WORDS = frozenset(_MONTHS.split())
_DATELINE_MAX_CHARS = 90
_DATELINE_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b|\b\d{1,2}[:.]\d{2}\b")


def _is_dateline(paragraph: str) -> bool:
    # "— Name (@handle) November 18, 2019" signs an embedded post, whose text is the article's.
    if len(paragraph) > _DATELINE_MAX_CHARS or "@" in paragraph:
        return False
    tokens = _DATELINE_TOKEN.findall(paragraph)
    words = [t for t in tokens if not t.isdigit()]
    has_number = len(words) < len(tokens)
    dated = _NUMERIC_DATE.search(paragraph) is not None or (
        has_number and any(w.lower().rstrip(".") in _MONTH_WORDS for w in words)
    )
    if not dated:
        return False
    rest = [w for w in words if w.lower() not in _DATE_WORDS]
    return len(rest) <= 3 and all(w[0].isupper() for w in rest)


# "5 min read", "Reading time: 3 minutes", "Tempo de leitura: 1 minuto". A number is read whole
# (possessive, and never from its middle): "\d+\w*" could split a run of digits every way.
_READING_TIME = re.compile(
    r"(?:(?:estimated\ )?reading\ time|read\ time|tempo\ de\ leitura|lesezeit|"
    r"temps\ de\ lecture|tiempo\ de\ lectura)\s*:?\s*(?:about\ )?\d++\s*\w*+\.?|"
    r"(?<!\d)\d+\s*(?:min(?:ute)?s?|-minute)\.?\s+read",
    re.IGNORECASE | re.VERBOSE,
)


def _is_boilerplate(paragraph: str) -> bool:
    if _MARKUP_AS_TEXT.search(paragraph):
        return True
    if len(paragraph) > _BOILERPLATE_MAX_CHARS:
        return False
    return _BOILERPLATE.match(paragraph) is not None or _BYLINE.fullmatch(paragraph) is not None


def _is_metadata_line(paragraph: str) -> bool:
    """A dateline, timestamp or reading time: not body text, though it may sit inside the body.

    Dropped only after gap filling, which uses such lines as anchors: prose readability left out
    between a kept paragraph and a timestamp below it is still article text.
    """
    return _READING_TIME.fullmatch(paragraph) is not None or _is_dateline(paragraph)


# --- photo credits, captions, embedded posts and wire footers ---------------------------------

# Agencies and picture libraries that sign photo credits.
_AGENCY = (
    r"getty\s*images|shutterstock|afp|ap\s*photo|associated\s*press|reuters|bloomberg|"
    r"epa(?:-efe)?|alamy|istock(?:photo)?|pa\s*(?:images|wire|media)|xinhua|anadolu|nurphoto|"
    r"sipa|zuma|wireimage|filmmagic|rex|dpa|imago|nasa"
)
_CREDIT_MAX_CHARS = 120
_CREDIT_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*"
_CREDIT_LINE = re.compile(
    # "Photo by Kirk Irwin/Getty Images", "Photograph: Jane Doe/AP", "Image courtesy of NASA"
    rf"(?i:[(\[]?(?:photo(?:graph)?s?|images?|pictures?|illustration|credits?)\s*"
    rf"(?:by\b|:|courtesy\b).*)"
    # "Sakib Ali/Hindustan Times/Getty Images", "Natalie Naccache | Bloomberg | Getty Images",
    # "Associated Press": names and outlets ending with the agency that sold the picture. A name
    # is one to four words with spaces between, starting a word; "(?:Word\s*){1,4}" inside
    # "(?:…[|/]){0,4}" could cut "AAAAAAAAAA|AAAAAAAAAA|…" into pieces in so many ways that a
    # 45-character line took minutes (issue 10).
    rf"|(?:(?<![\w.'’-]){_CREDIT_NAME}[|/]\s*){{0,4}}(?i:{_AGENCY})\)?",
)
# Every credit line holds one of these (a separator or a word of an agency or of "photo by").
_CREDIT_HINTS = (
    "/", "|", "©", "photo", "image", "picture", "illustration", "credit", "courtesy", "press",
    "reuters", "getty", "afp", "epa", "shutterstock", "alamy", "xinhua", "anadolu", "sipa", "zuma",
    "rex", "dpa", "imago", "nasa", "bloomberg", "istock", "wire", "media", "filmmagic",
)  # fmt: skip
# A caption that carries its own credit: "The core stage at Michoud. (credit: NASA/Jude Guidry)".
# The credit ends the line, and holds no bracket but its own: it opens at the line's last bracket
# (see _caption_with_credit), so no ".{10,400}" has to find where it starts.
_CAPTION_CREDIT = re.compile(
    r"[(\[](?:photo(?:graph)?|image|picture|credit)s?\s*[:/][^()\[\]]{1,80}[)\]]", re.IGNORECASE
)
_CAPTION_BEFORE_CREDIT = (10, 400)
# "(Reporting by Jane Doe; Editing by John Roe)", "Associated Press writers … contributed to this
# report.": who worked on the story, appended by wire services and newspapers.
_WIRE_FOOTER_MAX_CHARS = 400
_WIRE_FOOTER = re.compile(
    r"[(\[]?(?:(?:additional\s+)?reporting|writing|compiled|edited)\s+by\b.*", re.IGNORECASE
)
# "… contributed to this report." ends the line, at most 300 characters in (_contributed_footer):
# a ".{0,300}" before it would be tried from every character of the line.
_CONTRIBUTED = re.compile(
    r"\bcontributed\s+(?:(?:additional\s+)?reporting|to\s+this\s+(?:report|story|article))"
    r"(?:\s+(?:from|in)\s+[^.]{1,40})?\.?\)?",
    re.IGNORECASE,
)
_CONTRIBUTED_WORD = re.compile("contributed", re.IGNORECASE)
_CONTRIBUTED_MAX_START = 300


def _is_credit_or_footer(paragraph: str) -> bool:
    """A photo credit, a caption signed with one, or a wire footer: never article text.

    Dropped, unlike :func:`_is_furniture`: reference texts almost never include them.
    """
    if len(paragraph) <= _CREDIT_MAX_CHARS and _CREDIT_LINE.fullmatch(paragraph):
        return True
    if _caption_with_credit(paragraph):
        return True
    return len(paragraph) <= _WIRE_FOOTER_MAX_CHARS and (
        _WIRE_FOOTER.fullmatch(paragraph) is not None or _contributed_footer(paragraph)
    )


def _contributed_footer(paragraph: str) -> bool:
    """One line that ends "… contributed to this report", the words at most 300 characters in."""
    line_end = paragraph.find("\n")
    last = _CONTRIBUTED_MAX_START if line_end < 0 else min(line_end, _CONTRIBUTED_MAX_START)
    return any(
        _CONTRIBUTED.fullmatch(paragraph, found.start()) is not None
        for found in _CONTRIBUTED_WORD.finditer(paragraph, 0, last + len("contributed"))
    )


def _caption_with_credit(paragraph: str) -> bool:
    """A caption of 10 to 400 characters on one line, then its bracketed credit."""
    opening = max(paragraph.rfind(bracket, 0, len(paragraph) - 1) for bracket in "()[]")
    low, high = _CAPTION_BEFORE_CREDIT
    return (
        low <= opening <= high
        and "\n" not in paragraph[:opening]
        and _CAPTION_CREDIT.fullmatch(paragraph, opening) is not None
    )


# What an embedded post leaves as text: its signature line, its picture and short links.
_EMBED_RESIDUE = re.compile(
    r"pic\.twitter\.com/|https?://t\.co/|\(@\w{1,15}\)\s+\w{3,9}\.?\s+\d{1,2},\s+\d{4}\s*$|"
    r"^[—–-]\s*[^—–]{1,60}\(@\w{1,15}\)|a\s+post\s+shared\s+by\b|"
    r"view\s+this\s+post\s+on\s+instagram",
    re.IGNORECASE,
)
_COPYRIGHT_MAX_CHARS = 200
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright\b)", re.IGNORECASE)
# Embedded posts are quoted in blockquotes their providers' scripts turn into cards.
_EMBED_CLASS = re.compile(
    r"twitter-tweet|twitter-video|instagram-media|tiktok-embed|reddit-embed|fb-xfbml-parse-ignore"
)
# Text next to a picture is its caption when it sits in the same small container as a credit.
_CAPTION_CONTAINER_MAX_CHARS = 800
_CAPTION_MAX_CHARS = 400
_CAPTION_LEVELS = 3


def _embedded_and_captions(body: lxml.html.HtmlElement) -> set[str]:
    """Block texts of embedded posts, and of captions that share a container with an image and
    its credit line: they are kept as paragraphs but marked as :attr:`Article.furniture`."""
    marked: set[str] = set()
    for quote in body.iter("blockquote"):
        if _EMBED_CLASS.search(quote.get("class") or "") is not None:
            marked.update(text for text, _ in _page_blocks(quote, set()))
    seen: set[lxml.html.HtmlElement] = set()
    for img in body.iter("img", "picture"):
        container = img.getparent()
        for _ in range(_CAPTION_LEVELS):
            if container is None or container in seen:
                break
            seen.add(container)
            content = container.text_content()
            if len(content) > _CAPTION_CONTAINER_MAX_CHARS:
                break
            # Most containers hold the picture alone or no credit: spare splitting them into blocks.
            lowered = content.lower()
            if not any(hint in lowered for hint in _CREDIT_HINTS):
                container = container.getparent()
                continue
            texts = [text for text, _ in _page_blocks(container, set())]
            if any(len(t) <= _CREDIT_MAX_CHARS and _CREDIT_LINE.fullmatch(t) for t in texts):
                marked.update(t for t in texts if len(t) <= _CAPTION_MAX_CHARS)
                break
            container = container.getparent()
    return marked


def _is_furniture(paragraph: str, marked: set[str]) -> bool:
    return (
        paragraph in marked
        or _EMBED_RESIDUE.search(paragraph) is not None
        or (len(paragraph) <= _COPYRIGHT_MAX_CHARS and _COPYRIGHT.search(paragraph) is not None)
    )


# --- tree clean-up before readability --------------------------------------------------------

_DROP_TAGS = ("nav", "aside", "figcaption", "button", "select", "noscript", "dialog", "template")
_DROP_ROLES = {"navigation", "complementary", "banner", "dialog", "alertdialog", "search"}
_FURNITURE_WORDS = frozenset(
    {
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "related",
        "recommended",
        "recommendations",
        "newsletter",
        "newsletters",
        "comment",
        "comments",
        "disqus",
        "share",
        "sharing",
        "sharebar",
        "social",
        "promo",
        "advert",
        "advertisement",
        "ad",
        "ads",
        "adslot",
        "sponsored",
        "outbrain",
        "taboola",
        "breadcrumb",
        "breadcrumbs",
        "sidebar",
        "trending",
        "mostread",
        "popular",
        "byline",
        "caption",
        "credit",
        "credits",
        "signup",
        "subscribe",
        "readmore",
        "skiplink",
        "tags",
        "toolbar",
    }
)
# A token naming the article itself is never furniture: "entry-content-read-more", "comment-text".
_CONTENT_WORDS = frozenset(
    {"content", "body", "article", "entry", "main", "text", "story", "post", "page"}
)
_TOKEN_SPLIT = re.compile(r"[-_]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_FURNITURE_HINT = re.compile("|".join(sorted(_FURNITURE_WORDS, key=len, reverse=True)))
_PROTECTED_TAGS = {"html", "body", "article", "main"}
# An element holding this share of the page's paragraph text is the article, whatever its class.
_MAX_FURNITURE_SHARE = 0.5


def _is_furniture_name(marks: str) -> bool:
    lowered = marks.lower()
    # Most class names hold no furniture word at all: one regex search rules them out.
    if _FURNITURE_HINT.search(lowered) is None:
        return False
    for token in marks.split():
        parts = _TOKEN_SPLIT.split(token)
        if len(parts) > 4:
            continue
        # camelCase parts ("InlineImage-imageEmbedCaption") join several words into one part.
        if token.islower():
            words = set(parts)
        else:
            words = {w.lower() for part in parts for w in _CAMEL_BOUNDARY.split(part)}
        if not _CONTENT_WORDS.intersection(words) and _FURNITURE_WORDS.intersection(words):
            return True
    return False


def _paragraph_chars(el: lxml.html.HtmlElement) -> int:
    return sum(len(p.text_content()) for p in el.iter("p"))


def _remove_furniture(body: lxml.html.HtmlElement) -> None:
    """Drop navigation, asides, captions and elements whose class or id names page furniture."""
    total_paragraphs = _paragraph_chars(body) or 1
    total_text = len(body.text_content()) or 1
    doomed: list[lxml.html.HtmlElement] = list(body.iter(*_DROP_TAGS))
    # XPath hands over only elements with names, which is most of the saving; a furniture word
    # in their names is then one regex search.
    for el in body.xpath(".//*[@class or @id or @role]"):
        if el.tag in _PROTECTED_TAGS:
            continue
        role = el.get("role")
        if role is not None and role.lower() in _DROP_ROLES:
            doomed.append(el)
        elif _is_furniture_name(f"{el.get('class') or ''} {el.get('id') or ''}"):
            doomed.append(el)
    for el in doomed:
        # An ancestor may already be gone, taking this one with it.
        if el.getparent() is None:
            continue
        # Text outside <p> counts too: some blogs write the article as <br>-separated text.
        if (
            _paragraph_chars(el) < total_paragraphs * _MAX_FURNITURE_SHARE
            and len(el.text_content()) < total_text * _MAX_FURNITURE_SHARE
        ):
            el.drop_tree()


# --- summary HTML to paragraphs --------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "pre",
        "dd",
        "dt",
        "section",
        "article",
        "ul",
        "ol",
        "dl",
        "table",
        "tr",
        "figure",
        "header",
        "footer",
        "hr",
        "address",
        "main",
        "body",
        "center",
        "details",
        "summary",
    }
)
_SKIP_TAGS = frozenset(
    {"script", "style", "figcaption", "noscript", "button", "select", "textarea", "template"}
)
_BREAK = "\x00"
_PARAGRAPH_BREAK = re.compile(_BREAK + r"\s*" + _BREAK)


_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _iter_blocks(root: lxml.html.HtmlElement) -> Iterator[tuple[str, float, bool]]:
    """Plain-text blocks of ``root`` in document order, each with the share of its text that is
    link text and whether it is a heading; iterative, not recursive, since trees may be deep."""
    buffer: list[str] = []
    linked = 0
    in_link = 0
    # Open block elements: the innermost one owns the text being collected.
    open_blocks: list[str] = []

    def add(text: str) -> None:
        nonlocal linked
        buffer.append(text)
        if in_link:
            linked += len(text)

    def flush() -> Iterator[tuple[str, float, bool]]:
        nonlocal linked
        if buffer:
            joined = "".join(buffer)
            if joined.isspace():
                buffer.clear()
                linked = 0
                return
            share = linked / len(joined) if joined else 0.0
            heading = bool(open_blocks) and open_blocks[-1] in _HEADING_TAGS
            # Two line breaks in a row end a paragraph; one is only a line break.
            for part in _PARAGRAPH_BREAK.split(joined):
                yield part.replace(_BREAK, " "), share, heading
            buffer.clear()
            linked = 0

    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP_TAGS or not tag:
                # The end event still comes, and takes the tail.
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                yield from flush()
                open_blocks.append(tag)
            elif tag == "br":
                buffer.append(_BREAK)
            elif tag in ("td", "th"):
                # A table row reads as one line, its cells apart.
                buffer.append(" ")
            elif tag == "a":
                in_link += 1
            if el.text:
                add(el.text)
        else:
            if tag in _BLOCK_TAGS:
                yield from flush()
                if open_blocks:
                    open_blocks.pop()
            elif tag == "a" and in_link:
                in_link -= 1
            if el.tail and el is not root:
                add(el.tail)
    yield from flush()


# Repeats shorter than this are legitimate (a recurring interview question, a menu line, a table
# cell) unless they follow each other; a long repeat is a duplicated block (a pull quote, a
# second copy of the article for another screen size).
_DEDUP_MIN_CHARS = 200


def _paragraphs_from(
    root: lxml.html.HtmlElement, headings: set[str], max_link_share: float = 1.0
) -> list[str]:
    """The paragraphs of ``root``; the text of those that are headings is added to ``headings``."""
    seen: set[str] = set()
    paragraphs: list[str] = []
    for block, link_share, heading in _iter_blocks(root):
        text = _clean_text(block)
        if not text or text in seen or link_share > max_link_share or _is_boilerplate(text):
            continue
        if heading:
            headings.add(text)
        if paragraphs and paragraphs[-1] == text:
            continue
        if len(text) >= _DEDUP_MIN_CHARS:
            seen.add(text)
        paragraphs.append(text)
    return paragraphs


# --- page-level signals ----------------------------------------------------------------------

_ARTICLE_TYPES = re.compile(r"article|posting|report|blog|story|review|opinion", re.IGNORECASE)


@dataclass
class _Signals:
    article_body: str | None = None
    typed_article: bool = False
    free: bool | None = None
    og_type: str | None = None
    paywall_marker: bool = False
    password_field: bool = False


def _json_ld_objects(doc: lxml.html.HtmlElement) -> Iterator[dict[str, Any]]:
    for script in doc.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        seen = 0
        # Bounded walk: JSON-LD can nest @graph arrays and objects arbitrarily.
        while stack and seen < 500:
            item = stack.pop()
            seen += 1
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)


# Read from the markup: finding the words with str.find and checking that they sit in a class or
# id value is far cheaper than visiting every attribute of the tree (or a case-blind regex).
_PAYWALL_WORDS = (
    "paywall", "piano-offer", "pianooffer", "subscriber-only", "subscribers-only",
    "premium-content", "meteredcontent", "regwall", "tp-modal", "article-locked", "locked-content",
)  # fmt: skip
_ATTRIBUTE_START = re.compile(r"""\b(?:class|id)\s*=\s*["']?[^"'<>=]*$""")
_MAX_PAYWALL_HITS = 50


def _has_paywall_class(markup: str) -> bool:
    lowered = markup.lower()
    for word in _PAYWALL_WORDS:
        start = lowered.find(word)
        hits = 0
        while start >= 0 and hits < _MAX_PAYWALL_HITS:
            hits += 1
            before = lowered[max(0, start - 200) : start]
            # Inside a longer word ("nopaywall") it is not the marker; after "-" or "_" it is.
            if not (before and before[-1].isalnum()) and _ATTRIBUTE_START.search(before):
                return True
            start = lowered.find(word, start + 1)
    return False


_PASSWORD_INPUT = re.compile(r"""<input\b[^>]*\btype\s*=\s*["']?password""", re.IGNORECASE)
_PAYWALL_TEXT = re.compile(
    r"(?:subscribe|subscription|log\s?in|sign\s?in|register)\b[^.]{0,40}"
    r"\bto (?:continue|keep) reading|"
    r"continue reading[^.]{0,30}\b(?:subscribe|subscription)|this (?:article|story|content) is "
    r"(?:only )?(?:available|reserved|exclusive) (?:to|for) (?:subscribers|members)|"
    r"already a subscriber\?|subscribers only",
    re.IGNORECASE,
)


def _signals(doc: lxml.html.HtmlElement, markup: str) -> _Signals:
    signals = _Signals()
    for obj in _json_ld_objects(doc):
        types = obj.get("@type")
        type_names = " ".join(
            t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)
        )
        if not _ARTICLE_TYPES.search(type_names):
            continue
        signals.typed_article = True
        body = obj.get("articleBody")
        if isinstance(body, str) and len(body) > len(signals.article_body or ""):
            signals.article_body = body
        free = obj.get("isAccessibleForFree")
        if isinstance(free, str):
            free = free.strip().lower() not in ("false", "0", "no")
        if isinstance(free, bool):
            signals.free = free if signals.free is None else signals.free and free
    for el in doc.xpath("//meta[@property='og:type']"):
        signals.og_type = (el.get("content") or "").strip().lower() or None
        break
    signals.paywall_marker = _has_paywall_class(markup)
    signals.password_field = _PASSWORD_INPUT.search(markup) is not None
    return signals


# --- classification --------------------------------------------------------------------------

# Headline words alone ("error", "500") appear in real headlines; these phrases do not.
_ERROR_TITLE = re.compile(
    r"\b(?:404|410)\b|(?:error|http)\s*(?:403|500|502|503)\b|"
    r"\b(?:403|500|502|503)\s*(?:error|forbidden|internal server|bad gateway|service unavailable)|"
    r"page not found|file not found|page (?:cannot|can[’']t|could not|couldn[’']t) be found|"
    r"can[’']t find (?:that|this|the) page|page (?:doesn[’']t|does not) exist|access denied|"
    r"seite nicht gefunden|page introuvable|p[aá]gina no encontrada|pagina non trovata",
    re.IGNORECASE,
)
_WALL_TEXT = re.compile(
    r"(?:log|sign) in to (?:continue|read|view)|please (?:log|sign) in|"
    r"enable (?:javascript|cookies)|"
    r"(?:accept|agree to) (?:our|the|all)? ?cookies to (?:continue|read|view)",
    re.IGNORECASE,
)
_NOT_ARTICLE_OG_TYPES = {
    "website",
    "profile",
    "video",
    "video.other",
    "music",
    "book",
    "product",
    "place",
}
# An untyped page whose extracted text is this much link text is a list of headlines.
_LISTING_LINK_SHARE = 0.35
_TEASER_MAX_WORDS = 400


# Scripts written without spaces between words: count their characters instead.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_CHARS_PER_WORD = 2


def _word_count(paragraphs: list[str]) -> int:
    return sum(
        max(len(p.split()), len(_UNSPACED.findall(p)) // _CHARS_PER_WORD) for p in paragraphs
    )


# Paywall notices sit near the top of a teaser page; the rest of a long page is not searched.
_PAGE_TEXT_CHARS = 50_000


def _classify(
    signals: _Signals,
    heading: str,
    paragraphs: list[str],
    page_text: str,
    link_share: float,
    url: str,
) -> str:
    words = _word_count(paragraphs)
    teaser = words < _TEASER_MAX_WORDS
    if teaser and _ERROR_TITLE.search(heading):
        return "not_article"
    # Comment forms and site chrome carry login prompts too, so look only at what was extracted.
    if words < MIN_ARTICLE_WORDS and (
        signals.password_field or _WALL_TEXT.search(heading + " " + " ".join(paragraphs))
    ):
        return "not_article"
    # Paywall class names also mark site-wide login chrome, so alone they count only on pages too
    # short to be an article.
    if teaser and (
        signals.free is False
        or _PAYWALL_TEXT.search(page_text)
        or (signals.paywall_marker and words < MIN_ARTICLE_WORDS)
    ):
        return "paywall"
    untyped = not signals.typed_article and (
        signals.og_type is None or signals.og_type in _NOT_ARTICLE_OG_TYPES
    )
    is_home = urlsplit(url).path.strip("/") == ""
    if untyped and (is_home or link_share > _LISTING_LINK_SHARE or words < MIN_ARTICLE_WORDS):
        return "not_article"
    if words < MIN_ARTICLE_WORDS:
        return "too_short"
    return "article"


# --- the pipeline ----------------------------------------------------------------------------


def _parser() -> lxml.html.HTMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe, and callers may use threads.
    return lxml.html.HTMLParser(
        encoding="utf-8", huge_tree=False, remove_comments=True, remove_pis=True, no_network=True
    )


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    odd = sum(1 for ch in sample if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    return odd > len(sample) * 0.1


# Pages often carry megabytes of inline scripts before the article; skipping their contents keeps
# the parse limit for markup and text. JSON-LD is kept: metadata and signals read it.
_RAW_TEXT_TAGS = ("script", "style")
_READ_LIMIT_FACTOR = 4


def _without_scripts(text: str) -> str:
    """``text`` with the bodies of non-JSON-LD ``<script>`` and all ``<style>`` elements removed.

    A find-based scan rather than a regex: an unclosed ``<script`` must not make it quadratic.
    """
    lower = text.lower()
    kept: list[str] = []
    pos = 0
    # Next occurrence of each opening tag, refreshed only once passed: every find stays linear.
    next_at = {tag: lower.find("<" + tag) for tag in _RAW_TEXT_TAGS}
    while True:
        for tag, at in next_at.items():
            if 0 <= at < pos:
                next_at[tag] = lower.find("<" + tag, pos)
        found = [(at, tag) for tag, at in next_at.items() if at >= 0]
        if not found:
            break
        start, tag = min(found)
        open_end = lower.find(">", start)
        close = lower.find("</" + tag, open_end + 1) if open_end >= 0 else -1
        if close < 0:
            break
        if tag == "script" and "ld+json" in lower[start:open_end]:
            kept.append(text[pos:close])
        else:
            kept.append(text[pos : open_end + 1])
        pos = close
    kept.append(text[pos:])
    return "".join(kept)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _parse(text: str) -> lxml.html.HtmlElement:
    try:
        doc = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=_parser())
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(detail=f"unparseable HTML: {exc}") from exc
    if not isinstance(doc, lxml.html.HtmlElement):
        raise ExtractionError(detail="parser returned no document")
    return doc


_TEXTLESS_TAGS = (
    "head",
    "svg",
    "iframe",
    "link",
    "meta",
    "input",
    "picture",
    "source",
    "video",
    "audio",
    "canvas",
    "map",
    "object",
    "embed",
)
_UNREAD_ATTRIBUTES = (
    "href",
    "srcset",
    "sizes",
    "action",
    "background",
    "longdesc",
    "usemap",
    "codebase",
    "classid",
    "profile",
    "poster",
    "data-src",
    "data-srcset",
    "data-lazy-src",
    "target",
    "rel",
    "alt",
    "width",
    "height",
    "loading",
    "decoding",
    "itemprop",
    "itemscope",
    "itemtype",
    "tabindex",
)


_DISPLAY_NONE = REGEXES["displayNoneRe"]


class _Readability(Document):  # type: ignore[misc]
    """readability's Document without the work plain text does not need.

    Its parse step runs lxml_html_clean's Cleaner and resolves ``<base href>`` on every pass (a
    sixth of the extraction time on the benchmark). For text, the Cleaner's only effect is to drop
    scripts, styles, comments and processing instructions, done here directly; the copy keeps the
    caller's tree unchanged, as the Cleaner's own copy did.
    """

    def _parse(self, input: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
        doc = copy.deepcopy(input)
        self.encoding = "utf-8"
        for elem in doc.xpath("//*[@hidden]"):
            elem.drop_tree()
        for elem in doc.xpath("//*[@style]"):
            if _DISPLAY_NONE.search(elem.get("style", "")):
                elem.drop_tree()
        lxml.etree.strip_elements(
            doc,
            "script",
            "style",
            lxml.etree.Comment,
            lxml.etree.ProcessingInstruction,
            with_tail=False,
        )
        return doc


def _readability_paragraphs(doc: lxml.html.HtmlElement, url: str, headings: set[str]) -> list[str]:
    # Attributes readability never reads for text, but its cleaner and link rewriter visit.
    lxml.etree.strip_attributes(doc, *_UNREAD_ATTRIBUTES)
    # Elements that carry no article text: readability would copy and score them for nothing.
    lxml.etree.strip_elements(doc, *_TEXTLESS_TAGS, with_tail=False)
    try:
        # Document deep-copies the tree it is given before cleaning it.
        # No url: readability would only make links absolute, which plain text does not need.
        summary = _Readability(doc).summary(html_partial=True)
    except Exception as exc:  # readability wraps all its failures, RecursionError too
        log.warning("readability failed on %s: %s", url, exc)
        return []
    if not summary or not summary.strip():
        return []
    try:
        root = lxml.html.document_fromstring(summary.encode("utf-8", "replace"), parser=_parser())
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return []
    return _paragraphs_from(root, headings)


# Readability drops blocks it scores low (embedded posts, one-line paragraphs, short lists) even
# when they sit between paragraphs it kept; a gap this small inside the article is article text.
_MAX_GAP_BLOCKS = 6


# Dropped blocks that are mostly link text are related-story teasers, not article text.
_MAX_GAP_LINK_SHARE = 0.5
# Labels ("VIDEO", "Author:", a date, a section name) sit between paragraphs too; prose is longer.
_MIN_GAP_WORDS = 5


def _page_blocks(body: lxml.html.HtmlElement, headings: set[str]) -> list[tuple[str, float]]:
    """Every non-empty text block of the (cleaned) page with its link-text share; the text of
    heading blocks is added to ``headings``."""
    out: list[tuple[str, float]] = []
    for raw, share, heading in _iter_blocks(body):
        text = _clean_text(raw)
        if text:
            out.append((text, share))
            if heading:
                headings.add(text)
    return out


def _link_share(paragraphs: list[str], blocks: list[tuple[str, float]]) -> float:
    """How much of the extracted text is link text on the page (headline lists score high)."""
    shares: dict[str, float] = {}
    for text, share in blocks:
        shares.setdefault(text, share)
    total = sum(len(p) for p in paragraphs)
    linked = sum(len(p) * shares.get(p, 0.0) for p in paragraphs)
    return linked / total if total else 0.0


# A kept block that is (nearly) all link text is a related-story teaser or a tag list.
_MAX_KEPT_LINK_SHARE = 0.8


def _without_link_lists(paragraphs: list[str], blocks: list[tuple[str, float]]) -> list[str]:
    shares: dict[str, float] = {}
    for text, share in blocks:
        shares[text] = min(share, shares.get(text, 1.0))
    return [p for p in paragraphs if shares.get(p, 0.0) <= _MAX_KEPT_LINK_SHARE]


def _fill_gaps(kept: list[str], blocks: list[tuple[str, float]]) -> list[str]:
    """``kept`` with the page ``blocks`` readability dropped between two kept paragraphs."""
    if len(kept) < 2:
        return kept
    texts = [text for text, _ in blocks]
    result: list[str] = []
    cursor = 0
    previous: int | None = None
    for paragraph in kept:
        try:
            found = texts.index(paragraph, cursor)
        except ValueError:
            # Readability rewrote this block (or it sits out of order): keep it, fill nothing.
            result.append(paragraph)
            continue
        if previous is not None and found - previous - 1 <= _MAX_GAP_BLOCKS:
            result.extend(
                text
                for text, share in blocks[previous + 1 : found]
                if share <= _MAX_GAP_LINK_SHARE
                and len(text.split()) >= _MIN_GAP_WORDS
                and not _is_boilerplate(text)
                # The page may hold a kept paragraph twice, split by markup in one of the copies.
                and not any(text in other or (len(other) > 40 and other in text) for other in kept)
            )
        result.append(paragraph)
        previous = found
        cursor = found + 1
    return result


_BLANK_LINE = re.compile(r"\n\s*\n|\r\n\s*\r\n")


def _article_body_paragraphs(article_body: str) -> list[str]:
    parts = _BLANK_LINE.split(article_body)
    if len(parts) == 1:
        parts = article_body.splitlines()
    return [p for p in (_clean_text(part) for part in parts) if p]


def _first_h1(doc: lxml.html.HtmlElement) -> str | None:
    h1 = next(doc.iter("h1"), None)
    return h1.text_content() if h1 is not None else None


def _heading(doc: lxml.html.HtmlElement, meta: Metadata) -> str:
    parts = [meta.title or "", doc.findtext(".//title") or "", _first_h1(doc) or ""]
    return " ".join(parts)[:1000]


def extract_article(
    html: bytes,
    url: str,
    *,
    today: dt.date,
    charset: str | None = None,
    max_bytes: int = 1_048_576,
) -> Article:
    """Read the article in ``html`` (a fetched page, as bytes) found at ``url``.

    ``today`` is the caller's date (UTC): a page dated later is not believed. ``charset`` is the
    Content-Type header's charset, if any. At most ``max_bytes`` of markup
    and text are parsed (inline script bodies do not count). Raises
    :class:`~bot.errors.ExtractionError` only for pages that cannot be parsed at all; see the
    module docstring for :attr:`Article.kind`.
    """
    if not isinstance(html, bytes | bytearray | memoryview):
        raise ExtractionError(detail=f"expected bytes, got {type(html).__name__}")
    text = decode_html(bytes(html[: max_bytes * _READ_LIMIT_FACTOR]), charset)
    text = _without_scripts(text)[:max_bytes]
    if not text.strip():
        raise ExtractionError(detail="empty page")
    if _looks_binary(text):
        log.info("binary data served as HTML at %s", url)
        return Article(url=url, kind="not_article")
    # lxml refuses to set text holding characters XML forbids, which tree edits do.
    text = _NOT_XML.sub(" ", text)
    doc = _parse(text)
    elements = int(doc.xpath("count(//*)"))
    if elements > MAX_ELEMENTS:
        # Readability and metadata work grows with the element count; real articles stay far
        # below the cap, so keep the part of the page that fits under it.
        log.info("%s has %d elements; reading only the first %d", url, elements, MAX_ELEMENTS)
        doc = _parse(text[: len(text) * MAX_ELEMENTS // elements])
    # never raises: a metadata bug costs fields, not the text
    meta = extract_metadata(doc, url, today=today)
    signals = _signals(doc, text)
    heading = _heading(doc, meta)
    headlines = {_clean_text(h).casefold() for h in (meta.title, _first_h1(doc)) if h}
    body = doc.find("body")
    page_text = " ".join(body.text_content()[:_PAGE_TEXT_CHARS].split()) if body is not None else ""
    marked: set[str] = set()
    if body is not None:
        _remove_furniture(body)
        marked = _embedded_and_captions(body)
    headings: set[str] = set()
    paragraphs = _readability_paragraphs(doc, url, headings)
    blocks = _page_blocks(body, headings) if body is not None else []
    paragraphs = _fill_gaps(paragraphs, blocks)
    paragraphs = _without_link_lists(paragraphs, blocks)
    if signals.article_body:
        from_json = _article_body_paragraphs(signals.article_body)
        # JSON-LD text is the publisher's own; prefer it when readability clearly missed text.
        if _word_count(from_json) > 1.5 * _word_count(paragraphs) + 20:
            paragraphs = from_json
    # The headline is shown on its own; repeated as the first paragraph it would be quoted twice.
    # Datelines go only now: gap filling used them as anchors (see _is_metadata_line).
    paragraphs = [
        p
        for p in paragraphs
        if p.casefold() not in headlines
        and not _is_metadata_line(p)
        and not _is_credit_or_footer(p)
    ]
    kind = _classify(signals, heading, paragraphs, page_text, _link_share(paragraphs, blocks), url)
    return Article(
        url=url,
        title=meta.title,
        site_name=meta.site_name,
        authors=list(meta.authors),
        # A home, listing or error page's dates belong to the stories it links to or to the
        # site's template; the metadata reader's own guard sees only the address and headings.
        published=meta.published if kind != "not_article" else None,
        image_url=meta.image_url,
        description=meta.description,
        language=meta.language,
        paragraphs=paragraphs,
        kind=kind,
        headings=frozenset(p for p in paragraphs if p in headings),
        furniture=frozenset(p for p in paragraphs if _is_furniture(p, marked)),
    )

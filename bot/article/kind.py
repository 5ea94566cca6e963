"""What kind of page was read (:class:`~bot.article.types.ArticleKind`), decided once per page.

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
``"article"``
    everything else.

The error-heading and home-address rules are also what the date reader uses to refuse a date
(:func:`is_error_heading`, :func:`is_home_address`): one rule for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html

from bot.article.page import Page
from bot.article.types import MIN_ARTICLE_WORDS, ArticleKind

__all__ = ["Signals", "classify", "is_error_heading", "is_home_address", "read_signals"]

# Read from the markup: finding the words with str.find and checking that they sit in a class or
# id value is far cheaper than visiting every attribute of the tree (or a case-blind regex).
_PAYWALL_WORDS = (
    "paywall", "piano-offer", "pianooffer", "subscriber-only", "subscribers-only",
    "premium-content", "meteredcontent", "regwall", "tp-modal", "article-locked", "locked-content",
)  # fmt: skip
# Each word holds one of these, so a page holding none holds no word: seven searches through the
# page instead of eleven (each a pass over the whole markup), the words looked for only after
# their part was found.
_PAYWALL_PARTS = ("wall", "piano", "subscriber", "premium-content", "metered", "tp-modal", "locked")
_PAYWALL_ANCHORS = tuple(
    (part.encode(), tuple(word.encode() for word in _PAYWALL_WORDS if part in word))
    for part in _PAYWALL_PARTS
)
_ATTRIBUTE_START = re.compile(r"""\b(?:class|id)\s*=\s*["']?[^"'<>=]*$""")
_MAX_PAYWALL_HITS = 50
# A class naming a part of the site's login chrome ("paywall-header-wrap", "paywall-before-login",
# "paywall-login-link" in a page header) is on every page of the site, walled or not.
_CHROME_PARTS = (
    "login", "header", "nav", "menu", "link", "button", "icon", "logo", "account", "user", "sign",
)  # fmt: skip
_TOKEN_END = re.compile(r"""[\s"'<>=]""")


def _may_name_paywall(markup: str) -> bool:
    """False only when no paywall word is in the lowercased markup: the words are ASCII, so the
    page's bytes lowercased in ASCII hold them too (a much cheaper copy than the text's), unless
    the page has one of the two letters that lowercase into ASCII from outside it: the Kelvin
    sign ("k") and the dotted capital I ("i" and a combining dot)."""
    if "\u212a" in markup or "\u0130" in markup:
        return True
    folded = markup.encode("utf-8", "surrogatepass").lower()
    return any(
        anchor in folded and any(word in folded for word in words)
        for anchor, words in _PAYWALL_ANCHORS
    )


def _has_paywall_class(markup: str) -> bool:
    if not _may_name_paywall(markup):
        return False
    lowered = markup.lower()
    for word in _PAYWALL_WORDS:
        start = lowered.find(word)
        hits = 0
        while start >= 0 and hits < _MAX_PAYWALL_HITS:
            hits += 1
            before = lowered[max(0, start - 200) : start]
            # Inside a longer word ("nopaywall") it is not the marker; after "-" or "_" it is.
            if not (before and before[-1].isalnum()) and _ATTRIBUTE_START.search(before):
                token = _class_token(lowered, start)
                if not any(part in token for part in _CHROME_PARTS):
                    return True
            start = lowered.find(word, start + 1)
    return False


def _class_token(lowered: str, start: int) -> str:
    """The class name around ``start`` (at most 80 characters either side)."""
    left = lowered[max(0, start - 80) : start]
    cut = max(left.rfind(ch) for ch in " \t\n\"'=")
    end = _TOKEN_END.search(lowered, start, start + 80)
    return left[cut + 1 :] + lowered[start : end.start() if end else start + 80]


_PASSWORD_INPUT = re.compile(r"""<input\b[^>]*\btype\s*=\s*["']?password""", re.IGNORECASE)
_PAYWALL_TEXT = re.compile(
    r"(?:subscribe|subscription|log\s?in|sign\s?in|register)\b[^.]{0,40}"
    r"\bto (?:continue|keep) reading|"
    r"continue reading[^.]{0,30}\b(?:subscribe|subscription)|this (?:article|story|content) is "
    r"(?:only )?(?:available|reserved|exclusive) (?:to|for) (?:subscribers|members)|"
    r"already a subscriber\?|subscribers only",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Signals:
    """What the whole page says about its kind, read before anything is removed from the tree."""

    typed_article: bool = False
    free: bool | None = None
    og_type: str | None = None
    paywall_marker: bool = False
    password_field: bool = False
    # the publisher's summary (og:description / description), to tell a story from its teaser
    description: str = ""


def read_signals(page: Page, markup: str) -> Signals:
    """The page-kind signals of ``page``: its JSON-LD and meta tags, and its raw ``markup``."""
    og_type = page.first("og:type")
    return Signals(
        typed_article=bool(page.json_ld.articles),
        free=page.json_ld.free(),
        og_type=og_type.lower() if og_type else None,
        paywall_marker=_has_paywall_class(markup),
        password_field=_PASSWORD_INPUT.search(markup) is not None,
        description=page.first("og:description", "description", "twitter:description") or "",
    )


# A brief news item (a breaking-news story of three sentences) is an article all the same when the
# page types itself as one and its text is more than the publisher's summary of it.
_SHORT_STORY_MIN_WORDS = 40
_SHORT_STORY_MIN_PARAGRAPHS = 2
_SHORT_STORY_BEYOND_SUMMARY = 20


def _short_story(signals: Signals, paragraphs: list[str], words: int) -> bool:
    typed = signals.typed_article or signals.og_type == "article"
    if not typed or words < _SHORT_STORY_MIN_WORDS:
        return False
    if len(paragraphs) < _SHORT_STORY_MIN_PARAGRAPHS:
        return False
    summary = set(signals.description.casefold().split())
    beyond = [w for p in paragraphs for w in p.casefold().split() if w not in summary]
    return len(beyond) >= _SHORT_STORY_BEYOND_SUMMARY


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
_HOME_PATH = re.compile(r"/?(?:(?:index|default|home)\.\w+)?")


def is_error_heading(text: str) -> bool:
    """The page's title or first heading names an error ("page not found", "404", "error 500")."""
    return _ERROR_TITLE.search(text) is not None


def is_home_address(url: str) -> bool:
    """The address is a site's root ("/", "/index.html"): a home page, whatever it holds."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    return _HOME_PATH.fullmatch(path) is not None


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


def word_count(paragraphs: list[str]) -> int:
    # ASCII text holds no unspaced script: spare it the search
    return sum(len(p.split()) if p.isascii() else _unspaced_words(p) for p in paragraphs)


def _unspaced_words(text: str) -> int:
    return max(len(text.split()), len(_UNSPACED.findall(text)) // _CHARS_PER_WORD)


# Paywall notices sit near the top of a teaser page; the rest of a long page is not searched.
_PAGE_TEXT_CHARS = 50_000


def page_text(body: lxml.html.HtmlElement | None) -> str:
    """The start of the whole page's text, read before furniture is removed: paywall notices
    (:func:`classify` makes its white space single spaces, on the few pages it reads it)."""
    if body is None:
        return ""
    return body.text_content()[:_PAGE_TEXT_CHARS]


def classify(
    signals: Signals,
    heading: str,
    paragraphs: list[str],
    page_text: str,
    link_share: float,
    url: str,
) -> ArticleKind:
    words = word_count(paragraphs)
    teaser = words < _TEASER_MAX_WORDS
    if teaser and is_error_heading(heading):
        return ArticleKind.NOT_ARTICLE
    # Comment forms and site chrome carry login prompts too, so look only at what was extracted.
    if words < MIN_ARTICLE_WORDS and (
        signals.password_field or _WALL_TEXT.search(heading + " " + " ".join(paragraphs))
    ):
        return ArticleKind.NOT_ARTICLE
    # Paywall class names also mark site-wide login chrome, so alone they count only on pages too
    # short to be an article.
    if teaser and (
        signals.free is False
        or _PAYWALL_TEXT.search(" ".join(page_text.split()))
        or (signals.paywall_marker and words < MIN_ARTICLE_WORDS)
    ):
        return ArticleKind.PAYWALL
    untyped = not signals.typed_article and (
        signals.og_type is None or signals.og_type in _NOT_ARTICLE_OG_TYPES
    )
    if untyped and (
        is_home_address(url) or link_share > _LISTING_LINK_SHARE or words < MIN_ARTICLE_WORDS
    ):
        return ArticleKind.NOT_ARTICLE
    if words < MIN_ARTICLE_WORDS and not _short_story(signals, paragraphs, words):
        return ArticleKind.TOO_SHORT
    return ArticleKind.ARTICLE

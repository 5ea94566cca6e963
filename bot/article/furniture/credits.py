"""Photo credits, captions signed with one, wire footers, embedded posts and copyright lines.

Credits and footers are dropped from the body; embedded posts, captions and copyright lines stay
in it (reference texts keep them) but are marked as furniture a brief never quotes."""

from __future__ import annotations

import re

import lxml.html

from bot.article.body import page_blocks

# --- photo credits, captions, embedded posts and wire footers ---------------------------------

# Agencies and picture libraries that sign photo credits: one list for extraction (which drops a
# credit line) and the brief (which never quotes one, :mod:`bot.article.furniture.kinds`).
AGENCY = (
    r"getty\s*images|shutterstock|afp|ap\s*photo|associated\s*press|reuters|bloomberg|"
    r"epa(?:-efe)?|alamy|istock(?:photo)?|pa\s*(?:images|wire|media)|xinhua|anadolu|nurphoto|"
    r"sipa|zuma|wireimage|filmmagic|rex|dpa|imago|nasa"
)
_CREDIT_MAX_CHARS = 120
_CREDIT_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*"
_CREDIT_LINE = re.compile(
    # "Photo by Kirk Irwin/Getty Images", "Photograph: Jane Doe/AP", "Image courtesy of NASA"
    # The words in the languages of the pages we read: "Foto: ccnull/Marco", "Bild: dpa",
    # "Crédits photos : Bestimage".
    rf"(?i:[(\[]?(?:photo(?:graph)?s?|images?|pictures?|illustration|credits?|fotos?|"
    rf"bild(?:er)?|cr[ée]dits?(?:\s+photos?)?)\s*"
    rf"(?:by\b|:|courtesy\b).*)"
    # "Sakib Ali/Hindustan Times/Getty Images", "Natalie Naccache | Bloomberg | Getty Images",
    # "Associated Press": names and outlets ending with the agency that sold the picture. A name
    # is one to four words with spaces between, starting a word; "(?:Word\s*){1,4}" inside
    # "(?:…[|/]){0,4}" could cut "AAAAAAAAAA|AAAAAAAAAA|…" into pieces in so many ways that a
    # 45-character line took minutes (issue 10).
    rf"|(?:(?<![\w.'’-]){_CREDIT_NAME}[|/]\s*){{0,4}}(?i:{AGENCY})\)?",
)
# Every credit line holds one of these (a separator or a word of an agency or of "photo by").
_CREDIT_HINTS = (
    "/", "|", "©", "photo", "image", "picture", "illustration", "credit", "courtesy", "press",
    "foto", "bild", "crédit",
    "reuters", "getty", "afp", "epa", "shutterstock", "alamy", "xinhua", "anadolu", "sipa", "zuma",
    "rex", "dpa", "imago", "nasa", "bloomberg", "istock", "wire", "media", "filmmagic",
)  # fmt: skip
# A caption that carries its own credit: "The core stage at Michoud. (credit: NASA/Jude Guidry)".
# The credit ends the line, and holds no bracket but its own: it opens at the line's last bracket
# (see _caption_with_credit), so no ".{10,400}" has to find where it starts.
_CAPTION_CREDIT = re.compile(
    r"[(\[](?:photo(?:graph)?|image|picture|credit|foto|bild)s?\s*[:/][^()\[\]]{1,80}[)\]]",
    re.IGNORECASE,
)
_CAPTION_BEFORE_CREDIT = (10, 400)
# "In Gottesdiensten gilt FFP2-Maskenpflicht. Foto: ccnull/Marco Verch/cc by sa 2.0", "… zu den
# Unterstützern. Bild: dpa", "Roman Prymula, photo: Archives", "… (Lucanus cervus). Foto © Jörg
# Gemsch": the credit, unbracketed, after the
# caption's last sentence or its name and a comma. Searched
# in the line's last characters only; the credit holds no sentence end ("2.0" is none).
_TRAILING_CREDIT = re.compile(
    r"[.!?…,]\s+(?:photo(?:graph)?|image|picture|credit|foto|bild)s?\s*[:©]\s*"
    r"(?:[^.!?…]|\.(?=\S)){1,80}\.?$",
    re.IGNORECASE,
)
_TRAILING_CREDIT_TAIL = 100
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


def is_credit_or_footer(paragraph: str) -> bool:
    """A photo credit, a caption signed with one, or a wire footer: never article text.

    Dropped, unlike :func:`is_marked_furniture`: reference texts almost never include them.
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
    """A caption of 10 to 400 characters on one line, then its credit (bracketed, or after the
    caption's last sentence)."""
    low, high = _CAPTION_BEFORE_CREDIT
    if (
        len(paragraph) <= high
        and "\n" not in paragraph
        and _TRAILING_CREDIT.search(paragraph, max(0, len(paragraph) - _TRAILING_CREDIT_TAIL))
    ):
        return True
    opening = max(paragraph.rfind(bracket, 0, len(paragraph) - 1) for bracket in "()[]")
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


def marked_furniture(body: lxml.html.HtmlElement) -> set[str]:
    """Block texts of embedded posts, and of captions that share a container with an image and
    its credit line: they are kept as paragraphs but marked as :attr:`Article.furniture`."""
    marked: set[str] = set()
    for quote in body.iter("blockquote"):
        if _EMBED_CLASS.search(quote.get("class") or "") is not None:
            marked.update(text for text, _ in page_blocks(quote, set()))
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
            texts = [text for text, _ in page_blocks(container, set())]
            if any(len(t) <= _CREDIT_MAX_CHARS and _CREDIT_LINE.fullmatch(t) for t in texts):
                marked.update(t for t in texts if len(t) <= _CAPTION_MAX_CHARS)
                break
            container = container.getparent()
    return marked


def is_marked_furniture(paragraph: str, marked: set[str]) -> bool:
    return (
        paragraph in marked
        or _EMBED_RESIDUE.search(paragraph) is not None
        or (len(paragraph) <= _COPYRIGHT_MAX_CHARS and _COPYRIGHT.search(paragraph) is not None)
    )

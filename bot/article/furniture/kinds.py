"""Named kinds of page furniture a brief never quotes: credits, datelines, links, pleas, bios,
notes, embeds, and captions (a paragraph right before a credit).

Extraction keeps these lines in the body (reference texts do) and marks what only the markup can
tell (:mod:`bot.article.furniture.credits`); :func:`paragraph_kinds` joins the two for the brief.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.article.furniture.credits import AGENCY

__all__ = ["furniture_kinds", "page_furniture", "paragraph_kinds"]

_SPACE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# Page furniture that is never quoted, whatever its rank, and never carried inside a run: each
# rule describes a kind of line publishers add around the story, not words of any one site.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NAMES = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*"
_FURNITURE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "credit",
        re.compile(
            # "Natalie Naccache | Bloomberg | Getty Images", "Photo: Jane Doe/AP", "(Image: GETTY)",
            # "photos © Inexhibit, 2018": a credit names who made the picture, not what happened.
            rf"^[(\[]?(?:(?:photo(?:graph)?s?|images?|pictures?|credits?|illustration|video|"
            rf"source)\s*(?:by\b|:|courtesy\b)|courtesy\s+(?:of\s+)?[A-Z]|©)"
            rf"|\bphotos?\s*(?:by\s+\S+.{{0,40}})?©|\((?:photo|image|picture|credit)s?\s*[:/].{{0,80}}\)\s*$"
            # Names are one to four words with spaces between: "(?:Word\s*){1,4}" could cut
            # "AAAAAAAAAA|AAAAAAAAAA|…" into pieces in so many ways that 45 characters took
            # minutes to refuse (issue 10).
            rf"|(?-i:^{_NAMES}(?:[|/]\s*{_NAMES}){{1,4}}$)"
            rf"|(?:{AGENCY})\)?\s*$"
            # "…拍照留念。新华社记者 才扬 摄": Chinese captions end "(agency) reporter NAME took"
            rf"|记者\s?[\u3400-\u9fff·、 ]{{1,15}}摄\s*[)）]?\s*$",
            re.IGNORECASE,
        ),
    ),
    (
        "dateline",
        # "WASHINGTON (Reuters) —", "LONDON:", "Nov. 19, 2019", "Updated 3:45 p.m. ET Nov 19, 2019"
        re.compile(
            # An all-capitals line without the dash or the agency is a subheading, not a dateline.
            rf"(?-i:^[A-Z][A-Z .,'’]{{1,40}}(?:\([A-Za-z .]{{1,30}}\)\s*[-—–:]?|\s*[-—–:])\s*$)"
            rf"|^(?:(?:updated|published|posted|last\s+modified)\b:?\s*)?[\w ,:./-]{{0,30}}\b"
            rf"{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}[\w ,:./()-]{{0,30}}$",
            re.IGNORECASE,
        ),
    ),
    (
        "link",
        # "Read more: …", "RELATED: …", "See also …", "Watch: …", "More from CNBC:"
        re.compile(
            r"^(?:read|see|watch|listen|related|recommended|also|more|next|previous|trending|"
            r"don['’]t\s+miss|must\s+read|further\s+reading)(?:\s+[\w'’-]+){0,3}\s*[:|»›>–—-]"
            r"|^(?:read\s+(?:more|next|also|the\s+full)|also\s+read|see\s+also|related\s+"
            r"(?:articles?|stories|coverage|links?|content))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "plea",
        # Newsletters, subscriptions, donations, app downloads, "follow us".
        re.compile(
            r"\b(?:sign\s+up\s+(?:for|to)\s+(?:our|my|the)\s+(?:[\w-]+\s+){0,2}(?:newsletter|mailing|"
            r"e-?mail)|subscribe\s+(?:to\s+(?:our|my)\b|now|today|here)|newsletters?\b.{0,80}"
            r"\b(?:sign\s+up|subscribe|inbox)|delivered\s+(?:straight\s+)?to\s+your\s+inbox|"
            r"support\s+(?:our|independent|quality)\s+journalism|become\s+a\s+(?:member|"
            r"subscriber|patron|supporter)|to\s+continue\s+reading|already\s+a\s+subscriber|"
            r"unlimited\s+(?:digital\s+)?access|download\s+(?:the|our)\s+(?:\w+\s+)?app|"
            r"follow\s+us\s+on|like\s+us\s+on\s+facebook|make\s+a\s+(?:donation|contribution)|"
            # "Den kompletten Beitrag lesen Sie in der neuen Juli-Ausgabe …"
            r"(?:den|die|das)\s+(?:kompletten|ganzen|vollständigen|komplette|ganze|vollständige)\s+"
            r"(?:beitrag|artikel|text|interview)\s+lesen\s+sie)",
            re.IGNORECASE,
        ),
    ),
    (
        "bio",
        # "Jane Doe is a senior reporter for …", "Follow her on Twitter", "Reporting by …"
        re.compile(
            r"^(?:[A-Z][\w.'’-]+\s+){1,3}[A-Z][\w.'’-]+\s+(?:is|was|has\s+been)\s+(?:a|an|the)\s+"
            r"(?:[\w,-]+\s+){0,5}(?:reporter|writer|editor|correspondent|columnist|journalist|"
            r"contributor|producer|author|critic|freelancer|intern|fellow|blogger|host)\b"
            r"|\b(?:follow|reach|contact|email|e-mail)\s+(?:him|her|them|me|the\s+(?:author|"
            r"writer|reporter))\s+(?:on|at|via)\b|^(?:additional\s+)?reporting\s+by\b|"
            r"\bediting\s+by\b|\bcontributed\s+(?:to\s+)?(?:this\s+)?report(?:ing)?\b|"
            r"^(?:written|compiled|edited)\s+by\b"
            # the German author box: "Redakteur in der Wirtschaft der Frankfurter Allgemeinen…"
            r"|^(?:redakteur|korrespondent|autor|reporter|volontär)(?:in)?\s+(?:in|im|für|bei|der)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "note",
        # Editor's notes, corrections, syndication lines.
        re.compile(
            r"^[(\[*]*(?:editor['’]?s['’]?\s+note|note\s+to\s+(?:readers|editors)|correction|"
            r"clarification|update|disclosure)s?\b\s*(?:\(.{0,40}\))?\s*[:—–-]"
            r"|^(?:an?\s+)?(?:earlier|previous)\s+version\s+of\s+this\s+(?:story|article|report|post)"
            r"|^this\s+(?:story|article|report|post|piece)\s+(?:has\s+been|was|is|originally|first)\s+"
            r"(?:updated|corrected|amended|originally|first|published|appeared|republished|"
            r"produced|part\s+of|adapted)"
            r"|^(?:an?\s+)?version\s+of\s+this\s+(?:story|article|report|post)\s+(?:first\s+)?"
            r"(?:appeared|ran|was\s+published)"
            # "Dieser Beitrag stammt aus Ausgabe 7/2019 der Technology Review", "… erschien zuerst"
            r"|^dieser\s+(?:beitrag|artikel|text)\s+(?:stammt\s+aus|erschien|ist\s+(?:zuerst|in))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "embed",
        # What an embedded tweet or post leaves behind once its markup is gone.
        re.compile(
            rf"pic\.twitter\.com/|https?://t\.co/|\(@\w{{1,15}}\)\s+{_MONTH}\s+\d{{1,2}},\s+\d{{4}}|"
            rf"a\s+post\s+shared\s+by\b|view\s+this\s+post\s+on\s+instagram|"
            rf"^[—–-]\s*[^—–]{{1,60}}\(@\w{{1,15}}\)",
            re.IGNORECASE,
        ),
    ),
)
# A credit or a note is a line; a long paragraph that matches is prose that happens to mention one.
_FURNITURE_MAX_CHARS = {
    "credit": 160,
    "dateline": 80,
    "link": 200,
    "plea": 300,
    "bio": 400,
    "note": 600,
    "embed": 600,
}
# The caption a credit line belongs to sits right before it.
_CAPTION_MAX_CHARS = 400
# Captions describe a picture; a paragraph that quotes someone is the story.
_QUOTATION = re.compile(r"[\"“”]")


def page_furniture(paragraph: str) -> str | None:
    """The kind of page furniture ``paragraph`` is ("credit", "dateline", "link", "plea", "bio",
    "note", "embed"), or None for article text. Furniture is never quoted nor carried in a run."""
    text = _collapse(paragraph)
    for kind, pattern in _FURNITURE:
        if len(text) <= _FURNITURE_MAX_CHARS[kind] and pattern.search(text):
            return kind
    return None


def paragraph_kinds(paragraphs: list[str], marked: Collection[str]) -> list[str | None]:
    """:func:`furniture_kinds`, plus "marked" for what extraction marked from the markup
    (:attr:`~bot.article.types.Article.furniture`: embedded posts, captions, copyright lines kept
    in the text because the page shows them there). The one answer to "is this furniture"."""
    return [
        kind if kind is not None or p not in marked else "marked"
        for p, kind in zip(paragraphs, furniture_kinds(paragraphs), strict=True)
    ]


def furniture_kinds(paragraphs: list[str]) -> list[str | None]:
    """:func:`page_furniture` of each paragraph, and "caption" for a paragraph followed by a
    credit line (captions and credits come in that order under a picture)."""
    kinds = [page_furniture(p) for p in paragraphs]
    for i in range(len(paragraphs) - 1):
        if (
            kinds[i] is None
            and kinds[i + 1] == "credit"
            and len(_collapse(paragraphs[i])) <= _CAPTION_MAX_CHARS
            and _QUOTATION.search(paragraphs[i]) is None
        ):
            kinds[i] = "caption"
    return kinds

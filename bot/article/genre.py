"""The kind of piece a page is (news, opinion, analysis, satire, review), from its own signals:
JSON-LD types, ``article:section`` / ``articleSection``, an "Opinion:"/"Editorial:" label on the
headline or description, and the address's section. Read once from the :class:`Page`."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from bot.article.jsonld import node_types
from bot.article.page import Page, as_str
from bot.choices import Genre

log = logging.getLogger(__name__)

__all__ = ["genre_of", "label_prefix"]

_TYPES: dict[str, Genre] = {
    "opinionnewsarticle": Genre.OPINION,
    "analysisnewsarticle": Genre.ANALYSIS,
    "backgroundnewsarticle": Genre.ANALYSIS,
    "satiricalarticle": Genre.SATIRE,
    "reviewnewsarticle": Genre.REVIEW,
    "criticreview": Genre.REVIEW,
    # a customer's review or a rating is no story of the outlet's
    "userreview": Genre.OTHER,
    "review": Genre.OTHER,
    "product": Genre.OTHER,
}
# Section names (in the languages the lead can frame) and address segments, as publishers use them.
_SECTION_WORDS: dict[str, Genre] = {
    **dict.fromkeys(
        "opinion opinions comment commentary commentisfree editorial editorials column columns "
        "columnists op-ed oped meinung meinungen kommentar kommentare gastbeitrag opinión "
        "opiniones tribune tribunes débats opinião opinioni opinie".split(),
        Genre.OPINION,
    ),
    **dict.fromkeys("analysis analyse analysen análisis analisi".split(), Genre.ANALYSIS),
    **dict.fromkeys("satire satira sátira satirique".split(), Genre.SATIRE),
    **dict.fromkeys("reviews rezension rezensionen critique critiques".split(), Genre.REVIEW),
}
# "Opinion: …", "Editorial | …", "ANALYSIS - …" at the start of a headline or description.
_LABEL = re.compile(
    r"^\s*(?P<label>opinion|editorial|op-ed|comment|analysis|satire|review|meinung|kommentar|"
    r"analyse|opinión|tribune)\s*[:|–—-]\s*",
    re.IGNORECASE,
)
_LABELS: dict[str, Genre] = {
    "opinion": Genre.OPINION,
    "editorial": Genre.OPINION,
    "op-ed": Genre.OPINION,
    "comment": Genre.OPINION,
    "meinung": Genre.OPINION,
    "kommentar": Genre.OPINION,
    "opinión": Genre.OPINION,
    "tribune": Genre.OPINION,
    "analysis": Genre.ANALYSIS,
    "analyse": Genre.ANALYSIS,
    "satire": Genre.SATIRE,
    "review": Genre.REVIEW,
}
_STORY_TYPES = ("newsarticle", "posting")
_WORD = re.compile(r"[\w-]+")


def label_prefix(text: str) -> tuple[Genre | None, str]:
    """The genre a leading "Opinion:"-style label names, and ``text`` without it."""
    m = _LABEL.match(text)
    if m is None:
        return None, text
    return _LABELS[m.group("label").lower()], text[m.end() :]


def _section_genre(section: str) -> Genre | None:
    for word in _WORD.findall(section.lower()[:200]):
        if word in _SECTION_WORDS:
            return _SECTION_WORDS[word]
    return None


def genre_of(page: Page, title: str | None, description: str | None) -> Genre:
    """The page's genre; news when nothing says otherwise."""
    found: list[Genre] = []
    article_types = {t for node in page.json_ld.articles for t in node_types(node)}
    for node in page.json_ld.nodes:
        for t in node_types(node):
            genre = _TYPES.get(t)
            # A news article that embeds a review of something is still the outlet's story.
            if genre is Genre.OTHER and any(
                a.endswith(("newsarticle", "posting")) for a in article_types
            ):
                continue
            if genre is not None:
                found.append(genre)
    if found:
        # a specific type beats a generic "Review" elsewhere on the page
        return next((g for g in found if g is not Genre.OTHER), found[0])
    for text in (title or "", description or ""):
        genre, _ = label_prefix(text)
        if genre is not None:
            return genre
    sections = page.all("article:section") + [
        as_str(v) for v in page.json_ld.values("articleSection")
    ]
    for section in sections:
        genre = _section_genre(section)
        if genre is not None:
            return genre
    segments = [s for s in urlsplit(page.url).path.lower().split("/") if s][:-1]
    for segment in segments[:3]:
        genre = _SECTION_WORDS.get(segment)
        if genre is not None:
            return genre
    return Genre.NEWS

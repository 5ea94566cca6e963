"""The publication date: declared timestamps first, cross-checked against the address, the
zone and what the page shows; htmldate when the page declares nothing, and to settle a
disagreement between JSON-LD and Open Graph."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import lxml.etree
import lxml.html

from bot.article.kind import is_error_heading, is_home_address
from bot.article.metadata.stamps import (
    SLACK,
    URL_DATE,
    Stamp,
    host_zone,
    parse_date,
    parse_stamp,
    plausible_date,
)
from bot.article.page import (
    Page,
    as_str,
    clean_meta_text,
    itemprop_values,
    read_page,
    shown_text,
)

log = logging.getLogger(__name__)


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


# (a walk of its own: "self::time" tested on every element cost twice as much)
_PUBDATE_TIMES = lxml.etree.XPath("/descendant::time[@pubdate]")
_IN_ORDER = lxml.etree.XPath("$marked | $times")  # once each, in document order


def _date_published_elements(page: Page) -> list[lxml.html.HtmlElement]:
    marked = [v.getparent() for v in itemprop_values(page) if v == "datePublished"]
    return _IN_ORDER(page.doc, marked=marked, times=_PUBDATE_TIMES(page.doc))  # type: ignore[no-any-return]


def _declared_texts(page: Page) -> Iterator[str]:
    """The publication date as the page declares it, most trustworthy source first."""
    if _names_a_revision(page.url):
        # a wiki's revision or diff view is shared for the edit, which is the page's last change
        for node in page.json_ld.articles:
            yield as_str(node.get("dateModified"))
    for node in page.json_ld.articles:
        yield as_str(node.get("datePublished"))
    for el in _date_published_elements(page)[:3]:
        # blog comments carry their own datePublished
        if not _in_comments(el):
            yield el.get("datetime") or el.get("content") or el.text_content()
    yield from page.all(*_PUBLISHED_KEYS)
    for node in page.json_ld.nodes:
        if node not in page.json_ld.articles:
            yield as_str(node.get("datePublished"))


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


def _other_timestamps(page: Page) -> Iterator[str]:
    """The page's timestamps other than its publication date: changes, creation, <time>."""
    for key in ("dateModified", "dateCreated"):
        yield from (as_str(v) for v in page.json_ld.values(key))
    yield from page.all(*_OTHER_TIMESTAMP_KEYS)
    yield from (
        el.get("datetime", "") for el in page.doc.xpath("/descendant::time[@datetime]")[:20]
    )


def _page_offset(page: Page, stamps: list[Stamp]) -> dt.timedelta | None:
    """The UTC offset the page writes its own local times in, when any timestamp shows one."""
    others = [*stamps]
    others += [s for s in map(parse_stamp, _other_timestamps(page)) if s]
    offsets = Counter(s.offset for s in others if s.offset)
    return offsets.most_common(1)[0][0] if offsets else None


# Month names as pages write them in the languages most news here is written in, case-folded:
# Western Europe's, then Central and Eastern Europe's (Russian, Ukrainian, Polish, Czech and
# Croatian in the genitive a date takes), Greek (genitive), Turkish, Albanian, Indonesian and
# Arabic (the Gregorian names, and the Levantine ones: "24 نيسان / أبريل 2020"). "listopada" is
# November in Polish and October in Croatian: it is in both months.
_MONTH_NAMES = [
    names.split()
    for names in (
        "january januar janvier enero gennaio janeiro januari jan jän janv ene gen "
        "января січня stycznia ledna siječnja ianuarie януари ιανουαρίου ocak janar január يناير "
        "كانون الثاني",
        "february februar février febrero febbraio fevereiro februari feb févr fév fevr fev "
        "февраля лютого lutego února veljače februarie февруари φεβρουαρίου şubat shkurt "
        "február فبراير شباط",
        "march märz mars marzo março maart mar mär mrz marts марта березня marca března ožujka "
        "martie март μαρτίου mart március maret مارس آذار",
        "april avril abril aprile apr avr abr апреля квітня kwietnia dubna travnja aprilie април "
        "απριλίου nisan prill április أبريل إبريل نيسان",
        "may mai mayo maggio maio mei mag maj мая травня maja května svibnja май μαΐου mayıs "
        "május مايو أيار",
        "june juni juin junio giugno junho jun giu июня червня czerwca června lipnja iunie юни "
        "ιουνίου haziran qershor június يونيو حزيران",
        "july juli juillet julio luglio julho jul juil lug июля липня lipca července srpnja "
        "iulie юли ιουλίου temmuz korrik július يوليو تموز",
        "august août agosto augustus aug aoû ago августа серпня sierpnia srpna kolovoza "
        "август αυγούστου ağustos gusht augusztus agustus أغسطس آب",
        "september septembre septiembre settembre setembro sep sept set сентября вересня "
        "września září rujna septembrie септември σεπτεμβρίου eylül shtator szeptember سبتمبر "
        "أيلول",
        "october oktober octobre octubre ottobre outubro okt oct out ott октября жовтня "
        "października října listopada octombrie октомври οκτωβρίου ekim tetor október أكتوبر "
        "تشرين الأول",
        "november novembre noviembre novembro nov ноября листопада listopada listopadu studenoga "
        "noiembrie ноември νοεμβρίου kasım nëntor نوفمبر تشرين الثاني",
        "december dezember décembre diciembre dicembre dezembro dec dez déc dic декабря грудня "
        "grudnia prosince prosinca decembrie декември δεκεμβρίου aralık dhjetor desember "
        "ديسمبر كانون الأول",
    )
]
# Arabic-Indic and Persian digits, which pages in those scripts show dates in
_OTHER_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
_DIGITS = str.maketrans(_OTHER_DIGITS, "0123456789" * 2)
# str.translate looks up every character in Python's dict; most pages hold none of these digits
_ANY_OTHER_DIGIT = re.compile(f"[{_OTHER_DIGITS}]")


# The ways a page may write a date, each with its numbers as groups: compiled once, not once
# per date (a date's own patterns, its numbers written in, took 5 ms to compile for each date
# asked about, more than searching them). Every number is a whole run of digits in any match
# (what comes before and after it is never a digit), so which runs a match holds depends only
# on where it starts, and a start matches the date's own pattern exactly when its runs spell
# the date's numbers (_spells tries each start in turn). A first number is written
# "\d(?<!\d\d)\d*", which is "(?<!\d)\d+" beginning with a digit, and a first month name
# holds its own look behind: re then skips to where one may begin instead of trying the
# pattern at every character (two to four times faster).
_FIRST_NUMBER = r"(\d(?<!\d\d)\d*)"
_THREE_NUMBERS = re.compile(_FIRST_NUMBER + r"\s?[-/.]\s?(\d+)\s?[-/.]\s?(\d+)(?!\d)")
# (pattern, the number each group holds: y the year, Y the year or its last two digits, m the
# month, d the day)
_NUMERIC_SPELLINGS = [
    (_THREE_NUMBERS, "ymd"),  # 2020-06-07
    (_THREE_NUMBERS, "dmY"),  # 07.06.2020, 7/6/20
    (re.compile(_FIRST_NUMBER + r"/(\d+)/(\d+)(?!\d)"), "mdY"),  # 6/7/2020
    (re.compile(_FIRST_NUMBER + r"\s?年\s?(\d+)\s?月\s?(\d+)\s?日"), "ymd"),
]


@functools.cache
def _named_spellings(month: int) -> list[tuple[re.Pattern[str], str]]:
    """The ways a page writes a day of ``month`` with the month's name (compiled on first use,
    a millisecond each)."""
    names = [re.escape(name) for name in _MONTH_NAMES[month - 1]]
    months = "|".join(names)
    # each name not right after a letter: "(?<![^\W\d])(?:may|...)"
    first_months = "|".join(rf"{name}(?<![^\W\d]{name})" for name in names)
    return [
        (
            re.compile(
                rf"{_FIRST_NUMBER}(?:st|nd|rd|th|er)?\.?\s*(?:de\s+)?(?:{months})\.?,?\s*"
                rf"(?:de\s+)?(\d+)(?!\d)"
            ),
            "dy",
        ),
        (re.compile(rf"(?:{first_months})\.?\s+(\d+)(?:st|nd|rd|th)?,?\s+(\d+)(?!\d)"), "dy"),
        # year first, in words: Hungarian "2020. június 7."
        (re.compile(rf"{_FIRST_NUMBER}\.?\s+(?:{months})\s+(\d+)(?!\d)"), "yd"),
    ]


def _date_spellings(
    date: dt.date,
) -> list[tuple[re.Pattern[str], tuple[tuple[str, ...], ...], list[tuple[str, ...]]]]:
    """The ways a page may write ``date``: each a pattern, the runs of digits each of its groups
    must be for this date, and the literal strings it cannot match without: for each tuple, one
    of them (most pages hold no year or no month name to match)."""
    y, m, d = date.year, date.month, date.day
    names = tuple(_MONTH_NAMES[m - 1])
    year, short = (str(y),), (str(y), f"{y % 100:02}")
    # a month or a day may be written with a leading zero
    numbers = {"y": year, "Y": short, "m": (str(m), f"0{m}"), "d": (str(d), f"0{d}")}
    return [
        (pattern, tuple(numbers[g] for g in order), [short if "Y" in order else year])
        for pattern, order in _NUMERIC_SPELLINGS
    ] + [
        (pattern, tuple(numbers[g] for g in order), [year, names])
        for pattern, order in _named_spellings(m)
    ]


def _spells(pattern: re.Pattern[str], numbers: tuple[tuple[str, ...], ...], text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` with its groups the given numbers (a
    match that spells other numbers may overlap one that spells these: the search goes on from
    the next character, not from the match's end)."""
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        if all(run in wanted for run, wanted in zip(match.groups(), numbers, strict=True)):
            return True
        pos = match.start() + 1
    return False


def _shown(page: Page, date: dt.date) -> bool:
    """Whether the page shows the date to its readers, in its text or in a <time> element."""
    for el in page.doc.xpath("/descendant::body/descendant::time[@datetime]")[:50]:
        if parse_date(el.get("datetime")) == date:
            return True
    text = shown_text(page)
    if _ANY_OTHER_DIGIT.search(text):
        text = text.translate(_DIGITS)
    return any(
        all(any(needle in text for needle in needles) for needles in required)
        and _spells(pattern, numbers, text)
        for pattern, numbers, required in _date_spellings(date)
    )


_NUMBER = re.compile(r"\d{3,}")


def _numbered_address(url: str) -> bool:
    """A story's address usually carries its date or a number (its id); a site's static pages,
    whose templates stamp them with dates too, rarely do."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(_NUMBER.search(parts.path + "?" + parts.query))


def _numbered_query(url: str) -> bool:
    try:
        query = urlsplit(url).query
    except ValueError:
        return False
    return any(ch.isdigit() for ch in query)


def _declares(page: Page, date: dt.date) -> bool:
    """Whether any timestamp the page declares, published or not, names that very day."""
    texts = itertools.chain(_declared_texts(page), _other_timestamps(page))
    return any(stamp is not None and stamp.date == date for stamp in map(parse_stamp, texts))


def _htmldate(page: Page, extensive: bool, today: dt.date) -> dt.date | None:
    from htmldate import find_date

    # htmldate reads the machine's clock unless told the latest date it may answer.
    latest = dt.datetime.combine(today + SLACK, dt.time.max)
    try:
        found = find_date(
            page.doc, extensive_search=extensive, original_date=True, url=page.url, max_date=latest
        )
    except Exception:  # noqa: BLE001 - a third-party parser on hostile input
        log.debug("htmldate failed on %s", page.url, exc_info=True)
        return None
    return parse_date(found)


def _url_date(url: str) -> dt.date | None:
    match = URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        return None


def _not_an_article(page: Page) -> bool:
    """A home or error page: the dates on it belong to the stories it links to. A site's root
    with a numbered query ("/?p=3289", "/index.php?id=7") is a post's address, not the home page."""
    if is_home_address(page.url) and not _numbered_query(page.url):
        return True
    headings = [page.doc.find(".//title"), page.doc.find(".//h1")]
    return is_error_heading(
        " ".join(clean_meta_text(el.text_content()) for el in headings if el is not None)
    )


# the zones news is published in: Hawaii to Kiribati
_WESTMOST = dt.timedelta(hours=-10)
_EASTMOST = dt.timedelta(hours=14)


def find_published(page: Page, today: dt.date, bylined: bool) -> dt.date | None:
    stamps = [
        s for s in map(parse_stamp, _declared_texts(page)) if s and plausible_date(s.date, today)
    ]
    if not stamps:
        if _not_an_article(page):
            return None
        # htmldate reads the whole page, so it runs only when the page declares nothing
        found = _htmldate(page, extensive=True, today=today)
        if not found or not plausible_date(found, today):
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
        zone = host_zone(page.url)
        if offset is not None:
            date = first.date_at(offset)
        elif url_date and first.date_at(_WESTMOST) <= url_date <= first.date_at(_EASTMOST):
            date = url_date
        elif zone is not None and first.time is not None:
            # a country's domain is a guess at the zone, so it comes after the page's own hints
            moment = dt.datetime.combine(first.date, first.time, tzinfo=dt.UTC)
            date = moment.astimezone(zone).date()
    if date == first.date:
        date = _settle_disagreement(page, first, today)
    if not plausible_date(date, today):
        return None
    # CMS templates stamp every page with a date (a WebPage node's datePublished, dc.date, a
    # "date" meta tag), shop and profile pages too. Such a date counts when the page shows it or
    # something marks the page as a story: an Article in its JSON-LD, Open Graph's article time,
    # a byline, or an address with a date or an id.
    if (
        page.json_ld.articles
        or _og_article_time(page, first.date)
        or _numbered_address(page.url)
        or _shown(page, date)
        or (date != first.date and _shown(page, first.date))
        or bylined
    ):
        return date
    return None


# Open Graph's publication time, which the page's CMS writes beside its JSON-LD
_OG_PUBLISHED = ("article:published_time", "og:published_time")


def _settle_disagreement(page: Page, first: Stamp, today: dt.date) -> dt.date:
    """The day when the first declared date (JSON-LD's datePublished, most often) and Open
    Graph's publication time name different days, and not as one instant written in two zones:
    a CMS fills one of them from a draft's creation, or writes local time labelled UTC. The
    first one stands when the page shows its day or names a revision (whose date is the edit's
    by rule); else htmldate, which weighs the page's meta tags and markup, picks between them
    (issue 15: agree with htmldate unless there is evidence against it)."""
    rivals = {
        stamp.date
        for stamp in map(parse_stamp, page.all(*_OG_PUBLISHED))
        if stamp is not None
        and plausible_date(stamp.date, today)
        and stamp.date != first.date
        and not _same_instant(stamp, first)
    }
    if not rivals or _names_a_revision(page.url) or _shown(page, first.date):
        return first.date
    found = _htmldate(page, extensive=True, today=today)
    return found if found in rivals else first.date


def _same_instant(a: Stamp, b: Stamp) -> bool:
    def utc(stamp: Stamp) -> dt.datetime | None:
        if stamp.time is None or stamp.offset is None:
            return None
        return dt.datetime.combine(stamp.date, stamp.time) - stamp.offset

    return utc(a) is not None and utc(a) == utc(b)


def _og_article_time(page: Page, date: dt.date) -> bool:
    if (page.first("og:type") or "").lower() != "article":
        return False
    stamps = map(parse_stamp, page.all("article:published_time"))
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
    page = read_page(doc, "https://warm-up.invalid/story")
    _htmldate(page, extensive=True, today=_WARM_UP_TODAY)

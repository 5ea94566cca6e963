"""Timestamps as pages write them (ISO, day-month-year, "March 14, 2024 9:30 AM EST") and the
time zone a country-code domain publishes in."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.article.metadata.headline import SECOND_LEVEL

log = logging.getLogger(__name__)

# --- publication date ----------------------------------------------------------------------------

_EARLIEST = dt.date(1995, 1, 1)
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
_DMY_DATE = re.compile(
    r"(?<!\d)(0?[1-9]|[12]\d|3[01])\.\s?(0?[1-9]|1[0-2])\.\s?((?:19|20)\d\d)(?!\d)"
)
URL_DATE = re.compile(r"/((?:19|20)\d\d)([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?:/|[_-]|$)")
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
class Stamp:
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


def _with_time(date: dt.date, rest: str) -> Stamp:
    match = _TIME.match(rest)
    if not match:
        return Stamp(date)
    hour, minute, second, half, zone = match.groups()
    hour_n = int(hour)
    if half:
        if hour_n > 12:
            return Stamp(date)
        hour_n = hour_n % 12 + (12 if half[0].lower() == "p" else 0)
    time = dt.time(hour_n, int(minute), int(second or 0))
    return Stamp(date, time, _zone_offset(zone))


def parse_stamp(text: str | None) -> Stamp | None:
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
    date = parse_date(text)
    return Stamp(date) if date else None


# East of UTC it is already tomorrow (up to UTC+14): a page may be dated a day after ``today``.
SLACK = dt.timedelta(days=1)


def plausible_date(date: dt.date, today: dt.date) -> bool:
    return _EARLIEST <= date <= today + SLACK


def parse_date(text: str | None) -> dt.date | None:
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


def host_zone(url: str) -> ZoneInfo | None:
    try:
        labels = (urlsplit(url).hostname or "").lower().split(".")
    except ValueError:
        return None
    code = labels[-1]
    if code in _GENERIC_COUNTRY_CODES and not (len(labels) > 2 and labels[-2] in SECOND_LEVEL):
        return None
    name = _COUNTRY_ZONES.get(code)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.debug("no time zone data for %s", name)
        return None

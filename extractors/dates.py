"""Dates as web pages and feeds print them, to aware UTC datetimes.

`parse_datetime` reads, in this order:

1. `fmt`, a `strptime` format, when the caller knows the site's format (French month and
   day names are understood by `%B`, `%b`, `%A`, `%a`);
2. ISO 8601 (`2026-10-05T14:30:00+02:00`, `2026-10-05 14:30`, `2026-10-05`);
3. RFC 822 as in RSS and e-mail (`Mon, 05 Oct 2026 14:30:00 +0200`);
4. the forms blogs print, found anywhere in the text (so `Publié le …` or a footer
   `Rédigé par : Lou | 05/10/2026 à 14:30` work): `5 octobre 2026 à 14h30`,
   `le 5 oct. 2026, 14:30`, `lun. 5 oct. 2026 14:30`, `1er fevrier 2026`, `05/10/2026 à 14:30`,
   `5 octobre 2026 à 14 h 30 min`, `October 5, 2026 at 2:30 pm`; with or without accents, a
   date alone is midnight.

A time without a zone is local time in `tz` (an IANA name), converted with `zoneinfo`:
summer and winter time are both right. Of the hour that happens twice when clocks go back,
the first (summer time) is taken. A value with no readable date gives `None`, never an
exception (an unknown `tz` does raise: it is a configuration mistake).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from typing import Any
from zoneinfo import ZoneInfo

_MONTHS = {
    **dict.fromkeys(("janvier", "janv", "jan", "january"), 1),
    **dict.fromkeys(("fevrier", "fevr", "fev", "feb", "february"), 2),
    **dict.fromkeys(("mars", "mar", "march"), 3),
    **dict.fromkeys(("avril", "avr", "apr", "april"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "jun", "june"), 6),
    **dict.fromkeys(("juillet", "juil", "jul", "july"), 7),
    **dict.fromkeys(("aout", "aou", "aug", "august"), 8),
    **dict.fromkeys(("septembre", "sept", "sep", "september"), 9),
    **dict.fromkeys(("octobre", "oct", "october"), 10),
    **dict.fromkeys(("novembre", "nov", "november"), 11),
    **dict.fromkeys(("decembre", "dec", "december"), 12),
}
_WEEKDAYS = {
    **dict.fromkeys(("lundi", "lun"), 0),
    **dict.fromkeys(("mardi", "mar"), 1),
    **dict.fromkeys(("mercredi", "mer"), 2),
    **dict.fromkeys(("jeudi", "jeu"), 3),
    **dict.fromkeys(("vendredi", "ven"), 4),
    **dict.fromkeys(("samedi", "sam"), 5),
    **dict.fromkeys(("dimanche", "dim"), 6),
}
_FIXED_ZONES = {"z": 0, "utc": 0, "gmt": 0, "ut": 0, "cet": 60, "cest": 120}

_DAY = r"(?P<day>\d{1,2})(?:er|st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_DATE_PATTERNS = (
    # 5 octobre 2026, 1er fevr. 2026, 05 oct 2026, 5 de octubre... (day first, month in words)
    re.compile(rf"(?<!\d){_DAY}\.?\s+(?:de\s+)?(?P<month>[a-z]+)\.?,?\s+{_YEAR}(?!\d)"),
    # October 5, 2026 / octobre 05, 2026 (month first)
    re.compile(rf"(?<![a-z])(?P<month>[a-z]+)\.?\s+{_DAY},?\s+{_YEAR}(?!\d)"),
    # 05/10/2026, 5.10.26, 05-10-2026 (day first, as in French)
    re.compile(r"(?<![\d/.-])(?P<day>\d{1,2})([/.-])(?P<mon>\d{1,2})\2(?P<year>\d{4}|\d{2})(?!\d)"),
    # 2026-10-05 inside a sentence
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})(?!\d)"),
)
_TIME = (
    r"(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2})?"
    r"(?:\s*(?::|min)\s*(?P<second>\d{2}))?(?:\s*(?:min|s)\b)?"
    r"(?:\s*(?P<ampm>[ap])\.?m\b\.?)?"
    r"(?:\s*\(?(?P<zone>z|utc|gmt|cest|cet|[+-]\d{2}:?\d{2})(?![a-z]))?"
)
_TIME_AFTER = re.compile(r"^[\s,]*(?:(?:a|at|vers|-|\u2013|@|\|)[\s,]*)?" + _TIME)
_TIME_BEFORE = re.compile(r"(?:^|[\s(])" + _TIME + r"[\s,]*(?:-|\u2013|le|on)?[\s,]*$")
_RFC822 = re.compile(
    r"^(?:[a-z]{3},?\s*)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*(?P<zone>[+-]\d{4}|[a-z]{1,5}))?$"
)
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ORDINAL = re.compile(r"\b1er\b")
_WORD = re.compile(r"[a-z]+")


def parse_datetime(
    value: str, *, tz: str = "Europe/Paris", fmt: str | None = None
) -> datetime | None:
    """`value` as an aware UTC datetime, or None when no date can be read in it.

    `tz`: the zone of times printed without one. `fmt`: a `strptime` format tried first."""
    if not value or not value.strip():
        return None
    local = ZoneInfo(tz)
    text = normalize(value)
    if fmt:
        found = _with_format(text, _strip_accents(fmt), local)
        if found is not None:
            return found
    return _iso(text, local) or _rfc822(text, local) or _written(text, local)


def normalize(value: str) -> str:
    """Lowercase, accents and odd spaces removed, `1er` read as `1`: `Août` → `aout`."""
    plain = re.sub(r"\s+", " ", _strip_accents(value).replace("\u2019", "'")).strip().lower()
    return _ORDINAL.sub("1", plain)


def _strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _localize(naive: datetime, local: tzinfo) -> datetime:
    return naive.replace(tzinfo=local).astimezone(UTC)


def _with_format(text: str, fmt: str, local: tzinfo) -> datetime | None:
    """`strptime`, French month and day names first put in the names it knows (those of
    the `calendar` module, which follows the same locale)."""

    def known(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in _MONTHS and ("%b" in fmt or "%B" in fmt):
            names = calendar.month_abbr if "%b" in fmt else calendar.month_name
            return names[_MONTHS[word]]
        if word in _WEEKDAYS and ("%a" in fmt or "%A" in fmt):
            names = calendar.day_abbr if "%a" in fmt else calendar.day_name
            return names[_WEEKDAYS[word]]
        return word

    try:
        parsed = datetime.strptime(_WORD.sub(known, text), fmt)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else _localize(parsed, local)


def _iso(text: str, local: tzinfo) -> datetime | None:
    if not _ISO_START.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else _localize(parsed, local)


def _rfc822(text: str, local: tzinfo) -> datetime | None:
    match = _RFC822.match(text)
    if not match:
        return None
    parts = parsedate_tz(text)
    if parts is None:
        return None
    try:
        naive = datetime(*parts[:6])
    except ValueError:
        return None
    zone = match.group("zone")
    if zone is None:
        return _localize(naive, local)
    seconds = _FIXED_ZONES[zone] * 60 if zone in _FIXED_ZONES else parts[9] or 0
    return (naive - timedelta(seconds=seconds)).replace(tzinfo=UTC)


def _written(text: str, local: tzinfo) -> datetime | None:
    """The first date printed in `text`, with the time next to it when there is one."""
    best: tuple[int, datetime, re.Match[str]] | None = None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            day = _calendar_day(match)
            if day is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), day, match)
                break
    if best is None:
        return None
    _, day, match = best
    clock = _TIME_AFTER.match(text[match.end() :]) or _TIME_BEFORE.search(text[: match.start()])
    if clock is None:
        return _localize(day, local)
    return _at(day, clock, local)


def _calendar_day(match: re.Match[str]) -> datetime | None:
    groups = match.groupdict()
    month = _MONTHS.get(groups["month"]) if groups.get("month") else int(groups["mon"])
    if month is None:
        return None
    year = int(groups["year"])
    year += 2000 if year < 100 else 0
    try:
        return datetime(year, month, int(groups["day"]))
    except ValueError:
        return None


def _at(day: datetime, clock: re.Match[str], local: tzinfo) -> datetime | None:
    hour = int(clock.group("hour"))
    minute = int(clock.group("minute") or 0)
    second = int(clock.group("second") or 0)
    if clock.group("ampm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if clock.group("ampm") == "p" else 0)
    try:
        moment = day.replace(hour=hour, minute=minute, second=second)
    except ValueError:
        return None
    zone = clock.group("zone")
    if zone is None:
        return _localize(moment, local)
    if zone in _FIXED_ZONES:
        offset = timedelta(minutes=_FIXED_ZONES[zone])
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=timezone(offset)).astimezone(UTC)


def iso_to_utc(value: Any) -> datetime | None:
    """An API's ISO 8601 timestamp as UTC: `2026-01-09T10:30:00+0000`, or without a zone
    (APIs such as WordPress's `date_gmt` mean UTC then). None when missing or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

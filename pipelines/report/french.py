"""How the report writes numbers, months and times for a French reader.

Hand-written rather than through the C locale: `fr_FR` is often not installed (containers,
CI), and the report must read the same everywhere. Separators follow `Intl.NumberFormat`
for `fr-FR` (a narrow no-break space for thousands and before `%`), so the numbers written
here and the ones the charts print look alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
NARROW_NBSP = "\u202f"

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def number(value: float, decimals: int = 0) -> str:
    """`1234.5` -> `1 234,5` (with a narrow no-break space)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def percent(value: float) -> str:
    """`66.7` (already a percentage) -> `66,7 %`."""
    return f"{number(value, 1)}{NARROW_NBSP}%"


def month(first_day: date) -> str:
    """`2026-10-01` -> `octobre 2026`."""
    return f"{MONTHS[first_day.month - 1]} {first_day.year}"


def day(value: date) -> str:
    """`2026-10-05` -> `5 octobre 2026`."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def paris_time(utc: datetime) -> datetime:
    """A warehouse timestamp (naive, UTC) as the wall-clock time in Paris."""
    aware = utc.replace(tzinfo=UTC) if utc.tzinfo is None else utc
    return aware.astimezone(PARIS)


def datetime_paris(utc: datetime) -> str:
    """A warehouse timestamp (naive, UTC) as `28/10/2026 16:30`, Paris time."""
    return f"{paris_time(utc):%d/%m/%Y %H:%M}"


def paris_midnight_utc(value: date) -> datetime:
    """The start of a Paris day as a naive UTC timestamp, to compare with warehouse times."""
    start = datetime(value.year, value.month, value.day, tzinfo=PARIS)
    return start.astimezone(UTC).replace(tzinfo=None)

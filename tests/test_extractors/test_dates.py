"""parse_datetime: the dates blogs and feeds print, to aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extractors.dates import parse_datetime

# 5 October 2026 14:30 in Paris (summer time, UTC+2) is 12:30 UTC.
OCT_5_1430 = datetime(2026, 10, 5, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "5 octobre 2026 à 14h30",
        "5 octobre 2026 a 14h30",
        "05/10/2026 à 14:30",
        "le 5 oct. 2026, 14:30",
        "lun. 5 oct. 2026 14:30",
        "lundi 5 octobre 2026 à 14 h 30 min",
        "5 Octobre 2026 - 14:30",
        "14:30 - 5 octobre 2026",
        "05.10.2026 14h30",
        "05/10/26 14:30",
        "5 oct 2026 14:30",
    ],
)
def test_french_forms_are_paris_local_time(value: str) -> None:
    assert parse_datetime(value) == OCT_5_1430


def test_a_date_inside_a_sentence_is_found() -> None:
    footer = "Rédigé par : Lou 44 | 05/10/2026 à 14:30"
    assert parse_datetime(footer) == OCT_5_1430
    assert parse_datetime("Publié le 5 octobre 2026 à 14h30 par Margaux") == OCT_5_1430


def test_a_date_alone_is_local_midnight() -> None:
    assert parse_datetime("5 octobre 2026") == datetime(2026, 10, 4, 22, 0, tzinfo=UTC)
    assert parse_datetime("samedi 3 octobre 2026") == datetime(2026, 10, 2, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1er février 2026", datetime(2026, 1, 31, 23, 0, tzinfo=UTC)),
        ("1er fevrier 2026 a 9h05", datetime(2026, 2, 1, 8, 5, tzinfo=UTC)),
        ("15 août 2026", datetime(2026, 8, 14, 22, 0, tzinfo=UTC)),
        ("15 aout 2026 à 10h", datetime(2026, 8, 15, 8, 0, tzinfo=UTC)),
        ("24 décembre 2026 23:59", datetime(2026, 12, 24, 22, 59, tzinfo=UTC)),
        ("24 DECEMBRE 2026 23:59", datetime(2026, 12, 24, 22, 59, tzinfo=UTC)),
        ("3 janv. 2027 à 8h", datetime(2027, 1, 3, 7, 0, tzinfo=UTC)),
        ("12 sept. 2026 18:45", datetime(2026, 9, 12, 16, 45, tzinfo=UTC)),
        ("2 juil 2026", datetime(2026, 7, 1, 22, 0, tzinfo=UTC)),
        ("mer. 4 mars 2026 12:00", datetime(2026, 3, 4, 11, 0, tzinfo=UTC)),
    ],
)
def test_accents_ordinals_and_abbreviations(value: str, expected: datetime) -> None:
    assert parse_datetime(value) == expected


def test_summer_and_winter_time_each_side_of_the_last_sunday_of_october() -> None:
    # Clocks go back on Sunday 25 October 2026 at 03:00 in Paris.
    assert parse_datetime("24/10/2026 14:30") == datetime(2026, 10, 24, 12, 30, tzinfo=UTC)
    assert parse_datetime("26/10/2026 14:30") == datetime(2026, 10, 26, 13, 30, tzinfo=UTC)
    assert parse_datetime("25 octobre 2026 à 01h30") == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert parse_datetime("25 octobre 2026 à 04h30") == datetime(2026, 10, 25, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-05T14:30:00+02:00", OCT_5_1430),
        ("2026-10-05T12:30:00Z", OCT_5_1430),
        ("2026-10-05T12:30:00.250Z", datetime(2026, 10, 5, 12, 30, 0, 250000, tzinfo=UTC)),
        ("2026-10-05 14:30", OCT_5_1430),
        ("2026-10-05", datetime(2026, 10, 4, 22, 0, tzinfo=UTC)),
        ("2026-12-05T14:30", datetime(2026, 12, 5, 13, 30, tzinfo=UTC)),
    ],
)
def test_iso_8601_with_and_without_a_zone(value: str, expected: datetime) -> None:
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 05 Oct 2026 14:30:00 +0200", OCT_5_1430),
        ("Mon, 05 Oct 2026 12:30:00 GMT", OCT_5_1430),
        ("05 Oct 2026 12:30:00 -0000", OCT_5_1430),
        ("Mon, 05 Oct 2026 14:30:00 CEST", OCT_5_1430),
        ("Mon, 05 Oct 2026 14:30", OCT_5_1430),
    ],
)
def test_rfc_822(value: str, expected: datetime) -> None:
    assert parse_datetime(value) == expected


def test_an_explicit_zone_in_written_text_wins_over_tz() -> None:
    assert parse_datetime("5 oct. 2026 12:30 UTC") == OCT_5_1430
    assert parse_datetime("5 octobre 2026 14:30 +02:00") == OCT_5_1430


def test_english_month_first_with_am_pm() -> None:
    assert parse_datetime("Posted by: Jo | October 05, 2026 at 02:30 PM") == OCT_5_1430
    assert parse_datetime("October 5, 2026 at 12:10 am") == datetime(
        2026, 10, 4, 22, 10, tzinfo=UTC
    )


def test_another_zone_for_sites_outside_france() -> None:
    montreal = parse_datetime("5 octobre 2026 à 14h30", tz="America/Montreal")
    assert montreal == datetime(2026, 10, 5, 18, 30, tzinfo=UTC)


def test_a_strptime_format_reads_french_names() -> None:
    assert parse_datetime("lundi 05 oct. 2026 à 14:30", fmt="%A %d %b. %Y à %H:%M") == OCT_5_1430
    assert parse_datetime("05 octobre 2026 - 14:30", fmt="%d %B %Y - %H:%M") == OCT_5_1430
    assert parse_datetime("2026/10/05 14h30", fmt="%Y/%m/%d %Hh%M") == OCT_5_1430
    assert parse_datetime("2026/10/05 12h30 +0000", fmt="%Y/%m/%d %Hh%M %z") == OCT_5_1430


def test_a_format_that_does_not_match_falls_back_to_the_usual_forms() -> None:
    assert parse_datetime("5 octobre 2026 à 14h30", fmt="%Y-%m-%d") == OCT_5_1430


@pytest.mark.parametrize(
    "value",
    ["", "   ", "il y a 3 heures", "n'importe quoi", "31/02/2026", "5 octobre 2026 25h00", "2026"],
)
def test_unreadable_values_are_none(value: str) -> None:
    assert parse_datetime(value) is None


def test_the_result_is_always_aware_utc() -> None:
    for value in ("2026-10-05T14:30", "5 octobre 2026", "Mon, 05 Oct 2026 14:30:00 +0200"):
        parsed = parse_datetime(value)
        assert parsed is not None and parsed.utcoffset() is not None
        assert parsed.tzinfo == UTC

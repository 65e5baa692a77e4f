"""`ecoute report` without a browser: what the page says, what it links to, what it escapes.

The warehouse is a real `ecoute run` over the demo and a blog with hostile comments
(tests/support/report_warehouse.py); every expected figure is read back from its views.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
from bs4 import BeautifulSoup
from support.report_warehouse import (
    HOSTILE_SOURCE,
    XSS_MARKER,
    Warehouse,
    run_ecoute,
)

from pipelines.report import french
from pipelines.report.data import MAX_OPEN_QUESTIONS
from pipelines.report.render import CHART_JS_VERSION, safe_href
from warehouse import db

VENDOR = Path(french.__file__).parent / "vendor"
TEMPLATES = Path(french.__file__).parent / "templates"


def query(db_path: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = conn.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        conn.close()


def report(
    warehouse: Warehouse, out: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], BeautifulSoup]:
    proc = run_ecoute(
        "report", "--db", str(warehouse.db), "--out", str(out), *args, home=warehouse.home
    )
    assert proc.returncode == 0, proc.stderr
    return proc, BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")


def french_percent(text: str) -> float:
    """`66,7 %` (any spaces) -> 66.7"""
    match = re.fullmatch(r"\s*(\d+),(\d)\s*%\s*", text.replace("\u202f", " "))
    assert match, text
    return float(f"{match.group(1)}.{match.group(2)}")


def chart_json(page: BeautifulSoup) -> dict[str, Any]:
    tag = page.find("script", id="report-data")
    assert tag is not None
    return json.loads(tag.string)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ecoute: error:"), proc.stderr
    assert fragment in lines[0]


# --- the page ---------------------------------------------------------------------------


def test_default_output_is_report_html_in_ecoute_home_and_the_summary_adds_up(
    report_warehouse: Warehouse, tmp_path: Path
) -> None:
    proc = run_ecoute("report", "--db", str(report_warehouse.db), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = tmp_path / "report.html"
    assert written.is_file()
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == str(written)
    totals = query(
        report_warehouse.db,
        "SELECT count(*) AS sources, sum(questions) AS questions, sum(unanswered) AS unanswered "
        "FROM response_rates_by_source",
    )[0]
    assert lines[1].startswith(
        f"{totals['sources']} source(s), {totals['questions']} question(s), "
        f"{totals['unanswered']} unanswered"
    )


def test_each_source_headline_is_the_unanswered_pct_of_response_rates_by_source(
    report_warehouse: Warehouse, tmp_path: Path
) -> None:
    _, page = report(report_warehouse, tmp_path / "r.html")
    rows = query(report_warehouse.db, "SELECT * FROM response_rates_by_source")
    assert {r["source_id"] for r in rows} >= {"delices-margaux", HOSTILE_SOURCE}
    for row in rows:
        card = page.select_one(f'a.headline[data-source="{row["source_id"]}"]')
        assert card is not None, row["source_id"]
        assert float(card["data-unanswered-pct"]) == row["unanswered_pct"]
        assert french_percent(card.select_one(".pct").get_text()) == row["unanswered_pct"]
        assert "des questions sans réponse" in card.get_text()
        detail = card.select_one(".detail").get_text()
        assert detail == f"{row['unanswered']} sans réponse sur {row['questions']}"


def test_chart_series_are_the_monthly_views_on_a_french_month_axis(
    report_warehouse: Warehouse, tmp_path: Path
) -> None:
    _, page = report(report_warehouse, tmp_path / "r.html")
    data = chart_json(page)
    months = [
        r["month"]
        for r in query(
            report_warehouse.db, "SELECT DISTINCT month FROM response_rates ORDER BY month"
        )
    ]
    assert data["months"] == [f"{french.MONTHS[m.month - 1]} {m.year}" for m in months]
    rates = query(report_warehouse.db, "SELECT * FROM response_rates")
    times = query(report_warehouse.db, "SELECT * FROM first_response_times")
    for row in rates:
        series = data["sources"][row["source_id"]]
        index = months.index(row["month"])
        assert series["rates"]["answered"][index] == row["answered"]
        assert series["rates"]["unanswered"][index] == row["unanswered"]
    for row in times:
        index = months.index(row["month"])
        assert data["sources"][row["source_id"]]["times"]["p50"][index] == row["p50_hours"]
        assert data["sources"][row["source_id"]]["times"]["p90"][index] == row["p90_hours"]
    topics = query(
        report_warehouse.db,
        "SELECT topic, sum(negative) AS negative FROM topic_sentiment "
        "WHERE source_id = 'delices-margaux' GROUP BY topic",
    )
    drawn = data["sources"]["delices-margaux"]["topics"]
    assert drawn["labels"], "the demo bakery has topics"
    for topic, negative in zip(drawn["labels"], drawn["negative"], strict=True):
        assert {"topic": topic, "negative": negative} in topics
    canvases = page.select("canvas[data-chart]")
    assert {c["data-chart"] for c in canvases} == {"rates", "times", "topics"}


def test_the_page_references_nothing_outside_itself(
    report_warehouse: Warehouse, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    _, page = report(report_warehouse, out)
    post_urls = {
        r["post_url"]
        for r in query(report_warehouse.db, "SELECT DISTINCT post_url FROM unanswered_questions")
    }
    assert not page.select("[src]"), "scripts, images and frames are all inline"
    assert not page.select("link"), "no stylesheet, icon or preload links"
    for tag in page.select("[href]"):
        href = tag["href"]
        assert href.startswith("#") or href in post_urls, href
        if not href.startswith("#"):
            assert tag.parent.name == "td", "external links only in the open questions table"
    assert "url(" not in page.style.get_text() and "@import" not in page.style.get_text()
    policy = page.select_one('meta[http-equiv="Content-Security-Policy"]')["content"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["default-src"] == ["'none'"]
    assert all(v.startswith("'sha256-") for v in directives["script-src"])
    inline = [s for s in page.find_all("script") if s.get("type") != "application/json"]
    assert len(inline) == 2 and "Chart.js v" in inline[0].get_text()


def test_comments_are_shown_as_text_and_never_as_markup(
    report_warehouse: Warehouse, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    _, page = report(report_warehouse, out)
    raw = out.read_text(encoding="utf-8")
    assert "<script>window." not in raw and '<img src="x"' not in raw
    table = page.select_one(f'table.open-questions[data-source="{HOSTILE_SOURCE}"]')
    texts = [td.get_text(" ", strip=True) for td in table.select("td.text p")]
    assert any(t.startswith(f'<script>window.{XSS_MARKER} = "script"</script>') for t in texts)
    for script in page.find_all("script"):
        assert XSS_MARKER not in script.get_text()


def test_a_javascript_post_link_is_not_a_link(report_warehouse: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    _, page = report(report_warehouse, out)
    stored = query(
        report_warehouse.db,
        "SELECT post_url FROM unanswered_questions WHERE text LIKE '%fauteuil%'",
    )
    assert stored[0]["post_url"].startswith("javascript:"), "the feed's link reached the views"
    row = next(
        tr
        for tr in page.select(f'table[data-source="{HOSTILE_SOURCE}"] tbody tr')
        if "fauteuil" in tr.get_text()
    )
    assert row.select("a") == []
    assert "javascript:" not in out.read_text(encoding="utf-8")


def test_open_questions_are_the_unanswered_view_oldest_first_in_paris_time(
    report_warehouse: Warehouse, tmp_path: Path
) -> None:
    _, page = report(report_warehouse, tmp_path / "r.html")
    paris = ZoneInfo("Europe/Paris")
    rows = query(report_warehouse.db, "SELECT * FROM unanswered_questions")
    for source_id in {r["source_id"] for r in rows}:
        expected = sorted(
            (r for r in rows if r["source_id"] == source_id),
            key=lambda r: (r["asked_at"], r["item_id"]),
        )[:MAX_OPEN_QUESTIONS]
        table = page.select_one(f'table.open-questions[data-source="{source_id}"]')
        shown = table.select("tbody tr")
        assert len(shown) == len(expected)
        for tr, row in zip(shown, expected, strict=True):
            local = row["asked_at"].replace(tzinfo=UTC).astimezone(paris)
            assert tr.select_one("td.when").get_text() == local.strftime("%d/%m/%Y %H:%M")
            assert tr.select_one("td.age").get_text() == f"{row['age_days']} j"
            assert tr.select_one("td.author").get_text() == (row["author"] or "anonyme")
            assert tr.select_one("td.text p").get_text() == row["text"]
            link = tr.select_one("a.post-link")
            if row["post_url"].startswith("https://"):
                assert link is not None and link["href"] == row["post_url"]


def test_since_keeps_whole_months_from_that_day_and_questions_asked_since(
    report_warehouse: Warehouse, tmp_path: Path
) -> None:
    _, page = report(report_warehouse, tmp_path / "r.html", "--since", "2026-10-15")
    assert chart_json(page)["months"] == ["octobre 2026"]
    assert "depuis le 15 octobre 2026" in page.select_one("header").get_text()
    october = {
        r["source_id"]: r["unanswered_pct"]
        for r in query(
            report_warehouse.db,
            "SELECT source_id, unanswered_pct FROM response_rates WHERE month = '2026-10-01'",
        )
    }
    cards = page.select("a.headline")
    assert {c["data-source"] for c in cards if c.has_attr("data-unanswered-pct")} == set(october)
    for card in cards:
        if card["data-source"] in october:
            assert float(card["data-unanswered-pct"]) == october[card["data-source"]]
    start = datetime(2026, 10, 15, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
    everything = query(report_warehouse.db, "SELECT asked_at FROM unanswered_questions")
    since = [r for r in everything if r["asked_at"] >= start.replace(tzinfo=None)]
    assert 0 < len(since) < len(everything), "the demo has open questions on both sides"
    assert len(page.select("table.open-questions tbody tr")) == len(since)


def test_an_empty_warehouse_gives_a_page_that_says_there_is_no_data_yet(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    db.connect(empty).close()  # a warehouse with its schema and no run yet
    out = tmp_path / "r.html"
    proc, page = report(Warehouse(home=tmp_path, db=empty), out)
    assert "0 source(s), 0 question(s)" in proc.stdout
    assert "Pas encore de données" in page.select_one("#no-data").get_text()
    assert page.select("canvas") == [] and chart_json(page) == {"months": [], "sources": {}}


# --- errors -----------------------------------------------------------------------------


def test_a_missing_warehouse_is_a_one_line_error(tmp_path: Path) -> None:
    proc = run_ecoute("report", "--db", str(tmp_path / "nope.duckdb"), home=tmp_path)
    assert_one_line_error(proc, "no warehouse at")
    assert not (tmp_path / "report.html").exists()


def test_a_bad_since_date_is_a_one_line_error(report_warehouse: Warehouse, tmp_path: Path) -> None:
    proc = run_ecoute(
        "report", "--db", str(report_warehouse.db), "--since", "15/10/2026", home=tmp_path
    )
    assert_one_line_error(proc, "--since '15/10/2026': expected a date YYYY-MM-DD")


def test_a_database_without_the_views_is_a_one_line_error(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    conn = duckdb.connect(str(other))
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.close()
    proc = run_ecoute("report", "--db", str(other), home=tmp_path)
    assert_one_line_error(proc, "lacks the report's views")


# --- French formats, links, the vendored library ----------------------------------------


def test_numbers_and_percentages_are_written_the_french_way() -> None:
    assert french.number(1234.5, 1) == "1\u202f234,5"
    assert french.number(7) == "7"
    assert french.percent(66.7) == "66,7\u202f%"
    assert french.percent(0) == "0,0\u202f%"


def test_months_and_days_are_named_in_french() -> None:
    assert french.month(date(2026, 8, 1)) == "août 2026"
    assert french.month(date(2026, 12, 1)) == "décembre 2026"
    assert french.day(date(2026, 2, 3)) == "3 février 2026"


def test_warehouse_times_are_shown_in_paris_time_summer_and_winter() -> None:
    assert french.datetime_paris(datetime(2026, 7, 1, 12, 0)) == "01/07/2026 14:00"
    assert french.datetime_paris(datetime(2026, 12, 31, 23, 30)) == "01/01/2027 00:30"
    assert french.paris_midnight_utc(date(2026, 10, 15)) == datetime(2026, 10, 14, 22, 0)
    assert french.paris_midnight_utc(date(2026, 11, 15)) == datetime(2026, 11, 14, 23, 0)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://shop.example/p/1#c2", True),
        ("HTTP://shop.example/", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//shop.example/p", False),
        ("http://[::1", False),  # unparsable
        (None, False),
        ("", False),
    ],
)
def test_only_http_links_are_kept(url: str | None, kept: bool) -> None:
    assert (safe_href(url) == url) if kept else safe_href(url) is None


def test_the_vendored_chart_library_is_the_pinned_one_and_can_be_inlined() -> None:
    library = (VENDOR / "chart.umd.min.js").read_text(encoding="utf-8")
    assert f"Chart.js v{CHART_JS_VERSION}" in library[:200]
    assert "MIT License" in (VENDOR / "LICENSE.chart.js.txt").read_text(encoding="utf-8")
    for script in (library, (TEMPLATES / "report.js").read_text(encoding="utf-8")):
        assert "</script" not in script.lower(), "it would end the inline <script> early"

"""The report in a real browser: headless Chromium (Debian's package) driven by Playwright.

The page is opened from file:// with every other request aborted and recorded, so a chart
that needed the network would both fail to draw and be reported. `make browser` installs
Chromium; without it this test is skipped and says so. ECOUTE_CHROMIUM names another binary.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from support.report_warehouse import HOSTILE_SOURCE, XSS_MARKER, Warehouse, run_ecoute

CHROMIUM = os.environ.get("ECOUTE_CHROMIUM") or shutil.which("chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium: install Debian's chromium (`make browser`, or "
        "`apt-get install chromium`), or set ECOUTE_CHROMIUM to a Chromium binary",
    ),
]

# Pixels of a canvas that are not transparent: a drawn chart has thousands.
PAINTED_PIXELS = """canvas => {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def sql_pct(db_path: Path, sql: str) -> dict[str, float]:
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        return dict(conn.execute(sql).fetchall())
    finally:
        conn.close()


def french_percent(text: str) -> float:
    match = re.fullmatch(r"(\d+),(\d)\s*%", text.strip())
    assert match, text
    return float(f"{match.group(1)}.{match.group(2)}")


def open_offline(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """The page loaded from disk; returns it, its JS errors and the requests it tried."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def only_the_file(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_file)
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, outside


def test_the_report_draws_offline_and_its_headlines_are_the_sql_numbers(
    browser: Browser, report_warehouse: Warehouse, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    proc = run_ecoute(
        "report", "--db", str(report_warehouse.db), "--out", str(out), home=report_warehouse.home
    )
    assert proc.returncode == 0, proc.stderr
    page, errors, outside = open_offline(browser, out)

    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 3
    assert page.locator("body").get_attribute("data-charts-drawn") == str(canvases.count())
    for index in range(canvases.count()):
        canvas = canvases.nth(index)
        label = f"{canvas.get_attribute('data-chart')} of {canvas.get_attribute('data-source')}"
        assert canvas.evaluate(PAINTED_PIXELS) > 1000, f"{label} did not draw"

    by_source = sql_pct(
        report_warehouse.db,
        "SELECT source_id, unanswered_pct FROM response_rates_by_source "
        "WHERE unanswered_pct IS NOT NULL",
    )
    single_month = sql_pct(
        report_warehouse.db,
        "SELECT source_id, any_value(unanswered_pct) FROM response_rates "
        "GROUP BY source_id HAVING count(*) = 1",
    )
    assert HOSTILE_SOURCE in single_month, "one source asked all its questions in one month"
    for source_id, pct in by_source.items():
        card = page.locator(f'a.headline[data-source="{source_id}"]')
        assert float(card.get_attribute("data-unanswered-pct")) == pct
        shown = french_percent(card.locator(".pct").inner_text())
        assert shown == pct
        if source_id in single_month:
            assert shown == single_month[source_id]

    assert page.evaluate(f"typeof window.{XSS_MARKER}") == "undefined", "a comment's markup ran"
    waiting = page.locator(f'table.open-questions[data-source="{HOSTILE_SOURCE}"]')
    assert f"<script>window.{XSS_MARKER}" in waiting.inner_text()

    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"report screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000
    assert errors == [], errors
    assert outside == [], f"the page tried to fetch {outside}"

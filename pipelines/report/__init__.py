"""`ecoute report`: the response rates as one HTML page that opens anywhere, offline.

`data` reads the analyst views (read-only), `render` turns them into a self-contained page
(Chart.js inlined from `vendor/`, French labels, Paris times), `french` formats numbers and
dates for a French reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.report.data import ReportData, read_report
from pipelines.report.render import render_html

__all__ = ["ReportData", "ReportSummary", "read_report", "render_html", "write_report"]


@dataclass(frozen=True)
class ReportSummary:
    """What the command prints after writing the page."""

    path: Path
    sources: int
    questions: int
    unanswered: int
    open_listed: int


def write_report(db_path: Path, out_path: Path, *, since: date | None = None) -> ReportSummary:
    """Read the warehouse, write the page to `out_path` and say what it holds."""
    report = read_report(db_path, since=since)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_html(report), encoding="utf-8")
    return ReportSummary(
        path=out_path,
        sources=len(report.sources),
        questions=sum(s.headline.questions for s in report.sources),
        unanswered=sum(s.headline.unanswered for s in report.sources),
        open_listed=sum(len(s.open_questions) for s in report.sources),
    )

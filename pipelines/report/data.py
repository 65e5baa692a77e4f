"""What the report shows, read from the analyst views and nothing else.

The views (`response_rates`, `first_response_times`, `topic_sentiment`,
`unanswered_questions`, `response_rates_by_source`) are the contract with analysts, so the
report reads them as an analyst would: a number in the report is one `ecoute sql` away.
Months are the views' Europe/Paris months; timestamps stay naive UTC until rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from extractors.errors import EcouteError
from pipelines.report.french import paris_midnight_utc
from warehouse import db

# A to-do list longer than this is read in the warehouse, not in a page.
MAX_OPEN_QUESTIONS = 200
# Past this, a bar chart of topics is unreadable; the rest stay in `topic_sentiment`.
MAX_TOPICS = 12


@dataclass(frozen=True)
class Headline:
    """A source's questions over the period; `unanswered_pct` is None without questions."""

    questions: int
    answered: int
    unanswered: int
    unanswered_pct: float | None


@dataclass(frozen=True)
class MonthFigures:
    """One month of one source: answered or not, and how fast (None: nothing answered)."""

    questions: int = 0
    answered: int = 0
    unanswered: int = 0
    p50_hours: float | None = None
    p90_hours: float | None = None
    sla_hours: float | None = None


@dataclass(frozen=True)
class TopicMood:
    topic: str
    items: int
    positive: int
    neutral: int
    negative: int


@dataclass(frozen=True)
class OpenQuestion:
    post_url: str | None
    author: str | None
    asked_at: datetime
    age_days: int
    text: str
    topics: list[str]


@dataclass(frozen=True)
class SourceReport:
    source_id: str
    headline: Headline
    months: list[MonthFigures]  # one per `ReportData.months`, zeros where nobody asked
    topics: list[TopicMood]  # the most talked-about first
    open_questions: list[OpenQuestion]  # oldest first, at most MAX_OPEN_QUESTIONS
    open_total: int


@dataclass(frozen=True)
class ReportData:
    generated_at: datetime  # UTC
    since: date | None
    months: list[date]  # the months axis shared by every source: first to last, no gaps
    sources: list[SourceReport]


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _headlines(conn: duckdb.DuckDBPyConnection, since: date | None) -> dict[str, Headline]:
    """Without --since the all-time view as it is; with it, the kept months added up the way
    the views compute a percentage, so the headline is still what SQL says."""
    if since is None:
        sql = """
            SELECT source_id, questions, answered, unanswered, unanswered_pct
            FROM response_rates_by_source ORDER BY source_id
        """
        params: list[Any] = []
    else:
        sql = """
            SELECT s.source_id,
                   coalesce(sum(r.questions), 0) AS questions,
                   coalesce(sum(r.answered), 0) AS answered,
                   coalesce(sum(r.unanswered), 0) AS unanswered,
                   round(100.0 * sum(r.unanswered) / nullif(sum(r.questions), 0), 1)
                       AS unanswered_pct
            FROM response_rates_by_source AS s
            LEFT JOIN response_rates AS r ON r.source_id = s.source_id AND r.month >= ?
            GROUP BY s.source_id ORDER BY s.source_id
        """
        params = [_month_of(since)]
    return {
        row["source_id"]: Headline(
            int(row["questions"]),
            int(row["answered"]),
            int(row["unanswered"]),
            _float(row["unanswered_pct"]),
        )
        for row in _rows(conn, sql, params)
    }


def _monthly(
    conn: duckdb.DuckDBPyConnection, first_month: date
) -> dict[tuple[str, date], MonthFigures]:
    rows = _rows(
        conn,
        """
        SELECT r.source_id, r.month, r.questions, r.answered, r.unanswered,
               f.p50_hours, f.p90_hours, f.sla_hours
        FROM response_rates AS r
        LEFT JOIN first_response_times AS f USING (source_id, month)
        WHERE r.month >= ?
        """,
        [first_month],
    )
    return {
        (row["source_id"], row["month"]): MonthFigures(
            int(row["questions"]),
            int(row["answered"]),
            int(row["unanswered"]),
            _float(row["p50_hours"]),
            _float(row["p90_hours"]),
            _float(row["sla_hours"]),
        )
        for row in rows
    }


def _topics(conn: duckdb.DuckDBPyConnection, first_month: date) -> dict[str, list[TopicMood]]:
    rows = _rows(
        conn,
        """
        SELECT source_id, topic, sum(items) AS items, sum(positive) AS positive,
               sum(neutral) AS neutral, sum(negative) AS negative
        FROM topic_sentiment
        WHERE month >= ?
        GROUP BY source_id, topic
        QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY sum(items) DESC, topic) <= ?
        ORDER BY source_id, sum(items) DESC, topic
        """,
        [first_month, MAX_TOPICS],
    )
    topics: dict[str, list[TopicMood]] = {}
    for row in rows:
        topics.setdefault(row["source_id"], []).append(
            TopicMood(
                row["topic"],
                int(row["items"]),
                int(row["positive"]),
                int(row["neutral"]),
                int(row["negative"]),
            )
        )
    return topics


def _open_questions(
    conn: duckdb.DuckDBPyConnection, asked_from: datetime
) -> dict[str, tuple[list[OpenQuestion], int]]:
    rows = _rows(
        conn,
        """
        SELECT source_id, post_url, author, asked_at, age_days, text, topics,
               count(*) OVER (PARTITION BY source_id) AS total
        FROM unanswered_questions
        WHERE asked_at >= ?
        QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY asked_at, item_id) <= ?
        ORDER BY source_id, asked_at, item_id
        """,
        [asked_from, MAX_OPEN_QUESTIONS],
    )
    found: dict[str, tuple[list[OpenQuestion], int]] = {}
    for row in rows:
        questions, _ = found.setdefault(row["source_id"], ([], int(row["total"])))
        questions.append(
            OpenQuestion(
                row["post_url"],
                row["author"],
                row["asked_at"],
                int(row["age_days"]),
                row["text"],
                list(row["topics"] or []),
            )
        )
    return found


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _month_range(first: date, last: date) -> list[date]:
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def read_report(path: Path, *, since: date | None = None) -> ReportData:
    """Everything the report shows, read through a read-only connection. With `since`,
    monthly figures start at the month of `since` (months are whole) and the open questions
    at `since` 00:00 in Paris."""
    first_month = _month_of(since) if since else date.min
    asked_from = paris_midnight_utc(since) if since else datetime.min
    conn = db.connect(path, read_only=True)
    try:
        headlines = _headlines(conn, since)
        monthly = _monthly(conn, first_month)
        topics = _topics(conn, first_month)
        open_questions = _open_questions(conn, asked_from)
    except duckdb.CatalogException as exc:
        raise EcouteError(
            f"{path} lacks the report's views: {str(exc).splitlines()[0]}",
            hint="run `ecoute run` once: it brings the warehouse's schema up to date",
        ) from None
    finally:
        conn.close()
    seen = sorted({month for _, month in monthly})
    months = _month_range(seen[0], seen[-1]) if seen else []
    sources = []
    for source_id, headline in headlines.items():
        questions, total = open_questions.get(source_id, ([], 0))
        sources.append(
            SourceReport(
                source_id=source_id,
                headline=headline,
                months=[monthly.get((source_id, m), MonthFigures()) for m in months],
                topics=topics.get(source_id, []),
                open_questions=questions,
                open_total=total,
            )
        )
    return ReportData(datetime.now(UTC).replace(tzinfo=None), since, months, sources)

"""The `runs` table: one row per pipeline run, written at its start, after its load, after
each validation, and at its end.

What a run loaded is recorded right after the load, so a run that fails later (a
validation suite, a crash in annotate) still says what it brought in.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

_DURATION = "date_diff('millisecond', started_at, now()::TIMESTAMP) / 1000.0"


def start_run(conn: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime) -> None:
    """Record a run as running; a replay of the same run id starts it again."""
    conn.execute(
        """
        INSERT INTO runs (run_id, started_at, status) VALUES (?, ?, 'running')
        ON CONFLICT (run_id) DO UPDATE SET status = 'running', finished_at = NULL
        """,
        [run_id, started_at.replace(tzinfo=None)],
    )


def record_load(
    conn: duckdb.DuckDBPyConnection, run_id: str, counts: dict[str, Any], errors: list[str]
) -> None:
    """What the load brought in (per source: items, new, updated, quarantined…)."""
    conn.execute(
        "UPDATE runs SET counts = ?, errors = ? WHERE run_id = ?",
        [json.dumps(counts), json.dumps(errors, ensure_ascii=False), run_id],
    )


def record_validation(
    conn: duckdb.DuckDBPyConnection, run_id: str, stage: str, outcome: dict[str, Any]
) -> None:
    """Store one validation step's outcome under its name in `runs.validation`."""
    row = conn.execute("SELECT validation FROM runs WHERE run_id = ?", [run_id]).fetchone()
    validation = json.loads(row[0]) if row and row[0] else {}
    validation[stage] = outcome
    conn.execute(
        "UPDATE runs SET validation = ? WHERE run_id = ?",
        [json.dumps(validation, ensure_ascii=False, default=str), run_id],
    )


def fail_run(conn: duckdb.DuckDBPyConnection, run_id: str, errors: list[str]) -> None:
    """End a run as `failed`, adding `errors` to those already recorded."""
    row = conn.execute("SELECT errors FROM runs WHERE run_id = ?", [run_id]).fetchone()
    recorded = json.loads(row[0]) if row and row[0] else []
    conn.execute(
        f"""
        UPDATE runs SET finished_at = now()::TIMESTAMP, status = 'failed', errors = ?,
                        duration_seconds = {_DURATION}
        WHERE run_id = ?
        """,
        [json.dumps([*recorded, *errors], ensure_ascii=False), run_id],
    )


def finish_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    status: str,
    counts: dict[str, Any],
    errors: list[str],
) -> None:
    conn.execute(
        f"""
        UPDATE runs SET finished_at = now()::TIMESTAMP, status = ?, counts = ?, errors = ?,
                        duration_seconds = {_DURATION}
        WHERE run_id = ?
        """,
        [status, json.dumps(counts), json.dumps(errors, ensure_ascii=False), run_id],
    )

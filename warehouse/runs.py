"""The `runs` table: one row per pipeline run, written at its start and at its end."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb


def start_run(conn: duckdb.DuckDBPyConnection, run_id: str, started_at: datetime) -> None:
    """Record a run as running; a replay of the same run id starts it again."""
    conn.execute(
        """
        INSERT INTO runs VALUES (?, ?, NULL, 'running', NULL, NULL)
        ON CONFLICT (run_id) DO UPDATE SET status = 'running', finished_at = NULL
        """,
        [run_id, started_at.replace(tzinfo=None)],
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
        """
        UPDATE runs SET finished_at = now()::TIMESTAMP, status = ?, counts = ?, errors = ?
        WHERE run_id = ?
        """,
        [status, json.dumps(counts), json.dumps(errors, ensure_ascii=False), run_id],
    )

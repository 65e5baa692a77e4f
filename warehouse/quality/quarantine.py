"""The load-time check of a landed batch: records that break a row-level rule are held back.

`warehouse.load` calls `hold_back` inside the batch's transaction, once the batch is staged:
the failing records go to the `quarantine` table (whole, with the rule, the run and what
was found) instead of `items`, and commit or roll back with the rest of the batch. Nothing
is dropped, and a replay of the run rewrites the batch's quarantine rows instead of adding
to them.

A record whose parent is held back is held back too: its `parent_id` would point at
nothing. So the check runs again without the held-back records until nothing new fails
(once when the batch is clean, twice when a record fails, more for a chain of replies).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from extractors.records import ITEM_COLUMNS
from warehouse.quality.frames import BATCH_KEYS, batch_frame
from warehouse.quality.suites import items_suite
from warehouse.quality.validate import RowFailure, row_failures

STAGE = "items"
_RECORD = "struct_pack(" + ", ".join(f"{c} := b.{c}" for c in ITEM_COLUMNS) + ")"


def hold_back(
    conn: duckdb.DuckDBPyConnection, table: str, *, source_id: str, run_id: str, now: datetime
) -> list[int]:
    """Check the records of temp `table` (the item columns and their `position` in the
    batch), quarantine the failing ones, and return their positions. `now` is naive UTC."""
    suite = items_suite(now, [source_id])
    held: list[int] = []
    while True:
        failures = row_failures(batch_frame(conn, table, held), suite, BATCH_KEYS)
        failing = sorted({int(f.index["position"]) for f in failures})
        if failing == held:
            break
        held = failing
    _write(conn, table, source_id, run_id, failures)
    return held


def _write(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    source_id: str,
    run_id: str,
    failures: list[RowFailure],
) -> None:
    conn.execute("DELETE FROM quarantine WHERE run_id = ? AND source_id = ?", [run_id, source_id])
    if not failures:
        return
    rows = [
        {"position": int(f.index["position"]), "rule": f.rule, "detail": f.detail} for f in failures
    ]
    conn.register("held_back", pa.Table.from_pylist(rows))
    try:
        conn.execute(
            f"""
            INSERT INTO quarantine (run_id, source_id, item_id, position, stage, rule, detail,
                                    record, quarantined_at)
            SELECT ?, ?, b.item_id, b.position, ?, h.rule, h.detail, to_json({_RECORD}),
                   now()::TIMESTAMP
            FROM held_back AS h JOIN {table} AS b USING (position)
            """,
            [run_id, source_id, STAGE],
        )
    finally:
        conn.unregister("held_back")

"""The load-time check of a landed batch: records that break a row-level rule are held back.

`warehouse.load` calls `hold_back` inside the batch's transaction, once the batch is staged:
the failing records go to the `quarantine` table (whole, with the rule, the run and what
was found) instead of `items`, and commit or roll back with the rest of the batch. Nothing
is dropped, and a replay of the run rewrites the batch's quarantine rows instead of adding
to them.

The rules are the items suite's, checked by DuckDB (`warehouse.quality.sql`) where the
batch already is: Great Expectations would take longer than the load itself.

A record whose parent is held back is held back too: its `parent_id` would point at
nothing. So the check runs again without the held-back records until nothing new fails
(once when the batch is clean, twice when a record fails, more for a chain of replies).
A parent resolves to a record of the batch that is not held back, or to an item of the
warehouse: the loader has looked those up already (`batch_known`, one scan of `items`).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from extractors.records import ITEM_COLUMNS
from warehouse.quality import frames, sql
from warehouse.quality.outcomes import values
from warehouse.quality.suites import item_rules

STAGE = "items"
_RECORD = "struct_pack(" + ", ".join(f"{c} := b.{c}" for c in ITEM_COLUMNS) + ")"


def hold_back(
    conn: duckdb.DuckDBPyConnection, table: str, *, source_id: str, run_id: str, now: datetime
) -> list[int]:
    """Check the records of temp `table` (the item columns and their `position` in the
    batch), quarantine the failing ones, and return their positions. `now` is naive UTC.
    The temp table `batch_known` holds the items of the warehouse the batch refers to."""
    rules = item_rules(now, [source_id])
    held: list[int] = []
    while True:
        found = sql.outcomes(
            conn,
            frames.batch_relation(table),
            rules,
            frames.BATCH_KEYS,
            order=("position",),
            params=[held],
        )
        failing = sorted({int(row["position"]) for outcome in found for row in outcome.rows})
        if failing == held:
            break
        held = failing
    failures = [
        (int(row["position"]), o.rule, f"{o.description}; found {values(row, o.columns)}")
        for o in found
        for row in o.rows
    ]
    _write(conn, table, source_id, run_id, failures)
    return held


def _write(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    source_id: str,
    run_id: str,
    failures: list[tuple[int, str, str]],
) -> None:
    conn.execute("DELETE FROM quarantine WHERE run_id = ? AND source_id = ?", [run_id, source_id])
    if not failures:
        return
    rows = [{"position": p, "rule": rule, "detail": detail} for p, rule, detail in failures]
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

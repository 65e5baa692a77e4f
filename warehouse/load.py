"""Idempotent loading of landed batches into the warehouse.

A batch (one source, one run) enters in one transaction: its items are read straight
from the landing file by DuckDB (`read_json`, no row-by-row Python), checked against the
row-level rules of the items suite (`warehouse.quality`: the records that break one go to
`quarantine`, not to `items`), upserted by `item_id`, and the source's cursor is written in
the same transaction. Loading the same batch twice, or a newer batch with the same items,
never duplicates a row, in `items` or in `quarantine`.

How the upsert stays cheap on a large warehouse: `items` has no index (migration 007: an
index costs more to maintain on every insert and checkpoint than it saves here). One
scan of `items` per batch finds the rows the batch already holds and the parents it
refers to (`batch_known`); then the new records are appended, and only the changed ones
are updated. One record per `item_id` holds by construction (the batch is deduplicated,
the rows already there are updated, not added) and is checked on the whole table after
the load (`validate(after="load")`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from extractors.base import SourceConfig
from extractors.records import ITEM_COLUMNS
from warehouse.quality.quarantine import hold_back

_COLUMNS = ", ".join(ITEM_COLUMNS)
_READ_JSON_COLUMNS = "{" + ", ".join(f"'{c}': '{t}'" for c, t in ITEM_COLUMNS.items()) + "}"
_UPDATES = ", ".join(f"{c} = s.{c}" for c in ITEM_COLUMNS if c != "item_id")
#: A loaded item is rewritten only when one of these changed (its fetched_at aside: a
#: quiet night writes nothing).
_CHANGED = """(k.content_hash <> s.content_hash OR k.is_owner <> s.is_owner
               OR k.parent_id IS DISTINCT FROM s.parent_id)"""


@dataclass(frozen=True)
class LoadCounts:
    items: int
    new: int
    updated: int
    deleted: int = 0
    quarantined: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _stage(conn: duckdb.DuckDBPyConnection, items_file: Path) -> None:
    """The batch as temp relations: `landed_items`, every record as landed, in file order
    (the thread listings, for deletions), and `batch_items`, the records to check and load
    with their `position` in the file: per item_id the newest fetch (an older one is an
    earlier sight of the same item), once if fetched twice identically. Two different
    versions fetched at the same time both stay: the uniqueness rule holds them back.
    `batch_known`: the items of the warehouse the batch names (as items or parents)."""
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE landed_items AS
        SELECT {_COLUMNS}
        FROM read_json(?, format = 'newline_delimited', columns = {_READ_JSON_COLUMNS})
        """,
        [str(items_file)],
    )
    # The rows of a table created at once are in file order (insertion order is kept),
    # numbered by consecutive rowids.
    repeated, first = conn.execute(
        "SELECT count(item_id) > count(DISTINCT item_id), min(rowid) FROM landed_items"
    ).fetchone() or (False, 0)
    numbered = f"SELECT rowid - {int(first)} + 1 AS position, * FROM landed_items"
    if repeated:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE batch_deduplicated AS
            SELECT * FROM ({numbered})
            QUALIFY item_id IS NULL
                 OR (rank() OVER (PARTITION BY item_id ORDER BY fetched_at DESC) = 1
                     AND row_number() OVER (PARTITION BY item_id, fetched_at, content_hash
                                            ORDER BY position) = 1)
            """
        )
        numbered = "SELECT * FROM batch_deduplicated"
    conn.execute(f"CREATE OR REPLACE TEMP VIEW batch_items AS {numbered}")
    # The ids a batch names are its source's (`source:platform-id`): a narrow range of
    # `items`, whose row groups mostly hold one source each. Saying so lets DuckDB skip
    # the others; the IN list alone would read the whole column, batch after batch.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE batch_known AS
        WITH named AS (SELECT item_id AS id FROM batch_items WHERE item_id IS NOT NULL
                       UNION SELECT parent_id FROM batch_items WHERE parent_id IS NOT NULL)
        SELECT item_id, content_hash, is_owner, parent_id FROM items
        WHERE item_id IN (SELECT id FROM named)
          AND item_id BETWEEN (SELECT min(id) FROM named) AND (SELECT max(id) FROM named)
        """
    )


def _upsert_items(conn: duckdb.DuckDBPyConnection, held_back: list[int]) -> LoadCounts:
    """Append the batch's new items and rewrite its changed ones (the records held back
    aside); returns what it did."""
    loadable = "SELECT * FROM batch_items WHERE NOT list_contains(?::INTEGER[], position)"
    row = conn.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE k.item_id IS NULL),
               count(*) FILTER (WHERE k.item_id IS NOT NULL AND {_CHANGED})
        FROM ({loadable}) AS s LEFT JOIN batch_known AS k USING (item_id)
        """,
        [held_back],
    ).fetchone()
    assert row is not None
    counts = LoadCounts(items=row[0], new=row[1], updated=row[2])
    if counts.new:
        conn.execute(
            f"""
            INSERT INTO items SELECT {_COLUMNS} FROM ({loadable}) AS s
            WHERE s.item_id NOT IN (SELECT item_id FROM batch_known)
            """,
            [held_back],
        )
    if counts.updated:
        conn.execute(
            f"""
            UPDATE items SET {_UPDATES}
            FROM ({loadable}) AS s JOIN batch_known AS k USING (item_id)
            WHERE items.item_id = s.item_id AND {_CHANGED}
            """,
            [held_back],
        )
    return counts


def _mark_deletions(
    conn: duckdb.DuckDBPyConnection, source_id: str, run_id: str, complete_threads: list[str]
) -> int:
    """Comments of completely listed threads that this batch did not contain are marked
    deleted; comments of the batch are unmarked (they are back). A quarantined comment is
    in the listing: held back, not gone."""
    conn.execute("DELETE FROM item_deletions WHERE item_id IN (SELECT item_id FROM landed_items)")
    if not complete_threads:
        return 0
    row = conn.execute(
        """
        INSERT INTO item_deletions
        SELECT i.item_id, i.source_id, ?, now()::TIMESTAMP
        FROM items AS i
        WHERE i.source_id = ? AND i.kind = 'comment'
          AND list_contains(?::VARCHAR[], i.post_id)
          AND i.item_id NOT IN (SELECT item_id FROM landed_items WHERE item_id IS NOT NULL)
        ON CONFLICT (item_id) DO NOTHING
        RETURNING item_id
        """,
        [run_id, source_id, complete_threads],
    ).fetchall()
    return len(row)


def upsert_source(
    conn: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    *,
    run_id: str,
    cursor: dict[str, Any] | None,
) -> None:
    """The source's row; a `None` cursor keeps the stored one."""
    conn.execute(
        """
        INSERT INTO sources (source_id, kind, url, owners, params, cursor, last_run_id,
                             updated_at, sla_hours, aliases)
        VALUES (?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?)
        ON CONFLICT (source_id) DO UPDATE SET
            kind = excluded.kind, url = excluded.url, owners = excluded.owners,
            params = excluded.params, cursor = coalesce(excluded.cursor, sources.cursor),
            last_run_id = excluded.last_run_id, updated_at = excluded.updated_at,
            sla_hours = excluded.sla_hours, aliases = excluded.aliases
        """,
        [
            source.id,
            source.kind,
            source.url,
            list(source.owners),
            json.dumps(dict(source.params)),
            json.dumps(cursor) if cursor else None,
            run_id,
            source.sla_hours,
            json.dumps({name: list(others) for name, others in source.aliases.items()}),
        ],
    )


def load_batch(
    conn: duckdb.DuckDBPyConnection,
    items_file: Path,
    source: SourceConfig,
    *,
    run_id: str,
    cursor: dict[str, Any] | None,
    complete_threads: list[str] | None = None,
) -> LoadCounts:
    """Upsert one landed batch, quarantine its bad records and advance the source's
    cursor, atomically."""
    conn.execute("BEGIN TRANSACTION")
    try:
        if items_file.stat().st_size:
            _stage(conn, items_file)
            now = datetime.now(UTC).replace(tzinfo=None)
            held_back = hold_back(conn, "batch_items", source_id=source.id, run_id=run_id, now=now)
            counts = _upsert_items(conn, held_back)
            deleted = _mark_deletions(conn, source.id, run_id, complete_threads or [])
            counts = LoadCounts(counts.items, counts.new, counts.updated, deleted, len(held_back))
        else:
            counts = LoadCounts(items=0, new=0, updated=0)
        upsert_source(conn, source, run_id=run_id, cursor=cursor)
        conn.execute(
            """
            INSERT INTO loads (source_id, run_id, items, new, updated, loaded_at, quarantined)
            VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, ?)
            ON CONFLICT (source_id, run_id) DO UPDATE SET
                items = excluded.items, new = excluded.new, updated = excluded.updated,
                loaded_at = excluded.loaded_at, quarantined = excluded.quarantined
            """,
            [source.id, run_id, counts.items, counts.new, counts.updated, counts.quarantined],
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return counts


def read_cursor(conn: duckdb.DuckDBPyConnection, source_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT cursor FROM sources WHERE source_id = ?", [source_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}

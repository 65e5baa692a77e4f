"""Erasing one person from the warehouse, and the record that it was done (RGPD art. 17).

`ecoute forget` (pipelines/forget.py) decides whose names and ids to look for; this module
deletes their items and everything derived from them in one transaction, with the
`erasures` row that says so. Replies to an erased item stay (they are someone else's)
without their parent, as comments whose parent the platform no longer shows. Then
`compact` rewrites the database file: DuckDB keeps the bytes of deleted rows in the file
until their blocks are reused, and an erased comment must not stay readable on disk.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

#: Rows derived from an item, by table and the columns that hold its id.
_DERIVED = {
    "replies": ("question_id", "reply_item_id"),
    "annotations": ("item_id",),
    "item_deletions": ("item_id",),
}
_QUARANTINED_BY = """
    DELETE FROM quarantine
    WHERE item_id IN (SELECT item_id FROM erased_items)
       OR (source_id = coalesce(?, source_id)
           AND (list_contains(?::VARCHAR[], json_extract_string(record, '$.author_name'))
                OR list_contains(?::VARCHAR[], json_extract_string(record, '$.author_id'))))
"""


@dataclass(frozen=True)
class Target:
    """Whose items to erase: these exact author names and ids, of one source or all."""

    names: frozenset[str]
    ids: frozenset[str]
    source_id: str | None = None


@dataclass(frozen=True)
class Suppressed:
    """What `ecoute forget` erased for a source: the landing step lands none of it again."""

    author_keys: frozenset[str] = frozenset()
    item_ids: frozenset[str] = frozenset()


def _deleted(conn: duckdb.DuckDBPyConnection, query: str, params: list[object]) -> int:
    """Run a DELETE; DuckDB answers with the number of rows it deleted."""
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def _has_table(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Tables a migration may not have created (`quarantine`), or not yet in a database
    opened read-only (`erasures`)."""
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_catalog = current_database() AND table_schema = 'main'"
        " AND table_name = ?",
        [name],
    ).fetchone()
    return bool(row and row[0])


def authors(conn: duckdb.DuckDBPyConnection, source_id: str | None) -> tuple[set[str], set[str]]:
    """The distinct author names and author ids of the items (and quarantined records)
    of ``source_id``, or of every source: what a name to forget is compared with."""
    queries = ["SELECT author_name, author_id FROM items WHERE source_id = coalesce(?, source_id)"]
    if _has_table(conn, "quarantine"):
        queries.append(
            "SELECT json_extract_string(record, '$.author_name'),"
            " json_extract_string(record, '$.author_id')"
            " FROM quarantine WHERE source_id = coalesce(?, source_id)"
        )
    names: set[str] = set()
    ids: set[str] = set()
    for query in queries:
        for name, author_id in conn.execute(query, [source_id]).fetchall():
            names.update([name] if name else [])
            ids.update([author_id] if author_id else [])
    return names, ids


def item_ids(conn: duckdb.DuckDBPyConnection, target: Target) -> set[str]:
    """The ids of the items ``target`` wrote."""
    rows = conn.execute(
        """
        SELECT item_id FROM items
        WHERE source_id = coalesce(?, source_id)
          AND (list_contains(?::VARCHAR[], author_name) OR list_contains(?::VARCHAR[], author_id))
        """,
        [target.source_id, sorted(target.names), sorted(target.ids)],
    ).fetchall()
    return {item_id for (item_id,) in rows}


def erase(
    conn: duckdb.DuckDBPyConnection,
    target: Target,
    erased: Collection[str],
    *,
    author_key: str,
    landing_files_rewritten: int,
    raw_files_deleted: int,
) -> tuple[int, int]:
    """Delete the items ``erased``, their replies (as question or as reply), annotations,
    deletion marks and quarantined records (also those ``target`` wrote that never became
    items), detach the replies to them, and record the erasure, in one transaction.
    Returns (items deleted, rows deleted or changed in all)."""
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE erased_items AS SELECT unnest(?::VARCHAR[]) AS item_id",
            [sorted(erased)],
        )
        rows = 0
        for table, columns in _DERIVED.items():
            where = " OR ".join(f"{c} IN (SELECT item_id FROM erased_items)" for c in columns)
            rows += _deleted(conn, f"DELETE FROM {table} WHERE {where}", [])
        if _has_table(conn, "quarantine"):
            params = [target.source_id, sorted(target.names), sorted(target.ids)]
            rows += _deleted(conn, _QUARANTINED_BY, params)
        items = _deleted(
            conn, "DELETE FROM items WHERE item_id IN (SELECT item_id FROM erased_items)", []
        )
        rows += _deleted(  # DuckDB answers an UPDATE with its count too
            conn,
            "UPDATE items SET parent_id = NULL"
            " WHERE parent_id IN (SELECT item_id FROM erased_items)",
            [],
        )
        conn.execute(
            "INSERT INTO erasures VALUES (now()::TIMESTAMP, ?, ?, ?, ?, ?, ?)",
            [
                author_key,
                target.source_id,
                items,
                landing_files_rewritten,
                raw_files_deleted,
                sorted(erased),
            ],
        )
        conn.execute("DROP TABLE erased_items")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return items, rows + items


def last_erasure(
    conn: duckdb.DuckDBPyConnection, author_key: str, source_id: str | None
) -> datetime | None:
    """When this author was last forgotten (for ``source_id``, or everywhere), if ever."""
    row = conn.execute(
        "SELECT max(erased_at) FROM erasures WHERE author_key = ?"
        " AND source_id IS NOT DISTINCT FROM ?",
        [author_key, source_id],
    ).fetchone()
    return row[0] if row else None


def suppressed(conn: duckdb.DuckDBPyConnection, source_id: str) -> Suppressed:
    """What was forgotten for ``source_id`` or for every source."""
    if not _has_table(conn, "erasures"):  # a warehouse older than the table, read-only
        return Suppressed()
    row = conn.execute(
        """
        SELECT list_distinct(list(author_key)), list_distinct(flatten(list(item_ids)))
        FROM erasures WHERE coalesce(source_id, ?) = ?
        """,
        [source_id, source_id],
    ).fetchone()
    keys, ids = row if row else (None, None)
    return Suppressed(frozenset(keys or ()), frozenset(ids or ()))


def compact(path: Path) -> None:
    """Rewrite the database file with its live rows only, then put it in place.

    A copy (`COPY FROM DATABASE`: tables, views, macros, constraints, data) leaves the
    deleted rows behind, which neither DELETE nor CHECKPOINT nor VACUUM do. The swap is a
    rename: a reader that has the old file open keeps reading it until it closes."""
    fresh = path.with_name(path.name + ".compact")
    fresh.unlink(missing_ok=True)
    conn = duckdb.connect(str(path))
    try:
        (name,) = conn.execute("SELECT current_database()").fetchone() or ("",)
        quoted = '"' + name.replace('"', '""') + '"'
        conn.execute("ATTACH ? AS compacted", [str(fresh)])
        conn.execute(f"COPY FROM DATABASE {quoted} TO compacted")
        conn.execute("DETACH compacted")
    finally:
        conn.close()
    os.replace(fresh, path)

"""Reading the items that need NLP, and storing what the NLP said about them.

An item needs annotating when it has no annotation for the current NLP version, or its
text changed since (its `content_hash` differs). Results enter in bulk through Arrow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

_PENDING = """
    FROM items AS i
    WHERE NOT EXISTS (
        SELECT 1 FROM annotations AS a
        WHERE a.item_id = i.item_id AND a.nlp_version = ? AND a.content_hash = i.content_hash
    )
"""

ANNOTATION_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("nlp_version", pa.string()),
        ("content_hash", pa.string()),
        ("lang", pa.string()),
        ("is_question", pa.bool_()),
        ("question_sentence", pa.string()),
        ("question_rule", pa.string()),
        ("question_type", pa.string()),
        ("sentiment", pa.string()),
        ("sentiment_score", pa.float64()),
        ("topics", pa.list_(pa.string())),
    ]
)
_NAMES = ", ".join(ANNOTATION_SCHEMA.names)
_UPDATES = ", ".join(f"{c} = excluded.{c}" for c in [*ANNOTATION_SCHEMA.names[2:], "annotated_at"])


def count_pending(conn: duckdb.DuckDBPyConnection, nlp_version: str) -> int:
    """How many items need annotating: one anti-join, no text read."""
    ((count,),) = conn.execute("SELECT count(*) " + _PENDING, [nlp_version]).fetchall()
    return int(count)


def stream_pending(
    conn: duckdb.DuckDBPyConnection, nlp_version: str, chunk_size: int = 1024
) -> Iterator[list[tuple[str, str, str]]]:
    """Every item still to annotate, as chunks of (item_id, content_hash, text).

    One query, read as it goes on a cursor of its own, so that ``conn`` stays free to store
    annotations between chunks: its snapshot is taken when it starts, and what is stored
    meanwhile does not change what it returns. Memory holds one chunk, not the pending set
    (a query per batch would run the anti-join again for every batch).
    """
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT i.item_id, i.content_hash, i.text " + _PENDING, [nlp_version])
        while chunk := cursor.fetchmany(chunk_size):
            yield chunk
    finally:
        cursor.close()


def store_annotations(conn: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Upsert one batch of annotations in one transaction."""
    conn.register("annotation_batch", pa.Table.from_pylist(rows, schema=ANNOTATION_SCHEMA))
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(
            f"""
            INSERT INTO annotations ({_NAMES}, annotated_at)
            SELECT {_NAMES}, now()::TIMESTAMP FROM annotation_batch
            ON CONFLICT (item_id, nlp_version) DO UPDATE SET {_UPDATES}
            """
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("annotation_batch")

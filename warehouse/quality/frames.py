"""What each suite looks at: a SELECT over the warehouse (a *relation*), checked where it is
by DuckDB, or read in slices as DataFrames for Great Expectations.

The relations hold the columns the rules need, not the texts (their length is enough).
Every relation has `source_id`: a failing rule is reported per source. `known_parent_id`
is the parent when it resolves to an item, else null.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd

_ITEM_CHECKED = """
    {alias}.item_id, {alias}.source_id, {alias}.kind, {alias}.post_id, {alias}.is_owner,
    {alias}.published_at, {alias}.fetched_at, {alias}.content_hash, {alias}.parent_id,
    length({alias}.text) AS text_length
"""
#: What the row-level rules of a stage read of a row: a row whose values were validated
#: already needs no second look (`quality_checked`, see validate.py).
ROW_VALUES: dict[str, tuple[str, ...]] = {
    "items": (
        "item_id", "source_id", "kind", "post_id", "is_owner", "published_at", "fetched_at",
        "content_hash", "parent_id", "text_length",
    ),
    "annotations": (
        "source_id", "item_id", "nlp_version", "lang", "is_question", "question_rule",
        "question_type", "question_sentence", "sentiment", "sentiment_score",
    ),
}  # fmt: skip

#: The columns that name a row in a report (and, for a batch, in the quarantine).
BATCH_KEYS = ("position", "source_id", "item_id")
ITEM_KEYS = ("source_id", "item_id")
ANNOTATION_KEYS = ("source_id", "item_id")
#: The order rows are read and reported in.
ITEM_ORDER = ("source_id", "item_id")
ANNOTATION_ORDER = ("source_id", "item_id", "nlp_version")
#: Per view, the columns that name a row in a report.
VIEW_KEYS: dict[str, tuple[str, ...]] = {
    "question_status": ("source_id", "item_id"),
    "response_rates": ("source_id", "month"),
    "response_rates_by_source": ("source_id",),
    "first_response_times": ("source_id", "month"),
}
#: Per view, the columns its rules check.
VIEW_CHECKED: dict[str, tuple[str, ...]] = {
    "question_status": ("response_hours",),
    "response_rates": (
        "questions",
        "answered",
        "unanswered",
        "unanswered_pct",
        "median_response_hours",
    ),
    "response_rates_by_source": (
        "questions",
        "answered",
        "unanswered",
        "unanswered_pct",
        "median_response_hours",
    ),
    "first_response_times": ("within_24h_pct", "within_sla_pct", "p50_hours", "p90_hours"),
}


def batch_relation(table: str) -> str:
    """The records of a landed batch (temp `table`, with `position`); a parent resolves to
    an item of the warehouse (temp `batch_known`) or to a record of the batch whose
    position is not in the list given as the one parameter (the records held back)."""
    return f"""
        SELECT b.position, {_ITEM_CHECKED.format(alias="b")},
               CASE WHEN b.parent_id IN (SELECT item_id FROM batch_known)
                      OR b.parent_id IN (SELECT item_id FROM {table}
                                         WHERE item_id IS NOT NULL
                                           AND NOT list_contains(?::INTEGER[], position))
                    THEN b.parent_id END AS known_parent_id
        FROM {table} AS b
    """


#: Every item, its parent resolved in the table.
ITEMS = f"""
    SELECT {_ITEM_CHECKED.format(alias="i")},
           CASE WHEN i.parent_id IN (SELECT item_id FROM items) THEN i.parent_id END
               AS known_parent_id
    FROM items AS i
"""
#: Every item, as the row-level rules read it.
ITEM_ROWS = f"SELECT {_ITEM_CHECKED.format(alias='i')} FROM items AS i"
#: Every annotation, with its item's source (null: the item is not in `items`).
ANNOTATIONS = """
    SELECT i.source_id, a.item_id, a.nlp_version, a.lang, a.is_question, a.question_rule,
           a.question_type, a.question_sentence, a.sentiment, a.sentiment_score
    FROM annotations AS a LEFT JOIN items AS i USING (item_id)
"""


def view_relation(view: str) -> str:
    """The keys (as text: `2026-10-01`, not a timestamp) and the checked columns of a view
    (`view` is one of VIEW_KEYS, never user input)."""
    keys = ", ".join(f"CAST({key} AS VARCHAR) AS {key}" for key in VIEW_KEYS[view])
    return f"SELECT {keys}, {', '.join(VIEW_CHECKED[view])} FROM {view}"


def known_sources(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT source_id FROM sources ORDER BY 1").fetchall()]


def frames(
    conn: duckdb.DuckDBPyConnection,
    relation: str,
    order: Sequence[str],
    *,
    params: Sequence[Any] = (),
    rows: int = 50_000,
) -> Iterator[pd.DataFrame]:
    """The rows of `relation` in `order`, as DataFrames of about `rows` rows each: a large
    table is validated a slice at a time, in bounded memory."""
    cursor = conn.execute(f"SELECT * FROM ({relation}) ORDER BY {', '.join(order)}", list(params))
    vectors = max(1, rows // 2048)  # DuckDB hands rows over in vectors of 2048
    while True:
        frame = cursor.fetch_df_chunk(vectors)
        if frame.empty:
            return
        yield frame

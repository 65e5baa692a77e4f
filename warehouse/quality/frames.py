"""What each suite looks at, read from DuckDB as DataFrames.

The frames hold the columns the rules need, not the texts (their length is enough), so a
whole-table check stays small. Every frame has `source_id`: a failing rule is reported per
source. `known_parent_id` is the parent when it resolves to an item, else null.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pandas as pd

_ITEM_CHECKED = """
    {alias}.item_id, {alias}.source_id, {alias}.kind, {alias}.post_id, {alias}.is_owner,
    {alias}.published_at, {alias}.fetched_at, {alias}.content_hash, {alias}.parent_id,
    length({alias}.text) AS text_length
"""

#: The columns that name a row in a report (and, for a batch, in the quarantine).
BATCH_KEYS = ("position", "source_id", "item_id")
ITEM_KEYS = ("source_id", "item_id")
ANNOTATION_KEYS = ("source_id", "item_id")
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


def batch_frame(conn: duckdb.DuckDBPyConnection, table: str, excluded: list[int]) -> pd.DataFrame:
    """The records of a landed batch (temp `table`, with `position`); a parent resolves to
    an item of the warehouse or to a record of the batch that is not `excluded`."""
    return conn.execute(
        f"""
        SELECT b.position, {_ITEM_CHECKED.format(alias="b")},
               CASE WHEN b.parent_id IN (SELECT item_id FROM items)
                      OR b.parent_id IN (SELECT item_id FROM {table}
                                         WHERE NOT list_contains(?::INTEGER[], position))
                    THEN b.parent_id END AS known_parent_id
        FROM {table} AS b
        ORDER BY b.position
        """,
        [excluded],
    ).df()


def items_frame(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute(
        f"""
        SELECT {_ITEM_CHECKED.format(alias="i")}, p.item_id AS known_parent_id
        FROM items AS i LEFT JOIN items AS p ON p.item_id = i.parent_id
        ORDER BY i.source_id, i.item_id
        """
    ).df()


def known_sources(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT source_id FROM sources ORDER BY 1").fetchall()]


def annotations_frame(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute(
        """
        SELECT i.source_id, a.item_id, a.nlp_version, a.lang, a.is_question, a.question_rule,
               a.question_type, a.question_sentence, a.sentiment, a.sentiment_score
        FROM annotations AS a LEFT JOIN items AS i USING (item_id)
        ORDER BY i.source_id, a.item_id, a.nlp_version
        """
    ).df()


def view_frame(conn: duckdb.DuckDBPyConnection, view: str) -> pd.DataFrame:
    """The keys (as text: `2026-10-01`, not a timestamp) and the checked columns of a view
    (`view` is one of VIEW_KEYS, never user input)."""
    keys = ", ".join(f"CAST({key} AS VARCHAR) AS {key}" for key in VIEW_KEYS[view])
    order = ", ".join(VIEW_KEYS[view])
    return conn.execute(
        f"SELECT {keys}, {', '.join(VIEW_CHECKED[view])} FROM {view} ORDER BY {order}"
    ).df()

"""Every quality rule means the same whichever engine checks it: Great Expectations on a
DataFrame (the rows a run changed, `ecoute validate`) or DuckDB in SQL (each landed batch,
the whole-table rules, the views). Each suite's rules run both ways on the same rows,
planted so that every rule breaks somewhere, with nulls, conditions and duplicates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from warehouse.quality import sql, suites
from warehouse.quality.suites import Rule
from warehouse.quality.validate import _gx_outcomes

NOW = datetime(2026, 11, 24, 3, 0)
T = NOW - timedelta(days=10)

ITEM_TYPES = {
    "position": "INTEGER",
    "item_id": "VARCHAR",
    "source_id": "VARCHAR",
    "kind": "VARCHAR",
    "post_id": "VARCHAR",
    "is_owner": "BOOLEAN",
    "published_at": "TIMESTAMP",
    "fetched_at": "TIMESTAMP",
    "content_hash": "VARCHAR",
    "parent_id": "VARCHAR",
    "text_length": "BIGINT",
    "known_parent_id": "VARCHAR",
}
ITEMS = [
    (1, "b:0", "blog", "post", "b:0", True, T, T, "h0", None, 120, None),
    (2, "b:1", "blog", "comment", "b:0", False, T, T, "h1", "b:0", 10, "b:0"),
    (3, None, "blog", "comment", "b:0", False, T, T, "h2", "b:0", 10, "b:0"),
    (4, "b:3", "shop", "story", None, None, None, T, None, "b:404", None, None),
    (5, "b:4", "blog", "comment", "b:0", False, datetime(1970, 1, 1), T, "h4", None, 0, None),
    (6, "b:5", "blog", "comment", "b:0", False, NOW + timedelta(3), T, "h5", None, 20_001, None),
    (7, "b:6", "blog", "post", "b:6", True, T, None, "h6", None, 200_001, None),
    (8, "b:6", "blog", "comment", "b:6", False, T, T, "h7", "b:6", 5, "b:6"),
    (9, "b:8", "blog", None, "b:0", False, T, T, "h8", "b:1", 1, None),
    (10, "b:9", None, "comment", "b:0", False, T, T, "h9", None, 3, None),
]  # fmt: skip

ANNOTATION_TYPES = {
    "source_id": "VARCHAR",
    "item_id": "VARCHAR",
    "nlp_version": "VARCHAR",
    "lang": "VARCHAR",
    "is_question": "BOOLEAN",
    "question_rule": "VARCHAR",
    "question_type": "VARCHAR",
    "question_sentence": "VARCHAR",
    "sentiment": "VARCHAR",
    "sentiment_score": "DOUBLE",
}
ANNOTATIONS = [
    ("blog", "b:1", "v1", "fr", True, "qmark", "information", "Vous livrez ?", "neutral", 0.0),
    ("blog", "b:1", "v1", "fr\n", False, None, None, None, "positive", 0.5),
    (None, "ghost", "v1", "FR", True, None, "rant", None, "angry", 1.5),
    ("blog", "b:2", "v2", "und", True, "oracle", None, "Et ?", None, -1.0),
    ("blog", "b:3", None, "xx", None, None, None, None, "negative", None),
    ("shop", None, None, None, False, "qmark", "request", None, "neutral", -1.01),
]  # fmt: skip

VIEW_TYPES = {
    "source_id": "VARCHAR",
    "month": "VARCHAR",
    "questions": "BIGINT",
    "answered": "BIGINT",
    "unanswered": "BIGINT",
    "unanswered_pct": "DOUBLE",
    "median_response_hours": "DOUBLE",
}
VIEW_ROWS = [
    ("blog", "2026-10-01", 3, 1, 2, 66.7, 3.0),
    ("blog", "2026-11-01", 2, 3, 1, 150.0, -1.0),
    ("shop", "2026-10-01", 0, 0, 0, None, None),
    ("shop", "2026-11-01", 4, None, 5, -0.1, 0.0),
]


def table(conn: duckdb.DuckDBPyConnection, types: dict[str, str], rows: list[tuple]) -> str:
    conn.execute(f"CREATE TABLE t ({', '.join(f'{c} {t}' for c, t in types.items())})")
    conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in types)})", rows)
    return "SELECT * FROM t"


def outcomes_both(
    types: dict[str, str], rows: list[tuple], rules: list[Rule], index: tuple[str, ...]
) -> tuple[list[Any], list[Any]]:
    conn = duckdb.connect()
    relation = table(conn, types, rows)
    order = list(types)[:3]
    by_sql = sql.outcomes(conn, relation, rules, index, order=order)
    frame = conn.execute(f"{relation} ORDER BY {', '.join(order)}").df()
    by_gx = _gx_outcomes([frame], rules, index)
    return by_sql, by_gx


def comparable(outcome: Any) -> tuple:
    rows = sorted(
        (tuple(sorted((k, repr(v)) for k, v in row.items())) for row in outcome.rows),
    )
    return outcome.rule, outcome.checked, rows, outcome.error


@pytest.mark.parametrize(
    ("types", "rows", "rules", "index"),
    [
        (
            ITEM_TYPES,
            ITEMS,
            suites.item_rules(NOW, ["blog"]),
            ("position", "source_id", "item_id"),
        ),
        (
            ANNOTATION_TYPES,
            ANNOTATIONS,
            suites.annotation_rules(),
            ("source_id", "item_id"),
        ),
        (VIEW_TYPES, VIEW_ROWS, suites.view_rules()["response_rates"], ("source_id", "month")),
    ],
    ids=["items", "annotations", "response_rates"],
)
def test_duckdb_and_great_expectations_find_the_same_rows(
    types: dict[str, str], rows: list[tuple], rules: list[Rule], index: tuple[str, ...]
) -> None:
    by_sql, by_gx = outcomes_both(types, rows, rules, index)
    assert [comparable(o) for o in by_sql] == [comparable(o) for o in by_gx]
    assert all(not o.success for o in by_sql[:3])  # the planted rows do break rules


def test_every_rule_breaks_on_the_planted_rows() -> None:
    """So that the comparison above says something about each rule."""
    cases = [
        (ITEM_TYPES, ITEMS, suites.item_rules(NOW, ["blog"]), ("position",)),
        (ANNOTATION_TYPES, ANNOTATIONS, suites.annotation_rules(), ("item_id",)),
        (VIEW_TYPES, VIEW_ROWS, suites.view_rules()["response_rates"], ("month",)),
    ]
    for types, rows, rules, index in cases:
        conn = duckdb.connect()
        found = sql.outcomes(conn, table(conn, types, rows), rules, index, order=index)
        assert [o.rule for o in found if o.success] == []


def test_every_rule_of_every_suite_has_sql_and_a_gx_expectation() -> None:
    rules = [
        *suites.item_rules(NOW, ["blog"]),
        *suites.annotation_rules(),
        *(r for view in suites.view_rules().values() for r in view),
    ]
    conn = duckdb.connect()
    for rule in rules:
        relation = "SELECT " + ", ".join(f"NULL AS {c}" for c in {*rule.columns, "source_id"})
        if rule.when:
            relation += f", NULL AS {rule.when[0]}"
        sql.outcomes(conn, relation, [rule], ("source_id",), order=("source_id",))
        assert rule.to_gx().description == rule.description


def test_a_rule_is_named_as_great_expectations_names_it() -> None:
    from warehouse.quality.validate import rule_name

    for rule in [*suites.item_rules(NOW, ["blog"]), *suites.annotation_rules()]:
        assert rule_name(rule.to_gx().configuration) == rule.name


def test_the_rules_version_ignores_the_clock_and_follows_the_bounds() -> None:
    later = NOW + timedelta(days=30)
    assert suites.rules_version(suites.item_rules(NOW, ["a"])) != suites.rules_version(
        suites.item_rules(later, ["a"])
    )  # the bound on published_at is in the rules...
    fixed = datetime(2000, 1, 1)
    assert suites.rules_version(suites.item_rules(fixed, ["a"])) == suites.rules_version(
        suites.item_rules(fixed, ["b", "c"])
    )  # ...the known sources are not: a whole-table rule

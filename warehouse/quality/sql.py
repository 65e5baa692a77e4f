"""The rules checked by DuckDB, with the meaning Great Expectations gives them.

Why a second engine: Great Expectations wants a pandas DataFrame, takes seconds to import
and about a second per landed batch; the load of a batch takes less than that. DuckDB
checks a batch, a million-row table or a view where the rows are, without copying them.
Each expectation type the suites use is one SQL predicate, true for a row that breaks it:

- a rule with a condition (`when`) looks only at the rows where it holds, and counts only
  those as checked;
- nulls break `not_be_null` only; every other single-column rule skips them;
- `be_unique`: every row whose (non-null) value occurs twice or more among the checked
  rows; `compound_columns_to_be_unique` the same for the combination, rows whose values
  are all null skipped;
- `match_regex`: Python's `re.search` on each distinct value, as GX does on a DataFrame;
- pairs: `to_be_equal` skips rows where both are null, `a_to_be_greater_than_b` rows
  where either is.

tests/test_warehouse/test_quality_engines.py runs every rule through both engines on the
same rows and compares what they find.

One query counts, per rule, the rows checked and the rows that break it; only a rule that
breaks is looked at again, for its rows (all of them: a batch's quarantine) or for the
first few per source (a report on a large table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from warehouse.quality.outcomes import Outcome
from warehouse.quality.suites import Rule


def literal(value: Any) -> str:
    """`value` as a DuckDB literal (rule parameters come from our code, never from data,
    but are quoted all the same)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _condition(rule: Rule) -> str:
    return f"{_q(rule.when[0])} = {literal(rule.when[1])}" if rule.when else "TRUE"


def _breaks(rule: Rule, bad_values: list[Any]) -> str:
    """True for a checked row of `r` that breaks `rule`."""
    kind, p = rule.type, rule.param
    columns = [_q(c) for c in rule.columns]
    col = columns[0]
    if kind == "expect_column_values_to_not_be_null":
        return f"{col} IS NULL"
    if kind == "expect_column_values_to_be_unique":
        repeated = f"SELECT {col} FROM r WHERE {_condition(rule)} GROUP BY ALL HAVING count(*) > 1"
        return f"{col} IS NOT NULL AND {col} IN ({repeated})"
    if kind == "expect_compound_columns_to_be_unique":
        # a struct compares its null fields as equal: nulls group together, as in pandas
        combined = "{" + ", ".join(f"'{n}': {c}" for n, c in enumerate(columns)) + "}"
        repeated = (
            f"SELECT {combined} FROM r WHERE {_condition(rule)} GROUP BY ALL HAVING count(*) > 1"
        )
        all_null = " AND ".join(f"{c} IS NULL" for c in columns)
        return f"NOT ({all_null}) AND {combined} IN ({repeated})"
    if kind == "expect_column_values_to_be_in_set":
        allowed = list(p["value_set"])
        return f"{col} IS NOT NULL" + (
            f" AND NOT list_contains({literal(allowed)}, {col})" if allowed else ""
        )
    if kind == "expect_column_values_to_be_between":
        outside = [f"{col} < {literal(p['min_value'])}"] if p.get("min_value") is not None else []
        if p.get("max_value") is not None:
            outside.append(f"{col} > {literal(p['max_value'])}")
        return f"{col} IS NOT NULL AND ({' OR '.join(outside) or 'FALSE'})"
    if kind == "expect_column_values_to_match_regex":
        return f"list_contains({literal(bad_values)}, {col})" if bad_values else "FALSE"
    if kind == "expect_column_pair_values_to_be_equal":
        a, b = columns
        return f"NOT ({a} IS NULL AND {b} IS NULL) AND {a} IS DISTINCT FROM {b}"
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = columns
        operator = ">=" if p.get("or_equal") else ">"
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({a} {operator} {b})"
    raise ValueError(f"no SQL for the rule {rule.name}")


def _plain(value: Any) -> Any:
    """DECIMAL as float, as in a DataFrame."""
    return float(value) if isinstance(value, Decimal) else value


class _Query:
    """`relation` (a SELECT, with its `params`) as the CTE `r`: computed once when a
    uniqueness rule reads it a second time."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        relation: str,
        params: Sequence[Any],
        rules: Sequence[Rule],
    ) -> None:
        self.conn = conn
        self.params = list(params)
        twice = any(rule.type.endswith("_to_be_unique") for rule in rules)
        self.prefix = f"WITH r AS {'MATERIALIZED ' if twice else ''}({relation}) "

    def fetch(self, body: str) -> list[tuple[Any, ...]]:
        return self.conn.execute(self.prefix + body, self.params).fetchall()

    def dicts(self, body: str) -> list[dict[str, Any]]:
        cursor = self.conn.execute(self.prefix + body, self.params)
        names = [d[0] for d in cursor.description]
        return [
            {n: _plain(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()
        ]


def _bad_values(query: _Query, rule: Rule) -> list[Any]:
    """The distinct values a regex rule rejects (Python's `re.search`, as GX on pandas)."""
    if rule.type != "expect_column_values_to_match_regex":
        return []
    pattern = re.compile(rule.param["regex"])
    col = _q(rule.columns[0])
    seen = query.fetch(
        f"SELECT DISTINCT {col} FROM r WHERE {_condition(rule)} AND {col} IS NOT NULL"
    )
    return [value for (value,) in seen if not pattern.search(str(value))]


def outcomes(
    conn: duckdb.DuckDBPyConnection,
    relation: str,
    rules: Sequence[Rule],
    index: Sequence[str],
    *,
    order: Sequence[str],
    params: Sequence[Any] = (),
    examples: int | None = None,
) -> list[Outcome]:
    """Check `rules` on the rows of `relation`; every unexpected row comes back with its
    `index` columns and the values the rule read, in `order`. With `examples`, only that
    many rows per source (the relation has a `source_id`), and the count per source."""
    if not rules:
        return []
    query = _Query(conn, relation, params, rules)
    bad_values = [_bad_values(query, rule) for rule in rules]
    predicates = [(_condition(rule), _breaks(rule, bad_values[n])) for n, rule in enumerate(rules)]
    counts = query.fetch(
        "SELECT "
        + ", ".join(
            f"count(*) FILTER (WHERE {cond}), count(*) FILTER (WHERE ({cond}) AND ({breaks}))"
            for cond, breaks in predicates
        )
        + " FROM r"
    )[0]
    ordered = ", ".join(_q(c) for c in order)
    found = []
    for n, rule in enumerate(rules):
        checked, broken = counts[2 * n], counts[2 * n + 1]
        columns = list(rule.columns)
        rows: list[dict[str, Any]] = []
        per_source = None
        if broken:
            cond, breaks = predicates[n]
            shown = ", ".join(_q(c) for c in dict.fromkeys([*index, *columns]))
            where = f"WHERE ({cond}) AND ({breaks})"
            if examples is None:
                rows = query.dicts(f"SELECT {shown} FROM r {where} ORDER BY {ordered}")
            else:
                per_source = dict(
                    query.fetch(f"SELECT source_id, count(*) FROM r {where} GROUP BY source_id")
                )
                rows = query.dicts(
                    f"SELECT {shown} FROM r {where} QUALIFY row_number() OVER "
                    f"(PARTITION BY source_id ORDER BY {ordered}) <= {int(examples)} "
                    f"ORDER BY {ordered}"
                )
        found.append(
            Outcome(
                rule=rule.name,
                description=rule.description,
                columns=columns,
                checked=int(checked),
                rows=rows,
                error=None,
                per_source=per_source,
            )
        )
    return found

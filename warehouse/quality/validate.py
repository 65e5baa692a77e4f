"""Checking the warehouse after a step, and turning what the engines found into results.

`validate_stages` checks the tables and views of some stages as they are (`ecoute
validate`, read-only); `validate_run` is what a run does after a step: the same rules, but
the row-level ones only on the rows that changed since they last passed. Both say, per
rule and per source, how many rows break it with up to five examples. Our result objects
are small dataclasses that serialize to JSON (the `runs.validation` column) and print as
one line each.

Who checks what (the rules: suites.py):

- the row-level rules of `items` and `annotations` (a value present, in a set, within
  bounds), by Great Expectations, on DataFrames of up to `GX_ROWS` rows at a time;
- the rules about a table as a whole (one row per key, a reference that resolves:
  `Rule.whole_table`), and every rule of the views, by DuckDB (`sql.py`), on the whole
  table or view every time: a count over a million rows takes DuckDB a fraction of a
  second.

Why a row once validated is not checked again: a row-level rule reads one row, so a row
whose values did not change since they passed (the same rules version, see
`suites.rules_version`) passes again. `quality_checked` keeps, per stage, a hash of the
values of every row as they were when the stage last passed; a run checks the rows whose
hash is not there (new, changed, or edited by hand), and skips Great Expectations (and
its import, seconds) when there are none.

Great Expectations runs in an ephemeral context (nothing written to disk), without its
progress bars, and with its logs and warnings kept out of ecoute's output.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from extractors.errors import EcouteError
from warehouse.quality import frames, sql, suites
from warehouse.quality.outcomes import Outcome, found
from warehouse.quality.suites import Rule

if TYPE_CHECKING:
    import pandas as pd

STAGES = ("items", "annotations", "views")
MAX_EXAMPLES = 5
#: Rows per DataFrame handed to Great Expectations: memory stays bounded on any table.
GX_ROWS = 100_000
#: Any fixed time: the rules version of the items must not move with the clock.
_VERSION_NOW = datetime(2000, 1, 1)


class ValidationFailed(EcouteError):
    """A suite failed after a step of a run: `lines` is the report, one line per rule and
    source; the message is the whole report, for a task log."""

    def __init__(self, run_id: str, after: str, lines: list[str]) -> None:
        super().__init__(
            f"run {run_id}: validation after {after} failed, {len(lines)} rule(s) broken:\n"
            + "\n".join(lines),
            hint="`ecoute validate` shows every rule; warehouse/README.md says what to do",
        )
        self.after = after
        self.lines = lines


@dataclass(frozen=True)
class RuleResult:
    """One rule on one table or view; a failing rule gets one result per source."""

    stage: str
    table: str
    rule: str
    description: str
    success: bool
    checked: int
    unexpected: int
    source_id: str | None = None
    examples: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "examples": list(self.examples)}

    def line(self) -> str:
        """`source velo-atelier: annotations expect_column_values_to_be_in_set(question_type):
        1 of 137 row(s) break it (question_type is one of …), e.g. velo-atelier:08f8…
        (question_type='rant')`."""
        where = f"source {self.source_id}" if self.source_id else "all sources"
        examples = f", e.g. {'; '.join(self.examples)}" if self.examples else ""
        return (
            f"{where}: {self.table} {self.rule}: {self.unexpected} of {self.checked} row(s) "
            f"break it ({self.description}){examples}"
        )


# --- Great Expectations ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as Python values; NaN, NaT and NA as None."""
    import pandas as pd

    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") and not isinstance(value, str) else value


def _columns(config: Any) -> list[str]:
    kwargs = config.kwargs
    return list(kwargs.get("column_list") or []) or [
        kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)
    ]


def rule_name(config: Any) -> str:
    """A GX expectation's name as reports give it (`Rule.name` for our rules):
    `expect_column_values_to_be_between(text_length | kind == 'comment')`."""
    columns = _columns(config)
    condition = config.kwargs.get("row_condition")
    where = ""
    if isinstance(condition, dict) and "column" in condition:
        column, operator = condition["column"]["name"], condition["operator"]
        where = f" | {column} {operator} {condition['parameter']!r}"
    return f"{config.type}({', '.join(columns)}{where})"


@contextmanager
def _quiet() -> Iterator[None]:
    """No GX logs (some of its loggers are set to INFO) or warnings in ecoute's output; its
    progress bars are turned off per context."""
    for name in [*logging.root.manager.loggerDict, "great_expectations"]:
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class _Accumulated:
    """One rule's outcomes on consecutive slices of a table, kept small: the count per
    source and the first `MAX_EXAMPLES` rows of each."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.checked = 0
        self.rows: list[dict[str, Any]] = []
        self.per_source: dict[str | None, int] = {}
        self.error: str | None = None

    def add(self, checked: int, rows: list[dict[str, Any]], error: str | None) -> None:
        self.checked += checked
        self.error = self.error or error
        for row in rows:
            source = row.get("source_id")
            self.per_source[source] = self.per_source.get(source, 0) + 1
            if self.per_source[source] <= MAX_EXAMPLES:
                self.rows.append(row)

    def outcome(self) -> Outcome:
        return Outcome(
            rule=self.rule.name,
            description=self.rule.description,
            columns=list(self.rule.columns),
            checked=self.checked,
            rows=self.rows,
            error=self.error,
            per_source=self.per_source,
        )


def _gx_outcomes(
    slices: Iterable[pd.DataFrame], rules: Sequence[Rule], index: Sequence[str]
) -> list[Outcome]:
    """Validate each DataFrame of `slices` against `rules` with Great Expectations (imported
    only if there is a row to check); every unexpected row comes back with its `index`."""
    found_by_rule = {rule.name: _Accumulated(rule) for rule in rules}
    gx_run = None
    for frame in slices:
        if gx_run is None:
            gx_run = _gx_runner(rules)
        batch, suite = gx_run(frame)
        with _quiet():
            validation = batch.validate(
                suite,
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": [*index],
                },
            )
        for result in validation.results:
            details = result.result or {}
            rows = [
                {key: _plain(value) for key, value in row.items()}
                for row in details.get("unexpected_index_list") or []
            ]
            error = None
            if result.exception_info.get("raised_exception"):
                error = str(result.exception_info.get("exception_message"))
            elif not result.success and not rows:
                error = "failed on the table as a whole"
            checked = int(details.get("element_count", len(frame)))
            found_by_rule[rule_name(result.expectation_config)].add(checked, rows, error)
    return [found_by_rule[rule.name].outcome() for rule in rules]


def _gx_runner(rules: Sequence[Rule]) -> Any:
    """The suite of `rules`, and a function from a DataFrame to (its GX batch, the suite),
    in one ephemeral context."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with _quiet():
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        definition = (
            context.data_sources.add_pandas("ecoute")
            .add_dataframe_asset("rows")
            .add_batch_definition_whole_dataframe("whole")
        )
        suite = suites.to_suite("rules", rules)
    return lambda frame: (definition.get_batch(batch_parameters={"dataframe": frame}), suite)


# --- results --------------------------------------------------------------------------------


def _results(
    stage: str, table: str, outcomes: Sequence[Outcome], index: Sequence[str]
) -> list[RuleResult]:
    """One result per passing rule; per failing rule, one per source of its failing rows."""
    results = []
    for outcome in outcomes:
        common = {
            "stage": stage,
            "table": table,
            "rule": outcome.rule,
            "description": outcome.description,
            "checked": outcome.checked,
        }
        if outcome.success:
            results.append(RuleResult(**common, success=True, unexpected=0))
            continue
        if outcome.error:
            results.append(
                RuleResult(**common, success=False, unexpected=0, examples=(outcome.error,))
            )
            continue
        by_source: dict[str | None, list[dict[str, Any]]] = {}
        for row in outcome.rows:
            by_source.setdefault(row.get("source_id"), []).append(row)
        counts = outcome.per_source or {s: len(rows) for s, rows in by_source.items()}
        for source_id, rows in by_source.items():
            results.append(
                RuleResult(
                    **common,
                    success=False,
                    unexpected=counts[source_id],
                    source_id=source_id,
                    examples=tuple(found(r, index, outcome.columns) for r in rows[:MAX_EXAMPLES]),
                )
            )
    return results


# --- the stages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A stage's table: its rules, the relation the whole-table rules read, the one the
    row-level rules read (the same without what only the whole-table ones need)."""

    stage: str
    rules: list[Rule]
    relation: str
    rows: str
    index: tuple[str, ...]
    order: tuple[str, ...]

    @property
    def version(self) -> str:
        return suites.rules_version(
            suites.item_rules(_VERSION_NOW, []) if self.stage == "items" else self.rules
        )

    def hashed(self) -> str:
        """`rows` with the hash `quality_checked` keeps of a validated row."""
        values = ", ".join(frames.ROW_VALUES[self.stage])
        return f"SELECT *, hash('{self.version}', {values}) AS row_hash FROM ({self.rows})"

    def unchecked(self) -> str:
        """The rows whose values have not passed the row-level rules yet."""
        return f"""
            SELECT * EXCLUDE (row_hash) FROM ({self.hashed()})
            WHERE row_hash NOT IN (SELECT row_hash FROM quality_checked
                                   WHERE stage = '{self.stage}')
        """


def _tables(conn: duckdb.DuckDBPyConnection, stages: Sequence[str], now: datetime) -> list[_Table]:
    tables = []
    if "items" in stages:
        rules = suites.item_rules(now, frames.known_sources(conn))
        tables.append(
            _Table(
                "items",
                rules,
                frames.ITEMS,
                frames.ITEM_ROWS,
                frames.ITEM_KEYS,
                frames.ITEM_ORDER,
            )
        )
    if "annotations" in stages:
        tables.append(
            _Table(
                "annotations",
                suites.annotation_rules(),
                frames.ANNOTATIONS,
                frames.ANNOTATIONS,
                frames.ANNOTATION_KEYS,
                frames.ANNOTATION_ORDER,
            )
        )
    return tables


def _check(conn: duckdb.DuckDBPyConnection, table: _Table, rows: str) -> list[RuleResult]:
    """The whole-table rules on the table, the row-level rules on the rows of `rows`; the
    results in the order of the rules."""
    whole = [rule for rule in table.rules if rule.whole_table]
    by_row = [rule for rule in table.rules if not rule.whole_table]
    # Held once: counted (none, as after a quiet night: pandas and GX are not even
    # imported, seconds each), then read in slices.
    conn.execute(f"CREATE OR REPLACE TEMP TABLE quality_rows AS {rows}")
    (count,) = conn.execute("SELECT count(*) FROM quality_rows").fetchone() or (0,)
    slices = (
        frames.frames(conn, "SELECT * FROM quality_rows", table.order, rows=GX_ROWS)
        if count
        else []
    )
    found_by_rule = {
        o.rule: o
        for o in [
            *sql.outcomes(
                conn, table.relation, whole, table.index, order=table.order, examples=MAX_EXAMPLES
            ),
            *_gx_outcomes(slices, by_row, table.index),
        ]
    }
    conn.execute("DROP TABLE quality_rows")
    outcomes = [found_by_rule[rule.name] for rule in table.rules]
    return _results(table.stage, table.stage, outcomes, table.index)


def _views(conn: duckdb.DuckDBPyConnection) -> list[RuleResult]:
    results = []
    for view, rules in suites.view_rules().items():
        keys = frames.VIEW_KEYS[view]
        outcomes = sql.outcomes(
            conn, frames.view_relation(view), rules, keys, order=keys, examples=MAX_EXAMPLES
        )
        results += _results("views", view, outcomes, keys)
    return results


def _known_stages(stages: Sequence[str]) -> None:
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s): {', '.join(sorted(unknown))}")


def validate_stages(
    conn: duckdb.DuckDBPyConnection, stages: Sequence[str], now: datetime
) -> list[RuleResult]:
    """The suites of `stages` on the warehouse as it is, every row; `now` is naive UTC.
    Reads only: works on a read-only connection."""
    _known_stages(stages)
    results: list[RuleResult] = []
    for table in _tables(conn, stages, now):
        results += _check(conn, table, table.rows)
    if "views" in stages:
        results += _views(conn)
    return results


def validate_run(
    conn: duckdb.DuckDBPyConnection, stages: Sequence[str], now: datetime
) -> list[RuleResult]:
    """The suites of `stages` after a step of a run: the row-level rules on the rows not
    validated yet, the others on whole tables and views. The rows of a stage whose
    row-level rules all pass are then recorded as validated (`quality_checked`), in the
    same transaction. `now` is naive UTC."""
    _known_stages(stages)
    results: list[RuleResult] = []
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in _tables(conn, stages, now):
            checked = _check(conn, table, table.unchecked())
            results += checked
            row_rules = {rule.name for rule in table.rules if not rule.whole_table}
            mine = [r for r in checked if r.rule in row_rules]
            if all(r.success for r in mine) and any(r.checked for r in mine):
                _record_checked(conn, table)
        if "views" in stages:
            results += _views(conn)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return results


def _record_checked(conn: duckdb.DuckDBPyConnection, table: _Table) -> None:
    """Every row of the table is now validated: those recorded before, unchanged, and
    those just checked."""
    conn.execute("DELETE FROM quality_checked WHERE stage = ?", [table.stage])
    conn.execute(
        f"INSERT INTO quality_checked SELECT ?, row_hash FROM ({table.hashed()})", [table.stage]
    )


def report(results: Sequence[RuleResult]) -> list[str]:
    """One line per failing rule and source."""
    return [r.line() for r in results if not r.success]

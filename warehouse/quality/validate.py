"""Running the suites on DataFrames, and turning Great Expectations' results into ours.

Two uses: `row_failures` names every row that breaks a rule (the loader quarantines them),
`validate_stages` checks whole tables and views after a step and says, per rule and per
source, how many rows break it with up to five examples. Our result objects are small
dataclasses that serialize to JSON (the `runs.validation` column) and print as one line
each: a GX result object is neither.

Great Expectations runs in an ephemeral context (nothing written to disk), without its
progress bars, and with its logs and warnings kept out of ecoute's output.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from extractors.errors import EcouteError
from warehouse.quality import frames, suites

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd

STAGES = ("items", "annotations", "views")
MAX_EXAMPLES = 5


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


@dataclass(frozen=True)
class RowFailure:
    """One row that breaks one rule: its index values, the rule, and what was found."""

    index: dict[str, Any]
    rule: str
    detail: str


@dataclass(frozen=True)
class _Outcome:
    rule: str
    description: str
    columns: list[str]  # the columns the rule looks at
    checked: int
    rows: list[dict[str, Any]]  # the unexpected rows: index columns and the checked values
    error: str | None  # it could not run (a missing column, a bad type), or names no row

    @property
    def success(self) -> bool:
        return not self.rows and self.error is None


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
    """`expect_column_values_to_be_in_set(kind)`, with its condition when it has one:
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


def _run(frame: pd.DataFrame, suite: gx.ExpectationSuite, index: Sequence[str]) -> list[_Outcome]:
    """Validate `frame` against `suite`; every unexpected row comes back with its `index`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with _quiet():
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch = (
            context.data_sources.add_pandas("ecoute")
            .add_dataframe_asset(suite.name)
            .add_batch_definition_whole_dataframe("whole")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        validation = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [*index]},
        )
    outcomes = []
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
        outcomes.append(
            _Outcome(
                rule=rule_name(result.expectation_config),
                description=result.expectation_config.description or "",
                columns=_columns(result.expectation_config),
                checked=int(details.get("element_count", len(frame))),
                rows=rows,
                error=error,
            )
        )
    return outcomes


def _values(row: dict[str, Any], columns: Sequence[str]) -> str:
    """`kind='story'`: the values the rule looked at."""
    return ", ".join(f"{c}={row.get(c)!r}" for c in columns)


def _found(row: dict[str, Any], index: Sequence[str], columns: Sequence[str]) -> str:
    """`blog:3 (kind='story')`: the row's key (its source aside), then its values."""
    key = " / ".join(str(row[c]) for c in index if c != "source_id" and row.get(c) is not None)
    return f"{key} ({_values(row, columns)})" if key else f"({_values(row, columns)})"


def row_failures(
    frame: pd.DataFrame, suite: gx.ExpectationSuite, index: Sequence[str]
) -> list[RowFailure]:
    """Every (row, rule) that fails; a rule that cannot run at all raises."""
    failures = []
    for outcome in _run(frame, suite, index):
        if outcome.error:
            raise RuntimeError(f"quality rule {outcome.rule} could not run: {outcome.error}")
        for row in outcome.rows:
            detail = f"{outcome.description}; found {_values(row, outcome.columns)}"
            failures.append(RowFailure({c: row.get(c) for c in index}, outcome.rule, detail))
    return failures


def check(
    stage: str, table: str, frame: pd.DataFrame, suite: gx.ExpectationSuite, index: Sequence[str]
) -> list[RuleResult]:
    """One result per passing rule; per failing rule, one per source of its failing rows."""
    results = []
    for outcome in _run(frame, suite, index):
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
        for source_id, rows in by_source.items():
            results.append(
                RuleResult(
                    **common,
                    success=False,
                    unexpected=len(rows),
                    source_id=source_id,
                    examples=tuple(_found(r, index, outcome.columns) for r in rows[:MAX_EXAMPLES]),
                )
            )
    return results


def validate_stages(
    conn: duckdb.DuckDBPyConnection, stages: Sequence[str], now: datetime
) -> list[RuleResult]:
    """The suites of `stages` on the warehouse as it is; `now` is naive UTC."""
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s): {', '.join(sorted(unknown))}")
    results: list[RuleResult] = []
    if "items" in stages:
        suite = suites.items_suite(now, frames.known_sources(conn))
        results += check("items", "items", frames.items_frame(conn), suite, frames.ITEM_KEYS)
    if "annotations" in stages:
        results += check(
            "annotations",
            "annotations",
            frames.annotations_frame(conn),
            suites.annotations_suite(),
            frames.ANNOTATION_KEYS,
        )
    if "views" in stages:
        for view, suite in suites.views_suites().items():
            results += check(
                "views", view, frames.view_frame(conn, view), suite, frames.VIEW_KEYS[view]
            )
    return results


def report(results: Sequence[RuleResult]) -> list[str]:
    """One line per failing rule and source."""
    return [r.line() for r in results if not r.success]

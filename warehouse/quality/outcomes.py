"""What one rule found on one table, whichever engine checked it (Great Expectations or
DuckDB): the rows that break it, named by their index columns, with the values it read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    rule: str
    description: str
    columns: list[str]  # the columns the rule looks at
    checked: int
    rows: list[dict[str, Any]]  # unexpected rows: index columns and the checked values
    error: str | None  # it could not run (a missing column, a bad type), or names no row
    #: Unexpected rows per source when `rows` holds only the first few of each (a report
    #: on a large table needs no more); None when `rows` holds them all.
    per_source: dict[str | None, int] | None = None

    @property
    def success(self) -> bool:
        return not self.rows and self.error is None


def values(row: dict[str, Any], columns: Sequence[str]) -> str:
    """`kind='story'`: the values the rule looked at."""
    return ", ".join(f"{c}={row.get(c)!r}" for c in columns)


def found(row: dict[str, Any], index: Sequence[str], columns: Sequence[str]) -> str:
    """`blog:3 (kind='story')`: the row's key (its source aside), then its values."""
    key = " / ".join(str(row[c]) for c in index if c != "source_id" and row.get(c) is not None)
    return f"{key} ({values(row, columns)})" if key else f"({values(row, columns)})"

"""Opening the DuckDB warehouse: versioned migrations, and clear errors on locks.

Migrations are the SQL files in `warehouse/migrations/`, named `NNN_what.sql`, applied in
order, each in its own transaction, recorded in `schema_version`. A writable connection
applies the missing ones when it opens, so every command sees the current schema.
DuckDB lets one process write a file and then no other process may open it at all: that
case is reported as `WarehouseLocked`, naming the file, instead of an IO error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from extractors.errors import EcouteError

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class WarehouseLocked(EcouteError):
    """Another process holds the database file."""


class WarehouseMissing(EcouteError):
    """A read-only command was pointed at a database that does not exist."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The bundled migrations, in version order."""
    found = []
    for entry in (resources.files("warehouse") / "migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            pid = re.search(r"\(PID (\d+)\)", str(exc))
            holder = f" (PID {pid.group(1)})" if pid else ""
            raise WarehouseLocked(
                f"another process{holder} holds {path}: an ecoute run, or a tool that has it open",
                hint="wait for it to finish or close it, then retry",
            ) from None
        raise EcouteError(f"cannot open {path}: {exc}") from None


def migrate(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_version").fetchall()}
    applied = []
    for migration in migrations():
        if migration.version in done:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)",
                [migration.version, migration.name],
            )
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.name)
    return applied


#: A writer checkpoints (folds the write-ahead log into the file) once the log holds this
#: much, instead of DuckDB's 16 MB. A checkpoint rewrites each table's last, partly filled
#: row group: every 16 MB, a load of a million items spent three times longer
#: checkpointing than loading. Rows not yet checkpointed stay in memory, so this bounds
#: what a writer holds on top of its work; the log is durable either way.
CHECKPOINT_THRESHOLD = "256MB"
#: What DuckDB may hold in memory in a writer (the pipeline's steps) before it spills to
#: disk (`<warehouse>.tmp/`): a step's memory stays the same whatever the warehouse's size
#: (DuckDB's default is 80 % of the machine's memory).
MEMORY_LIMIT = "1GB"


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection with the schema up to date (writable) or as it is (read-only).

    Sessions run in UTC so that `now()` and timestamp arithmetic match the data.
    """
    if read_only and not path.exists():
        raise WarehouseMissing(
            f"no warehouse at {path}", hint="run `ecoute run` first, or pass --db FILE"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = _open(path, read_only)
    conn.execute("SET TimeZone = 'UTC'")
    if not read_only:
        conn.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        conn.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        migrate(conn)
    return conn

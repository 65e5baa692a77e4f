"""Analysts are never locked out: read-only commands open the copy the last run published."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from support import faults

REPO = Path(__file__).resolve().parents[2]

HOLD = """
import sys, time, duckdb
conn = duckdb.connect(sys.argv[1])          # a writer: DuckDB now refuses every other process
conn.execute("CREATE TABLE IF NOT EXISTS tonight (n INTEGER)")
print("holding", flush=True)
time.sleep(120)
"""


def ecoute(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = faults.ecoute_env(home, ECOUTE_CONFIG=str(REPO / "sources.yml"))
    return faults.ecoute(*args, home=home, env=env)


def count_items(path: Path) -> int:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        conn.close()


def test_a_run_publishes_a_copy_that_follows_each_run(tmp_path: Path) -> None:
    assert ecoute("run", "--source", "velo-atelier", home=tmp_path).returncode == 0
    published = tmp_path / "published" / "ecoute.duckdb"
    first = count_items(published)
    assert first == count_items(tmp_path / "ecoute.duckdb") > 0

    assert ecoute("run", "--source", "argile-bleue", home=tmp_path).returncode == 0
    assert count_items(published) > first  # replaced by the second run
    assert [p.name for p in published.parent.iterdir()] == ["ecoute.duckdb"]  # no leftovers


def test_sql_and_report_read_last_nights_figures_while_a_load_holds_the_warehouse(
    tmp_path: Path,
) -> None:
    assert ecoute("run", "--source", "velo-atelier", home=tmp_path).returncode == 0
    expected = str(count_items(tmp_path / "ecoute.duckdb"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "ecoute.duckdb")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        locked = ecoute("sql", "SELECT 1", "--db", str(tmp_path / "ecoute.duckdb"), home=tmp_path)
        assert locked.returncode == 2 and "holds" in locked.stderr  # the live file is locked
        query = ecoute("sql", "SELECT count(*) AS n FROM items", home=tmp_path)
        assert query.returncode == 0, query.stderr
        assert expected in query.stdout
        report = ecoute("report", "--out", str(tmp_path / "r.html"), home=tmp_path)
        assert report.returncode == 0, report.stderr
    finally:
        holder.kill()
        holder.wait()

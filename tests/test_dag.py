"""The nightly DAG, run for real by Airflow's task runner on the demo sources."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.config import load_sources

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUNNER = Path(__file__).resolve().parent / "dag_runner.py"


def demo_item_count() -> int:
    """Posts + comments of the demo, from the hand-written answer key (not from ecoute)."""
    with (REPO / "demo" / "labels.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


@pytest.fixture
def airflow_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "ECOUTE_HOME": str(tmp_path / "ecoute"),
        "ECOUTE_CONFIG": str(REPO / "sources.yml"),
    }
    env.pop("ECOUTE_DB", None)
    migrate = subprocess.run(
        [str(BIN / "airflow"), "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return env


@pytest.mark.airflow
def test_nightly_dag_runs_every_step_through_airflow(airflow_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-P", str(RUNNER), str(REPO / "dags" / "ecoute_nightly.py")],
        env=airflow_env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("DAG_RESULT ")]
    assert proc.returncode == 0 and lines, (proc.stdout + proc.stderr)[-5000:]
    result = json.loads(lines[-1].removeprefix("DAG_RESULT "))

    assert result["state"] == "success"
    states = {(t["task_id"], t["map_index"]): t["state"] for t in result["tasks"]}
    assert set(states.values()) == {"success"}, states
    assert sorted({task_id for task_id, _ in states}) == [
        "annotate",
        "extract",
        "finish",
        "list_sources",
        "load",
        "replies",
        "validate",
        "validate_load",
    ]
    source_ids = sorted(s.id for s in load_sources(REPO / "sources.yml") if s.enabled)
    mapped = sorted(t["rendered_map_index"] for t in result["tasks"] if t["task_id"] == "extract")
    assert mapped == source_ids

    db_path = Path(airflow_env["ECOUTE_HOME"]) / "ecoute.duckdb"
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        annotated = conn.execute("SELECT count(DISTINCT item_id) FROM annotations").fetchone()[0]
        run = conn.execute("SELECT run_id, status FROM runs").fetchall()
        rates = conn.execute(
            "SELECT source_id, questions FROM response_rates_by_source ORDER BY 1"
        ).fetchall()
    finally:
        conn.close()
    assert items == demo_item_count()
    assert annotated == items
    assert run == [(result["run_id"], "success")]
    assert [r[0] for r in rates] == source_ids
    assert all(questions > 0 for _, questions in rates)

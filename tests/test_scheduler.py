"""The nightly DAG run by Airflow for real: api-server, scheduler and dag-processor on
127.0.0.1 (SQLite metadata, LocalExecutor), triggered through the REST API as a user of
Airflow's SimpleAuthManager, on the demo sources; its figures must be the CLI's.

Slow (about 70 s on 2 cores): run it alone with `pytest -m scheduler tests/test_scheduler.py`.
The processes are started, and always stopped, by tests/support/airflow_services.py; psutil
and requests come with Airflow.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from support.airflow_services import (
    AIRFLOW,
    AirflowServices,
    airflow_environment,
    cli_json,
    create_pools,
    free_port,
    migrate,
    running_airflow,
    tail,
)

from pipelines.config import load_sources

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NIGHTLY = "ecoute_nightly"
#: Scheduled on the assets ecoute_nightly updates; writes $ECOUTE_HOME/reports/ecoute.html.
REPORT = "ecoute_report"
DAGS = (NIGHTLY, REPORT)
#: The whole test, Airflow's start-up included, must end within this (seconds).
BUDGET = 15 * 60
POLL = 2.0
#: As docker-compose.yml's airflow-init creates them.
POOLS = {
    "ecoute_http": (4, "extract tasks fetching at once"),
    "ecoute_duckdb": (1, "the DuckDB warehouse: one writer at a time"),
}
FINISHED = {"success", "failed"}


def demo_item_count() -> int:
    """Posts + comments of the demo, from the hand-written answer key (not from ecoute)."""
    with (REPO / "demo" / "labels.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def ecoute_environment(home: Path, key: str) -> dict[str, str]:
    """The ecoute settings shared by the Airflow run and the CLI run (the oracle): same
    sources, same pseudonymisation and key, different homes."""
    env = {
        **os.environ,
        "ECOUTE_HOME": str(home),
        "ECOUTE_CONFIG": str(REPO / "sources.yml"),
        "ECOUTE_PSEUDONYMISE": "1",
        "ECOUTE_PSEUDONYM_KEY": key,
    }
    env.pop("ECOUTE_DB", None)
    return env


def scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def response_rates(db: Path) -> list[tuple[Any, ...]]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute("SELECT * FROM response_rates_by_source ORDER BY source_id").fetchall()
    finally:
        conn.close()


@contextlib.contextmanager
def background(
    args: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A process running while the block runs, output to ``log``; killed if still running
    at the end (the block failed)."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for_run(
    airflow: AirflowServices, dag_id: str, run_id: str, deadline: float
) -> dict[str, Any]:
    """The DAG run once it has finished (success or failed)."""

    def finished() -> dict[str, Any] | None:
        run = airflow.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
        return run if run["state"] in FINISHED else None

    return airflow.wait_for(
        f"{dag_id} run {run_id} to finish",
        finished,
        timeout=deadline - time.monotonic(),
        interval=POLL,
    )


def task_instances(airflow: AirflowServices, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    answer = airflow.api(
        "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000}
    )
    assert answer["total_entries"] == len(answer["task_instances"])
    return answer["task_instances"]


def states(instances: list[dict[str, Any]]) -> dict[str, str | None]:
    return {
        f"{ti['task_id']}[{ti['rendered_map_index'] or ti['map_index']}]": ti["state"]
        for ti in instances
    }


def wait_for_parsing(airflow: AirflowServices, deadline: float) -> None:
    """Through the REST API, as a SimpleAuthManager user: wait until the dag-processor has
    parsed both DAGs; nothing failed to import and the pools are there."""
    # Real authentication: nothing without a token, a token from user and password.
    assert airflow.request("GET", "/api/v2/dags", auth=False).status_code == 401
    airflow.login("ecoute")

    for dag_id in DAGS:
        airflow.wait_for(
            f"the dag-processor to parse {dag_id}",
            lambda dag_id=dag_id: airflow.request("GET", f"/api/v2/dags/{dag_id}").ok,
            timeout=deadline - time.monotonic(),
            interval=1.0,
        )
    errors = airflow.api("GET", "/api/v2/importErrors")
    assert errors["total_entries"] == 0, json.dumps(errors, indent=1)[:4000]
    for pool, (slots, _) in POOLS.items():
        assert airflow.api("GET", f"/api/v2/pools/{pool}")["slots"] == slots


def trigger(airflow: AirflowServices) -> str:
    """Trigger the nightly DAG, then unpause both DAGs; the run_id."""
    # Triggered while paused, for the interval of the run the scheduler creates when the DAG
    # is unpaused (catchup=False: the last complete night). The scheduler then finds that
    # run already there and skips the slot instead of running the DAG a second time; and
    # the run is the latest interval, a regular run (see pipelines.steps.backfill_until),
    # like the CLI's.
    nightly = airflow.api("GET", f"/api/v2/dags/{NIGHTLY}")
    run = airflow.api(
        "POST",
        f"/api/v2/dags/{NIGHTLY}/dagRuns",
        json={
            "logical_date": nightly["next_dagrun_logical_date"],
            "data_interval_start": nightly["next_dagrun_data_interval_start"],
            "data_interval_end": nightly["next_dagrun_data_interval_end"],
            "note": "tests/test_scheduler.py",
        },
    )
    assert run["state"] == "queued", run
    # The report first: asset events queue runs for unpaused DAGs only.
    for dag_id in (REPORT, NIGHTLY):
        patched = airflow.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        assert patched["is_paused"] is False
    return run["dag_run_id"]


def wait_for_success(airflow: AirflowServices, run_id: str, deadline: float) -> None:
    """The nightly run and every task of it succeed, then the report's run, which the
    scheduler creates from the assets the nightly run updated."""
    run = wait_for_run(airflow, NIGHTLY, run_id, deadline)
    instances = task_instances(airflow, NIGHTLY, run_id)
    assert run["state"] == "success", f"{states(instances)}\n{airflow.diagnostics()}"
    assert set(states(instances).values()) == {"success"}, states(instances)
    tasks = airflow.api("GET", f"/api/v2/dags/{NIGHTLY}/tasks")["tasks"]
    assert {ti["task_id"] for ti in instances} == {t["task_id"] for t in tasks}
    extracted = sorted(ti["rendered_map_index"] for ti in instances if ti["task_id"] == "extract")
    assert extracted == enabled_sources()

    def report_finished() -> list[dict[str, Any]]:
        runs = airflow.api("GET", f"/api/v2/dags/{REPORT}/dagRuns")["dag_runs"]
        return [r for r in runs if r["state"] in FINISHED]

    report_runs = airflow.wait_for(
        f"{REPORT} to run after {NIGHTLY}",
        report_finished,
        timeout=deadline - time.monotonic(),
        interval=POLL,
    )
    # The first one (should a 03:00 pass during the test, a scheduled night may follow).
    report_run = min(report_runs, key=lambda r: r["run_after"])
    report_states = states(task_instances(airflow, REPORT, report_run["dag_run_id"]))
    assert report_run["state"] == "success", f"{report_states}\n{airflow.diagnostics()}"
    assert report_run["run_type"] == "asset_triggered", report_run
    assert set(report_states.values()) == {"success"}, report_states


def enabled_sources() -> list[str]:
    return sorted(s.id for s in load_sources(REPO / "sources.yml") if s.enabled)


@pytest.mark.scheduler
@pytest.mark.airflow
def test_scheduler_runs_the_nightly_dag_triggered_through_the_rest_api(tmp_path: Path) -> None:
    deadline = time.monotonic() + BUDGET
    key = secrets.token_hex(32)
    logs = tmp_path / "logs"
    home = tmp_path / "ecoute"
    env = airflow_environment(
        {
            **ecoute_environment(home, key),
            # No retries (the DAG's default is 3, after 2, 4 and 8 minutes): a failed task
            # fails the run at once, with its log in the message, instead of at the deadline.
            "ECOUTE_TASK_RETRIES": "0",
        },
        home=tmp_path / "airflow",
        port=free_port(),
        dags_folder=REPO / "dags",
    )
    migrate(env)
    create_pools(env, POOLS, logs)

    cli_home = tmp_path / "cli"
    cli_log = logs / "ecoute-run.log"
    with contextlib.ExitStack() as stack:  # on failure: oracle killed, then Airflow stopped
        airflow = stack.enter_context(running_airflow(env, log_dir=logs))
        wait_for_parsing(airflow, deadline)
        # While Airflow works (the run is mostly one task at a time, on a 2-core machine):
        # - the CLI's list of import errors, which must be empty too (it reads the metadata
        #   database, which the dag-processor has filled: the files are parsed only once);
        errors_log = logs / "list-import-errors.log"
        listing = stack.enter_context(
            background([AIRFLOW, "dags", "list-import-errors", "-o", "json"], env, errors_log)
        )
        run_id = trigger(airflow)
        # - the oracle: the same demo through `ecoute run`, in another home.
        oracle = stack.enter_context(
            background([str(BIN / "ecoute"), "run"], ecoute_environment(cli_home, key), cli_log)
        )
        wait_for_success(airflow, run_id, deadline)
        assert listing.wait(timeout=60) == 0, tail(errors_log)
        assert cli_json(errors_log.read_text(encoding="utf-8")) == [], tail(errors_log)
        airflow.stop()

        # Everything started is stopped: no group left, no task process left behind.
        assert airflow.groups_alive() == [], (airflow.groups_alive(), airflow.stop_log)
        assert airflow.leftovers == [], (airflow.leftovers, airflow.stop_log)
        assert all(c.process.returncode is not None for c in airflow.components)

        page = home / "reports" / "ecoute.html"
        assert page.is_file(), sorted(str(p) for p in home.rglob("*.html"))
        assert "<canvas" in page.read_text(encoding="utf-8")

        conn = duckdb.connect(str(home / "ecoute.duckdb"), read_only=True)
        try:
            items = scalar(conn, "SELECT count(*) FROM items")
            annotated = scalar(conn, "SELECT count(DISTINCT item_id) FROM annotations")
            runs = conn.execute("SELECT run_id, status FROM runs").fetchall()
        finally:
            conn.close()
        assert items == demo_item_count()
        assert annotated == items
        assert (run_id, "success") in runs, runs

        assert oracle.wait(timeout=max(1.0, deadline - time.monotonic())) == 0, tail(cli_log)
    expected = response_rates(cli_home / "ecoute.duckdb")
    assert [row[0] for row in expected] == enabled_sources()
    assert response_rates(home / "ecoute.duckdb") == expected

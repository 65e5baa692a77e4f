"""The DAGs, run for real by Airflow's task runner (`dag.test()`) on the demo sources:
the nightly run, the report it triggers, a failing source with its alert, and a backfill."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from pytest_httpserver import HTTPServer

from pipelines.config import load_sources

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUNNER = Path(__file__).resolve().parent / "dag_runner.py"

pytestmark = pytest.mark.airflow


def demo_item_count() -> int:
    """Posts + comments of the demo, from the hand-written answer key (not from ecoute)."""
    with (REPO / "demo" / "labels.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One migrated Airflow metadata database for the module's DAG runs."""
    home = tmp_path_factory.mktemp("airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    migrate = subprocess.run(
        [str(BIN / "airflow"), "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return env


@pytest.fixture
def airflow_env(airflow_home: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = {
        **airflow_home,
        "ECOUTE_HOME": str(tmp_path / "ecoute"),
        "ECOUTE_CONFIG": str(REPO / "sources.yml"),
    }
    env.pop("ECOUTE_DB", None)
    return env


def run_dag(env: dict[str, str], dag_file: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-P", str(RUNNER), str(REPO / "dags" / dag_file), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("DAG_RESULT ")]
    assert proc.returncode == 0 and lines, (proc.stdout + proc.stderr)[-5000:]
    result = json.loads(lines[-1].removeprefix("DAG_RESULT "))
    result["log"] = proc.stdout + proc.stderr
    return result


def task_states(result: dict[str, Any]) -> dict[tuple[str, str | None], str]:
    return {(t["task_id"], t["rendered_map_index"]): t["state"] for t in result["tasks"]}


def test_nightly_dag_runs_every_step_then_the_report(airflow_env: dict[str, str]) -> None:
    result = run_dag(airflow_env, "ecoute_nightly.py")

    assert result["state"] == "success"
    states = task_states(result)
    assert set(states.values()) == {"success"}, states
    assert sorted({task_id for task_id, _ in states}) == [
        "annotate",
        "check_sources",
        "extract",
        "list_sources",
        "load",
        "metrics",
        "publish",
        "replies",
        "validate",
        "validate_load",
    ]
    source_ids = sorted(s.id for s in load_sources(REPO / "sources.yml") if s.enabled)
    mapped = sorted(t["rendered_map_index"] for t in result["tasks"] if t["task_id"] == "extract")
    assert mapped == source_ids

    home = Path(airflow_env["ECOUTE_HOME"])
    conn = duckdb.connect(str(home / "published" / "ecoute.duckdb"), read_only=True)
    try:
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        annotated = conn.execute("SELECT count(DISTINCT item_id) FROM annotations").fetchone()[0]
        run = conn.execute("SELECT run_id, status FROM runs").fetchall()
        rates = conn.execute(
            "SELECT source_id, questions FROM response_rates_by_source ORDER BY 1"
        ).fetchall()
        cursors = conn.execute("SELECT count(cursor) FROM sources").fetchone()[0]
    finally:
        conn.close()
    assert items == demo_item_count()
    assert annotated == items
    assert run == [(result["run_id"], "success")]
    assert [r[0] for r in rates] == source_ids
    assert all(questions > 0 for _, questions in rates)
    assert cursors == len(source_ids)  # a regular night moves every cursor
    assert "unanswered (" in result["log"]  # the metrics task's lines

    report = run_dag(airflow_env, "ecoute_report.py")
    assert report["state"] == "success", task_states(report)
    html = (home / "reports" / "ecoute.html").read_text(encoding="utf-8")
    assert html.count("<canvas") >= 3
    dated = list((home / "reports").glob("ecoute-????-??-??.html"))
    assert [p.read_text(encoding="utf-8") for p in dated] == [html]
    assert not list((home / "reports").glob("*.partial"))


class Mailbox(Message):
    """An SMTP server's handler that keeps what it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_server() -> Any:
    with socket.socket() as probe:  # a free port: the controller checks it by connecting
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def test_a_failed_source_alerts_once_and_a_backfill_stops_at_the_interval_end(
    airflow_env: dict[str, str], tmp_path: Path, httpserver: HTTPServer, smtp_server: Any
) -> None:
    """One past night (logical date 5 Oct 2026, noon Paris) with the demo and a source whose
    server is down: the other sources load what was published before the interval's end, the
    cursors stay unset, the run fails, and the webhook and the mailbox each get one message
    naming the source."""
    config = yaml.safe_load((REPO / "sources.yml").read_text(encoding="utf-8"))
    for source in config["sources"]:
        source["url"] = str(REPO / source["url"])
    config["sources"].append(
        {"id": "panne", "kind": "rss", "url": "http://127.0.0.1:9/feed.xml", "owners": ["X"]}
    )
    config["http"] = {"retries": 0, "connect_timeout": 2}
    sources_file = tmp_path / "sources.yml"
    sources_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    env = {
        **airflow_env,
        "ECOUTE_CONFIG": str(sources_file),
        "ECOUTE_TASK_RETRIES": "0",
        "ECOUTE_ALERT_WEBHOOK": httpserver.url_for("/hook"),
        "ECOUTE_ALERT_EMAIL": "veille@example.org",
        "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{smtp_server[0].port}"
        "?disable_ssl=true&disable_tls=true&from_email=ecoute%40example.org",
    }

    result = run_dag(env, "ecoute_nightly.py", "ecoute_nightly", "2026-10-05T12:00:00+02:00")

    assert result["state"] == "failed"
    states = task_states(result)
    assert states[("extract", "panne")] == "failed"
    assert states[("load", None)] == "success"  # the other sources still load
    assert states[("publish", None)] == "success"
    assert states[("check_sources", None)] == "failed"  # the run shows red, one alert only
    assert result["data_interval"] == ["2026-10-04 01:00:00+00:00", "2026-10-05 01:00:00+00:00"]

    alerts = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert len(alerts) == 1, alerts
    text = alerts[0]["text"]
    assert text.startswith(f"ecoute_nightly, run {result['run_id']}: source 'panne' could not be")
    assert "127.0.0.1:9" in text and "(extract, try 1 of 1)" in text
    assert (alerts[0]["task_id"], alerts[0]["try_number"]) == ("extract", 1)
    (mail,) = smtp_server[1].messages
    assert mail["To"] == "veille@example.org" and mail["From"] == "ecoute@example.org"
    assert mail["Subject"] == "[ecoute] source 'panne' could not be read (extract, try 1 of 1)"
    assert "127.0.0.1:9" in mail.get_payload(0).get_payload(decode=True).decode()

    until = datetime.fromisoformat(result["data_interval"][1])
    manifest = json.loads(
        next(
            (Path(env["ECOUTE_HOME"]) / "landing" / "velo-atelier").glob("*/manifest.json")
        ).read_text(encoding="utf-8")
    )
    assert manifest["until"] == "2026-10-05T01:00:00Z"
    assert any("later item(s) left out" in w for w in manifest["warnings"])
    conn = duckdb.connect(str(Path(env["ECOUTE_HOME"]) / "ecoute.duckdb"), read_only=True)
    try:
        loaded, latest = conn.execute("SELECT count(*), max(published_at) FROM items").fetchone()
        cursors = conn.execute("SELECT count(cursor) FROM sources").fetchone()[0]
        status = conn.execute("SELECT status FROM runs").fetchall()
    finally:
        conn.close()
    assert 0 < loaded < demo_item_count()
    assert latest < until.replace(tzinfo=None)
    assert cursors == 0  # a backfill leaves every cursor where it was (here: unset)
    assert status == [("partial",)]


def airflow_json(env: dict[str, str], *args: str) -> Any:
    """`airflow ARGS -o json`, parsed (the JSON is the output's last line)."""
    proc = subprocess.run(
        [str(BIN / "airflow"), *args, "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_dag_file_parses_without_import_errors(airflow_home: dict[str, str]) -> None:
    """What `airflow dags list-import-errors` reports: nothing, for the parsed files."""
    assert airflow_json(airflow_home, "dags", "list-import-errors", "--local") == []
    listed = airflow_json(airflow_home, "dags", "list", "--local")
    assert sorted(d["dag_id"] for d in listed) == ["ecoute_nightly", "ecoute_report"]

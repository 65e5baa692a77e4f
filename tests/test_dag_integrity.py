"""DAG integrity: every file in dags/ parses fast, without I/O or heavy imports, and says
what the nightly run promises (schedule, pools, retries, assets, callbacks).

The DAG files are parsed in a subprocess that has imported the Task SDK first, as the
dag-processor has: what is timed is the file's own cost. An audit hook records what the
parsing opens (other than Python modules), connects to or starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DAG_FILES = sorted((REPO / "dags").glob("*.py"))
HEAVY = ("spacy", "great_expectations", "duckdb", "sklearn", "lingua", "pyarrow", "pandas")

PARSE = r"""
import importlib.util, json, sys, time
# What the dag-processor has loaded before any DAG file (croniter runs `file` once when
# first imported: Airflow's scheduler imports it long before it parses DAGs).
import airflow.sdk, croniter, pendulum
from airflow.sdk import DAG

events = []
def audit(event, args):
    path = args[0] if event == "open" else None
    # Modules and time-zone data (the schedule says Europe/Paris) are not the DAG's I/O.
    skip = (".py", ".pyc", ".so")
    if isinstance(path, str) and not path.endswith(skip) and "zoneinfo" not in path:
        events.append(f"open {path}")
    elif event in ("socket.connect", "subprocess.Popen", "os.system"):
        events.append(f"{event} {args[:2]!r}")

before = set(sys.modules)
sys.addaudithook(audit)
path = sys.argv[1]
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("dag_file", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
seconds = time.perf_counter() - started
recording = list(events)

def task_info(task):
    backoff = task.retry_exponential_backoff
    return {
        "pool": task.pool,
        "retries": task.retries,
        "backoff": backoff,
        "max_retry_delay": task.max_retry_delay.total_seconds() if task.max_retry_delay else None,
        "callback": bool(task.on_failure_callback),
        "outlets": sorted(a.name for a in task.outlets),
        "trigger_rule": str(task.trigger_rule.value),
    }

dags = []
for dag in (d for d in vars(module).values() if isinstance(d, DAG)):
    timetable = dag.timetable
    condition = getattr(timetable, "asset_condition", None)
    assets = getattr(condition, "objects", [])
    dags.append({
        "dag_id": dag.dag_id,
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "timetable": type(timetable).__name__,
        "cron": getattr(timetable, "expression", None),
        "timezone": str(getattr(timetable, "timezone", "")),
        "schedule_assets": sorted(a.name for a in assets),
        "tasks": {t.task_id: task_info(t) for t in dag.tasks},
    })
print("PARSED " + json.dumps({
    "seconds": seconds,
    "events": recording,
    "new_modules": sorted(m for m in set(sys.modules) - before if "." not in m),
    "dags": dags,
}))
"""


def parse(dag_file: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", PARSE, str(dag_file)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PARSED ")]
    assert proc.returncode == 0 and lines, (proc.stdout + proc.stderr)[-3000:]
    return json.loads(lines[-1].removeprefix("PARSED "))


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, Any]]:
    return {path.name: parse(path) for path in DAG_FILES}


def test_every_dag_file_parses_in_under_two_seconds_without_io(
    parsed: dict[str, dict[str, Any]],
) -> None:
    assert set(parsed) == {"ecoute_nightly.py", "ecoute_report.py"}
    for name, result in parsed.items():
        assert result["seconds"] < 2.0, (name, result["seconds"])
        assert result["events"] == [], (name, result["events"])
        heavy = [m for m in result["new_modules"] if m in HEAVY]
        assert heavy == [], (name, heavy)


def test_the_nightly_dag_keeps_its_promises(parsed: dict[str, dict[str, Any]]) -> None:
    (nightly,) = parsed["ecoute_nightly.py"]["dags"]
    assert nightly["dag_id"] == "ecoute_nightly"
    assert (nightly["catchup"], nightly["max_active_runs"]) == (False, 1)
    assert nightly["timetable"] == "CronDataIntervalTimetable"  # real data intervals
    assert (nightly["cron"], nightly["timezone"]) == ("0 3 * * *", "Europe/Paris")
    tasks = nightly["tasks"]
    assert tasks["extract"]["pool"] == "ecoute_http"
    duckdb_tasks = {"load", "validate_load", "annotate", "replies", "validate", "publish"}
    assert {t for t, info in tasks.items() if info["pool"] == "ecoute_duckdb"} == duckdb_tasks
    for task_id, info in tasks.items():
        if task_id == "check_sources":  # the failed sources have alerted already
            assert (info["retries"], info["callback"]) == (0, False)
            continue
        assert info["retries"] >= 1 and info["backoff"] >= 2, (task_id, info)
        assert info["max_retry_delay"] == 1800, task_id
        assert info["callback"], task_id
    assert tasks["load"]["trigger_rule"] == "all_done"  # a failed source does not stop it
    assert tasks["load"]["outlets"] == ["ecoute_items"]
    assert tasks["annotate"]["outlets"] == ["ecoute_annotations"]
    assert tasks["replies"]["outlets"] == ["ecoute_replies"]
    assert tasks["publish"]["outlets"] == ["ecoute_published"]


def test_the_report_dag_waits_for_assets_the_nightly_dag_updates(
    parsed: dict[str, dict[str, Any]],
) -> None:
    (nightly,) = parsed["ecoute_nightly.py"]["dags"]
    (report,) = parsed["ecoute_report.py"]["dags"]
    produced = {a for info in nightly["tasks"].values() for a in info["outlets"]}
    assert report["schedule_assets"] == ["ecoute_annotations", "ecoute_published", "ecoute_replies"]
    assert set(report["schedule_assets"]) <= produced
    assert report["timetable"] == "AssetTriggeredTimetable"
    assert report["tasks"]["report"]["callback"]

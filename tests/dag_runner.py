"""Run one DAG once with `dag.test()` and print the outcome as one JSON line.

tests/test_dag.py runs this in a subprocess, with AIRFLOW_HOME pointing at a temporary
folder: Airflow reads its configuration once per process, so the test keeps it isolated.
Usage: python tests/dag_runner.py dags/ecoute_nightly.py [DAG_ID] [LOGICAL_DATE]
(the DAG defined in the file with that id, default: the file's only DAG; an ISO logical
date replays that night, e.g. a backfill).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import datetime

from airflow.models import TaskInstance
from airflow.sdk import DAG
from airflow.utils.session import create_session
from sqlalchemy import select

MARKER = "DAG_RESULT "


def main(dag_file: str, dag_id: str | None = None, logical_date: str | None = None) -> None:
    spec = importlib.util.spec_from_file_location("dag_under_test", dag_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dags = {d.dag_id: d for d in vars(module).values() if isinstance(d, DAG)}
    dag = dags[dag_id] if dag_id else next(iter(dags.values()))
    if logical_date:
        dag_run = dag.test(logical_date=datetime.fromisoformat(logical_date))
    else:
        dag_run = dag.test()
    with create_session() as session:
        instances = session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id
            )
        ).all()
        tasks = [
            {
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "state": str(ti.state),
                "rendered_map_index": ti.rendered_map_index,
            }
            for ti in instances
        ]
    result = {
        "state": str(dag_run.state),
        "run_id": dag_run.run_id,
        "data_interval": [str(dag_run.data_interval_start), str(dag_run.data_interval_end)],
        "tasks": tasks,
    }
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])

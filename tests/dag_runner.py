"""Run the ecoute_nightly DAG once with `dag.test()` and print the outcome as one JSON line.

tests/test_dag.py runs this in a subprocess, with AIRFLOW_HOME pointing at a temporary
folder: Airflow reads its configuration once per process, so the test keeps it isolated.
Usage: python tests/dag_runner.py dags/ecoute_nightly.py
"""

from __future__ import annotations

import importlib.util
import json
import sys

from airflow.models import TaskInstance
from airflow.utils.session import create_session
from sqlalchemy import select

MARKER = "DAG_RESULT "


def main(dag_file: str) -> None:
    spec = importlib.util.spec_from_file_location("ecoute_nightly_under_test", dag_file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag_run = module.nightly.test()
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
    result = {"state": str(dag_run.state), "run_id": dag_run.run_id, "tasks": tasks}
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

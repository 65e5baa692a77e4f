"""ecoute_report: the HTML report, rebuilt whenever a nightly run has refreshed the figures.

Scheduled on Airflow Assets, not on a clock: it runs once `ecoute_nightly` has updated
the annotations, the replies and the analysts' published copy (`pipelines.assets`), so a
run whose validation failed (nothing published) leaves yesterday's report in place.

It reads the published copy, never the warehouse (no lock taken, the nightly run may go
on) and writes `$ECOUTE_HOME/reports/ecoute.html` atomically, the file `ecoute report`
would write; plus a dated copy, `reports/ecoute-YYYY-MM-DD.html`, to compare nights.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, task

from pipelines import assets
from pipelines.alerts import on_task_failure


@dag(
    dag_id="ecoute_report",
    schedule=(assets.ANNOTATIONS & assets.REPLIES & assets.PUBLISHED),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "on_failure_callback": on_task_failure},
    tags=["ecoute"],
    doc_md=__doc__,
)
def ecoute_report() -> None:
    @task
    def report() -> dict[str, Any]:
        import os
        import shutil

        from pipelines.config import Settings
        from pipelines.report import write_report

        settings = Settings.resolve()
        folder = settings.home / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / "ecoute.html.partial"
        summary = write_report(settings.analyst_db(None), partial)
        today = pendulum.now("Europe/Paris").to_date_string()
        shutil.copyfile(partial, folder / f"ecoute-{today}.html")
        os.replace(partial, folder / "ecoute.html")
        return {
            "path": str(folder / "ecoute.html"),
            "sources": summary.sources,
            "questions": summary.questions,
            "unanswered": summary.unanswered,
        }

    report()


report_dag = ecoute_report()

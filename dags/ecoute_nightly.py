"""ecoute_nightly: every night at 03:00 Paris time, read every source and refresh the figures.

    list_sources -> extract (one mapped task per source) -> load -> validate_load
        -> annotate -> replies -> validate -> finish

Wiring only: each task calls a step of `pipelines.steps`, the same ones `ecoute run` calls.
Paths come from the environment, as for the CLI: ECOUTE_CONFIG (sources file),
ECOUTE_HOME (landing zone, default database) and ECOUTE_DB. The project's modules are
imported inside the tasks so that parsing this file stays fast and does no I/O.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, get_current_context, task


@dag(
    dag_id="ecoute_nightly",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    max_active_runs=1,
    tags=["ecoute"],
    doc_md=__doc__,
)
def ecoute_nightly() -> None:
    @task
    def list_sources() -> list[dict[str, Any]]:
        from pipelines.config import Settings, load_sources, select_sources

        settings = Settings.resolve()
        return [s.as_dict() for s in select_sources(load_sources(settings.config_path), None)]

    @task(map_index_template="{{ source_id }}")
    def extract(source: dict[str, Any]) -> dict[str, Any]:
        """Land one source. A failed source fails this task only; the others still load."""
        from extractors.base import SourceConfig
        from extractors.errors import SourceError
        from pipelines.config import Settings
        from pipelines.steps import extract_source

        context = get_current_context()
        context["source_id"] = source["id"]  # type: ignore[typeddict-unknown-key]
        manifest = extract_source(
            Settings.resolve(), SourceConfig.from_dict(source), context["run_id"]
        )
        if manifest["status"] != "complete":
            raise SourceError(source["id"], manifest["error"] or "extraction failed")
        return {k: manifest[k] for k in ("source_id", "items", "payloads", "warnings")}

    @task(trigger_rule="all_done")
    def load() -> dict[str, Any]:
        """The single writer: loads every batch landed for this run."""
        from pipelines.config import Settings
        from pipelines.steps import load_run

        context = get_current_context()
        dag_run = context["dag_run"]
        return load_run(Settings.resolve(), context["run_id"], dag_run.start_date).per_source

    @task
    def validate_load() -> int:
        """The items suite on the whole table (bad landed records are already quarantined
        by the load). A broken rule fails the run here, the report in the task's log."""
        from pipelines import steps
        from pipelines.config import Settings

        return steps.validate(Settings.resolve(), get_current_context()["run_id"], "load")

    @task
    def annotate() -> int:
        from pipelines.config import Settings
        from pipelines.steps import annotate_pending

        return annotate_pending(Settings.resolve())

    @task
    def replies() -> int:
        """Who answered which question, once the new comments are annotated."""
        from pipelines.config import Settings
        from pipelines.steps import detect_replies

        return detect_replies(Settings.resolve())

    @task
    def validate() -> int:
        """The annotations and views suites, before the run is recorded as a success."""
        from pipelines import steps
        from pipelines.config import Settings

        return steps.validate(Settings.resolve(), get_current_context()["run_id"], "annotate")

    @task
    def finish(per_source: dict[str, Any], annotated: int) -> list[dict[str, Any]]:
        """Record the run, publish the analysts' copy, delete raw payloads past their
        retention, and return the response rates (visible in the task's XCom)."""
        from pipelines import steps
        from pipelines.config import Settings

        settings = Settings.resolve()
        run_id = get_current_context()["run_id"]
        steps.finish_run(settings, run_id, steps.LoadReport(per_source), annotated)
        steps.publish(settings)
        steps.purge_landing(settings)
        return steps.response_rates_by_source(settings)

    extracted = extract.expand(source=list_sources())
    loaded = load()
    annotated = annotate()
    replied = replies()
    extracted >> loaded >> validate_load() >> annotated >> replied
    replied >> validate() >> finish(loaded, annotated)


nightly = ecoute_nightly()

if __name__ == "__main__":
    nightly.test()  # one local run through Airflow's task runner: python dags/ecoute_nightly.py

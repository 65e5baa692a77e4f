"""ecoute_nightly: every night at 03:00 Paris time, read every source and refresh the figures.

    list_sources -> extract (one mapped task per source, pool ecoute_http) -> load
        -> validate_load -> annotate -> replies -> validate -> publish
        -> metrics, check_sources

Wiring only: each task calls a step of `pipelines.steps`, the same ones `ecoute run` calls.

- **Paths** come from the environment, as for the CLI (ECOUTE_CONFIG, ECOUTE_HOME,
  ECOUTE_DB), else from the Airflow Variables `ecoute_config`, `ecoute_home`, `ecoute_db`.
  Tokens come from the environment or the Airflow connections (`ecoute_facebook`, ...).
- **One writer**: the DuckDB tasks share the one-slot pool `ecoute_duckdb` and take the
  warehouse's run lock, so a CLI run or `ecoute forget` never interleaves with them
  (a task that finds the lock taken fails and is retried later).
- **Retries** with exponential backoff (2, 4, 8 min... capped at 30); a broken
  validation rule or a wrong configuration fails at once, since trying again would
  give the same answer. `ECOUTE_TASK_RETRIES` sets the count (default 3).
- **Data interval**: each run covers [data_interval_start, data_interval_end). The
  latest interval reads from each source's cursor; a past one (a backfill, or a night
  cleared days later) reads every source in full, keeps what was published before the
  interval's end and leaves the cursors alone (`pipelines.steps.backfill_until`).
- **Assets**: load, annotate, replies and publish update the assets of
  `pipelines.assets`; the DAG `ecoute_report` runs when they all have.
- **Failures**: one readable message per failed task, in its log and, when configured,
  to a webhook or by e-mail (`pipelines.alerts`).

The project's modules are imported inside the tasks: parsing this file does no I/O and
imports neither spaCy, DuckDB nor Great Expectations (tests/test_dag_integrity.py).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

from pipelines import assets
from pipelines.alerts import on_task_failure

PARIS = "Europe/Paris"

DEFAULT_ARGS: dict[str, Any] = {
    "retries": int(os.environ.get("ECOUTE_TASK_RETRIES", "3")),
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    "on_failure_callback": on_task_failure,
}


@dag(
    dag_id="ecoute_nightly",
    schedule=CronDataIntervalTimetable("0 3 * * *", timezone=PARIS),
    start_date=pendulum.datetime(2026, 1, 1, tz=PARIS),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ecoute"],
    doc_md=__doc__,
)
def ecoute_nightly() -> None:
    @task
    def list_sources() -> list[dict[str, Any]]:
        """The enabled sources; a mistake in the sources file fails at once, with the file,
        the source and the key in the message."""
        from airflow.sdk.exceptions import AirflowFailException

        from extractors.errors import ConfigError
        from pipelines.config import Settings, load_sources, select_sources

        settings = Settings.resolve()
        try:
            sources = select_sources(load_sources(settings.config_path), None)
        except ConfigError as exc:
            raise AirflowFailException(str(exc)) from exc
        return [s.as_dict() for s in sources]

    @task(pool="ecoute_http", map_index_template="{{ source_id }}")
    def extract(source: dict[str, Any]) -> dict[str, Any]:
        """Land one source. A failed source fails this task only; the others still load."""
        from extractors.base import SourceConfig
        from extractors.errors import SourceError
        from pipelines.config import Settings
        from pipelines.steps import backfill_until, extract_source

        context = get_current_context()
        context["source_id"] = source["id"]  # type: ignore[typeddict-unknown-key]
        until = backfill_until(context["data_interval_start"], context["data_interval_end"])
        manifest = extract_source(
            Settings.resolve(), SourceConfig.from_dict(source), context["run_id"], until=until
        )
        if manifest["status"] != "complete":
            error = manifest["error"] or "extraction failed"
            raise SourceError(source["id"], error.removeprefix(f"source '{source['id']}': "))
        return {k: manifest[k] for k in ("source_id", "items", "payloads", "warnings", "until")}

    @task(trigger_rule="all_done", pool="ecoute_duckdb", outlets=[assets.ITEMS])
    def load() -> dict[str, Any]:
        """The single writer: loads every batch landed for this run, in any case (a failed
        source has landed its error; the others must not wait for it)."""
        from pipelines.config import Settings
        from pipelines.runlock import run_lock
        from pipelines.steps import load_run

        context = get_current_context()
        settings = Settings.resolve()
        with run_lock(settings.db_path):
            report = load_run(settings, context["run_id"], context["dag_run"].start_date)
        return report.per_source

    @task(pool="ecoute_duckdb")
    def validate_load() -> int:
        """The items suite on the whole table (bad landed records are already quarantined
        by the load). A broken rule fails the run here, the report in the task's log."""
        return _validate("load")

    @task(pool="ecoute_duckdb", outlets=[assets.ANNOTATIONS])
    def annotate() -> int:
        from pipelines.config import Settings
        from pipelines.runlock import run_lock
        from pipelines.steps import annotate_pending

        settings = Settings.resolve()
        with run_lock(settings.db_path):
            return annotate_pending(settings)

    @task(pool="ecoute_duckdb", outlets=[assets.REPLIES])
    def replies() -> int:
        """Who answered which question, once the new comments are annotated."""
        from pipelines.config import Settings
        from pipelines.runlock import run_lock
        from pipelines.steps import detect_replies

        settings = Settings.resolve()
        with run_lock(settings.db_path):
            return detect_replies(settings)

    @task(pool="ecoute_duckdb")
    def validate() -> int:
        """The annotations and views suites, before the run is recorded as a success."""
        return _validate("annotate")

    @task(pool="ecoute_duckdb", outlets=[assets.PUBLISHED])
    def publish(per_source: dict[str, Any], annotated: int) -> str:
        """Record the run, publish the analysts' copy and delete raw payloads past their
        retention; returns the run's status."""
        from pipelines import steps
        from pipelines.config import Settings
        from pipelines.runlock import run_lock

        settings = Settings.resolve()
        run_id = get_current_context()["run_id"]
        with run_lock(settings.db_path):
            status = steps.finish_run(settings, run_id, steps.LoadReport(per_source), annotated)
            steps.publish(settings)
        steps.purge_landing(settings)
        return status

    @task
    def metrics() -> list[dict[str, Any]]:
        """The response rates per source, from the published copy: in the task's log and
        its XCom."""
        from pipelines.config import Settings
        from pipelines.steps import response_rates_by_source

        settings = Settings.resolve()
        rates = response_rates_by_source(settings, settings.analyst_db(None))
        for row in rates:
            print(
                f"{row['source_id']}: {row['questions']} question(s), "
                f"{row['unanswered']} unanswered ({row['unanswered_pct']} %)"
            )
        return rates

    # Each failed source has sent its own alert already: no second one, and no retry.
    @task(retries=0, on_failure_callback=None)
    def check_sources(status: str) -> None:
        """Turns the run red when a source failed, once the others are published (else
        the run would show green: Airflow judges a run by its last tasks)."""
        from airflow.sdk.exceptions import AirflowFailException

        if status != "success":
            raise AirflowFailException(
                "the figures were published without the sources whose extract task failed"
            )

    extracted = extract.expand(source=list_sources())
    loaded = load()
    annotated = annotate()
    replied = replies()
    status = publish(loaded, annotated)
    extracted >> loaded >> validate_load() >> annotated >> replied
    replied >> validate() >> status >> [metrics(), check_sources(status)]


def _validate(after: str) -> int:
    """A quality step: a broken rule fails the task without retries (same data, same
    verdict), with the report as its error."""
    from airflow.sdk.exceptions import AirflowFailException

    from pipelines import steps
    from pipelines.config import Settings
    from pipelines.runlock import run_lock
    from warehouse.quality.validate import ValidationFailed

    settings = Settings.resolve()
    try:
        with run_lock(settings.db_path):
            return steps.validate(settings, get_current_context()["run_id"], after)
    except ValidationFailed as exc:
        raise AirflowFailException(str(exc)) from exc


nightly = ecoute_nightly()

if __name__ == "__main__":
    nightly.test()  # one local run through Airflow's task runner: python dags/ecoute_nightly.py

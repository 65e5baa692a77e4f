"""The pipeline's steps, free of any scheduler: the CLI and the Airflow DAG call these.

    extract_source (one per source, parallel-safe: reads the warehouse read-only at most)
      -> land (inside extract_source: raw payloads and items.jsonl, before any load)
      -> load_run (the only writer: one transaction per landed batch)
      -> annotate_pending (NLP on the items that lack a current annotation)
      -> detect_replies (who answered which question: the `replies` table)
      -> finish_run (run status and counts; the analyst views are always current)

Every step takes `Settings` and opens what it needs, so each can run in its own process.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import EcouteError
from extractors.records import iso_utc
from pipelines.config import Settings
from pipelines.landing import BatchWriter, Manifest, landed_batches
from warehouse import annotations, db, replies, runs
from warehouse.load import load_batch, read_cursor

Progress = Callable[[int, int], None]  # (done, total)


def new_run_id(now: datetime | None = None) -> str:
    """`20261123T030000Z-1a2b3c`: sortable, unique enough for two runs in one second."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def stored_cursor(settings: Settings, source_id: str) -> dict[str, Any]:
    """The cursor committed by the last load, read without taking the write lock."""
    if not settings.db_path.exists():
        return {}
    conn = db.connect(settings.db_path, read_only=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return read_cursor(conn, source_id) if "sources" in tables else {}
    finally:
        conn.close()


def extract_source(
    settings: Settings,
    source: SourceConfig,
    run_id: str,
    *,
    on_item: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run one extractor and land its batch; returns the batch manifest.

    A source that fails is landed as a failed batch with its error (and whatever raw
    payloads arrived): the caller decides whether that fails the run.
    """
    manifest = Manifest(
        source_id=source.id,
        run_id=run_id,
        source=source.as_dict(),
        started_at=iso_utc(datetime.now(UTC)),
    )
    with BatchWriter(settings.landing, manifest) as batch:
        ctx = ExtractContext.for_source(
            source, cursor=stored_cursor(settings, source.id), recorder=batch.record_payload
        )
        try:
            for item in get_extractor(source.kind).run(ctx):
                batch.write_item(item)
                if on_item:
                    on_item(batch.manifest.items)
        except EcouteError as exc:
            batch.fail(str(exc), ctx.warnings)
        else:
            batch.complete(ctx.final_cursor(), ctx.warnings, sorted(ctx.complete_threads))
    return manifest.as_dict()


@dataclass(frozen=True)
class LoadReport:
    """Per source: items landed, new and updated rows, or the extraction error."""

    per_source: dict[str, dict[str, Any]]

    @property
    def errors(self) -> list[str]:
        return [r["error"] for r in self.per_source.values() if r.get("error")]


def load_run(settings: Settings, run_id: str, started_at: datetime | None = None) -> LoadReport:
    """Load every complete batch landed for `run_id`. Safe to replay."""
    conn = db.connect(settings.db_path)
    try:
        runs.start_run(conn, run_id, started_at or datetime.now(UTC))
        report: dict[str, dict[str, Any]] = {}
        for batch in landed_batches(settings.landing, run_id):
            manifest = batch.manifest
            entry: dict[str, Any] = {"warnings": manifest["warnings"]}
            if manifest["status"] == "complete":
                source = SourceConfig.from_dict(manifest["source"])
                counts = load_batch(
                    conn,
                    batch.items_file,
                    source,
                    run_id=run_id,
                    cursor=manifest["cursor"],
                    complete_threads=manifest.get("complete_threads", []),
                )
                entry.update(counts.as_dict())
            else:
                entry.update(items=0, new=0, updated=0, deleted=0, error=manifest["error"])
            report[manifest["source_id"]] = entry
        return LoadReport(report)
    finally:
        conn.close()


def annotate_pending(
    settings: Settings, *, batch_size: int = 256, progress: Progress | None = None
) -> int:
    """Annotate the items without an annotation of the current NLP version."""
    import nlp  # spaCy is heavy: imported when the step runs, not when a DAG is parsed

    conn = db.connect(settings.db_path)
    try:
        total = annotations.count_pending(conn, nlp.NLP_VERSION)
        done = 0
        batch_size *= settings.nlp_processes  # enough texts per batch for every worker
        while pending := annotations.next_pending(conn, nlp.NLP_VERSION, batch_size):
            texts = [text for _, _, text in pending]
            rows = [
                {
                    "item_id": item_id,
                    "content_hash": content_hash,
                    "nlp_version": nlp.NLP_VERSION,
                    **result.to_dict(),
                }
                for (item_id, content_hash, _), result in zip(
                    pending,
                    nlp.annotate_texts(texts, n_process=settings.nlp_processes),
                    strict=True,
                )
            ]
            annotations.store_annotations(conn, rows)
            done += len(rows)
            if progress:
                progress(done, total)
        return done
    finally:
        conn.close()


def detect_replies(settings: Settings, source_ids: list[str] | None = None) -> int:
    """Recompute the replies of the threads holding questions (after annotate: a new
    annotation can make a comment a question); returns the (question, reply) pairs found."""
    conn = db.connect(settings.db_path)
    try:
        return replies.refresh_replies(conn, source_ids)
    finally:
        conn.close()


def response_rates_by_source(settings: Settings) -> list[dict[str, Any]]:
    """The headline table: per source, questions, answered, unanswered, unanswered %."""
    conn = db.connect(settings.db_path, read_only=True)
    try:
        cursor = conn.execute("SELECT * FROM response_rates_by_source ORDER BY source_id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        conn.close()


def finish_run(settings: Settings, run_id: str, report: LoadReport, annotated: int) -> str:
    """Record the run's outcome: `success`, or `partial` when a source failed."""
    status = "partial" if report.errors else "success"
    conn = db.connect(settings.db_path)
    try:
        runs.finish_run(
            conn,
            run_id,
            status=status,
            counts={"sources": report.per_source, "annotated": annotated},
            errors=report.errors,
        )
    finally:
        conn.close()
    return status

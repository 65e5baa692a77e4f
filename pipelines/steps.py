"""The pipeline's steps, free of any scheduler: the CLI and the Airflow DAG call these.

    extract_source (one per source, parallel-safe: reads the warehouse read-only at most;
      extract_sources runs them side by side, one site per worker process)
      -> land (inside extract_source: raw payloads and items.jsonl, before any load;
         authors who are not owners pseudonymised, see pipelines/privacy.py)
      -> load_run (the only writer: one transaction per landed batch; records that break
         a row-level rule go to `quarantine`)
      -> validate(after="load") (the items suite on the whole table)
      -> annotate_pending (NLP on the items that lack a current annotation)
      -> detect_replies (who answered which question: the `replies` table)
      -> validate(after="annotate") (the annotations and views suites)
      -> finish_run (run status and counts; the analyst views are always current)
      -> purge_landing (raw payloads past their source's retention_days)

Every step takes `Settings` and opens what it needs, so each can run in its own process.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import EcouteError
from extractors.records import iso_utc
from pipelines import privacy, retention
from pipelines.config import Settings, load_sources
from pipelines.landing import BatchWriter, LandingError, Manifest, landed_batches
from warehouse import annotations, db, replies, runs
from warehouse.load import load_batch, read_cursor
from warehouse.quality import validate as quality

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
    until: datetime | None = None,
    on_item: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run one extractor and land its batch; returns the batch manifest.

    `until` replays a past night (a backfill, see `backfill_until`): the source is read
    in full, without its cursor; items published at or after `until` are left out; the
    stored cursor is kept and no thread is taken as complete (comments written since would
    otherwise look deleted). The night's figures come out as they would have then, and the
    next regular run starts from where the last regular one stopped.

    A source that fails is landed as a failed batch with its error (and whatever raw
    payloads arrived): the caller decides whether that fails the run. An extractor that
    crashes on what a source sent fails that source only. A landing zone that cannot be
    written raises `LandingError`: the run stops there, before the warehouse.
    """
    manifest = Manifest(
        source_id=source.id,
        run_id=run_id,
        source=source.as_dict(),
        started_at=iso_utc(datetime.now(UTC)),
        until=iso_utc(until) if until else None,
    )
    later = 0
    guard = privacy.LandingGuard.for_source(settings, source)  # pseudonyms, forgotten authors
    with BatchWriter(settings.landing, manifest) as batch:
        ctx = ExtractContext.for_source(
            source,
            cursor={} if until else stored_cursor(settings, source.id),
            recorder=batch.record_payload,
        )
        try:
            for item in get_extractor(source.kind).run(ctx):
                if until is not None and item.published_at >= until:
                    later += 1
                    continue
                landed = guard.protect(item)
                if landed is not None:
                    batch.write_item(landed)
                if on_item:
                    on_item(batch.manifest.items)
        except LandingError:
            raise
        except EcouteError as exc:
            batch.fail(str(exc), ctx.warnings)
        except Exception as exc:  # a plugin's bug on odd input must not stop the others
            batch.fail(
                f"source '{source.id}': the {source.kind} extractor failed: "
                f"{type(exc).__name__}: {ctx.http.mask(str(exc))} (a bug: please report it)",
                ctx.warnings,
            )
        else:
            if until is None:
                batch.complete(ctx.final_cursor(), ctx.warnings, sorted(ctx.complete_threads))
            else:
                note = f"backfill up to {iso_utc(until)}: {later} later item(s) left out"
                batch.complete(None, [*ctx.warnings, note], [])
    return manifest.as_dict()


def extract_sources(
    settings: Settings,
    sources: Sequence[SourceConfig],
    run_id: str,
    *,
    until: datetime | None = None,
    workers: int = 1,
    on_item: Callable[[str, int], None] | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """`extract_source` for every source, `workers` sites at a time; the manifests, in the
    order of `sources`.

    Sources are independent (each lands its own batch, reads the warehouse read-only at
    most), so with `workers` > 1 sites are extracted side by side in worker processes:
    parsing feeds is CPU work that threads would serialise, and one slow site no longer
    holds the others back. The sources of one site (same host, or same local file) stay
    in one worker, one after the other, so its politeness limits (`http` settings) hold.
    Workers come from a fork server started clean: forking this process, which may run a
    progress display's thread, could copy a lock held by it. `on_item(source_id, items)`
    is only called in this process (`workers` 1); `on_done(manifest)` in both cases. A
    `LandingError` stops the run as in one process: the sites not yet started are left.
    """
    sites = _by_site(sources)
    if workers <= 1 or len(sites) <= 1:
        manifests = []
        for source in sources:
            counted = (lambda n, source_id=source.id: on_item(source_id, n)) if on_item else None
            manifest = extract_source(settings, source, run_id, until=until, on_item=counted)
            if on_done:
                on_done(manifest)
            manifests.append(manifest)
        return manifests
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipelines.steps"])
    done: dict[str, dict[str, Any]] = {}
    with ProcessPoolExecutor(min(workers, len(sites)), mp_context=context) as pool:
        env = dict(os.environ)  # the fork server's may be older: tokens, http settings
        futures = [pool.submit(_extract_site, settings, site, run_id, until, env) for site in sites]
        try:
            for future in as_completed(futures):
                for manifest in future.result():
                    done[manifest["source_id"]] = manifest
                    if on_done:
                        on_done(manifest)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [done[source.id] for source in sources]


def _by_site(sources: Sequence[SourceConfig]) -> list[list[SourceConfig]]:
    """The sources grouped by host (a local file: by path), in their order."""
    sites: dict[str, list[SourceConfig]] = {}
    for source in sources:
        parts = urlsplit(source.url)
        sites.setdefault(parts.netloc.lower() or source.url, []).append(source)
    return list(sites.values())


def _extract_site(
    settings: Settings,
    sources: list[SourceConfig],
    run_id: str,
    until: datetime | None,
    env: dict[str, str],
) -> list[dict[str, Any]]:
    """In a worker: the sources of one site, one after the other, with the caller's
    environment."""
    os.environ.clear()
    os.environ.update(env)
    return [extract_source(settings, source, run_id, until=until) for source in sources]


def backfill_until(
    start: datetime | None, end: datetime | None, now: datetime | None = None
) -> datetime | None:
    """The end of a scheduled data interval when that interval is a past one, else None.

    A scheduler's run covers [start, end). When a later interval has already ended, the
    run replays a past night (a backfill, or a failed night cleared days later): its
    extraction stops at `end` (see `extract_source`). The latest interval is a regular
    run: it reads from the stored cursor, so a night missed, or a comment written while
    the run starts, is never skipped.
    """
    if start is None or end is None or end <= start:
        return None
    return end if end + (end - start) <= (now or datetime.now(UTC)) else None


@dataclass(frozen=True)
class LoadReport:
    """Per source: items loaded, new, updated and quarantined rows, or the extraction
    error."""

    per_source: dict[str, dict[str, Any]]

    @property
    def errors(self) -> list[str]:
        return [r["error"] for r in self.per_source.values() if r.get("error")]

    @property
    def quarantined(self) -> int:
        return sum(r.get("quarantined", 0) for r in self.per_source.values())


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
                entry.update(
                    items=0, new=0, updated=0, deleted=0, quarantined=0, error=manifest["error"]
                )
            report[manifest["source_id"]] = entry
        loaded = LoadReport(report)
        runs.record_load(
            conn,
            run_id,
            {"sources": loaded.per_source, "quarantined": loaded.quarantined},
            loaded.errors,
        )
        return loaded
    finally:
        conn.close()


def annotate_pending(
    settings: Settings, *, batch_size: int = 2048, progress: Progress | None = None
) -> int:
    """Annotate the items without an annotation of the current NLP version.

    One stream from end to end: the pending items are read by one query as they go, pass
    through one annotator (its worker processes started once, see `nlp.Annotator`) and are
    stored `batch_size` at a time, one transaction each (a transaction costs about 10 ms:
    2048 rows make it 5 µs a row): a crash keeps the batches stored, and the next run
    annotates the rest. Memory holds a few batches, whatever the number of items. Nothing
    pending: the count says so and spaCy is never loaded.
    """
    import contextlib
    import itertools

    from nlp.version import NLP_VERSION  # cheap: no spaCy

    conn = db.connect(settings.db_path)
    try:
        total = annotations.count_pending(conn, NLP_VERSION)
    finally:
        conn.close()
    if not total:
        return 0

    from nlp import Annotator  # spaCy and the models: only when there is work

    done = 0
    # The workers are forked before the warehouse is opened again: they inherit no connection.
    with (
        # Workers take chunks of 256 texts at most: enough to amortise a task, small enough
        # to keep both workers busy to the end.
        Annotator(n_process=settings.nlp_processes, batch_size=min(batch_size, 256)) as annotator,
        contextlib.closing(db.connect(settings.db_path)) as conn,
        contextlib.closing(annotations.stream_pending(conn, NLP_VERSION, batch_size)) as chunks,
    ):
        # The annotator reads a few chunks ahead; tee keeps their keys until their results come.
        keys, texts = itertools.tee(itertools.chain.from_iterable(chunks))
        results = zip(keys, annotator.annotate(text for _, _, text in texts), strict=True)
        while batch := list(itertools.islice(results, batch_size)):
            rows = [
                {
                    "item_id": item_id,
                    "content_hash": content_hash,
                    "nlp_version": NLP_VERSION,
                    **result.to_dict(),
                }
                for (item_id, content_hash, _), result in batch
            ]
            annotations.store_annotations(conn, rows)
            done += len(rows)
            if progress:
                progress(done, total)
    return done


#: What each validation step checks: after the load, the items; after annotate and
#: replies, the annotations and the views built on both.
VALIDATIONS: dict[str, tuple[str, ...]] = {
    "load": ("items",),
    "annotate": ("annotations", "views"),
}


def validate(settings: Settings, run_id: str, after: str) -> int:
    """Run the suites of the step `after` ("load" or "annotate") on the warehouse and store
    the outcome with the run; returns the number of rules checked. The row-level rules look
    at the rows that changed since they last passed, the others at whole tables and views
    (`quality.validate_run`): a run that changed nothing does not import Great Expectations.

    A broken rule marks the run `failed` and raises `quality.ValidationFailed`, whose
    message is the report (per rule and source: how many rows, a few examples): the run
    stops there.
    """
    stages = VALIDATIONS[after]
    started = time.monotonic()
    conn = db.connect(settings.db_path)
    try:
        results = quality.validate_run(conn, stages, datetime.now(UTC).replace(tzinfo=None))
        lines = quality.report(results)
        outcome = {
            "stages": list(stages),
            "passed": not lines,
            "seconds": round(time.monotonic() - started, 3),
            "rules": [r.as_dict() for r in results],
        }
        runs.record_validation(conn, run_id, after, outcome)
        if lines:
            runs.fail_run(conn, run_id, [f"validation after {after}: {line}" for line in lines])
    finally:
        conn.close()
    if lines:
        raise quality.ValidationFailed(run_id, after, lines)
    return len(results)


def detect_replies(settings: Settings, source_ids: list[str] | None = None) -> int:
    """Recompute the replies of the threads holding questions (after annotate: a new
    annotation can make a comment a question); returns the (question, reply) pairs found."""
    conn = db.connect(settings.db_path)
    try:
        return replies.refresh_replies(conn, source_ids, privacy.name_keys(settings))
    finally:
        conn.close()


def response_rates_by_source(
    settings: Settings, db_path: Path | None = None
) -> list[dict[str, Any]]:
    """The headline table: per source, questions, answered, unanswered, unanswered %;
    from the warehouse, or the copy `db_path` names."""
    conn = db.connect(db_path or settings.db_path, read_only=True)
    try:
        cursor = conn.execute("SELECT * FROM response_rates_by_source ORDER BY source_id")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        conn.close()


def publish(settings: Settings) -> Path:
    """Replace the analysts' copy of the warehouse with the current one, atomically.

    Why a copy: DuckDB lets no other process open a file that one process writes, so
    analysts (`ecoute sql`, `ecoute report`, BI tools) read `published/`, which only ever
    holds a checkpointed, consistent warehouse: last night's figures while tonight's run
    loads. Called by the single writer after it closed its connection.
    """
    conn = db.connect(settings.db_path)
    try:
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    target = settings.published_path
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(settings.db_path, partial)
    os.replace(partial, target)
    return target


def finish_run(settings: Settings, run_id: str, report: LoadReport, annotated: int) -> str:
    """Record the run's outcome: `success`, or `partial` when a source failed."""
    status = "partial" if report.errors else "success"
    conn = db.connect(settings.db_path)
    try:
        runs.finish_run(
            conn,
            run_id,
            status=status,
            counts={
                "sources": report.per_source,
                "quarantined": report.quarantined,
                "annotated": annotated,
            },
            errors=report.errors,
        )
    finally:
        conn.close()
    return status


def purge_landing(settings: Settings, *, dry_run: bool = False) -> retention.Purge:
    """Delete the raw payloads of the landed runs older than their source's
    `retention_days` (items.jsonl stays: runs can still be replayed). At the end of every
    run, and `ecoute purge`."""
    days = {source.id: source.retention_days for source in load_sources(settings.config_path)}
    return retention.purge_raw(settings.landing, days, dry_run=dry_run)

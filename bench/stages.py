"""One benchmark stage per process: `python -m bench.stages STAGE --out FILE [options]`.

`bench.run` starts each stage in its own process, so that the peak memory it reads is the
stage's alone, and the stage writes what it measured as JSON to `--out`: `items`,
`seconds` (the work only: no interpreter start, no imports), `cpu_seconds` (this process
and the workers it waited for) and stage-specific details. Every stage calls the real
pipeline (`pipelines.steps`) or, for a ceiling, the bare library the stage is built on,
on the same data.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.config import Settings, load_sources

Result = dict[str, Any]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


@contextmanager
def timed(result: Result) -> Iterator[Result]:
    """Adds `seconds` and `cpu_seconds` of the block to `result`."""
    started, cpu = time.perf_counter(), _cpu()
    yield result
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = _cpu() - cpu


def _settings(args: argparse.Namespace) -> Settings:
    """The pipeline's settings from the environment `bench.run` gives (ECOUTE_HOME, ...)."""
    return Settings.resolve(args.config, args.db, args.n_process)


# --- extract --------------------------------------------------------------------------


def extract(args: argparse.Namespace) -> Result:
    """`steps.extract_source` for every source, one after the other, as `ecoute run`."""
    from pipelines import steps

    settings = _settings(args)
    sources = load_sources(settings.config_path)
    result: Result = {"items": 0, "payloads": 0, "failed": []}
    with timed(result):
        for source in sources:
            manifest = steps.extract_source(settings, source, args.run_id)
            result["items"] += manifest["items"]
            result["payloads"] += manifest["payloads"]
            if manifest["status"] != "complete":
                result["failed"].append(f"{source.id}: {manifest['error']}")
    return result


def extract_ceiling(args: argparse.Namespace) -> Result:
    """feedparser alone on the payloads the extract stage landed (`raw/`), with the
    options the extractor uses: what reading the feeds costs before ecoute does anything
    with them. At most `--limit` entries (a rate needs no more)."""
    import feedparser

    from pipelines.landing import landed_batches

    settings = _settings(args)
    payloads = [
        batch.path / "raw" / json.loads(line)["file"]
        for batch in landed_batches(settings.landing, args.run_id)
        for line in (batch.path / "raw" / "index.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    result: Result = {"items": 0, "files": 0}
    with timed(result):
        for path in payloads:
            parsed = feedparser.parse(
                path.read_bytes(),
                response_headers={"content-location": str(path)},
                resolve_relative_uris=False,
            )
            result["items"] += len(parsed.entries)
            result["files"] += 1
            if args.limit and result["items"] >= args.limit:
                break
    return result


# --- load -----------------------------------------------------------------------------


def _table_counts(settings: Settings) -> dict[str, int]:
    from warehouse import db

    conn = db.connect(settings.db_path, read_only=True)
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("items", "quarantine", "item_deletions")
        }
    finally:
        conn.close()


def load(args: argparse.Namespace) -> Result:
    """`steps.load_run` on the landed run, then the same run loaded again (a replay):
    idempotent when the second load finds nothing new or updated and every count stays."""
    from pipelines import steps

    settings = _settings(args)
    result: Result = {}
    with timed(result):
        report = steps.load_run(settings, args.run_id)
    result["items"] = sum(r.get("items", 0) for r in report.per_source.values())
    result["report"] = report.per_source
    before = _table_counts(settings)
    replay: Result = {}
    with timed(replay):
        again = steps.load_run(settings, args.run_id)
    after = _table_counts(settings)
    changed = sum(r.get("new", 0) + r.get("updated", 0) for r in again.per_source.values())
    result["replay"] = {
        "seconds": replay["seconds"],
        "counts_before": before,
        "counts_after": after,
        "new_or_updated": changed,
        "idempotent": before == after and changed == 0,
    }
    return result


def load_ceiling(args: argparse.Namespace) -> Result:
    """The same rows without ecoute: every landed items.jsonl of the run read by
    pyarrow.json into one Arrow table, then one `INSERT INTO items_copy SELECT * FROM
    arrow_table` into a fresh DuckDB table of the `items` columns. `seconds` is the
    insert (the raw Arrow insert rate); `read_seconds` the JSON reading."""
    import duckdb
    import pyarrow as pa
    import pyarrow.json as pa_json

    from extractors.records import ITEM_COLUMNS
    from pipelines.landing import landed_batches

    settings = _settings(args)
    arrow_types = {"VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("s")}
    # `extra` is a JSON object whose keys vary: Arrow infers a struct, DuckDB casts it.
    schema = pa.schema([(c, arrow_types[t]) for c, t in ITEM_COLUMNS.items() if t in arrow_types])
    options = pa_json.ParseOptions(explicit_schema=schema)
    files = [b.items_file for b in landed_batches(settings.landing, args.run_id)]
    started = time.perf_counter()
    tables = [pa_json.read_json(f, parse_options=options) for f in files]
    arrow_table = pa.concat_tables(tables, promote_options="permissive").select(list(ITEM_COLUMNS))
    del tables
    read_seconds = time.perf_counter() - started
    target = Path(args.db)
    target.unlink(missing_ok=True)
    conn = duckdb.connect(str(target))
    try:
        columns = ", ".join(f"{c} {t}" for c, t in ITEM_COLUMNS.items())
        conn.execute(f"CREATE TABLE items_copy ({columns})")
        result: Result = {"items": arrow_table.num_rows, "read_seconds": read_seconds}
        with timed(result):
            conn.execute("INSERT INTO items_copy SELECT * FROM arrow_table")
            conn.execute("CHECKPOINT")
    finally:
        conn.close()
        target.unlink(missing_ok=True)
    return result


# --- the other steps -------------------------------------------------------------------


def _warehouse_items(settings: Settings) -> int:
    """What a step that works on the whole warehouse had to go through."""
    return _table_counts(settings)["items"]


def validate(args: argparse.Namespace) -> Result:
    from pipelines import steps

    settings = _settings(args)
    result: Result = {"items": _warehouse_items(settings)}
    with timed(result):
        result["rules"] = steps.validate(settings, args.run_id, args.after)
    return result


def annotate(args: argparse.Namespace) -> Result:
    """`steps.annotate_pending` with `--n-process` workers."""
    from pipelines import steps

    settings = _settings(args)
    result: Result = {"n_process": settings.nlp_processes}
    with timed(result):
        result["items"] = steps.annotate_pending(settings)
    return result


def nlp_ceiling(args: argparse.Namespace) -> Result:
    """Bare spaCy on the same texts: `nlp.build_pipeline()` (the model and ecoute's
    components, as annotate uses them) and `.pipe(texts, n_process=N)`, docs consumed and
    dropped. The pipeline's loading is timed, as it is in annotate; reading the texts
    from the warehouse is not."""
    from nlp.pipeline import build_pipeline
    from warehouse import db

    conn = db.connect(Path(args.db), read_only=True)
    try:  # as annotate reads them: every item's text
        texts = [row[0] for row in conn.execute("SELECT text FROM items").fetchall()]
    finally:
        conn.close()
    result: Result = {"items": len(texts), "n_process": args.n_process}
    with timed(result):
        nlp = build_pipeline()
        for _ in nlp.pipe(texts, n_process=args.n_process):
            pass
    return result


def replies(args: argparse.Namespace) -> Result:
    from pipelines import steps

    settings = _settings(args)
    result: Result = {"items": _warehouse_items(settings)}
    with timed(result):
        result["pairs"] = steps.detect_replies(settings)
    return result


def publish(args: argparse.Namespace) -> Result:
    """`steps.finish_run` (with the load's report) and `steps.publish` (the analysts' copy)."""
    from pipelines import steps

    settings = _settings(args)
    report = steps.LoadReport(json.loads(Path(args.load_report).read_text(encoding="utf-8")))
    result: Result = {"items": _warehouse_items(settings)}
    with timed(result):
        result["status"] = steps.finish_run(settings, args.run_id, report, args.annotated)
        steps.publish(settings)
    result["published_mb"] = settings.published_path.stat().st_size / 2**20
    return result


VIEW_QUERIES = {
    "response_rates": "SELECT * FROM response_rates",
    "question_status (count)": "SELECT count(*) FROM question_status",
    "question_status (all rows)": "SELECT * FROM question_status",
}


def views(args: argparse.Namespace) -> Result:
    """Each analyst query once to warm up, then the best of three, on the published copy
    (what analysts read); rows come back as Arrow, as a BI tool would take them."""
    from warehouse import db

    conn = db.connect(Path(args.db), read_only=True)
    result: Result = {"queries": {}}
    try:
        with timed(result):
            for name, query in VIEW_QUERIES.items():
                rows = conn.sql(query).fetch_arrow_table().num_rows
                times = []
                for _ in range(3):
                    started = time.perf_counter()
                    conn.sql(query).fetch_arrow_table()
                    times.append(time.perf_counter() - started)
                result["queries"][name] = {"rows": rows, "seconds": min(times)}
        result["items"] = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        conn.close()
    return result


STAGES: dict[str, Callable[[argparse.Namespace], Result]] = {
    "extract": extract,
    "extract-ceiling": extract_ceiling,
    "load": load,
    "load-ceiling": load_ceiling,
    "validate": validate,
    "annotate": annotate,
    "nlp-ceiling": nlp_ceiling,
    "replies": replies,
    "publish": publish,
    "views": views,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages")
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON")
    parser.add_argument("--config", help="sources.yml (default: ECOUTE_CONFIG)")
    parser.add_argument("--db", help="the warehouse, or the file a stage reads or writes")
    parser.add_argument("--run-id")
    parser.add_argument("--n-process", type=int, help="default: ECOUTE_NLP_PROCESSES")
    parser.add_argument("--after", choices=("load", "annotate"))
    parser.add_argument("--limit", type=int, default=0, help="extract-ceiling: entries")
    parser.add_argument("--load-report", help="publish: the load stage's per-source report")
    parser.add_argument("--annotated", type=int, default=0)
    args = parser.parse_args(argv)
    result = STAGES[args.stage](args)
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

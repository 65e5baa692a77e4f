"""dlt's duckdb destination on the rows the load stage loaded: the comparison the issue
asks for "if it can be made fair".

Run by `bench.run --dlt-python PY` with a Python that has dlt (not an ecoute dependency:
see bench/README.md for the one-line venv), so this file imports dlt, pyarrow and duckdb
only, and gets the `items` columns on its command line.

Fair means the same work as `steps.load_run`: the same landed items.jsonl files, read by
pyarrow.json as in the Arrow ceiling (not timed), then upserted by `item_id` (dlt's
`merge` write disposition), into a fresh DuckDB file of the same DuckDB version; then the
same rows again (a replay), which must leave the row count as it was. dlt's timing covers
its extract (Parquet files), normalize and load steps.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pyarrow as pa
import pyarrow.json as pa_json

ARROW_TYPES = {"VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "TIMESTAMP": pa.timestamp("s")}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rows(db: Path) -> int:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute("SELECT count(*) FROM bench.items").fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/dlt_load.py")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="dlt's pipelines folder")
    parser.add_argument("--columns", required=True, help="JSON: column -> DuckDB type")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    columns: dict[str, str] = json.loads(args.columns)
    schema = pa.schema([(c, ARROW_TYPES[t]) for c, t in columns.items() if t in ARROW_TYPES])
    options = pa_json.ParseOptions(explicit_schema=schema)
    tables = [pa_json.read_json(f, parse_options=options) for f in args.files]
    table = pa.concat_tables(tables, promote_options="permissive").select(list(columns))
    del tables
    args.db.unlink(missing_ok=True)
    pipeline = dlt.pipeline(
        pipeline_name="bench_items",
        destination=dlt.destinations.duckdb(str(args.db)),
        dataset_name="bench",
        pipelines_dir=str(args.work),
    )
    result: dict[str, Any] = {"items": table.num_rows, "dlt": dlt.__version__}
    for key in ("first", "replay"):
        started, cpu = time.perf_counter(), _cpu()
        items = dlt.resource(
            table,
            name="items",
            write_disposition="merge",
            primary_key="item_id",
            columns={c: {"timezone": False} for c, t in columns.items() if t == "TIMESTAMP"},
        )
        pipeline.run(items)
        result[key] = {
            "seconds": time.perf_counter() - started,
            "cpu_seconds": _cpu() - cpu,
            "rows": _rows(args.db),
        }
    result["seconds"] = result["first"]["seconds"]
    result["cpu_seconds"] = result["first"]["cpu_seconds"]
    result["idempotent"] = result["first"]["rows"] == result["replay"]["rows"] == table.num_rows
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    args.db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

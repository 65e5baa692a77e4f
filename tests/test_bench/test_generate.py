"""The benchmark's corpus generator at a tiny size: deterministic, and read by the real
pipeline into exactly the items it generated, with questions answered and unanswered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
ITEMS = 300


def generate(out: Path, *args: str) -> Path:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.generate", "--items", str(ITEMS), "--out", str(out), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("corpus") / "corpus")


def test_the_same_seed_gives_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    again = files(generate(tmp_path / "again"))
    assert again == files(corpus)
    assert files(generate(tmp_path / "other", "--seed", "7")) != again


def test_the_summary_counts_exactly_the_items_asked_for(corpus: Path) -> None:
    summary = json.loads((corpus / "corpus.json").read_text(encoding="utf-8"))
    totals = summary["totals"]
    assert totals["items"] == ITEMS == totals["posts"] + totals["comments"]
    assert sum(source["items"] for source in summary["sources"]) == ITEMS
    assert 0 < totals["answered"] < totals["questions"]


def test_ecoute_run_loads_every_item_and_finds_answered_and_unanswered_questions(
    corpus: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env["ECOUTE_HOME"] = str(tmp_path / "home")
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("ecoute")),
            "run",
            "--config",
            str(corpus / "sources.yml"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((corpus / "corpus.json").read_text(encoding="utf-8"))
    conn = duckdb.connect(str(tmp_path / "home" / "ecoute.duckdb"), read_only=True)
    try:
        items, owner_comments = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_owner AND kind = 'comment') FROM items"
        ).fetchone()
        rates = conn.execute(
            "SELECT count(*), sum(answered), sum(unanswered) FROM response_rates_by_source"
        ).fetchone()
        quarantined = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    finally:
        conn.close()
    assert (items, quarantined) == (ITEMS, 0)
    assert owner_comments == summary["totals"]["owner_comments"] > 0
    sources, answered, unanswered = rates
    assert sources == len(summary["sources"]) and answered > 0 and unanswered > 0

"""`ecoute run` on the bundled demo with pseudonymisation on (the default): the same
answered and unanswered figures, and no commenter's name in the warehouse file."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"
# questions, answered: the hand-checked figures of the demo (demo/labels.csv)
FIGURES = {
    "argile-bleue": (11, 6),
    "delices-margaux": (15, 5),
    "jardinerie-coteau": (14, 7),
    "velo-atelier": (17, 10),
}
OLD_RUN = "20200101T030000Z-0a0b0c"


def ecoute(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env.update({"ECOUTE_HOME": str(home), "COLUMNS": "200"})
    return subprocess.run(
        [str(ECOUTE), *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=600
    )


def plant_old_run(home: Path) -> Path:
    """A run landed in 2020: past the demo's 90 days of retention."""
    run = home / "landing" / "argile-bleue" / OLD_RUN
    (run / "raw").mkdir(parents=True)
    (run / "raw" / "0001.bin").write_bytes(b"<html>Gwen : vieux commentaire</html>")
    (run / "items.jsonl").write_text("", encoding="utf-8")
    manifest = {
        "source_id": "argile-bleue",
        "run_id": OLD_RUN,
        "started_at": "2020-01-01T03:00:00Z",
    }
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    plant_old_run(home)
    run = ecoute("run", home=home)
    assert run.returncode == 0, run.stderr
    assert "retention: deleted the raw payloads of 1 landed run(s)" in run.stderr
    return home


def query(home: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(home / "ecoute.duckdb"), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def labelled_authors(owner: bool) -> set[str]:
    with (REPO / "demo" / "labels.csv").open(encoding="utf-8") as handle:
        return {
            row["author"] for row in csv.DictReader(handle) if row["is_owner"] == str(int(owner))
        }


def test_the_demo_figures_are_those_of_the_clear_names(home: Path) -> None:
    rows = query(home, "SELECT source_id, questions, answered FROM response_rates_by_source")
    assert {source: (questions, answered) for source, questions, answered in rows} == FIGURES


def test_no_commenter_name_is_in_the_warehouse_file(home: Path) -> None:
    assert query(
        home,
        "SELECT count(*) FROM items WHERE NOT is_owner AND (author_name NOT LIKE 'anon-%'"
        " OR author_id NOT LIKE 'anon-%' OR json_extract(extra, '$.author_keys') IS NULL)",
    ) == [(0,)]
    # Names written inside comments ("@Gaëlle", "Merci Karim") stay: the text is not rewritten.
    texts = " ".join(
        t for (t,) in query(home, "SELECT text || ' ' || coalesce(title, '') FROM items")
    )
    commenters = {n for n in labelled_authors(owner=False) if n.casefold() not in texts.casefold()}
    assert len(commenters) >= 30  # e.g. "Aurélie Guérin", "jeje69", "Sandrine Le Goff"
    warehouse = (home / "ecoute.duckdb").read_bytes()
    assert sorted(n for n in commenters if n.encode() in warehouse) == []
    # the same search finds the owners' names, which stay in clear
    assert all(n.encode() in warehouse for n in labelled_authors(owner=True))
    landed = b"".join(p.read_bytes() for p in (home / "landing").glob("*/*/items.jsonl"))
    assert sorted(n for n in commenters if n.encode() in landed) == []
    raw = b"".join(p.read_bytes() for p in (home / "landing").glob("*/*/raw/*.bin"))
    assert "Aurélie Guérin".encode() in raw  # raw payloads stay as fetched until purged


def test_raw_payloads_past_their_retention_are_deleted_by_the_run(home: Path) -> None:
    old = home / "landing" / "argile-bleue" / OLD_RUN
    assert not (old / "raw").exists()
    assert (old / "items.jsonl").exists() and (old / "manifest.json").exists()
    current = [p for p in (home / "landing" / "argile-bleue").iterdir() if p.name != OLD_RUN]
    assert len(current) == 1 and any((current[0] / "raw").iterdir())


def test_a_second_run_gives_everyone_the_same_pseudonym(home: Path) -> None:
    before = query(home, "SELECT item_id, author_name, author_id FROM items ORDER BY item_id")
    again = ecoute("run", home=home)
    assert again.returncode == 0, again.stderr
    assert query(home, "SELECT item_id, author_name, author_id FROM items ORDER BY item_id") == (
        before
    )
    (latest,) = query(home, "SELECT max(run_id) FROM loads")
    assert query(
        home, f"SELECT sum(new), sum(updated) FROM loads WHERE run_id = '{latest[0]}'"
    ) == [(0, 0)]

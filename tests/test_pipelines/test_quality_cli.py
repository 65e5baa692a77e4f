"""Quality as an operator meets it: `ecoute run` and `ecoute load` stop on a broken rule with
a report, bad landed records are quarantined with a warning, `ecoute validate` checks by hand.
Real subprocesses on real files; the demo is run once for the whole module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"


def ecoute(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env.update(ECOUTE_HOME=str(home), COLUMNS="200")
    return subprocess.run(
        [str(ECOUTE), *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=300
    )


def query(db_path: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ECOUTE_HOME after `ecoute run` on the bundled demo (sources.yml)."""
    home = tmp_path_factory.mktemp("demo")
    run = ecoute("run", home=home)
    assert run.returncode == 0, run.stderr
    return home


@pytest.fixture
def planted_home(demo_home: Path, tmp_path: Path) -> tuple[Path, str]:
    """A copy of the demo's home where one annotation says `question_type = 'rant'`;
    returns the home and the item's id."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    conn = duckdb.connect(str(home / "ecoute.duckdb"))
    try:
        (item_id,) = conn.execute(
            "SELECT min(item_id) FROM annotations JOIN items USING (item_id) "
            "WHERE source_id = 'velo-atelier' AND is_question"
        ).fetchone()
        conn.execute("UPDATE annotations SET question_type = 'rant' WHERE item_id = ?", [item_id])
    finally:
        conn.close()
    return home, item_id


def test_the_demo_loads_nothing_into_quarantine_and_passes_every_rule(demo_home: Path) -> None:
    db_path = demo_home / "ecoute.duckdb"
    assert query(db_path, "SELECT count(*) FROM quarantine") == [(0,)]
    ((status, duration, counts, validation),) = query(
        db_path, "SELECT status, duration_seconds, counts, validation FROM runs"
    )
    assert status == "success" and duration > 0
    assert json.loads(counts)["quarantined"] == 0
    stored = json.loads(validation)
    assert stored["load"]["passed"] and stored["annotate"]["passed"]
    assert {r["stage"] for r in stored["annotate"]["rules"]} == {"annotations", "views"}

    checked = ecoute("validate", home=demo_home)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert ", 0 failed" in checked.stdout and "FAILED" not in checked.stdout
    for stage in ("items", "annotations", "views"):
        assert stage in checked.stdout
    assert checked.stderr == ""  # no Great Expectations logs or progress bars


def test_validate_names_the_source_rule_and_example_of_a_bad_annotation(
    planted_home: tuple[Path, str],
) -> None:
    home, item_id = planted_home
    checked = ecoute("validate", "--stage", "annotations", home=home)
    assert checked.returncode == 1
    assert ", 1 failed" in checked.stdout and "FAILED" in checked.stdout
    assert "│ items" not in checked.stdout and "│ views" not in checked.stdout
    (line,) = checked.stderr.splitlines()
    assert line.startswith(
        "error: source velo-atelier: annotations expect_column_values_to_be_in_set(question_type)"
    )
    assert f"{item_id} (question_type='rant')" in line


def test_a_run_that_breaks_a_rule_fails_with_the_report(planted_home: tuple[Path, str]) -> None:
    home, item_id = planted_home
    (run_id,) = (p.name for p in (home / "landing" / "velo-atelier").iterdir())
    replay = ecoute("load", "--run", run_id, home=home)
    assert replay.returncode == 1
    assert f"Run {run_id} (failed)" in replay.stdout
    assert "validation failed after annotate: 1 rule(s) broken" in replay.stderr
    assert "source velo-atelier: annotations expect_column_values_to_be_in_set(question_type)" in (
        replay.stderr
    )
    assert item_id in replay.stderr
    assert "Traceback" not in replay.stderr
    ((status, errors),) = query(
        home / "ecoute.duckdb", f"SELECT status, errors FROM runs WHERE run_id = '{run_id}'"
    )
    assert status == "failed"
    assert any("question_type" in error and item_id in error for error in json.loads(errors))


def write_feed(path: Path, dates: list[datetime]) -> None:
    """An RSS 2.0 feed with one post per date."""
    items = "".join(
        f"<item><title>Article {n}</title><link>https://boutique.example/{n}/</link>"
        f"<guid>https://boutique.example/?p={n}</guid>"
        f"<pubDate>{format_datetime(date)}</pubDate>"
        f"<description>Bonjour, voici notre article {n}.</description></item>"
        for n, date in enumerate(dates)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Boutique</title><link>https://boutique.example/</link>"
        f"<description>Une boutique</description>{items}</channel></rss>",
        encoding="utf-8",
    )


def test_a_post_dated_in_the_future_is_quarantined_and_the_run_warns(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    write_feed(tmp_path / "feed.xml", [now - timedelta(days=3), now + timedelta(days=30)])
    config = tmp_path / "sources.yml"
    config.write_text(
        "sources:\n"
        f"  - {{id: boutique, kind: rss, url: {tmp_path / 'feed.xml'}, "
        "params: {comments: false}}\n",
        encoding="utf-8",
    )
    run = ecoute("run", "--config", str(config), home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "warning: boutique: 1 record(s) quarantined" in run.stderr
    db_path = tmp_path / "ecoute.duckdb"
    ((run_id,),) = query(db_path, "SELECT run_id FROM runs")
    assert query(db_path, "SELECT run_id, source_id, rule FROM quarantine") == [
        (run_id, "boutique", "expect_column_values_to_be_between(published_at)")
    ]
    assert query(db_path, "SELECT count(*), max(published_at) < now() FROM items") == [(1, True)]
    assert query(db_path, "SELECT quarantined FROM loads") == [(1,)]
    assert query(db_path, "SELECT status FROM runs") == [("success",)]  # the rest passed


def test_validate_has_help(tmp_path: Path) -> None:
    shown = ecoute("validate", "--help", home=tmp_path)
    assert shown.returncode == 0 and "--stage" in shown.stdout

"""The `ecoute` command as a user runs it: a real subprocess, real files, real HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from extractors.http import ALLOW_LOOPBACK_ENV
from extractors.records import Item

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"
TABLES = ("sources", "items", "annotations")


def ecoute(
    *args: str,
    home: Path,
    stdin: str | None = None,
    cwd: Path = REPO,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env[ALLOW_LOOPBACK_ENV] = "1"  # the test servers are on 127.0.0.1
    env.update({"ECOUTE_HOME": str(home), "COLUMNS": "200", **(extra_env or {})})
    return subprocess.run(
        [str(ECOUTE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def row_counts(db_path: Path) -> dict[str, int]:
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def assert_one_line_error(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ecoute: error:"), proc.stderr
    assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


def test_run_on_the_demo_prints_rates_and_a_rerun_changes_no_row(tmp_path: Path) -> None:
    first = ecoute("run", home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Response rates" in first.stdout
    for column in ("source_id", "questions", "answered", "unanswered", "unanswered_pct"):
        assert column in first.stdout
    assert "delices-margaux" in first.stdout and "velo-atelier" in first.stdout
    # where the time went, step by step, in the order the steps ran
    steps = re.findall(r"^(.+) done in \d+\.\d s$", first.stderr, re.MULTILINE)
    assert steps[0].startswith("extract, ") and steps[1:] == [
        "load",
        "validate after load",
        "annotate",
        "replies",
        "validate after annotate",
        "publish",
    ], first.stderr
    db_path = tmp_path / "ecoute.duckdb"
    counts = row_counts(db_path)
    assert counts["items"] > 0 and counts["annotations"] == counts["items"]

    second = ecoute("run", home=tmp_path)
    assert second.returncode == 0, second.stderr
    assert row_counts(db_path) == counts
    landed = sorted(p.name for p in (tmp_path / "landing" / "velo-atelier").iterdir())
    assert len(landed) == 2 and not any(n.endswith(".partial") for n in landed)

    query = ecoute("sql", "SELECT count(*) AS n FROM items", home=tmp_path)
    assert query.returncode == 0 and str(counts["items"]) in query.stdout


def test_replaying_a_landed_run_duplicates_nothing(tmp_path: Path) -> None:
    assert ecoute("run", "--source", "velo-atelier", home=tmp_path).returncode == 0
    counts = row_counts(tmp_path / "ecoute.duckdb")
    (run_dir,) = (tmp_path / "landing" / "velo-atelier").iterdir()
    replay = ecoute("load", "--run", run_dir.name, home=tmp_path)
    assert replay.returncode == 0, replay.stderr
    assert row_counts(tmp_path / "ecoute.duckdb") == counts
    assert "Response rates" in replay.stdout
    conn = duckdb.connect(str(tmp_path / "ecoute.duckdb"), read_only=True)
    try:
        assert conn.execute("SELECT run_id, status FROM runs").fetchall() == [
            (run_dir.name, "success")
        ]
    finally:
        conn.close()


def test_two_nlp_processes_annotate_like_one(tmp_path: Path) -> None:
    columns = "item_id, lang, is_question, question_rule, question_type, sentiment, topics"
    query = f"SELECT {columns} FROM annotations ORDER BY item_id"
    results = []
    for processes in ("1", "2"):
        home = tmp_path / processes
        run = ecoute(
            "run",
            "--source",
            "velo-atelier",
            home=home,
            extra_env={"ECOUTE_NLP_PROCESSES": processes},
        )
        assert run.returncode == 0, run.stderr
        conn = duckdb.connect(str(home / "ecoute.duckdb"), read_only=True)
        try:
            results.append(conn.execute(query).fetchall())
        finally:
            conn.close()
    assert results[0] and results[0] == results[1]


def test_a_bad_nlp_processes_setting_is_one_line(tmp_path: Path) -> None:
    run = ecoute("run", home=tmp_path, extra_env={"ECOUTE_NLP_PROCESSES": "two"})
    assert run.returncode == 2
    assert "ECOUTE_NLP_PROCESSES='two': expected a whole number" in run.stderr
    assert "Traceback" not in run.stderr


def test_replaying_an_unknown_run_says_so(tmp_path: Path) -> None:
    assert_one_line_error(ecoute("load", "--run", "nope", home=tmp_path), "nothing landed")


def test_a_failing_source_is_reported_and_the_others_load(tmp_path: Path) -> None:
    config = tmp_path / "sources.yml"
    config.write_text(
        "sources:\n"
        f"  - {{id: demo, kind: rss, url: {REPO / 'demo/velo-atelier/feed.atom'}}}\n"
        "  - {id: gone, kind: rss, url: http://127.0.0.1:9/feed}\n",
        encoding="utf-8",
    )
    proc = ecoute("run", "--config", str(config), home=tmp_path)
    assert proc.returncode == 1
    assert "failed" in proc.stdout
    assert "error: source 'gone': http://127.0.0.1:9/feed: connection failed" in proc.stderr
    conn = duckdb.connect(str(tmp_path / "ecoute.duckdb"), read_only=True)
    try:
        assert conn.execute("SELECT DISTINCT source_id FROM items").fetchall() == [("demo",)]
        assert conn.execute("SELECT status FROM runs").fetchall() == [("partial",)]
    finally:
        conn.close()


def test_bad_config_is_one_line_without_traceback(tmp_path: Path) -> None:
    config = tmp_path / "sources.yml"
    config.write_text("sources:\n  - {id: a, kind: rss, url: x, colour: red}\n")
    assert_one_line_error(
        ecoute("run", "--config", str(config), home=tmp_path), "source 'a': unknown key 'colour'"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(ecoute("run", home=tmp_path, cwd=empty), "config file not found")


def test_sql_without_a_warehouse_says_so(tmp_path: Path) -> None:
    assert_one_line_error(ecoute("sql", "SELECT 1", home=tmp_path), "no warehouse at")


def test_extract_prints_one_json_line_per_item_from_loopback(
    feeds_server: HTTPServer, tmp_path: Path
) -> None:
    proc = ecoute(
        "extract",
        "--kind",
        "rss",
        "--url",
        feeds_server.url_for("/blog.xml"),
        "--owner",
        "Fromagerie Lucas",
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    items = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(items) == 5
    assert {tuple(i) for i in items} == {tuple(Item.model_fields)}
    assert sum(i["is_owner"] for i in items) == 3
    assert "404" in proc.stderr  # the missing comment feed, as a warning


def test_extract_rejects_an_unknown_kind(tmp_path: Path) -> None:
    assert_one_line_error(
        ecoute("extract", "--kind", "myspace", "--url", "x", home=tmp_path),
        "unknown source kind 'myspace'",
    )


def test_annotate_reads_stdin_and_writes_stdout(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "text": "Vous livrez a Villeurbanne le samedi ?"},
        {"id": "b", "text": "Trop bon ce pain, merci !! 😍", "auteur": "Lucie"},
        {"text": ""},
    ]
    proc = ecoute(
        "annotate",
        home=tmp_path,
        stdin="\n".join(json.dumps(line, ensure_ascii=False) for line in lines),
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", "b", None]
    assert out[1]["auteur"] == "Lucie" and out[1]["text"] == lines[1]["text"]
    for record in out:
        assert {"lang", "is_question", "sentiment", "sentiment_score", "topics"} <= set(record)
        assert record["sentiment"] in {"positive", "negative", "neutral"}
        assert -1 <= record["sentiment_score"] <= 1 and isinstance(record["topics"], list)
    assert out[0]["is_question"] is True and out[1]["is_question"] is False
    assert out[1]["sentiment"] == "positive"


def test_annotate_names_the_bad_line(tmp_path: Path) -> None:
    proc = ecoute("annotate", home=tmp_path, stdin='{"text": "ok"}\n{"texte": "oups"}\n')
    assert_one_line_error(proc, "stdin, line 2: expected an object with a 'text' string")


@pytest.mark.parametrize("command", ["run", "load", "extract", "extractors", "annotate", "sql"])
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    proc = ecoute(command, "--help", home=tmp_path)
    assert proc.returncode == 0 and "usage: ecoute" in proc.stdout


def test_a_second_run_on_unchanged_sources_inserts_nothing_and_only_asks_304s(
    feeds_server: HTTPServer, tmp_path: Path
) -> None:
    config = tmp_path / "sources.yml"
    config.write_text(
        "http: {min_interval: 0}\nsources:\n"
        f"  - {{id: fromager, kind: rss, url: '{feeds_server.url_for('/blog.xml')}'}}\n",
        encoding="utf-8",
    )
    first = ecoute("run", "--config", str(config), home=tmp_path)
    assert first.returncode == 0, first.stderr
    requests_before = len(feeds_server.log)
    second = ecoute("run", "--config", str(config), home=tmp_path)
    assert second.returncode == 0, second.stderr
    conn = duckdb.connect(str(tmp_path / "ecoute.duckdb"), read_only=True)
    try:
        loads = conn.execute("SELECT run_id, items, new, updated FROM loads ORDER BY loaded_at")
        (_, _, new, _), (_, items, new_again, updated) = loads.fetchall()
    finally:
        conn.close()
    assert new == 5 and (items, new_again, updated) == (0, 0, 0)
    later = feeds_server.log[requests_before:]
    found = [(request.path, response.status_code) for request, response in later]
    assert ("/blog.xml", 304) in found and ("/comments/raclette.xml", 304) in found
    assert all(
        request.headers.get("If-None-Match")
        for request, response in later
        if response.status_code != 404
    )


def test_extract_reads_what_it_can_of_a_broken_feed_and_says_why(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    feed = (REPO / "tests" / "fixtures" / "feeds" / "blog.xml").read_bytes()
    cut = feed[: feed.index(b"<item>", feed.index(b"</item>"))] + b"<item><title>Fer"
    httpserver.expect_request("/feed").respond_with_data(cut.decode().encode("cp1252"))
    proc = ecoute(
        "extract",
        "--kind",
        "rss",
        "--url",
        httpserver.url_for("/feed"),
        "--param",
        "comments=false",
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (item,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert item["title"] == "Raclette : on prend les commandes !"
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "feed read despite problems" in warnings[0]

"""Data quality on real DuckDB files: bad landed records are quarantined at load time, whole
tables and views are checked after each step, and a broken rule fails the run with a report.

The landed batches are JSON lines written here (not through `Item`, which would refuse most
of the bad records a landing file can still hold). Dates are relative to now, so that the
"not in the future" rule sees the same thing whenever the tests run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from support.threads import all_pending

from extractors.base import SourceConfig
from extractors.records import content_hash
from pipelines import steps
from pipelines.config import Settings
from warehouse import db, runs
from warehouse.annotations import store_annotations
from warehouse.load import LoadCounts, load_batch
from warehouse.quality import suites
from warehouse.quality.validate import (
    RuleResult,
    ValidationFailed,
    report,
    validate_run,
    validate_stages,
)

REPO = Path(__file__).resolve().parents[2]
SOURCE = SourceConfig(id="blog", kind="rss", url="https://blog.example/feed", owners=("Shop",))
NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
T0 = NOW - timedelta(days=30)


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def record(n: int, **overrides: Any) -> dict[str, Any]:
    """Item `blog:n` as a landed JSON object: 0 is the post, the others comment on it."""
    text = overrides.get("text", f"commentaire {n}")
    fields: dict[str, Any] = {
        "item_id": f"blog:{n}",
        "source_id": "blog",
        "kind": "comment" if n else "post",
        "post_id": "blog:0",
        "parent_id": None if n == 0 else "blog:0",
        "author_name": f"user{n}",
        "author_id": None,
        "is_owner": False,
        "published_at": iso(T0 + timedelta(hours=n)),
        "url": None,
        "title": None,
        "text": text,
        "fetched_at": iso(T0 + timedelta(days=1)),
        "content_hash": content_hash(text),
        "extra": {"n": n},
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = db.connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def load(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    records: list[dict[str, Any]],
    run_id: str = "r1",
    complete_threads: list[str] | None = None,
) -> LoadCounts:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return load_batch(
        conn, path, SOURCE, run_id=run_id, cursor=None, complete_threads=complete_threads
    )


def item_ids(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT item_id FROM items ORDER BY 1").fetchall()]


def quarantined(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = conn.execute(
        "SELECT run_id, source_id, item_id, position, stage, rule, detail, record "
        "FROM quarantine ORDER BY position, rule"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- row-level rules, at load time ----------------------------------------------------------

BETWEEN_TEXT_COMMENT = "expect_column_values_to_be_between(text_length | kind == 'comment')"
PARENT_RESOLVES = "expect_column_pair_values_to_be_equal(parent_id, known_parent_id)"

ROW_RULES: list[tuple[str, Callable[[], dict[str, Any]], str]] = [
    (
        "no item id",
        lambda: record(2, item_id=None),
        "expect_column_values_to_not_be_null(item_id)",
    ),
    (
        "another source's record",
        lambda: record(2, source_id="shop"),
        "expect_column_values_to_be_in_set(source_id)",
    ),
    ("unknown kind", lambda: record(2, kind="story"), "expect_column_values_to_be_in_set(kind)"),
    (
        "published in the future",
        lambda: record(2, published_at=iso(NOW + timedelta(days=3))),
        "expect_column_values_to_be_between(published_at)",
    ),
    (
        "published before 1995",
        lambda: record(2, published_at="1970-01-01T00:00:00Z"),
        "expect_column_values_to_be_between(published_at)",
    ),
    (
        "no publication date",
        lambda: record(2, published_at=None),
        "expect_column_values_to_not_be_null(published_at)",
    ),
    ("empty comment", lambda: record(2, text=""), BETWEEN_TEXT_COMMENT),
    (
        "comment longer than the bound",
        lambda: record(2, text="a" * (suites.MAX_COMMENT_CHARS + 1)),
        BETWEEN_TEXT_COMMENT,
    ),
    (
        "post longer than the bound",
        lambda: record(2, kind="post", parent_id=None, text="a" * (suites.MAX_POST_CHARS + 1)),
        "expect_column_values_to_be_between(text_length | kind == 'post')",
    ),
    (
        "parent nowhere",
        lambda: record(2, parent_id="blog:404"),
        PARENT_RESOLVES,
    ),
]


@pytest.mark.parametrize(
    ("bad", "rule"), [(make, rule) for _, make, rule in ROW_RULES], ids=[c for c, *_ in ROW_RULES]
)
def test_a_row_breaking_a_rule_is_quarantined_while_the_good_rows_load(
    conn, tmp_path: Path, bad: Callable[[], dict[str, Any]], rule: str
) -> None:
    planted = bad()
    counts = load(conn, tmp_path / "items.jsonl", [record(0), record(1), planted])

    assert item_ids(conn) == ["blog:0", "blog:1"]
    assert (counts.items, counts.new, counts.quarantined) == (2, 2, 1)
    (row,) = quarantined(conn)
    assert (row["run_id"], row["source_id"], row["item_id"]) == ("r1", "blog", planted["item_id"])
    assert (row["position"], row["stage"], row["rule"]) == (3, "items", rule)
    assert json.loads(row["record"])["text"] == planted["text"]  # kept whole
    loads = conn.execute("SELECT items, quarantined FROM loads").fetchall()
    assert loads == [(2, 1)]


def test_the_detail_says_what_the_rule_asks_and_what_was_found(conn, tmp_path: Path) -> None:
    load(conn, tmp_path / "items.jsonl", [record(0), record(1, kind="story")])
    (row,) = quarantined(conn)
    assert row["detail"] == "kind is post or comment; found kind='story'"
    stored = json.loads(row["record"])
    assert stored["item_id"] == "blog:1" and stored["extra"] == {"n": 1}


def test_two_versions_fetched_at_the_same_time_are_both_held_back(conn, tmp_path: Path) -> None:
    one, other = record(1, text="version a"), record(1, text="version b")
    counts = load(conn, tmp_path / "items.jsonl", [record(0), one, other])
    assert counts.quarantined == 2
    assert item_ids(conn) == ["blog:0"]
    rows = quarantined(conn)
    assert [(r["position"], r["rule"]) for r in rows] == [
        (2, "expect_column_values_to_be_unique(item_id)"),
        (3, "expect_column_values_to_be_unique(item_id)"),
    ]


def test_the_same_record_twice_in_a_batch_is_loaded_once(conn, tmp_path: Path) -> None:
    counts = load(conn, tmp_path / "items.jsonl", [record(0), record(1), record(1)])
    assert (counts.new, counts.quarantined) == (2, 0)


def test_a_reply_to_a_quarantined_record_is_held_back_with_it(conn, tmp_path: Path) -> None:
    future = record(1, published_at=iso(NOW + timedelta(days=3)))
    reply = record(2, parent_id="blog:1")
    reply_to_reply = record(3, parent_id="blog:2")
    counts = load(conn, tmp_path / "items.jsonl", [record(0), future, reply, reply_to_reply])
    assert counts.quarantined == 3
    assert item_ids(conn) == ["blog:0"]
    rules = {r["item_id"]: r["rule"] for r in quarantined(conn)}
    assert rules == {
        "blog:1": "expect_column_values_to_be_between(published_at)",
        "blog:2": PARENT_RESOLVES,
        "blog:3": PARENT_RESOLVES,
    }


def test_a_parent_loaded_by_an_earlier_run_resolves(conn, tmp_path: Path) -> None:
    load(conn, tmp_path / "first.jsonl", [record(0), record(1)])
    counts = load(conn, tmp_path / "later.jsonl", [record(2, parent_id="blog:1")], run_id="r2")
    assert counts.quarantined == 0
    assert item_ids(conn) == ["blog:0", "blog:1", "blog:2"]


def test_a_bad_new_version_is_held_back_and_the_loaded_one_stays(conn, tmp_path: Path) -> None:
    load(conn, tmp_path / "first.jsonl", [record(0), record(1)], complete_threads=["blog:0"])
    edited = record(1, text="", fetched_at=iso(T0 + timedelta(days=2)))
    counts = load(
        conn, tmp_path / "later.jsonl", [record(0), edited], "r2", complete_threads=["blog:0"]
    )
    assert (counts.updated, counts.deleted, counts.quarantined) == (0, 0, 1)
    text = conn.execute("SELECT text FROM items WHERE item_id = 'blog:1'").fetchone()
    assert text == ("commentaire 1",)
    assert conn.execute("SELECT count(*) FROM item_deletions").fetchone() == (0,)


def test_replaying_a_run_rewrites_its_quarantine_rows(conn, tmp_path: Path) -> None:
    batch = [record(0), record(1, kind="story"), record(2, parent_id="blog:404")]
    load(conn, tmp_path / "items.jsonl", batch)
    first = quarantined(conn)
    load(conn, tmp_path / "items.jsonl", batch)
    assert len(first) == 2
    assert [(r["item_id"], r["rule"]) for r in quarantined(conn)] == [
        (r["item_id"], r["rule"]) for r in first
    ]


def test_replaying_a_corrected_batch_releases_its_records(conn, tmp_path: Path) -> None:
    load(conn, tmp_path / "items.jsonl", [record(0), record(1, kind="story")])
    counts = load(conn, tmp_path / "items.jsonl", [record(0), record(1)])
    assert counts.quarantined == 0
    assert quarantined(conn) == []
    assert item_ids(conn) == ["blog:0", "blog:1"]


def test_a_batch_that_fails_leaves_no_quarantine_row(conn, tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(
        json.dumps(record(0)) + "\n" + json.dumps(record(1, kind="story")) + '\n{"item_id": ',
        encoding="utf-8",
    )
    with pytest.raises(duckdb.Error):
        load_batch(conn, path, SOURCE, run_id="r1", cursor=None)
    assert quarantined(conn) == [] and item_ids(conn) == []


# --- suites on whole tables and views ---------------------------------------------------------


def annotate(conn: duckdb.DuckDBPyConnection, questions: set[str], **overrides: Any) -> None:
    """Hand annotations for every item: `questions` are information questions."""
    rows = []
    for item_id, chash, text in all_pending(conn, "hand"):
        question = item_id in questions
        rows.append(
            {
                "item_id": item_id,
                "nlp_version": "hand",
                "content_hash": chash,
                "lang": "fr",
                "is_question": question,
                "question_sentence": text if question else None,
                "question_rule": "qmark" if question else None,
                "question_type": "information" if question else None,
                "sentiment": "neutral",
                "sentiment_score": 0.0,
                "topics": [],
                **overrides,
            }
        )
    store_annotations(conn, rows)


@pytest.fixture
def thread(conn, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A post, a question (blog:1) and the owner's answer (blog:2), annotated."""
    answer = record(2, parent_id="blog:1", author_name="Shop", is_owner=True)
    load(conn, tmp_path / "items.jsonl", [record(0), record(1), answer])
    annotate(conn, {"blog:1"})
    conn.execute(
        "INSERT INTO replies (source_id, question_id, reply_item_id, reply_author, "
        "reply_is_owner, replied_at, reply_rule) "
        "SELECT 'blog', 'blog:1', 'blog:2', 'Shop', true, published_at, 'parent' "
        "FROM items WHERE item_id = 'blog:2'"
    )
    return conn


def failures(results: list[RuleResult]) -> dict[tuple[str, str], RuleResult]:
    return {(r.table, r.rule): r for r in results if not r.success}


def test_every_suite_passes_on_a_clean_warehouse(thread) -> None:
    results = validate_stages(thread, ("items", "annotations", "views"), NOW)
    assert {r.stage for r in results} == {"items", "annotations", "views"}
    assert failures(results) == {}
    assert report(results) == []


def test_a_bad_annotation_is_reported_with_its_source_rule_and_example(thread) -> None:
    thread.execute("UPDATE annotations SET question_type = 'rant' WHERE item_id = 'blog:1'")
    results = validate_stages(thread, ("annotations",), NOW)
    broken = failures(results)
    assert list(broken) == [("annotations", "expect_column_values_to_be_in_set(question_type)")]
    (result,) = broken.values()
    assert (result.source_id, result.checked, result.unexpected) == ("blog", 3, 1)
    assert result.examples == ("blog:1 (question_type='rant')",)
    (line,) = report(results)
    assert line.startswith(
        "source blog: annotations expect_column_values_to_be_in_set(question_type): "
        "1 of 3 row(s) break it"
    )
    assert "blog:1 (question_type='rant')" in line


def test_an_annotation_of_an_unknown_item_is_reported(thread) -> None:
    thread.execute(
        "INSERT INTO annotations SELECT * REPLACE ('ghost' AS item_id) FROM annotations "
        "WHERE item_id = 'blog:0'"
    )
    broken = failures(validate_stages(thread, ("annotations",), NOW))
    result = broken[("annotations", "expect_column_values_to_not_be_null(source_id)")]
    assert result.source_id is None and result.examples == ("ghost (source_id=None)",)
    assert result.line().startswith("all sources: annotations")


def test_a_dangling_parent_already_in_items_fails_the_items_suite(thread) -> None:
    # e.g. loaded before the rules existed: the load never lets one in
    thread.execute(
        "INSERT INTO items SELECT * REPLACE ('blog:9' AS item_id, 'blog:404' AS parent_id) "
        "FROM items WHERE item_id = 'blog:1'"
    )
    broken = failures(validate_stages(thread, ("items",), NOW))
    result = broken[("items", PARENT_RESOLVES)]
    assert (result.source_id, result.unexpected) == ("blog", 1)
    assert result.examples == ("blog:9 (parent_id='blog:404', known_parent_id=None)",)


def test_a_reply_before_its_question_breaks_the_response_time_rules(thread) -> None:
    thread.execute("UPDATE replies SET replied_at = replied_at - INTERVAL 3 HOUR")
    broken = failures(validate_stages(thread, ("views",), NOW))
    assert set(broken) == {
        ("question_status", "expect_column_values_to_be_between(response_hours)"),
        ("response_rates", "expect_column_values_to_be_between(median_response_hours)"),
        ("response_rates_by_source", "expect_column_values_to_be_between(median_response_hours)"),
        ("first_response_times", "expect_column_values_to_be_between(p50_hours)"),
    }
    status = broken[("question_status", "expect_column_values_to_be_between(response_hours)")]
    assert status.source_id == "blog" and status.examples == ("blog:1 (response_hours=-2.0)",)


def test_a_broken_view_breaks_the_rate_and_count_rules(thread) -> None:
    # what a wrong migration of the view would do: more answers than questions, 150 %
    thread.execute(
        "CREATE OR REPLACE VIEW response_rates AS SELECT 'blog' AS source_id, "
        "DATE '2026-10-01' AS month, 2 AS questions, 3 AS answered, 1 AS unanswered, "
        "150.0 AS unanswered_pct, 1.0 AS median_response_hours"
    )
    broken = failures(validate_stages(thread, ("views",), NOW))
    assert set(broken) == {
        ("response_rates", "expect_column_values_to_be_between(unanswered_pct)"),
        ("response_rates", "expect_column_pair_values_a_to_be_greater_than_b(questions, answered)"),
    }
    rate = broken[("response_rates", "expect_column_values_to_be_between(unanswered_pct)")]
    assert rate.examples == ("2026-10-01 (unanswered_pct=150.0)",)
    assert "unanswered_pct within [0, 100]" in rate.line()


# --- the validate step and the runs table -----------------------------------------------------


def settings_for(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "sources.yml", home=tmp_path, db_path=tmp_path / "w.duckdb")


def started(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    runs.start_run(conn, run_id, datetime.now(UTC) - timedelta(seconds=2))
    conn.close()


def run_row(path: Path, run_id: str) -> dict[str, Any]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        cursor = connection.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))
    finally:
        connection.close()


def test_a_passing_validation_is_stored_with_the_run(thread, tmp_path: Path) -> None:
    started(thread, "r1")
    checked = steps.validate(settings_for(tmp_path), "r1", "annotate")
    run = run_row(tmp_path / "w.duckdb", "r1")
    stored = json.loads(run["validation"])["annotate"]
    assert run["status"] == "running"  # finish_run decides, later
    assert stored["passed"] is True and stored["stages"] == ["annotations", "views"]
    assert len(stored["rules"]) == checked and all(r["success"] for r in stored["rules"])


def test_a_broken_rule_fails_the_run_with_a_report(thread, tmp_path: Path) -> None:
    thread.execute("UPDATE annotations SET question_type = 'rant' WHERE item_id = 'blog:1'")
    started(thread, "r1")
    with pytest.raises(ValidationFailed) as failed:
        steps.validate(settings_for(tmp_path), "r1", "annotate")
    message = str(failed.value)
    assert message.startswith("run r1: validation after annotate failed, 1 rule(s) broken:\n")
    assert "source blog: annotations expect_column_values_to_be_in_set(question_type)" in message
    assert "blog:1 (question_type='rant')" in message

    run = run_row(tmp_path / "w.duckdb", "r1")
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert run["duration_seconds"] >= 2
    (error,) = json.loads(run["errors"])
    assert error == "validation after annotate: " + failed.value.lines[0]
    assert json.loads(run["validation"])["annotate"]["passed"] is False


# --- after a step of a run: the rows that changed, the whole tables, the views ---------------


def row_rules_checked(results: list[RuleResult], stage: str) -> set[int]:
    """How many rows the row-level rules of `stage` looked at (their unconditional ones)."""
    rules = suites.item_rules(NOW, []) if stage == "items" else suites.annotation_rules()
    names = {r.name for r in rules if not r.whole_table and not r.when}
    return {r.checked for r in results if r.stage == stage and r.rule in names}


def test_a_run_checks_the_rows_that_changed_since_they_last_passed(thread, tmp_path) -> None:
    first = validate_run(thread, ("items", "annotations"), NOW)
    assert report(first) == []
    assert row_rules_checked(first, "items") == row_rules_checked(first, "annotations") == {3}

    again = validate_run(thread, ("items", "annotations"), NOW)
    assert row_rules_checked(again, "items") == row_rules_checked(again, "annotations") == {0}
    whole = {r.rule: r.checked for r in again if r.stage == "items"}
    assert whole["expect_column_values_to_be_unique(item_id)"] == 3  # the table, every time

    edited = record(1, text="commentaire modifié", fetched_at=iso(T0 + timedelta(days=2)))
    load(thread, tmp_path / "edit.jsonl", [edited], run_id="r2")
    assert row_rules_checked(validate_run(thread, ("items",), NOW), "items") == {1}


def test_a_row_changed_by_hand_is_checked_again(thread) -> None:
    validate_run(thread, ("annotations",), NOW)
    thread.execute("UPDATE annotations SET question_type = 'rant' WHERE item_id = 'blog:1'")
    broken = failures(validate_run(thread, ("annotations",), NOW))
    result = broken[("annotations", "expect_column_values_to_be_in_set(question_type)")]
    assert (result.checked, result.unexpected, result.examples) == (
        1,
        1,
        ("blog:1 (question_type='rant')",),
    )


def test_a_row_that_failed_is_checked_again_by_the_next_run(thread) -> None:
    thread.execute("UPDATE annotations SET lang = 'FR' WHERE item_id = 'blog:0'")
    assert report(validate_run(thread, ("annotations",), NOW))
    assert report(validate_run(thread, ("annotations",), NOW))  # not recorded as passed
    thread.execute("UPDATE annotations SET lang = 'fr' WHERE item_id = 'blog:0'")
    assert report(validate_run(thread, ("annotations",), NOW)) == []


def test_one_row_per_item_is_checked_on_the_whole_table(thread) -> None:
    # `items` has no index (migration 007): the load keeps one row per item, this says so
    validate_run(thread, ("items",), NOW)
    thread.execute("INSERT INTO items SELECT * FROM items WHERE item_id = 'blog:1'")
    broken = failures(validate_run(thread, ("items",), NOW))
    result = broken[("items", "expect_column_values_to_be_unique(item_id)")]
    assert (result.checked, result.unexpected) == (4, 2)


def test_a_run_that_changed_nothing_does_not_import_great_expectations(thread, tmp_path) -> None:
    validate_run(thread, ("items", "annotations", "views"), NOW)
    thread.close()
    script = (
        "import sys, json\n"
        "from datetime import datetime\n"
        "from pathlib import Path\n"
        "from warehouse import db\n"
        "from warehouse.quality.validate import validate_run\n"
        f"conn = db.connect(Path({str(tmp_path / 'w.duckdb')!r}))\n"
        f"now = datetime.fromisoformat({NOW.isoformat()!r})\n"
        "results = validate_run(conn, ('items', 'annotations', 'views'), now)\n"
        "print(json.dumps([len(results), all(r.success for r in results),\n"
        "                  'great_expectations' in sys.modules]))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    checked, passed, imported = json.loads(ran.stdout)
    assert checked > 20 and passed and not imported

"""Analyst views on a hand-built thread whose answers we know."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from support.threads import all_pending

from extractors.base import SourceConfig
from extractors.records import Item, content_hash
from warehouse import db
from warehouse.annotations import count_pending, store_annotations
from warehouse.load import load_batch, upsert_source
from warehouse.replies import refresh_replies

BLOG = SourceConfig(id="blog", kind="rss", url="https://blog.example/feed", owners=("Shop",))
QUIET = SourceConfig(id="quiet", kind="rss", url="https://quiet.example/feed")
T0 = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)

# (id, author, is_owner, parent, hours after T0, is_question)
THREAD = [
    ("post", "Shop", True, None, 0, False),
    ("q1", "Sophie", False, "post", 1, True),  # answered by the owner 3 h later
    ("a1", "Shop", True, "q1", 4, False),
    ("q2", "Karim", False, "post", 2, True),  # answered by another customer only
    ("a2", "Lea", False, "q2", 5, False),
    ("q3", "Jo", False, "post", 3, True),  # only the asker follows up
    ("a3", "Jo", False, "q3", 6, False),
    ("q4", "Shop", True, "post", 7, True),  # the owner's own question: excluded
    ("c5", "Mina", False, "post", 8, False),  # praise, not a question
    ("q6", "Paul", False, "post", 24 * 30, True),  # November, never answered in thread
    ("f6", "Shop", True, "post", 24 * 30 + 2, False),  # flat owner comment: not threaded
]
QUESTIONS = {row[0] for row in THREAD if row[5]}


def thread_items() -> list[Item]:
    items = []
    for key, author, owner, parent, hours, _ in THREAD:
        text = f"texte de {key}"
        items.append(
            Item(
                item_id=key,
                source_id="blog",
                kind="post" if key == "post" else "comment",
                post_id="post",
                parent_id=parent,
                author_name=author,
                is_owner=owner,
                published_at=T0 + timedelta(hours=hours),
                text=text,
                fetched_at=T0,
                content_hash=content_hash(text),
            )
        )
    return items


def annotation(item_id: str, chash: str, version: str = "test-1") -> dict[str, object]:
    question = item_id in QUESTIONS
    return {
        "item_id": item_id,
        "nlp_version": version,
        "content_hash": chash,
        "lang": "fr",
        "is_question": question,
        "question_sentence": "texte ?" if question else None,
        "question_rule": "qmark" if question else None,
        "question_type": "information" if question else None,
        "sentiment": "neutral",
        "sentiment_score": 0.0,
        "topics": [],
    }


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = db.connect(tmp_path / "w.duckdb")
    batch = tmp_path / "items.jsonl"
    batch.write_text("".join(i.to_json() + "\n" for i in thread_items()), encoding="utf-8")
    load_batch(connection, batch, BLOG, run_id="r1", cursor=None)
    upsert_source(connection, QUIET, run_id="r1", cursor=None)
    pending = all_pending(connection, "test-1")
    store_annotations(connection, [annotation(i, h) for i, h, _ in pending])
    refresh_replies(connection)
    yield connection
    connection.close()


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, object]]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def test_question_status_has_the_contract_columns(conn) -> None:
    cursor = conn.execute("SELECT * FROM question_status LIMIT 0")
    assert [d[0] for d in cursor.description] == [
        "item_id",
        "source_id",
        "post_id",
        "post_url",
        "author",
        "asked_at",
        "text",
        "question_type",
        "question_evidence",
        "topics",
        "sentiment",
        "answered_by_owner",
        "answered_by_anyone",
        "first_owner_reply_at",
        "response_hours",
        "reply_item_id",
        "reply_rule",
        "sla_hours",
        "within_sla",
    ]


def test_one_row_per_question_of_a_non_owner(conn) -> None:
    ids = {r["item_id"] for r in rows(conn, "SELECT item_id FROM question_status")}
    assert ids == {"q1", "q2", "q3", "q6"}


def test_owner_reply_through_parent_answers_the_question(conn) -> None:
    (q1,) = rows(conn, "SELECT * FROM question_status WHERE item_id = 'q1'")
    assert q1["answered_by_owner"] and q1["answered_by_anyone"]
    assert q1["first_owner_reply_at"] == datetime(2026, 10, 5, 12, 0)
    assert q1["response_hours"] == 3.0


def test_a_customer_reply_is_not_an_owner_answer(conn) -> None:
    (q2,) = rows(conn, "SELECT * FROM question_status WHERE item_id = 'q2'")
    assert not q2["answered_by_owner"] and q2["answered_by_anyone"]
    assert q2["response_hours"] is None


def test_the_asker_following_up_is_not_an_answer(conn) -> None:
    (q3,) = rows(conn, "SELECT * FROM question_status WHERE item_id = 'q3'")
    assert not q3["answered_by_anyone"]


def test_a_flat_owner_comment_is_not_a_threaded_answer(conn) -> None:
    (q6,) = rows(conn, "SELECT * FROM question_status WHERE item_id = 'q6'")
    assert not q6["answered_by_owner"]


def test_response_rates_per_source_and_month(conn) -> None:
    result = rows(conn, "SELECT * FROM response_rates ORDER BY month")
    assert list(result[0]) == [
        "source_id",
        "month",
        "questions",
        "answered",
        "unanswered",
        "unanswered_pct",
        "median_response_hours",
    ]
    october, november = result
    assert (october["questions"], october["answered"], october["unanswered"]) == (3, 1, 2)
    assert october["unanswered_pct"] == pytest.approx(66.7)
    assert october["median_response_hours"] == 3.0
    assert (november["questions"], november["unanswered"], november["unanswered_pct"]) == (
        1,
        1,
        100.0,
    )


def test_response_rates_by_source_lists_quiet_sources_too(conn) -> None:
    result = {r["source_id"]: r for r in rows(conn, "SELECT * FROM response_rates_by_source")}
    assert (result["blog"]["questions"], result["blog"]["unanswered_pct"]) == (4, 75.0)
    assert (result["quiet"]["questions"], result["quiet"]["unanswered_pct"]) == (0, None)


def test_edited_items_and_new_nlp_versions_are_pending_again(conn, tmp_path: Path) -> None:
    assert count_pending(conn, "test-1") == 0
    assert count_pending(conn, "test-2") == len(THREAD)
    edited = next(i for i in thread_items() if i.item_id == "c5").model_copy(
        update={"text": "edit", "content_hash": content_hash("edit")}
    )
    batch = tmp_path / "edit.jsonl"
    batch.write_text(edited.to_json() + "\n", encoding="utf-8")
    load_batch(conn, batch, BLOG, run_id="r2", cursor=None)
    assert [p[0] for p in all_pending(conn, "test-1")] == ["c5"]


def test_the_newest_annotation_wins_in_the_views(conn) -> None:
    pending = all_pending(conn, "test-2")
    newer = [annotation(i, h, version="test-2") | {"is_question": False} for i, h, _ in pending]
    store_annotations(conn, newer)
    assert rows(conn, "SELECT count(*) AS n FROM question_status") == [{"n": 0}]


@pytest.mark.parametrize(
    ("view", "columns"),
    [
        (
            "first_response_times",
            "source_id month answered p50_hours p90_hours within_24h_pct sla_hours within_sla_pct",
        ),
        (
            "unanswered_questions",
            "source_id post_url item_id author asked_at age_days text topics question_type"
            " question_evidence",
        ),
        (
            "topic_sentiment",
            "source_id month topic items positive negative neutral net_sentiment",
        ),
        ("owner_activity", "source_id month owner_replies distinct_threads"),
    ],
)
def test_analytics_views_have_the_contract_columns(conn, view: str, columns: str) -> None:
    cursor = conn.execute(f"SELECT * FROM {view} LIMIT 0")
    assert [d[0] for d in cursor.description] == columns.split()


def test_unanswered_questions_oldest_first(conn) -> None:
    result = rows(conn, "SELECT item_id, age_days, question_evidence FROM unanswered_questions")
    assert [r["item_id"] for r in result] == ["q2", "q3", "q6"]
    assert result[0]["age_days"] > result[2]["age_days"] > 0
    assert result[0]["question_evidence"] == "qmark: texte ?"


def test_owner_activity_per_month(conn) -> None:
    result = rows(conn, "SELECT month, owner_replies, distinct_threads FROM owner_activity")
    by_month = {str(r["month"]): (r["owner_replies"], r["distinct_threads"]) for r in result}
    assert by_month == {"2026-10-01": (2, 1), "2026-11-01": (1, 1)}  # a1 + q4; then f6


def test_months_are_counted_in_europe_paris(tmp_path: Path) -> None:
    connection = db.connect(tmp_path / "m.duckdb")
    # 31 Oct 23:30 UTC is already 1 November 00:30 in Paris
    (month,) = connection.execute("SELECT paris_month(TIMESTAMP '2026-10-31 23:30:00')").fetchone()
    connection.close()
    assert str(month) == "2026-11-01"

"""`refresh_replies` recomputes only the threads whose inputs changed, and ends where a
recomputation of every thread would: new comments, new annotations, aliases, an erasure,
another pseudonym key. Real DuckDB files.

How a test sees that a thread was *not* recomputed: the evidence of its stored replies is
overwritten by hand beforehand; a thread recomputed gets its true evidence back.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from support.threads import annotate_by_hand

from extractors.base import SourceConfig
from extractors.names import NameKeys
from extractors.records import Item, content_hash
from warehouse import db, erasure
from warehouse.load import load_batch, upsert_source
from warehouse.replies import refresh_replies

SHOP = SourceConfig(id="shop", kind="rss", url="https://shop.example/feed", owners=("Shop",))
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
TAMPERED = "not recomputed"

# (id, post, author, parent, hours, text, question); two threads, "a" and "b"
ROWS = [
    ("a", "a", "Shop", None, 0, "Nouveaux horaires", False),
    ("a1", "a", "Xavier", "a", 1, "Vous ouvrez dimanche ?", True),
    ("a2", "a", "Jeanne", "a", 2, "Et le lundi matin ?", True),
    ("a3", "a", "Shop", "a", 5, "@Xavier oui, de 9 h à 12 h", False),
    ("b", "b", "Shop", None, 0, "Promotions de septembre", False),
    ("b1", "b", "Zoé", "b", 1, "Les vélos cargo aussi ?", True),
    ("b2", "b", "Shop", "b1", 3, "Oui, tous les modèles", False),
]


def item(key: str, post: str, author: str, parent: str | None, hours: float, text: str) -> Item:
    return Item(
        item_id=key,
        source_id="shop",
        kind="post" if parent is None else "comment",
        post_id=post,
        parent_id=parent,
        author_name=author,
        is_owner=author == "Shop",
        published_at=T0 + timedelta(hours=hours),
        text=text,
        fetched_at=T0,
        content_hash=content_hash(text),
    )


def land(conn: duckdb.DuckDBPyConnection, path: Path, rows: list[tuple], run_id: str) -> None:
    path.write_text("".join(item(*row[:6]).to_json() + "\n" for row in rows), encoding="utf-8")
    load_batch(conn, path, SHOP, run_id=run_id, cursor=None)


def annotate(conn: duckdb.DuckDBPyConnection, questions: set[str], version: str = "v1") -> None:
    annotate_by_hand(conn, questions, version)


QUESTIONS = {row[0] for row in ROWS if row[6]}


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = db.connect(tmp_path / "w.duckdb")
    land(connection, tmp_path / "r1.jsonl", ROWS, "r1")
    annotate(connection, QUESTIONS)
    refresh_replies(connection)
    yield connection
    connection.close()


def pairs(conn: duckdb.DuckDBPyConnection) -> set[tuple]:
    return set(
        conn.execute(
            "SELECT question_id, reply_item_id, reply_rule, reply_evidence FROM replies"
        ).fetchall()
    )


def tamper(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("UPDATE replies SET reply_evidence = ?", [TAMPERED])


def recomputed(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The questions whose replies were recomputed since `tamper`."""
    rows = conn.execute(
        "SELECT DISTINCT question_id FROM replies WHERE reply_evidence IS DISTINCT FROM ?",
        [TAMPERED],
    ).fetchall()
    return {question for (question,) in rows}


def from_scratch(conn: duckdb.DuckDBPyConnection, names: NameKeys | None = None) -> set[tuple]:
    """What recomputing every thread gives (the fingerprints forgotten)."""
    conn.execute("DELETE FROM reply_threads")
    refresh_replies(conn, names=names)
    return pairs(conn)


def test_the_first_refresh_finds_every_pair(conn) -> None:
    assert pairs(conn) == {
        ("a1", "a3", "mention", "@Xavier"),
        ("b1", "b2", "parent", ""),
    }


def test_a_refresh_with_nothing_new_recomputes_nothing(conn) -> None:
    tamper(conn)
    assert refresh_replies(conn) == 2  # the pairs stored, as before
    assert recomputed(conn) == set()


def test_a_new_comment_recomputes_its_thread_only(conn, tmp_path: Path) -> None:
    tamper(conn)
    land(
        conn,
        tmp_path / "r2.jsonl",
        [("a4", "a", "Shop", "a", 6, "Jeanne : non, fermé", False)],
        "r2",
    )
    annotate(conn, set())
    refresh_replies(conn)
    assert recomputed(conn) == {"a1", "a2"}  # thread a; b kept its stored replies
    incremental = pairs(conn)
    assert ("a2", "a4", "name_prefix", "jeanne") in incremental
    assert {p for p in incremental if p[0].startswith("a")} == {
        p for p in from_scratch(conn) if p[0].startswith("a")
    }


def test_a_newer_annotation_recomputes_its_thread(conn) -> None:
    tamper(conn)
    # a newer NLP version no longer takes a2 for a question; b's verdicts do not change
    annotate(conn, {"a1", "b1"}, version="v2")
    conn.execute(
        "UPDATE annotations SET annotated_at = annotated_at + INTERVAL 1 SECOND "
        "WHERE nlp_version = 'v2'"
    )
    refresh_replies(conn)
    assert recomputed(conn) == {"a1"}
    assert pairs(conn) - {("b1", "b2", "parent", TAMPERED)} == from_scratch(conn) - {
        ("b1", "b2", "parent", "")
    }


def test_an_alias_added_to_the_source_recomputes_its_threads(conn, tmp_path: Path) -> None:
    land(
        conn, tmp_path / "r2.jsonl", [("b3", "b", "Shop", "b", 4, "@Zozo c'est noté", False)], "r2"
    )
    annotate(conn, set())
    refresh_replies(conn)
    assert ("b1", "b3", "mention", "@Zozo") not in pairs(conn)
    upsert_source(
        conn, dataclasses.replace(SHOP, aliases={"Zoé": ("Zozo",)}), run_id="r3", cursor=None
    )
    refresh_replies(conn)
    assert ("b1", "b3", "mention", "@Zozo") in pairs(conn)
    assert pairs(conn) == from_scratch(conn)


def test_an_erasure_leaves_the_replies_a_full_recompute_gives(conn) -> None:
    # forget Xavier: his question and its replies go; the rest of thread a is recomputed
    target = erasure.Target(names=frozenset({"Xavier"}), ids=frozenset())
    erasure.erase(
        conn, target, {"a1"}, author_key="anon-x", landing_files_rewritten=0, raw_files_deleted=0
    )
    tamper(conn)
    refresh_replies(conn)
    assert recomputed(conn) == set()  # thread a holds no pair any more, b is unchanged
    assert pairs(conn) == {("b1", "b2", "parent", TAMPERED)}
    assert {p[:2] for p in from_scratch(conn)} == {("b1", "b2")}


def test_a_thread_gone_from_items_takes_its_replies(conn) -> None:
    conn.execute("DELETE FROM annotations WHERE item_id LIKE 'b%'")
    conn.execute("DELETE FROM items WHERE post_id = 'b'")
    refresh_replies(conn)
    assert {p[0] for p in pairs(conn)} == {"a1"}
    assert conn.execute("SELECT DISTINCT post_id FROM reply_threads").fetchall() == [("a",)]


def test_another_pseudonym_key_recomputes_every_thread(conn) -> None:
    tamper(conn)
    refresh_replies(conn, names=NameKeys(b"k" * 40))
    assert recomputed(conn) == {"a1", "b1"}
    assert pairs(conn) == from_scratch(conn, names=NameKeys(b"k" * 40))


def test_the_sources_asked_for_only(conn, tmp_path: Path) -> None:
    other = SourceConfig(id="other", kind="rss", url="https://other.example/feed")
    upsert_source(conn, other, run_id="r2", cursor=None)
    tamper(conn)
    assert refresh_replies(conn, ["other"]) == 0
    assert recomputed(conn) == set()
    assert refresh_replies(conn, ["shop"]) == 2

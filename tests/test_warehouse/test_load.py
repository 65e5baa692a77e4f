"""The warehouse through a real DuckDB file: migrations, idempotent upserts, atomic batches."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extractors.base import SourceConfig
from extractors.records import ITEM_COLUMNS, Item, content_hash
from warehouse import db
from warehouse.load import load_batch, read_cursor

SOURCE = SourceConfig(id="blog", kind="rss", url="https://blog.example/feed", owners=("Shop",))
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def item(n: int, text: str = "bonjour", **overrides: object) -> Item:
    fields: dict[str, object] = {
        "item_id": f"blog:{n}",
        "source_id": "blog",
        "kind": "comment" if n else "post",
        "post_id": "blog:0",
        "parent_id": None if n == 0 else "blog:0",
        "author_name": f"user{n}",
        "published_at": T0 + timedelta(hours=n),
        "text": text,
        "fetched_at": T0 + timedelta(days=1),
        "content_hash": content_hash(text),
        "extra": {"n": n},
    }
    fields.update(overrides)
    return Item.model_validate(fields)


def landed(tmp_path: Path, items: list[Item], name: str = "items.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(i.to_json() + "\n" for i in items), encoding="utf-8")
    return path


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = db.connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def count(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def test_migrations_are_applied_once_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    conn = db.connect(path)
    versions = [
        r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    ]
    assert versions == [m.version for m in db.migrations()]
    assert db.migrate(conn) == []


def test_items_table_has_the_record_columns(conn: duckdb.DuckDBPyConnection) -> None:
    columns = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' "
        "ORDER BY ordinal_position"
    ).fetchall()
    assert [c[0] for c in columns] == list(ITEM_COLUMNS)


def test_loading_the_same_batch_twice_changes_nothing(conn, tmp_path: Path) -> None:
    batch = landed(tmp_path, [item(0), item(1), item(2)])
    first = load_batch(conn, batch, SOURCE, run_id="r1", cursor={"latest_post_at": "x"})
    second = load_batch(conn, batch, SOURCE, run_id="r2", cursor=None)
    assert (first.new, first.updated) == (3, 0)
    assert (second.new, second.updated) == (0, 0)
    assert count(conn, "SELECT count(*) FROM items") == 3
    assert count(conn, "SELECT count(*) FROM loads") == 2


def test_an_edited_item_is_updated_in_place(conn, tmp_path: Path) -> None:
    load_batch(conn, landed(tmp_path, [item(0), item(1)]), SOURCE, run_id="r1", cursor=None)
    edited = item(1, text="bonjour, edit: c'est regle merci")
    counts = load_batch(
        conn, landed(tmp_path, [edited], "b.jsonl"), SOURCE, run_id="r2", cursor=None
    )
    assert (counts.new, counts.updated) == (0, 1)
    text = conn.execute("SELECT text FROM items WHERE item_id = 'blog:1'").fetchall()
    assert text == [(edited.text,)]


def test_duplicates_inside_a_batch_keep_the_newest_fetch(conn, tmp_path: Path) -> None:
    old = item(1, text="v1")
    new = item(1, text="v2", fetched_at=T0 + timedelta(days=2), content_hash=content_hash("v2"))
    batch = landed(tmp_path, [item(0), old, new])
    counts = load_batch(conn, batch, SOURCE, run_id="r1", cursor=None)
    assert (counts.new, counts.quarantined) == (2, 0)
    text = conn.execute("SELECT text FROM items WHERE item_id = 'blog:1'").fetchall()
    assert text == [("v2",)]


def test_timestamps_and_extra_survive_the_round_trip(conn, tmp_path: Path) -> None:
    load_batch(conn, landed(tmp_path, [item(0), item(3)]), SOURCE, run_id="r1", cursor=None)
    published, extra = conn.execute(
        "SELECT published_at, extra->>'n' FROM items WHERE item_id = 'blog:3'"
    ).fetchone()
    assert published == datetime(2026, 10, 1, 12, 0)  # UTC, stored without zone
    assert extra == "3"


def test_cursor_advances_with_the_data(conn, tmp_path: Path) -> None:
    load_batch(conn, landed(tmp_path, [item(0)]), SOURCE, run_id="r1", cursor={"k": 1})
    assert read_cursor(conn, "blog") == {"k": 1}
    load_batch(conn, landed(tmp_path, [item(0)]), SOURCE, run_id="r2", cursor=None)
    assert read_cursor(conn, "blog") == {"k": 1}  # no new cursor keeps the old one


def test_a_failing_batch_loads_nothing_and_keeps_the_cursor(conn, tmp_path: Path) -> None:
    load_batch(conn, landed(tmp_path, [item(0)]), SOURCE, run_id="r1", cursor={"k": 1})
    bad = landed(tmp_path, [item(1), item(2)], "bad.jsonl")
    bad.write_text(bad.read_text() + '{"item_id": "blog:3", "kind": "comm\n')  # a cut line
    with pytest.raises(duckdb.InvalidInputException):
        load_batch(conn, bad, SOURCE, run_id="r2", cursor={"k": 2})
    assert count(conn, "SELECT count(*) FROM items") == 1
    assert read_cursor(conn, "blog") == {"k": 1}
    assert count(conn, "SELECT count(*) FROM loads") == 1


def test_an_empty_batch_still_records_the_source(conn, tmp_path: Path) -> None:
    counts = load_batch(conn, landed(tmp_path, []), SOURCE, run_id="r1", cursor=None)
    assert counts.items == 0
    assert conn.execute("SELECT owners FROM sources").fetchall() == [(["Shop"],)]


def test_a_second_writer_gets_a_clear_lock_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys,time; c=duckdb.connect({str(path)!r}); print('ready', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        held = rf"another process \(PID {holder.pid}\) holds {path}"
        with pytest.raises(db.WarehouseLocked, match=held):
            db.connect(path)
    finally:
        holder.communicate("")


def deletions(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT item_id FROM item_deletions ORDER BY 1").fetchall()]


def test_a_comment_missing_from_a_complete_thread_is_marked_not_removed(conn, tmp_path) -> None:
    load_batch(
        conn,
        landed(tmp_path, [item(0), item(1), item(2)]),
        SOURCE,
        run_id="r1",
        cursor=None,
        complete_threads=["blog:0"],
    )
    counts = load_batch(
        conn,
        landed(tmp_path, [item(0), item(2)], "b.jsonl"),
        SOURCE,
        run_id="r2",
        cursor=None,
        complete_threads=["blog:0"],
    )
    assert counts.deleted == 1
    assert deletions(conn) == ["blog:1"]
    assert count(conn, "SELECT count(*) FROM items") == 3


def test_a_partial_listing_marks_nothing(conn, tmp_path) -> None:
    load_batch(conn, landed(tmp_path, [item(0), item(1)]), SOURCE, run_id="r1", cursor=None)
    load_batch(conn, landed(tmp_path, [item(0)], "b.jsonl"), SOURCE, run_id="r2", cursor=None)
    assert deletions(conn) == []


def test_a_comment_that_comes_back_is_unmarked(conn, tmp_path) -> None:
    everything = landed(tmp_path, [item(0), item(1)])
    load_batch(conn, everything, SOURCE, run_id="r1", cursor=None, complete_threads=["blog:0"])
    load_batch(
        conn,
        landed(tmp_path, [item(0)], "b.jsonl"),
        SOURCE,
        run_id="r2",
        cursor=None,
        complete_threads=["blog:0"],
    )
    load_batch(conn, everything, SOURCE, run_id="r3", cursor=None, complete_threads=["blog:0"])
    assert deletions(conn) == []


def test_an_unchanged_item_seen_again_is_left_alone(conn, tmp_path: Path) -> None:
    load_batch(conn, landed(tmp_path, [item(0), item(1)]), SOURCE, run_id="r1", cursor=None)
    later = item(1).model_copy(update={"fetched_at": T0 + timedelta(days=5)})
    counts = load_batch(
        conn, landed(tmp_path, [later], "b.jsonl"), SOURCE, run_id="r2", cursor=None
    )
    assert (counts.items, counts.new, counts.updated) == (1, 0, 0)
    fetched = conn.execute("SELECT fetched_at FROM items WHERE item_id = 'blog:1'").fetchone()
    assert fetched == (datetime(2026, 10, 2, 9, 0),)  # the first sight's, not rewritten


def test_an_item_named_by_another_source_batch_is_found(conn, tmp_path: Path) -> None:
    # ids far apart (a plugin's own ids): the lookup of a batch's items is not limited to
    # its source's range of ids
    load_batch(conn, landed(tmp_path, [item(0, item_id="zzz")]), SOURCE, run_id="r1", cursor=None)
    edited = item(0, item_id="zzz", text="modifié", content_hash=content_hash("modifié"))
    reply = item(1, parent_id="zzz", post_id="zzz", item_id="aaa")
    counts = load_batch(
        conn, landed(tmp_path, [edited, reply], "b.jsonl"), SOURCE, run_id="r2", cursor=None
    )
    assert (counts.new, counts.updated, counts.quarantined) == (1, 1, 0)
    assert count(conn, "SELECT count(*) FROM items") == 2


def test_a_warehouse_from_before_007_keeps_its_items(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    old = duckdb.connect(str(path))  # the schema as migration 006 left it
    old.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    for migration in db.migrations()[:6]:
        old.execute(migration.sql)
        old.execute(
            "INSERT INTO schema_version VALUES (?, ?, now())", [migration.version, migration.name]
        )
    load_batch(old, landed(tmp_path, [item(0), item(1)]), SOURCE, run_id="r1", cursor=None)
    with pytest.raises(duckdb.ConstraintException):  # items had an index then
        old.execute("INSERT INTO items SELECT * FROM items LIMIT 1")
    old.close()

    conn = db.connect(path)
    applied = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    assert applied == (db.migrations()[-1].version,)
    assert count(conn, "SELECT count(*) FROM items") == 2
    batch = landed(tmp_path, [item(0), item(1), item(2)], "b.jsonl")
    counts = load_batch(conn, batch, SOURCE, run_id="r2", cursor=None)
    assert (counts.new, counts.updated) == (1, 0)
    assert count(conn, "SELECT count(DISTINCT item_id) FROM items") == 3
    conn.close()


def land_batch(home: Path, source_id: str, items: list[Item], *, failed: bool = False) -> None:
    """A batch of run r1 as the pipeline lands it."""
    from pipelines.landing import ITEMS, MANIFEST, Manifest

    batch = home / "landing" / source_id / "r1"
    batch.mkdir(parents=True)
    (batch / ITEMS).write_text("".join(i.to_json() + "\n" for i in items), encoding="utf-8")
    source = SourceConfig(id=source_id, kind="rss", url=f"https://{source_id}.example/feed")
    manifest = Manifest(
        source_id=source_id,
        run_id="r1",
        source=source.as_dict(),
        started_at="2026-11-24T03:00:00Z",
        status="failed" if failed else "complete",
        items=len(items),
        cursor=None if failed else {"since": source_id},
        error="source down" if failed else None,
    )
    (batch / MANIFEST).write_text(json.dumps(manifest.as_dict()), encoding="utf-8")


def test_a_run_loads_each_batch_with_its_own_records(tmp_path: Path) -> None:
    # batches are read one ahead of the load: a failed or empty batch in between must not
    # shift the records of the next ones
    from pipelines import steps
    from pipelines.config import Settings

    def of(source_id: str, n: int) -> list[Item]:
        return [
            item(k, item_id=f"{source_id}:{k}", source_id=source_id, post_id=f"{source_id}:0",
                 parent_id=None if k == 0 else f"{source_id}:0")
            for k in range(n)
        ]  # fmt: skip

    land_batch(tmp_path, "a-blog", of("a-blog", 3))
    land_batch(tmp_path, "b-down", [], failed=True)
    land_batch(tmp_path, "c-quiet", [])
    land_batch(tmp_path, "d-shop", of("d-shop", 2))
    settings = Settings(tmp_path / "sources.yml", home=tmp_path, db_path=tmp_path / "w.duckdb")
    report = steps.load_run(settings, "r1")
    assert {s: (r["items"], r["new"]) for s, r in report.per_source.items()} == {
        "a-blog": (3, 3),
        "b-down": (0, 0),
        "c-quiet": (0, 0),
        "d-shop": (2, 2),
    }
    assert report.errors == ["source down"]
    conn = db.connect(settings.db_path)
    by_source = conn.execute("SELECT source_id, count(*) FROM items GROUP BY 1 ORDER BY 1")
    assert by_source.fetchall() == [("a-blog", 3), ("d-shop", 2)]
    assert read_cursor(conn, "d-shop") == {"since": "d-shop"}
    conn.close()

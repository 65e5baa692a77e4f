"""`ecoute forget --author NAME`: the person's items and all that derives from them leave
the warehouse (and its file's bytes), the landing zone and the raw payloads; the erasure
is recorded without the name; a second time erases nothing; they are not landed again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support.threads import FLAT, TYPEPAD, load_thread

from extractors.names import NameKeys
from pipelines.config import Settings
from pipelines.forget import forget_author
from pipelines.privacy import key_file

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"
PERSON = "Aurélie Guérin"  # asks a question on velo-atelier; the owner answers under it


def ecoute(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    clean.update({"ECOUTE_HOME": str(home), "COLUMNS": "200", **env})
    return subprocess.run(
        [str(ECOUTE), *args], capture_output=True, text=True, env=clean, cwd=REPO, timeout=600
    )


def landed_run(home: Path, **env: str) -> None:
    run = ecoute("run", "--source", "velo-atelier", home=home, **env)
    assert run.returncode == 0, run.stderr


@pytest.fixture(scope="module")
def pseudonymised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("forget-pseudonymised")
    landed_run(home)
    return home


@pytest.fixture(scope="module")
def in_clear(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("forget-clear")
    landed_run(home, ECOUTE_PSEUDONYMISE="0")
    return home


def copy(home: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(home, tmp_path / "home"))


def query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    conn = duckdb.connect(str(home / "ecoute.duckdb"), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def pseudonym(home: Path) -> str:
    return NameKeys(key_file(home).read_text().strip().encode()).pseudonym(PERSON)


def test_forget_erases_the_warehouse_the_landing_zone_and_the_raw_payloads(
    pseudonymised: Path, tmp_path: Path
) -> None:
    home = copy(pseudonymised, tmp_path)
    key = pseudonym(home)
    theirs = query(home, "SELECT item_id, text FROM items WHERE author_name = ?", [key])
    ids = [item_id for item_id, _ in theirs]
    assert len(theirs) == 2 and query(
        home, "SELECT count(*) FROM replies WHERE list_contains(?, question_id)", [ids]
    ) == [(1,)]
    children = "SELECT item_id, parent_id FROM items WHERE list_contains(?, parent_id)"
    (answer,) = [item_id for item_id, _ in query(home, children, [ids])]
    raw_before = sorted((home / "landing").glob("*/*/raw/*"))

    result = ecoute("forget", "--author", "aurelie GUERIN", home=home)  # case, accents aside
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"forgot {key}: 2 item(s) and 5 derived row(s) deleted from the warehouse, 1 landing "
        "file(s) rewritten, 2 raw file(s) deleted; their future items will not be landed"
    )
    derived = [
        ("items", "item_id"),
        ("annotations", "item_id"),
        ("replies", "question_id"),
        ("replies", "reply_item_id"),
    ]
    for table, column in derived:
        assert query(
            home, f"SELECT count(*) FROM {table} WHERE list_contains(?, {column})", [ids]
        ) == [(0,)]
    # the owner's answer to their question stays, without its parent
    assert query(home, "SELECT parent_id FROM items WHERE item_id = ?", [answer]) == [(None,)]
    warehouse = (home / "ecoute.duckdb").read_bytes()
    assert not [text for _, text in theirs if text.encode() in warehouse]
    files = (home / "landing").glob("*/*/items.jsonl")
    landed = [json.loads(line) for path in files for line in path.read_text().splitlines()]
    assert landed and not [r for r in landed if r["item_id"] in ids or r["parent_id"] in ids]
    raw_after = sorted((home / "landing").glob("*/*/raw/*"))
    assert len(raw_before) - len(raw_after) == 2
    assert not [p for p in raw_after if PERSON.encode() in p.read_bytes()]
    recorded = "author_key, source_id, items, landing_files_rewritten, raw_files_deleted, item_ids"
    assert query(home, f"SELECT {recorded} FROM erasures") == [(key, None, 2, 1, 2, sorted(ids))]


def test_forgetting_twice_erases_nothing_the_second_time(
    pseudonymised: Path, tmp_path: Path
) -> None:
    home = copy(pseudonymised, tmp_path)
    assert ecoute("forget", "--author", PERSON, home=home).returncode == 0
    landing = {p: p.read_bytes() for p in (home / "landing").rglob("*") if p.is_file()}
    items = query(home, "SELECT count(*) FROM items")

    again = ecoute("forget", "--author", PERSON, home=home)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(
        f"nothing left to forget for {pseudonym(home)}: already erased on"
    )
    assert {p: p.read_bytes() for p in (home / "landing").rglob("*") if p.is_file()} == landing
    assert query(home, "SELECT count(*) FROM items") == items
    recorded = "SELECT items, landing_files_rewritten, raw_files_deleted FROM erasures"
    assert query(home, recorded + " ORDER BY erased_at") == [(2, 1, 2), (0, 0, 0)]


def test_a_forgotten_author_is_not_landed_again(pseudonymised: Path, tmp_path: Path) -> None:
    home = copy(pseudonymised, tmp_path)
    assert ecoute("forget", "--author", PERSON, home=home).returncode == 0
    landed_run(home)  # the feeds still show their comments
    key = pseudonym(home)
    assert query(home, "SELECT count(*) FROM items WHERE author_name = ?", [key]) == [(0,)]
    newest = max((home / "landing" / "velo-atelier").iterdir())
    assert key not in (newest / "items.jsonl").read_text()
    assert query(home, "SELECT status FROM runs ORDER BY started_at DESC LIMIT 1") == [("success",)]
    rates = query(home, "SELECT questions, answered FROM response_rates_by_source")
    assert rates == [(16, 10)]  # their unanswered question is gone from the figures (17, 10)


def test_with_names_in_clear_forget_leaves_no_byte_of_the_name(
    in_clear: Path, tmp_path: Path
) -> None:
    home = copy(in_clear, tmp_path)
    # the setting off keeps the names
    assert query(home, "SELECT count(*) FROM items WHERE author_name = ?", [PERSON]) == [(2,)]
    assert PERSON.encode() in (home / "ecoute.duckdb").read_bytes()
    result = ecoute("forget", "--author", PERSON, "--source", "velo-atelier", home=home)
    assert result.returncode == 0, result.stderr
    assert "2 item(s)" in result.stdout and "in source velo-atelier" in result.stdout
    assert PERSON.encode() not in (home / "ecoute.duckdb").read_bytes()
    landed = b"".join(p.read_bytes() for p in (home / "landing").rglob("*") if p.is_file())
    assert PERSON.encode() not in landed
    assert query(home, "SELECT source_id FROM erasures") == [("velo-atelier",)]


def test_forget_reaches_replies_annotations_and_quarantine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOUTE_PSEUDONYM_KEY", raising=False)
    load_thread(tmp_path, TYPEPAD, FLAT).close()  # names in clear, as before pseudonyms
    db_path = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(db_path))
    conn.execute(
        "INSERT INTO quarantine VALUES ('r1', 'typepad', 'c9', 1, 'items', 'rule', 'detail',"
        " ?, now()::TIMESTAMP)",
        [json.dumps({"item_id": "c9", "author_name": "ZOÉ", "text": ""})],
    )
    conn.close()
    settings = Settings(config_path=tmp_path / "sources.yml", home=tmp_path, db_path=db_path)

    xavier = forget_author(settings, "Xavier")
    assert (xavier.items, xavier.derived_rows) == (1, 2)  # c1, its annotation, its reply pair
    conn = duckdb.connect(str(db_path), read_only=True)
    assert conn.execute(
        "SELECT question_id FROM replies WHERE reply_item_id = 'o1'"
    ).fetchall() == [
        ("c2",)
    ]  # the owner's comment that answered Xavier and Hélène still answers Hélène
    assert conn.execute("SELECT count(*) FROM annotations WHERE item_id = 'c1'").fetchone() == (0,)
    conn.close()

    zoe = forget_author(settings, "Zoé")
    assert (zoe.items, zoe.derived_rows) == (1, 2)  # c4, its annotation, the quarantined c9
    conn = duckdb.connect(str(db_path), read_only=True)
    assert conn.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
    keys = conn.execute("SELECT author_key FROM erasures ORDER BY erased_at").fetchall()
    conn.close()
    names = NameKeys(key_file(tmp_path).read_text().strip().encode())
    assert keys == [(names.pseudonym("Xavier"),), (names.pseudonym("Zoé"),)]


def test_forget_in_another_source_leaves_this_one(tmp_path: Path) -> None:
    load_thread(tmp_path, TYPEPAD, FLAT).close()
    db_path = tmp_path / "w.duckdb"
    settings = Settings(config_path=tmp_path / "sources.yml", home=tmp_path, db_path=db_path)
    elsewhere = forget_author(settings, "Paul", source_id="autre-source")
    assert (elsewhere.items, elsewhere.source_id) == (0, "autre-source")
    assert "nothing left to forget" in elsewhere.summary()
    assert forget_author(settings, "Paul", source_id="typepad").items == 1


def test_an_empty_name_is_refused(tmp_path: Path) -> None:
    result = ecoute("forget", "--author", "  ", home=tmp_path)
    assert result.returncode == 2 and "--author must not be empty" in result.stderr

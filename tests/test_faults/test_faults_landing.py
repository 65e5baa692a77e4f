"""A landing zone that cannot be written: the run stops with one line naming the path,
before anything reaches the warehouse, and leaves no batch that looks complete.

Tests run as root, who writes through any permission: the landing zone is made unwritable
by putting a regular file where its folder should be, and the disk is "filled" by a file
size limit on the `ecoute` process (RLIMIT_FSIZE: writes past it fail with EFBIG, which
Python receives as an OSError since it ignores SIGXFSZ)."""

from __future__ import annotations

import resource
from pathlib import Path

from support.faults import ecoute, rows, rss

from warehouse import db


def setup_home(tmp_path: Path, posts: int) -> tuple[Path, Path, Path]:
    """A home with an (empty) warehouse, and a config reading a local feed of `posts`."""
    home = tmp_path / "home"
    db.connect(home / "ecoute.duckdb").close()
    feed = tmp_path / "feed.xml"
    entries = [(f"billet-{n}", f"Billet {n} " + "x" * 200) for n in range(posts)]
    feed.write_bytes(rss("Blog", entries))
    config = tmp_path / "sources.yml"
    config.write_text(f"sources:\n  - {{id: blog, kind: rss, url: '{feed}'}}\n", encoding="utf-8")
    return home, config, home / "ecoute.duckdb"


def assert_stopped_before_the_warehouse(
    proc_stderr: str, returncode: int, db_path: Path, before: bytes, path_fragment: str
) -> None:
    assert returncode == 2, proc_stderr
    (line,) = [ln for ln in proc_stderr.splitlines() if ln.startswith("ecoute: error:")]
    assert line.startswith(f"ecoute: error: cannot write the landing zone: {path_fragment}"), line
    assert "nothing of this batch was loaded" in line
    assert "Traceback" not in proc_stderr
    assert db_path.read_bytes() == before
    assert rows(db_path, "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM runs)") == [
        (0, 0)
    ]


def test_a_landing_zone_that_is_not_a_folder_stops_the_run_before_the_warehouse(
    tmp_path: Path,
) -> None:
    home, config, db_path = setup_home(tmp_path, posts=3)
    (home / "landing").write_text("not a folder", encoding="utf-8")
    before = db_path.read_bytes()
    proc = ecoute("run", "--config", str(config), home=home)
    assert_stopped_before_the_warehouse(
        proc.stderr, proc.returncode, db_path, before, f"{home / 'landing' / 'blog'}/"
    )
    assert "Not a directory" in proc.stderr


def test_a_full_disk_while_landing_stops_the_run_and_leaves_no_complete_batch(
    tmp_path: Path,
) -> None:
    home, config, db_path = setup_home(tmp_path, posts=2_000)  # a feed of about 700 KB
    limit = 256 * 1024
    assert (tmp_path / "feed.xml").stat().st_size > limit

    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    before = db_path.read_bytes()
    proc = ecoute("run", "--config", str(config), home=home, preexec_fn=full_disk)
    landing = home / "landing" / "blog"
    assert_stopped_before_the_warehouse(proc.stderr, proc.returncode, db_path, before, str(landing))
    assert "raw/0001.bin: File too large" in proc.stderr
    (batch,) = landing.iterdir()
    assert batch.name.endswith(".partial") and not (batch / "manifest.json").exists()
    run_id = batch.name.removesuffix(".partial")
    replay = ecoute("load", "--run", run_id, home=home)
    assert replay.returncode == 2 and "nothing landed for run" in replay.stderr

"""Retention: the raw payloads of runs older than their source's `retention_days` are
deleted (by `ecoute purge`, and at the end of every run); items.jsonl and the manifest
stay, so the run can still be replayed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines.landing import landed_batches
from pipelines.retention import purge_raw

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PAYLOAD = b"<rss>Gwen : un commentaire</rss>"
INDEX = b'{"file": "0001.bin"}\n'


def land(
    landing: Path,
    source: str,
    run: str,
    days_ago: float | None,
    now: datetime = NOW,
    **source_conf: int,
) -> Path:
    """A landed run `days_ago` days before `now` (None: a crashed batch, no manifest)."""
    folder = landing / source / run
    (folder / "raw").mkdir(parents=True)
    (folder / "raw" / "0001.bin").write_bytes(PAYLOAD)
    (folder / "raw" / "index.jsonl").write_bytes(INDEX)
    (folder / "items.jsonl").write_text("", encoding="utf-8")
    if days_ago is not None:
        started = now - timedelta(days=days_ago)
        manifest = {
            "source_id": source,
            "run_id": run,
            "status": "complete",
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": source_conf,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_only_runs_past_their_retention_lose_their_raw_payloads(tmp_path: Path) -> None:
    old = land(tmp_path, "blog", "r-old", days_ago=91)
    recent = land(tmp_path, "blog", "r-recent", days_ago=89)
    strict = land(tmp_path, "forum", "r-week", days_ago=8)
    purged = purge_raw(tmp_path, {"blog": 90, "forum": 7}, now=NOW)
    assert purged.folders == (old / "raw", strict / "raw")
    assert (purged.files, purged.bytes) == (4, 2 * (len(PAYLOAD) + len(INDEX)))
    assert not (old / "raw").exists() and not (strict / "raw").exists()
    assert (recent / "raw" / "0001.bin").exists()
    for run in (old, strict):  # what a replay reads stays
        assert (run / "items.jsonl").exists() and (run / "manifest.json").exists()
    assert [b.path for b in landed_batches(tmp_path, "r-old")] == [old]


def test_a_source_gone_from_the_configuration_keeps_the_retention_it_was_landed_with(
    tmp_path: Path,
) -> None:
    gone = land(tmp_path, "ancien", "r1", days_ago=20, retention_days=10)
    default = land(tmp_path, "ancien2", "r1", days_ago=20)
    assert purge_raw(tmp_path, {}, now=NOW).folders == (gone / "raw",)
    assert (default / "raw").exists()  # 90 days by default


def test_a_crashed_batch_is_dated_by_its_folder(tmp_path: Path) -> None:
    crashed = land(tmp_path, "blog", "r9.partial", days_ago=None)
    assert purge_raw(tmp_path, {"blog": 30}, now=NOW).folders == ()  # written just now
    old = (NOW - timedelta(days=31)).timestamp()
    os.utime(crashed, (old, old))
    assert purge_raw(tmp_path, {"blog": 30}, now=NOW).folders == (crashed / "raw",)


def test_ecoute_purge_dry_run_lists_and_keeps_then_purge_deletes(tmp_path: Path) -> None:
    config = tmp_path / "sources.yml"
    config.write_text(
        "privacy: {retention_days: 30}\nsources:\n"
        "  - {id: blog, kind: rss, url: https://blog.example/feed, retention_days: 400}\n"
        "  - {id: forum, kind: rss, url: https://forum.example/feed}\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    now = datetime.now(UTC)
    kept = land(home / "landing", "blog", "r1", days_ago=365, now=now)  # keeps 400 days
    expired = land(home / "landing", "forum", "r1", days_ago=31, now=now)  # 30 days
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env.update({"ECOUTE_HOME": str(home), "COLUMNS": "200"})

    def purge(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(ECOUTE), "purge", "--config", str(config), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    dry = purge("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        str(expired / "raw"),
        "retention: would delete the raw payloads of 1 landed run(s) (2 file(s), 0.0 MB)",
    ]
    assert (expired / "raw").exists()
    done = purge()
    assert done.returncode == 0, done.stderr
    assert "retention: deleted the raw payloads of 1 landed run(s)" in done.stdout
    assert not (expired / "raw").exists() and (kept / "raw").exists()
    assert "0 landed run(s)" in purge().stdout  # nothing left to do

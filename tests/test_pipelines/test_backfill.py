"""Backfills: a past night replayed (DAG data interval, or `ecoute run --until`) keeps what
was published before its end, leaves the cursors alone and never marks later comments
deleted; the next regular run is unaffected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from support.faults import ecoute

from pipelines import steps
from pipelines.config import Settings, load_sources

REPO = Path(__file__).resolve().parents[2]
#: argile-bleue lists whole comment threads (html pages), so a regular run may mark
#: deletions: the case where a backfill must not.
SOURCE = "argile-bleue"
UNTIL = datetime(2026, 10, 15, tzinfo=UTC)


def night(settings: Settings, until: datetime | None = None) -> str:
    (source,) = [s for s in load_sources(REPO / "sources.yml") if s.id == SOURCE]
    run_id = steps.new_run_id()
    manifest = steps.extract_source(settings, source, run_id, until=until)
    assert manifest["status"] == "complete", manifest
    steps.load_run(settings, run_id)
    return run_id


def state(settings: Settings) -> tuple[int, int, datetime, str | None]:
    """(items, items marked deleted, newest publication, stored cursor)."""
    conn = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        items, newest = conn.execute("SELECT count(*), max(published_at) FROM items").fetchone()
        deleted = conn.execute("SELECT count(*) FROM item_deletions").fetchone()[0]
        cursor = conn.execute(
            "SELECT cursor FROM sources WHERE source_id = ?", [SOURCE]
        ).fetchone()[0]
    finally:
        conn.close()
    return items, deleted, newest.replace(tzinfo=UTC), cursor


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(REPO / "sources.yml", tmp_path, tmp_path / "ecoute.duckdb")


def test_only_an_interval_already_followed_by_another_is_a_backfill() -> None:
    start = datetime(2026, 11, 22, 2, tzinfo=UTC)
    end = start + timedelta(days=1)
    assert steps.backfill_until(start, end, now=end + timedelta(minutes=5)) is None
    assert steps.backfill_until(start, end, now=end + timedelta(hours=23)) is None
    assert steps.backfill_until(start, end, now=end + timedelta(days=1)) == end
    assert steps.backfill_until(start, end, now=end + timedelta(days=40)) == end
    assert steps.backfill_until(end, end, now=end + timedelta(days=40)) is None
    assert steps.backfill_until(None, None) is None


def test_a_backfill_first_keeps_the_past_and_the_next_night_reads_everything(
    settings: Settings,
) -> None:
    night(settings, until=UNTIL)
    items, deleted, newest, cursor = state(settings)
    assert items > 0 and newest < UNTIL
    assert (deleted, cursor) == (0, None)

    night(settings)
    after_items, deleted, after_newest, cursor = state(settings)
    assert after_items > items and after_newest >= UNTIL
    assert deleted == 0 and cursor is not None


def test_a_backfill_after_regular_nights_deletes_nothing_and_keeps_the_cursor(
    settings: Settings,
) -> None:
    night(settings)
    before = state(settings)
    assert before[2] >= UNTIL  # there are comments after the replayed night

    run_id = night(settings, until=UNTIL)

    assert state(settings) == before
    manifest = next(settings.landing.glob(f"{SOURCE}/{run_id}*/manifest.json")).read_text()
    assert '"until": "2026-10-15T00:00:00Z"' in manifest
    assert '"complete_threads": []' in manifest


@pytest.mark.parametrize(("value", "says"), [("2099-01-01", "future"), ("hier", "YYYY-MM-DD")])
def test_until_must_be_a_past_date(value: str, says: str, tmp_path: Path) -> None:
    config = str(REPO / "sources.yml")
    proc = ecoute("run", "--config", config, "--until", value, home=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("ecoute: error: --until") and says in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "landing").exists()

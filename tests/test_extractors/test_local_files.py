"""Local files are read conditionally, like URLs: an unchanged file costs a `stat`, is
neither read nor landed, and an unchanged night on local feeds lands nothing."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from extractors.base import SourceConfig
from extractors.http import Fetched, HttpClient
from pipelines import steps
from pipelines.config import Settings

REPO = Path(__file__).resolve().parents[2]
HOUR_AGO = time.time() - 3600


def client(validators: dict[str, dict[str, str]] | None = None, **kwargs: object) -> HttpClient:
    return HttpClient(allow_local_files=True, validators=dict(validators or {}), **kwargs)


def settled_file(path: Path, content: bytes) -> Path:
    """A file last written an hour ago: its size and mtime are trusted as validators."""
    path.write_bytes(content)
    os.utime(path, (HOUR_AGO, HOUR_AGO))
    return path


def test_an_unchanged_file_is_not_modified_and_not_read(tmp_path: Path) -> None:
    feed = settled_file(tmp_path / "feed.xml", b"<rss>one</rss>")
    first = client()
    assert first.get(str(feed), conditional=True).content == b"<rss>one</rss>"
    validators = first.current_validators()
    assert set(validators[str(feed)]) == {"stat", "sha256"}
    # Same size, same mtime, other bytes: only a read would see it, and none happens.
    settled_file(feed, b"<rss>two</rss>")
    again = client(validators)
    fetched = again.get(str(feed), conditional=True)
    assert fetched.not_modified and fetched.content == b""
    assert again.current_validators() == validators


def test_a_touched_file_with_the_same_content_is_still_not_modified(tmp_path: Path) -> None:
    feed = settled_file(tmp_path / "feed.xml", b"<rss>one</rss>")
    first = client()
    first.get(str(feed), conditional=True)
    os.utime(feed, (HOUR_AGO + 60, HOUR_AGO + 60))  # a copy, a checkout, a `touch`
    again = client(first.current_validators())
    assert again.get(str(feed), conditional=True).not_modified
    new_stat = again.current_validators()[str(feed)]["stat"]
    assert new_stat != first.current_validators()[str(feed)]["stat"]


def test_a_changed_file_is_read_and_its_validators_renewed(tmp_path: Path) -> None:
    feed = settled_file(tmp_path / "feed.xml", b"<rss>one</rss>")
    first = client()
    first.get(str(feed), conditional=True)
    settled_file(feed, b"<rss>one, and a comment</rss>")
    again = client(first.current_validators())
    fetched = again.get(str(feed), conditional=True)
    assert fetched.status == 200 and fetched.content == b"<rss>one, and a comment</rss>"
    assert again.current_validators() != first.current_validators()


def test_a_file_written_just_now_is_checked_by_content_next_time(tmp_path: Path) -> None:
    """Within RACY_SECONDS of a write, another write of the same size could keep the
    mtime: the stat is not kept, so the next run compares the content."""
    feed = tmp_path / "feed.xml"
    feed.write_bytes(b"<rss>one</rss>")
    first = client()
    first.get(str(feed), conditional=True)
    assert set(first.current_validators()[str(feed)]) == {"sha256"}
    feed.write_bytes(b"<rss>two</rss>")  # same size, maybe the same mtime tick
    assert client(first.current_validators()).get(str(feed), conditional=True).status == 200


def test_without_conditional_a_file_is_always_read(tmp_path: Path) -> None:
    feed = settled_file(tmp_path / "feed.xml", b"<rss>one</rss>")
    first = client()
    first.get(str(feed), conditional=True)
    fetched = client(first.current_validators()).get(str(feed))
    assert fetched.status == 200 and fetched.content == b"<rss>one</rss>"


def test_only_files_that_changed_are_recorded(tmp_path: Path) -> None:
    same = settled_file(tmp_path / "same.xml", b"<rss>same</rss>")
    changed = settled_file(tmp_path / "changed.xml", b"<rss>v1</rss>")
    first = client()
    for path in (same, changed):
        first.get(str(path), conditional=True)
    settled_file(changed, b"<rss>v2, longer</rss>")
    recorded: list[Fetched] = []
    again = client(first.current_validators(), recorder=recorded.append)
    for path in (same, changed):
        again.get(str(path), conditional=True)
    assert [f.url for f in recorded] == [str(changed)]


# --- the rss extractor through the pipeline's steps ------------------------------------------


@pytest.fixture
def local_blog(tmp_path: Path) -> SourceConfig:
    """The demo bakery's feed and its three comment feeds, copied, last written an hour ago."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "demo" / "delices-margaux", site)
    for path in site.rglob("*.xml"):
        os.utime(path, (HOUR_AGO, HOUR_AGO))
    return SourceConfig(
        id="delices-margaux",
        kind="rss",
        url=str(site / "feed.xml"),
        owners=("Margaux - Les Délices", "Théo (Les Délices)"),
    )


def night(source: SourceConfig, run_id: str) -> tuple[dict[str, object], dict[str, int]]:
    """One night: extract and land, then load; the manifest and the load's counts."""
    settings = Settings.resolve()
    manifest = steps.extract_source(settings, source, run_id)
    report = steps.load_run(settings, run_id)
    return manifest, report.per_source[source.id]


def test_an_unchanged_night_on_local_feeds_reads_and_lands_nothing(
    ecoute_env: Path, local_blog: SourceConfig
) -> None:
    first, loaded = night(local_blog, "night-1")
    assert first["payloads"] == 4 and loaded["new"] == first["items"] > 0
    second, loaded_again = night(local_blog, "night-2")
    assert (second["payloads"], second["items"]) == (0, 0)
    assert (loaded_again["new"], loaded_again["updated"]) == (0, 0)


def test_a_new_comment_lands_its_feed_only(ecoute_env: Path, local_blog: SourceConfig) -> None:
    night(local_blog, "night-1")
    feed = Path(local_blog.url).parent / "comments" / "nos-prix-au-3-novembre.xml"
    text = feed.read_text(encoding="utf-8")
    edited = text.replace("Courage à toute l'équipe", "Courage à toute l'équipe, vraiment")
    assert edited != text
    feed.write_text(edited, encoding="utf-8")
    manifest, loaded = night(local_blog, "night-2")
    assert manifest["payloads"] == 1
    assert manifest["items"] == text.count("<entry>")
    assert (loaded["new"], loaded["updated"]) == (0, 1)
    os.utime(feed)  # touched again, same content: read, compared, not landed
    manifest, _ = night(local_blog, "night-3")
    assert (manifest["payloads"], manifest["items"]) == (0, 0)

"""`steps.extract_sources` with worker processes lands what one process lands.

Real parts: the demo's local sites, two sources on one loopback HTTP site (one of them
missing), worker processes from the fork server, the landing zone on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from extractors.base import SourceConfig
from pipelines import steps
from pipelines.config import Settings, load_sources
from pipelines.landing import LandingError, landed_batches
from pipelines.privacy import KEY_ENV

REPO = Path(__file__).resolve().parents[2]
RUN = "night"
#: One pseudonym key for the homes compared (else each makes its own).
KEY = "k" * 40


def sources(server: HTTPServer) -> list[SourceConfig]:
    """The four demo sites, then two sources of one HTTP site: a blog and a missing feed."""
    on_site = [
        SourceConfig(id="blog", kind="rss", url=server.url_for("/blog.xml"), owners=("Claire",)),
        SourceConfig(id="gone", kind="rss", url=server.url_for("/gone.xml")),
    ]
    return [*load_sources(REPO / "sources.yml"), *on_site]


def settings(tmp_path: Path, name: str) -> Settings:
    home = tmp_path / name
    return Settings(REPO / "sources.yml", home, home / "ecoute.duckdb")


def landed(settings: Settings) -> dict[str, tuple[str, int, list[dict[str, Any]]]]:
    """Per source: its batch's status, item count and items (without `fetched_at`)."""
    out = {}
    for batch in landed_batches(settings.landing, RUN):
        items = [
            {k: v for k, v in json.loads(line).items() if k != "fetched_at"}
            for line in batch.items_file.read_text(encoding="utf-8").splitlines()
        ]
        manifest = batch.manifest
        out[manifest["source_id"]] = (manifest["status"], manifest["items"], items)
    return out


def test_two_workers_land_what_one_process_lands(
    tmp_path: Path, feeds_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    config = sources(feeds_server)
    one = settings(tmp_path, "one")
    steps.extract_sources(one, config, RUN, workers=1)
    done: list[str] = []
    two = settings(tmp_path, "two")
    manifests = steps.extract_sources(
        two, config, RUN, workers=2, on_done=lambda m: done.append(m["source_id"])
    )

    assert [m["source_id"] for m in manifests] == [s.id for s in config]
    assert sorted(done) == sorted(s.id for s in config)
    expected = landed(one)
    assert landed(two) == expected
    assert expected["gone"][0] == "failed" and expected["blog"][1] > 0
    assert all(status == "complete" for sid, (status, *_) in expected.items() if sid != "gone")
    gone = next(m for m in manifests if m["source_id"] == "gone")
    assert "gone.xml" in gone["error"] and "404" in gone["error"]


def test_the_sources_of_one_site_are_read_one_after_the_other(
    tmp_path: Path, feeds_server: HTTPServer
) -> None:
    config = sources(feeds_server)
    steps.extract_sources(settings(tmp_path, "home"), config, RUN, workers=4)
    paths = [request.path for request, _ in feeds_server.log]
    # the blog (its feed, then its comment feeds) and the missing feed: never interleaved
    owners = ["gone" if path == "/gone.xml" else "blog" for path in paths]
    assert owners[0] == "blog" and "gone" in owners
    assert owners == sorted(owners, key=lambda owner: owners.index(owner))


def test_workers_see_the_environment_of_the_call(
    tmp_path: Path, feeds_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fork server lives as long as this process, with the environment it started
    # with; each call's own (here: the pseudonym key) must reach the workers.
    config = sources(feeds_server)
    by_key = {}
    for key in ("a" * 40, "b" * 40):
        monkeypatch.setenv(KEY_ENV, key)
        in_workers, here = settings(tmp_path, f"{key[0]}-2"), settings(tmp_path, f"{key[0]}-1")
        steps.extract_sources(in_workers, config, RUN, workers=2)
        steps.extract_sources(here, config, RUN, workers=1)
        by_key[key] = landed(in_workers)
        assert by_key[key] == landed(here)
    authors = [{i["author_name"] for i in items["blog"][2]} for items in by_key.values()]
    assert authors[0] and authors[0].isdisjoint(authors[1])  # other key, other pseudonyms


def test_a_landing_zone_that_cannot_be_written_stops_the_run(
    tmp_path: Path, feeds_server: HTTPServer
) -> None:
    home = settings(tmp_path, "home")
    blocked = home.landing / "velo-atelier"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the source's folder goes", encoding="utf-8")
    with pytest.raises(LandingError, match="velo-atelier"):
        steps.extract_sources(home, sources(feeds_server), RUN, workers=2)

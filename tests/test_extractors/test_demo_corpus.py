"""The rss extractor on the bundled demo, checked against the hand-written answer key."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.base import ExtractContext, get_extractor
from extractors.records import Item, stable_id
from pipelines.config import load_sources

REPO = Path(__file__).resolve().parents[2]


DEMO_SITES = [source.id for source in load_sources(REPO / "sources.yml")]


def labels(site: str) -> list[dict[str, str]]:
    with (REPO / "demo" / "labels.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["site"] == site]


@pytest.fixture(scope="module")
def demo_items() -> dict[str, list[Item]]:
    extracted = {}
    for source in load_sources(REPO / "sources.yml"):
        ctx = ExtractContext.for_source(source)
        extracted[source.id] = list(get_extractor(source.kind).run(ctx))
        assert ctx.warnings == []
    return extracted


def test_the_answer_key_agrees_with_the_feeds() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "demo" / "check_labels.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("site", DEMO_SITES)
def test_every_labelled_item_is_extracted_once(demo_items, site: str) -> None:
    expected = {stable_id(site, row["item_guid"]): row for row in labels(site)}
    items = {item.item_id: item for item in demo_items[site]}
    assert len(items) == len(demo_items[site])
    assert set(items) == set(expected)
    for item_id, row in expected.items():
        assert items[item_id].kind == row["kind"]
        assert items[item_id].is_owner == (row["is_owner"] == "1"), row["author"]


@pytest.mark.parametrize("site", DEMO_SITES)
def test_threaded_owner_answers_point_at_their_question(demo_items, site: str) -> None:
    answered = {item.parent_id for item in demo_items[site] if item.is_owner and item.parent_id}
    for row in labels(site):
        item_id = stable_id(site, row["item_guid"])
        assert (item_id in answered) == (row["answered_by_owner_threaded"] == "1"), row

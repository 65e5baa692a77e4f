from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from extractors.records import ITEM_COLUMNS, Item, content_hash, stable_id

ARCHITECTURE_FIELDS = [
    "item_id",
    "source_id",
    "kind",
    "post_id",
    "parent_id",
    "author_name",
    "author_id",
    "is_owner",
    "published_at",
    "url",
    "title",
    "text",
    "fetched_at",
    "content_hash",
    "extra",
]


def make_item(**overrides: object) -> Item:
    fields: dict[str, object] = {
        "item_id": "s:1",
        "source_id": "s",
        "kind": "comment",
        "post_id": "s:0",
        "published_at": datetime(2026, 10, 6, 12, 5, tzinfo=timezone(timedelta(hours=2))),
        "text": "ca ouvre a quelle heure samedi",
        "fetched_at": datetime(2026, 10, 7, tzinfo=UTC),
        "content_hash": "h",
    }
    fields.update(overrides)
    return Item.model_validate(fields)


def test_item_has_exactly_the_architecture_fields_in_order() -> None:
    assert list(Item.model_fields) == ARCHITECTURE_FIELDS
    assert list(ITEM_COLUMNS) == ARCHITECTURE_FIELDS


def test_timestamps_are_stored_in_utc_and_serialized_with_z() -> None:
    item = make_item()
    assert item.published_at == datetime(2026, 10, 6, 10, 5, tzinfo=UTC)
    assert item.model_dump(mode="json")["published_at"] == "2026-10-06T10:05:00Z"


def test_json_line_keeps_accents_and_emojis_readable() -> None:
    line = make_item(text="Trop bon 😍 merci Théo").to_json()
    assert "😍" in line and "Théo" in line


def test_unknown_field_and_unknown_kind_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_item(likes=3)
    with pytest.raises(ValidationError):
        make_item(kind="story")


def test_ids_and_hashes_are_stable_and_distinct() -> None:
    assert stable_id("a", "x") == stable_id("a", "x")
    assert stable_id("a", "x") != stable_id("b", "x")
    assert content_hash("t", "x") == content_hash("t", "x")
    assert content_hash("t", "x") != content_hash("tx", "")


def test_owner_names_match_whatever_the_apostrophe_and_case() -> None:
    from extractors.base import SourceConfig

    source = SourceConfig(id="s", kind="rss", url="x", owners=("L'Épicerie de Léa",))
    assert source.is_owner("l\u2019épicerie de léa")
    assert source.is_owner(None, "L'E\u0301picerie de Le\u0301a")  # decomposed accents
    assert not source.is_owner("Léa")

"""The one record every stage speaks: an *item* (a post or a comment).

The field names are the contract of ARCHITECTURE.md: the same names appear in
`ecoute extract` output, in the landing zone's `items.jsonl` and in the `items` table.
The DuckDB column types live next to the model (`ITEM_COLUMNS`) so that the loader and
the schema test read them from one place.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

ItemKind = Literal["post", "comment"]


def to_utc(value: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken as UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a trailing `Z`, seconds precision: `2026-03-01T08:15:00Z`."""
    return to_utc(value).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_hash(*parts: str | None) -> str:
    """Stable fingerprint of what a reader sees; a change means the item was edited."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


def stable_id(source_id: str, platform_id: str) -> str:
    """`item_id` from the source and the platform's own id (or URL + position)."""
    return f"{source_id}:{hashlib.sha1(platform_id.encode('utf-8')).hexdigest()[:16]}"


class Item(BaseModel):
    """A post or a comment, normalized. Timestamps are UTC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item_id: str = Field(min_length=1)
    source_id: str = Field(min_length=1)
    kind: ItemKind
    post_id: str = Field(min_length=1)
    parent_id: str | None = None
    author_name: str | None = None
    author_id: str | None = None
    is_owner: bool = False
    published_at: datetime
    url: str | None = None
    title: str | None = None
    text: str
    fetched_at: datetime
    content_hash: str
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("published_at", "fetched_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return to_utc(value)

    @field_serializer("published_at", "fetched_at")
    def _iso(self, value: datetime) -> str:
        return iso_utc(value)

    def to_json(self) -> str:
        """One JSON line, UTF-8 kept readable (French accents, emojis)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False)


#: DuckDB type of each `items` column, in field order (migrations create the same table).
ITEM_COLUMNS: dict[str, str] = {
    "item_id": "VARCHAR",
    "source_id": "VARCHAR",
    "kind": "VARCHAR",
    "post_id": "VARCHAR",
    "parent_id": "VARCHAR",
    "author_name": "VARCHAR",
    "author_id": "VARCHAR",
    "is_owner": "BOOLEAN",
    "published_at": "TIMESTAMP",
    "url": "VARCHAR",
    "title": "VARCHAR",
    "text": "VARCHAR",
    "fetched_at": "TIMESTAMP",
    "content_hash": "VARCHAR",
    "extra": "JSON",
}

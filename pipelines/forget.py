"""`ecoute forget --author NAME`: erase one person everywhere ecoute keeps them (RGPD art. 17).

- the warehouse: their items and everything derived from them, in one transaction, then
  the file is rewritten so that no deleted bytes remain (warehouse/erasure.py);
- the landing zone: every items.jsonl rewritten without their lines (a replay cannot bring
  them back), and every raw payload that names them deleted whole (a feed page holds other
  people's comments too: theirs stay in items.jsonl, which is what a replay reads);
- from then on, the landing step does not land their items again (it reads `erasures`).

The erasure is recorded with the keyed pseudonym of the name, never the name. A person is
found under every form their items may carry: the name in clear, case and accents aside
(items landed with pseudonymisation off, or before it existed), its pseudonym, and, when
NAME is an id (a profile URL, a Mastodon address), that id in clear or pseudonymised.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from extractors.errors import ConfigError
from extractors.names import NameKeys, fold, name_key
from pipelines import privacy
from pipelines.config import Settings
from pipelines.landing import ITEMS
from warehouse import db, erasure


@dataclass(frozen=True)
class Person:
    """Who to forget, in each form an item may name them."""

    name: str
    key: str
    pseudonym: str
    id_pseudonym: str

    @classmethod
    def called(cls, name: str, names: NameKeys) -> Person:
        return cls(name, name_key(name), names.pseudonym(name), names.id_pseudonym(name))

    def named(self, author_name: str | None) -> bool:
        return bool(author_name) and (
            author_name == self.pseudonym or name_key(author_name) == self.key
        )

    def identified(self, author_id: str | None) -> bool:
        return author_id in (self.name, self.id_pseudonym)

    def wrote(self, record: dict[str, Any]) -> bool:
        """Whether a landed item is theirs."""
        return self.named(record.get("author_name")) or self.identified(record.get("author_id"))

    def named_in(self, payload: bytes) -> bool:
        """Whether a raw payload names them: as text in UTF-8 or Windows-1252, HTML entities
        decoded, or JSON-escaped ("Ga\\u00eblle", "http:\\/\\/"), without case or accents,
        as whole words."""
        return any(
            self._in_text.search(fold(html.unescape(payload.decode(encoding, "replace"))))
            for encoding in ("utf-8", "cp1252")
        )

    @functools.cached_property
    def _in_text(self) -> re.Pattern[str]:
        folded = fold(self.name)
        forms = {folded, fold(json.dumps(self.name)[1:-1]), folded.replace("/", "\\/")}
        return re.compile("|".join(rf"(?<![^\W_]){re.escape(f)}(?![^\W_])" for f in forms))


@dataclass(frozen=True)
class Forgotten:
    """What one `forget` did, as recorded in `erasures`."""

    author_key: str
    source_id: str | None
    items: int
    derived_rows: int
    landing_files_rewritten: int
    raw_files_deleted: int
    previously: datetime | None

    def summary(self) -> str:
        where = f" in source {self.source_id}" if self.source_id else ""
        done = (self.items, self.derived_rows, self.landing_files_rewritten, self.raw_files_deleted)
        if not any(done):
            before = (
                f"already erased on {self.previously:%Y-%m-%d %H:%M} UTC"
                if self.previously
                else "no item, landing file or raw payload names them"
            )
            return f"nothing left to forget for {self.author_key}{where}: {before}"
        return (
            f"forgot {self.author_key}{where}: {self.items} item(s) and {self.derived_rows} "
            f"derived row(s) deleted from the warehouse, {self.landing_files_rewritten} landing "
            f"file(s) rewritten, {self.raw_files_deleted} raw file(s) deleted; their future "
            "items will not be landed"
        )


def forget_author(settings: Settings, name: str, source_id: str | None = None) -> Forgotten:
    """Erase the person called ``name`` (or with that id) from the warehouse and the
    landing zone, of ``source_id`` or of every source, and record it. Idempotent."""
    if not name.strip():
        raise ConfigError("forget: --author must not be empty")
    person = Person.called(name.strip(), privacy.name_keys(settings))
    conn = db.connect(settings.db_path)  # first: a locked warehouse stops before any file
    try:
        previously = erasure.last_erasure(conn, person.pseudonym, source_id)
        known_names, known_ids = erasure.authors(conn, source_id)
        target = erasure.Target(
            names=frozenset(n for n in known_names if person.named(n)),
            ids=frozenset(i for i in known_ids if person.identified(i)),
            source_id=source_id,
        )
        files = sorted(settings.landing.glob(f"{source_id or '*'}/*/{ITEMS}"))
        erased = erasure.item_ids(conn, target) | {
            record["item_id"]
            for path in files
            for _, record in _landed(path)
            if record and person.wrote(record)
        }
        rewritten = sum(_rewrite(path, person, erased) for path in files)
        deleted = _delete_raw(settings.landing.glob(f"{source_id or '*'}/*/raw/*"), person)
        items, rows = erasure.erase(
            conn,
            target,
            erased,
            author_key=person.pseudonym,
            landing_files_rewritten=rewritten,
            raw_files_deleted=deleted,
        )
    finally:
        conn.close()
    if rows:
        erasure.compact(settings.db_path)
    return Forgotten(
        person.pseudonym, source_id, items, rows - items, rewritten, deleted, previously
    )


def _landed(path: Path) -> list[tuple[str, dict[str, Any] | None]]:
    """The lines of an items.jsonl with their item (None for a line that is not one)."""
    found: list[tuple[str, dict[str, Any] | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        found.append((line, record if isinstance(record, dict) else None))
    return found


def _rewrite(path: Path, person: Person, erased: set[str]) -> bool:
    """Rewrite one items.jsonl without the person's items and with the replies to erased
    items detached, aside then renamed in place (a crash leaves the old file or the new
    one); False when there was nothing to change."""
    lines, changed = [], False
    for line, record in _landed(path):
        if record and person.wrote(record):
            changed = True
        elif record and record.get("parent_id") in erased:
            lines.append(json.dumps({**record, "parent_id": None}, ensure_ascii=False) + "\n")
            changed = True
        else:
            lines.append(line)
    if changed:
        draft = path.with_name(path.name + ".tmp")
        draft.write_text("".join(lines), encoding="utf-8")
        os.replace(draft, path)
    return changed


def _delete_raw(paths: Iterable[Path], person: Person) -> int:
    deleted = 0
    for path in paths:
        if path.is_file() and person.named_in(path.read_bytes()):
            path.unlink()
            deleted += 1
    return deleted

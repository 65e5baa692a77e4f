"""Pseudonyms for the people who comment, given when their items are landed (RGPD).

The analyses need to know that two comments come from the same person, not who that person
is. So before items.jsonl is written, the names and ids of authors who are not the
organisation are replaced by keyed pseudonyms (`anon-` and 12 hex digits, see
`extractors.names.NameKeys`), and keyed hashes of the ways a reply may address them
("@Hélène", "Hélène :", an alias) are stored in `extra.author_keys`, so that reply
detection still works without the names. The warehouse, its views, `ecoute explain` and
the report therefore only ever see pseudonyms of non-owners. Owners keep their names:
they are the organisation. `ExtractContext.item` does not pseudonymise: `ecoute extract`
shows what a source says, for debugging. Raw payloads stay as fetched until their
retention ends (`ecoute purge`); names written inside comment text are not rewritten.

The key: `ECOUTE_PSEUDONYM_KEY`, else the password of the Airflow connection
`ecoute_pseudonym_key`, else `$ECOUTE_HOME/secrets/pseudonym.key`, created once (random,
mode 0600) so that a first run needs no setup. Whoever holds the key can test a guessed
name against a pseudonym: keep it like a password. Whoever loses it cannot link new
pseudonyms to old ones (nor `ecoute forget` a name in items landed under the old key).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from extractors.base import SourceConfig
from extractors.errors import ConfigError
from extractors.names import NameKeys, name_variants
from extractors.records import Item, content_hash
from extractors.secrets import airflow_password
from pipelines.config import Settings
from warehouse import db, erasure

KEY_ENV = "ECOUTE_PSEUDONYM_KEY"
KEY_CONNECTION = "ecoute_pseudonym_key"
#: A shorter key could be guessed; `openssl rand -hex 32` gives 64 characters.
MIN_KEY_CHARS = 32
#: Extra fields in which extractors name the author (Bluesky's handle).
AUTHOR_EXTRAS = ("handle",)


def key_file(home: Path) -> Path:
    return home / "secrets" / "pseudonym.key"


def pseudonym_key(home: Path) -> bytes:
    """The secret of the pseudonyms: from the environment, Airflow, or the key file under
    ``home`` (created on first use)."""
    value = os.environ.get(KEY_ENV) or airflow_password(KEY_CONNECTION)
    if value:
        return _checked(value, KEY_ENV)
    path = key_file(home)
    if not path.exists():
        _create_key(path)
    return _checked(path.read_text(encoding="utf-8"), str(path))


def _checked(value: str, where: str) -> bytes:
    key = value.strip()
    if len(key) < MIN_KEY_CHARS:
        raise ConfigError(
            f"{where}: the pseudonym key has {len(key)} characters, at least "
            f"{MIN_KEY_CHARS} are needed",
            hint="generate one with: openssl rand -hex 32",
        )
    return key.encode("utf-8")


def _create_key(path: Path) -> None:
    """Write a random key readable by its owner only. It is written aside, then linked in
    place: a process that loses the race (two extract tasks on a first night) keeps the
    winner's key instead of replacing it, and nobody ever reads a half-written one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: theirs
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def name_keys(settings: Settings) -> NameKeys:
    return NameKeys(pseudonym_key(settings.home))


def pseudonymise(item: Item, names: NameKeys, source: SourceConfig) -> Item:
    """``item`` with its author's name and id replaced by pseudonyms, the forms a reply may
    address them by as keys in ``extra.author_keys``, and a `content_hash` over the
    pseudonym (a hash over the clear name would let anyone test a guessed name)."""
    name = names.pseudonym(item.author_name) if item.author_name else None
    extra = dict(item.extra)
    for key in AUTHOR_EXTRAS:
        if extra.get(key):
            extra[key] = names.id_pseudonym(str(extra[key]))
    extra["author_keys"] = sorted(
        {names.address_key(form) for form in name_variants(item.author_name, source.aliases)}
    )
    return item.model_copy(
        update={
            "author_name": name,
            "author_id": names.id_pseudonym(item.author_id) if item.author_id else None,
            "extra": extra,
            "content_hash": content_hash(item.title, item.text, name),
        }
    )


@dataclass
class LandingGuard:
    """What of a source's items may be landed: nothing that `ecoute forget` erased (their
    author, or the very items), replies to those without their parent, and the rest with
    pseudonyms unless the source's `pseudonymise` setting is off."""

    source: SourceConfig
    names: NameKeys
    #: Author keys (`NameKeys.pseudonym`) erased for this source.
    forgotten: frozenset[str] = frozenset()
    #: Item ids erased, and those this guard held back: a reply to one loses its parent.
    erased: set[str] = field(default_factory=set)

    @classmethod
    def for_source(cls, settings: Settings, source: SourceConfig) -> LandingGuard:
        suppressed = _suppressed(settings, source.id)
        return cls(source, name_keys(settings), suppressed.author_keys, set(suppressed.item_ids))

    def protect(self, item: Item) -> Item | None:
        """The item as it may be landed; None when it, or its author, was forgotten."""
        if self._forgotten(item):
            self.erased.add(item.item_id)
            return None
        if item.parent_id in self.erased:
            item = item.model_copy(update={"parent_id": None})
        if item.is_owner or not self.source.pseudonymise:
            return item
        return pseudonymise(item, self.names, self.source)

    def _forgotten(self, item: Item) -> bool:
        if item.item_id in self.erased:
            return True
        if not self.forgotten:
            return False
        keys = {self.names.pseudonym(v) for v in (item.author_name, item.author_id) if v}
        return not keys.isdisjoint(self.forgotten)


def _suppressed(settings: Settings, source_id: str) -> erasure.Suppressed:
    """Read without taking the write lock, as the extract step reads cursors."""
    if not settings.db_path.exists():
        return erasure.Suppressed()
    conn = db.connect(settings.db_path, read_only=True)
    try:
        return erasure.suppressed(conn, source_id)
    finally:
        conn.close()

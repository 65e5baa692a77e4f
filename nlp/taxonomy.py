"""The topic taxonomy: a YAML file that analysts edit, loaded and checked here.

Why YAML and not Python: the topics are the organisation's own words and the people who
know them are analysts, not developers. Why checked by hand: a mistake must come back as
one line naming the file, the topic and the problem, and this module must stay cheap to
import (``nlp.version`` fingerprints the file without loading spaCy).

The format is described at the top of ``nlp/topics.yml``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: The taxonomy shipped with ecoute.
DEFAULT_TAXONOMY = Path(__file__).with_name("topics.yml")
#: Environment variable naming another taxonomy file.
TAXONOMY_ENV = "ECOUTE_TOPICS"

_TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_TOPIC_KEYS = frozenset({"label", "description", "lemmas", "phrases", "exclude"})
_LIST_KEYS = ("lemmas", "phrases", "exclude")
#: A word of a phrase: a choice "a|b", optional when in parentheses; no braces (no slots here).
_PHRASE_WORD = re.compile(r"^(\([^(){}]+\)|[^(){}]+)$")


class TaxonomyError(ValueError):
    """The taxonomy file is missing, not YAML, or not in the expected shape."""


@dataclass(frozen=True)
class Topic:
    """One topic: words in their dictionary form, phrases, and phrases that cancel them."""

    id: str
    label: str
    description: str
    lemmas: tuple[str, ...]
    phrases: tuple[str, ...]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The topics of one file by id, in file order (the order of ``doc._.topics``)."""

    path: Path
    topics: dict[str, Topic]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def resolve_taxonomy_path(explicit: str | Path | None) -> Path:
    """The taxonomy to use: ``explicit``, else ``$ECOUTE_TOPICS``, else the packaged one."""
    return Path(explicit or os.environ.get(TAXONOMY_ENV) or DEFAULT_TAXONOMY)


def taxonomy_fingerprint(path: str | Path) -> str:
    """Short sha256 of the file's bytes: changes whenever the taxonomy is edited."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read the taxonomy ({exc.strerror or exc})") from None
    return hashlib.sha256(data).hexdigest()[:12]


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read and check a taxonomy file; every problem is a one-line ``TaxonomyError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise TaxonomyError(f"{path}: cannot read the taxonomy ({reason or exc})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise TaxonomyError(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict) or set(data) != {"topics"}:
        raise TaxonomyError(f"{path}: expected one top-level key 'topics:'")
    topics = data["topics"]
    if not isinstance(topics, dict) or not topics:
        raise TaxonomyError(f"{path}: 'topics:' must map topic ids to topics")
    return Taxonomy(path, {str(key): _topic(path, str(key), raw) for key, raw in topics.items()})


def _topic(path: Path, topic_id: str, raw: Any) -> Topic:
    def fail(problem: str) -> TaxonomyError:
        return TaxonomyError(f"{path}: topic '{topic_id}': {problem}")

    if not _TOPIC_ID.match(topic_id):
        raise fail("ids are lowercase letters, digits and '_', starting with a letter")
    if not isinstance(raw, dict):
        raise fail("expected keys label, description, lemmas, phrases, exclude")
    unknown = sorted(set(raw) - _TOPIC_KEYS)
    if unknown:
        raise fail(f"unknown key '{unknown[0]}' (expected {', '.join(sorted(_TOPIC_KEYS))})")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise fail("'label' is required (the name shown to analysts)")
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise fail("'description' must be text")
    lists: dict[str, tuple[str, ...]] = {}
    for key in _LIST_KEYS:
        value = raw.get(key) or []
        if not isinstance(value, list):
            raise fail(f"'{key}' must be a list")
        bad = [item for item in value if not isinstance(item, str) or not item.strip()]
        if bad:
            raise fail(f"'{key}' has an entry that is not text: {bad[0]!r} (put it in quotes)")
        lists[key] = tuple(" ".join(item.split()) for item in value)
    if not lists["lemmas"] and not lists["phrases"]:
        raise fail("give at least one entry under 'lemmas' or 'phrases'")
    for lemma in lists["lemmas"]:
        if " " in lemma:
            raise fail(f"lemma '{lemma}' has several words: put it under 'phrases'")
    for phrase in lists["phrases"]:
        if " " not in phrase:
            raise fail(
                f"phrase '{phrase}' is one word: put it under 'lemmas' "
                "(or quote it if it has a '#': in YAML ' #' starts a comment)"
            )
    for phrase in lists["phrases"] + lists["exclude"]:
        if not all(_PHRASE_WORD.match(word) for word in phrase.split()):
            raise fail(f"phrase '{phrase}': words, 'a|b', '(a|b)' and '#' only")
    return Topic(topic_id, label.strip(), description.strip(), **lists)

"""Author names as ecoute compares them: folded, in their usual variants, or keyed-hashed.

Two stages need the same idea of a name. Reply detection (warehouse/replies.py) must see
that "@Helene" addresses "hélène m."; the landing step (pipelines/privacy.py) replaces the
names of the people who are not the organisation with pseudonyms and, so that replies can
still be found, stores keyed hashes of the forms a reply may use to address them. Both
must fold a name the same way, so the folding and the keyed hashes live here, once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
SEPARATORS = re.compile(r"[\s\-_.]+")
#: What every pseudonym starts with: a reader sees at once that a name was replaced.
PSEUDONYM_PREFIX = "anon-"


def fold(text: str) -> str:
    """Lowercase, no accents, straight apostrophes: "Hélène" -> "helene"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_key(name: str) -> str:
    """A name as compared: folded, hyphens, dots and underscores as spaces."""
    return SEPARATORS.sub(" ", fold(name)).strip()


def name_variants(author: str | None, aliases: Mapping[str, Sequence[str]]) -> list[str]:
    """Ways to address ``author``: full name, first word, without a trailing initial,
    and the aliases configured for them; folded, longest first."""
    if not author:
        return []
    key = name_key(author)
    variants = {key}
    words = key.split()
    if len(words) > 1:
        variants.add(words[0])
        if len(words[-1]) == 1:  # "Sandrine B." -> "sandrine"
            variants.add(" ".join(words[:-1]))
    for name, others in aliases.items():
        if name_key(name) == key:
            variants.update(name_key(other) for other in others)
    return sorted((v for v in variants if v), key=len, reverse=True)


@dataclass(frozen=True)
class NameKeys:
    """Keyed hashes (HMAC-SHA256) of names, ids and name forms, under one secret.

    A plain hash of a name can be reversed by hashing guesses; a keyed one cannot
    without the secret. With it, one name always gives the same value, so a person keeps
    one pseudonym from run to run and reply detection can compare the "@Hélène" of a
    reply with the asker's name without the name being stored."""

    secret: bytes = field(repr=False)

    def pseudonym(self, name: str) -> str:
        """`anon-` and 12 hex digits for an author name, case, accents and separators
        aside (as reply detection already takes "Hélène M." and "helene m" for one person)."""
        return PSEUDONYM_PREFIX + self._digest("name", name_key(name))[:12]

    def id_pseudonym(self, author_id: str) -> str:
        """The same for an author id, taken exactly: "kevin.lyon" and "kevin_lyon" are
        two accounts."""
        return PSEUDONYM_PREFIX + self._digest("id", author_id)[:12]

    def address_key(self, form: str) -> str:
        """A folded form of a name (`name_variants`, or words read in a reply) as reply
        detection compares it."""
        return self._digest("address", form)[:16]

    def _digest(self, purpose: str, value: str) -> str:
        # The purpose keeps the three kinds apart: a name's pseudonym is not its address key.
        message = f"{purpose}\x1f{value}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

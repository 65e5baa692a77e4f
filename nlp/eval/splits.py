"""Which split a labelled row belongs to, from its text alone.

Why a hash: the person who writes the test rows must not pick which ones are hard, and a
row must keep its split when rows are added or reordered. Half the new rows go to test.
"""

from __future__ import annotations

import hashlib
import unicodedata


def split_for(text: str, *, test_share: float = 0.5) -> str:
    """``"test"`` or ``"dev"``, stable for a text (NFC, case and outer spaces ignored).

    A newline counts as written in the files (``\\n``), so a row hashes the same read or raw.
    """
    written = text.replace("\n", "\\n")
    key = unicodedata.normalize("NFC", written).strip().casefold().encode("utf-8")
    bucket = int.from_bytes(hashlib.sha256(key).digest()[:4], "big") / 2**32
    return "test" if bucket < test_share else "dev"

"""Hand-built comment threads loaded into a real DuckDB file, with hand labels.

Used by the reply-detection tests and the `ecoute explain` tests: the same flat thread,
the same expected figures. With `names`, the items go through the landing step's
pseudonymisation first, as `ecoute run` lands them (the privacy tests).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from extractors.base import SourceConfig
from extractors.names import NameKeys
from extractors.records import Item, content_hash
from pipelines.privacy import LandingGuard
from warehouse import db
from warehouse.annotations import store_annotations, stream_pending
from warehouse.load import load_batch
from warehouse.replies import refresh_replies

T0 = datetime(2026, 9, 1, 9, 0)


def load_thread(
    tmp_path: Path, source: SourceConfig, rows: list[tuple], names: NameKeys | None = None
) -> duckdb.DuckDBPyConnection:
    """rows: (id, author, parent, hours after T0, is_question, text); post is the first."""
    conn = db.connect(tmp_path / "w.duckdb")
    guard = LandingGuard(source, names) if names else None
    items = []
    for key, author, parent, hours, _, text in rows:
        item = Item(
            item_id=key,
            source_id=source.id,
            kind="post" if parent is None else "comment",
            post_id=rows[0][0],
            parent_id=parent,
            author_name=author,
            is_owner=source.is_owner(author),
            published_at=(T0 + timedelta(hours=hours)).replace(tzinfo=UTC),
            url=f"https://{source.id}.example/{rows[0][0]}",
            text=text,
            fetched_at=T0.replace(tzinfo=UTC),
            content_hash=content_hash(text),
        )
        items.append(guard.protect(item) if guard else item)
    batch = tmp_path / f"{source.id}.jsonl"
    batch.write_text("".join(i.to_json() + "\n" for i in items), encoding="utf-8")
    load_batch(conn, batch, source, run_id="r1", cursor=None)
    annotate_by_hand(conn, {key for key, *_, question, _ in rows if question})
    refresh_replies(conn, names=names)
    return conn


TYPEPAD = SourceConfig(
    id="typepad",
    kind="rss",
    url="https://typepad.example/atom.xml",
    owners=("Atelier Argile",),
    aliases={"Billaut": ("Jean Michel",)},
)
# A flat Typepad thread: every comment hangs off the post; the owner answers by @name.
FLAT = [
    ("post", "Atelier Argile", None, 0, False, "Stage de tournage en octobre"),
    ("c1", "Xavier", "post", 1, True, "Il reste de la place le 12 ?"),
    ("c2", "hélène m.", "post", 2, True, "C'est adapté aux débutants ?"),
    ("c3", "Billaut", "post", 3, True, "On peut venir à deux ?"),
    ("c4", "Zoé", "post", 4, True, "Vous fournissez les tabliers ?"),
    ("c5", "Marc", "post", 5, False, "Super stage l'an dernier !"),
    # 10 h after c1 (11 - 1) and 9 h after c2 (11 - 2): one comment, two people
    ("o1", "Atelier Argile", "post", 11, False, "@Xavier oui il reste 2 places. @Hélène : oui"),
    # "@Jean Michel" is Billaut's alias: 27 h after c3 (30 - 3)
    ("o2", "Atelier Argile", "post", 30, False, "@Jean Michel bien sûr, venez à deux"),
    ("o3", "Atelier Argile", "post", 31, False, "Merci Marc !"),  # Marc asked nothing
    ("c6", "Paul", "post", 40, True, "Et en novembre ?"),  # nobody answers Paul
]


def annotate_by_hand(
    conn: duckdb.DuckDBPyConnection, questions: set[str], version: str = "hand"
) -> None:
    """Annotate every item still pending for `version`: the `questions` are questions
    (their whole text the evidence), the others not; all French and neutral."""
    store_annotations(
        conn,
        [
            {
                "item_id": item_id,
                "nlp_version": version,
                "content_hash": chash,
                "lang": "fr",
                "is_question": item_id in questions,
                "question_sentence": text if item_id in questions else None,
                "question_rule": "qmark" if item_id in questions else None,
                "question_type": "information" if item_id in questions else None,
                "sentiment": "neutral",
                "sentiment_score": 0.0,
                "topics": [],
            }
            for item_id, chash, text in all_pending(conn, version)
        ],
    )


def all_pending(conn: duckdb.DuckDBPyConnection, version: str) -> list[tuple[str, str, str]]:
    """Every item still to annotate for `version`, as (item_id, content_hash, text), by id."""
    return sorted(row for chunk in stream_pending(conn, version) for row in chunk)

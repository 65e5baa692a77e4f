"""`annotate_pending` streams: one query, one annotator, one transaction per stored batch.

Real parts: a DuckDB file loaded by the real loader, the real pipeline, real worker
processes, and a real crash (SIGKILL) in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from spacy.language import Language

from extractors.base import SourceConfig
from extractors.records import Item, content_hash
from nlp import NLP_VERSION, Annotation, build_pipeline
from nlp.eval.datasets import LANGUAGE, QUESTIONS
from pipelines.config import Settings
from pipelines.steps import annotate_pending
from warehouse import db
from warehouse.annotations import store_annotations
from warehouse.load import load_batch

REPO = Path(__file__).resolve().parents[2]
SOURCE = SourceConfig(id="blog", kind="rss", url="https://blog.example/feed.xml", owners=())
#: Questions, other comments, other languages: 40 items, five batches of 8.
TEXTS = [r["text"] for r in QUESTIONS.read("dev")[:30]] + [
    r["text"] for r in LANGUAGE.read("dev")[:10]
]
BATCH = 8
FIELDS = list(Annotation.__dataclass_fields__)


def make_warehouse(tmp_path: Path, texts: list[str]) -> Settings:
    """A warehouse holding one post per text, loaded like `ecoute run` loads them."""
    path = tmp_path / "w.duckdb"
    conn = db.connect(path)
    try:
        when = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
        items = [
            Item(
                item_id=f"blog:{n:03d}",
                source_id=SOURCE.id,
                kind="post",
                post_id=f"blog:{n:03d}",
                is_owner=False,
                published_at=when,
                text=text,
                fetched_at=when,
                content_hash=content_hash(text),
            )
            for n, text in enumerate(texts)
        ]
        batch = tmp_path / "blog.jsonl"
        batch.write_text("".join(item.to_json() + "\n" for item in items), encoding="utf-8")
        load_batch(conn, batch, SOURCE, run_id="r1", cursor=None)
    finally:
        conn.close()
    return Settings(config_path=tmp_path / "sources.yml", home=tmp_path, db_path=path)


def stored(settings: Settings) -> dict[str, dict]:
    """The annotations of the current NLP version, by text."""
    conn = db.connect(settings.db_path, read_only=True)
    try:
        rows = conn.execute(
            f"""SELECT i.text, a.annotated_at, {", ".join("a." + f for f in FIELDS)}
                FROM annotations AS a JOIN items AS i USING (item_id)
                WHERE a.nlp_version = ?""",
            [NLP_VERSION],
        ).fetchall()
    finally:
        conn.close()
    return {
        row[0]: {"annotated_at": row[1], **dict(zip(FIELDS, row[2:], strict=True))} for row in rows
    }


@pytest.fixture(scope="module")
def pipeline() -> Language:
    return build_pipeline()


@pytest.mark.parametrize("n_process", [1, 2])
def test_streaming_many_batches_stores_what_each_text_alone_gets(
    tmp_path: Path, pipeline: Language, n_process: int
) -> None:
    settings = make_warehouse(tmp_path, TEXTS)
    settings = Settings(settings.config_path, settings.home, settings.db_path, n_process)
    calls: list[tuple[int, int]] = []

    done = annotate_pending(settings, batch_size=BATCH, progress=lambda d, t: calls.append((d, t)))

    assert done == len(TEXTS)
    assert calls == [(n, len(TEXTS)) for n in range(BATCH, len(TEXTS) + 1, BATCH)]
    got = stored(settings)
    assert set(got) == set(TEXTS)
    for text in TEXTS:
        alone = Annotation.from_doc(pipeline(text)).to_dict()
        assert {f: got[text][f] for f in FIELDS} == alone, text
    assert annotate_pending(settings, batch_size=BATCH) == 0


def test_a_crash_keeps_the_stored_batches_and_the_next_run_does_the_rest(
    tmp_path: Path, pipeline: Language
) -> None:
    settings = make_warehouse(tmp_path, TEXTS)
    # The process dies (SIGKILL: no cleanup at all) once two batches are stored.
    crash = f"""
import os, signal
from pathlib import Path
from pipelines.config import Settings
from pipelines.steps import annotate_pending

def progress(done, total):
    if done >= {2 * BATCH}:
        os.kill(os.getpid(), signal.SIGKILL)

settings = Settings(Path("unused"), Path({str(tmp_path)!r}), Path({str(settings.db_path)!r}))
annotate_pending(settings, batch_size={BATCH}, progress=progress)
"""
    run = subprocess.run([sys.executable, "-c", crash], cwd=REPO, capture_output=True)
    assert run.returncode == -9, run.stderr.decode()
    before = stored(settings)
    assert len(before) == 2 * BATCH

    assert annotate_pending(settings, batch_size=BATCH) == len(TEXTS) - 2 * BATCH

    after = stored(settings)
    assert set(after) == set(TEXTS)
    for text, row in before.items():
        assert after[text] == row  # kept as stored, not annotated again


@pytest.mark.parametrize("annotated", [True, False], ids=["all-annotated", "empty"])
def test_nothing_pending_returns_at_once_without_loading_spacy(
    tmp_path: Path, annotated: bool
) -> None:
    settings = make_warehouse(tmp_path, TEXTS if annotated else [])
    if annotated:
        conn = db.connect(settings.db_path)
        try:
            pending = conn.execute("SELECT item_id, content_hash FROM items").fetchall()
            store_annotations(
                conn,
                [
                    {
                        "item_id": item_id,
                        "content_hash": chash,
                        "nlp_version": NLP_VERSION,
                        "lang": "fr",
                        "is_question": False,
                        "sentiment": "neutral",
                        "sentiment_score": 0.0,
                        "topics": [],
                    }
                    for item_id, chash in pending
                ],
            )
        finally:
            conn.close()
    check = f"""
import sys
from pathlib import Path
from pipelines.config import Settings
from pipelines.steps import annotate_pending

settings = Settings(Path("unused"), Path({str(tmp_path)!r}), Path({str(settings.db_path)!r}))
assert annotate_pending(settings) == 0
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("spacy", "thinc", "lingua"))
assert not loaded and "nlp.pipeline" not in sys.modules, loaded
"""
    subprocess.run([sys.executable, "-c", check], cwd=REPO, check=True)

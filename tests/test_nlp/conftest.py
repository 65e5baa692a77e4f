"""Shared fixtures for the NLP tests: one pipeline per session, the labelled sets."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from spacy.language import Language

from nlp import Annotation, annotate_texts, build_pipeline

DATA = Path(__file__).parent / "data"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a tab-separated file under data/, '#' lines skipped, '\\n' made a newline."""
    with (DATA / name).open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        row["text"] = row["text"].replace("\\n", "\n")
    return rows


@pytest.fixture(scope="session")
def pipeline() -> Language:
    return build_pipeline()


@pytest.fixture(scope="session")
def annotate(pipeline: Language) -> Callable[[str], Annotation]:
    """Annotate one text."""

    def run(text: str) -> Annotation:
        return next(annotate_texts([text]))

    return run


@pytest.fixture(scope="session")
def question_rows() -> list[dict[str, str]]:
    return read_table("questions.tsv")


@pytest.fixture(scope="session")
def sentiment_rows() -> list[dict[str, str]]:
    return read_table("sentiment.tsv")

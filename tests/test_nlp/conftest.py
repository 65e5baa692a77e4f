"""Shared fixtures for the NLP tests: one pipeline per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language

from nlp import Annotation, annotate_texts, build_pipeline


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
def annotate_lexicon() -> Callable[[str], Annotation]:
    """Annotate one text with the sentiment lexicon and rules alone (no model)."""
    pipeline = build_pipeline(sentiment_model=False)

    def run(text: str) -> Annotation:
        return Annotation.from_doc(pipeline(text))

    return run

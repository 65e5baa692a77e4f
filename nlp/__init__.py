"""ecoute NLP: language, questions and requests, sentiment and topics of French comments.

    >>> from nlp import annotate_texts
    >>> [a.question_rule for a in annotate_texts(["Vous livrez le samedi ?"])]
    ['qmark']

``NLP_VERSION`` is cheap to import; the pipeline names import spaCy and the French
tokenizer (a few seconds) on first use only. See nlp/README.md for the rules, their
measured quality and their known gaps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nlp.version import NLP_VERSION

if TYPE_CHECKING:
    from nlp.pipeline import Annotation, Annotator, annotate_texts, build_pipeline

__all__ = ["NLP_VERSION", "Annotation", "Annotator", "annotate_texts", "build_pipeline"]

_PIPELINE_NAMES = frozenset({"Annotation", "Annotator", "annotate_texts", "build_pipeline"})


def __getattr__(name: str) -> object:
    """Import ``nlp.pipeline`` when one of its names is first asked for."""
    if name in _PIPELINE_NAMES:
        from nlp import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

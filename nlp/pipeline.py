"""Build the French pipeline once per process and annotate comments with it.

Why here: other stages only need ``annotate_texts``; how the spaCy pipeline is put
together (which model parts are left out, the order of our components) stays here.
Order matters: language first (the French components skip other languages), sentiment
before questions (a negative question is typed "complaint").
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import nlp.components  # noqa: F401  (registers the ecoute_* factories)
from nlp.version import MODEL

#: Our components, in pipeline order.
COMPONENTS: tuple[str, ...] = (
    "ecoute_language",
    "ecoute_sentiment",
    "ecoute_questions",
    "ecoute_topics",
)
#: Model parts we don't use: named entities.
_EXCLUDE = ("ner",)


@dataclass(frozen=True)
class Annotation:
    """What the NLP stage says about one comment."""

    lang: str
    is_question: bool
    question_sentence: str | None
    question_rule: str | None
    question_type: str | None
    sentiment: str
    sentiment_score: float
    topics: list[str]

    @classmethod
    def from_doc(cls, doc: Doc) -> Annotation:
        return cls(
            lang=doc._.lang,
            is_question=doc._.is_question,
            question_sentence=doc._.question_sentence,
            question_rule=doc._.question_rule,
            question_type=doc._.question_type,
            sentiment=doc._.sentiment,
            sentiment_score=doc._.sentiment_score,
            topics=list(doc._.topics or []),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready), keys in field order."""
        return asdict(self)


@functools.lru_cache(maxsize=2)
def build_pipeline(*, sentiment_model: bool = True) -> Language:
    """The model without its unused parts, plus the ecoute components. Loaded once.

    ``sentiment_model=False`` leaves sentiment to the lexicon and rules alone (what the
    sentiment tests of single rules look at, and the baseline of nlp/README.md).
    """
    nlp = spacy.load(MODEL, exclude=list(_EXCLUDE))
    for name in COMPONENTS:
        config = {"model": sentiment_model} if name == "ecoute_sentiment" else {}
        nlp.add_pipe(name, config=config)
    return nlp


def annotate_texts(
    texts: Iterable[str], *, batch_size: int = 64, n_process: int = 1
) -> Iterator[Annotation]:
    """One ``Annotation`` per text, in order, streaming through ``nlp.pipe`` in batches.

    ``n_process`` > 1 forks worker processes (spaCy's own multiprocessing); worth it from a
    few thousand texts on, since each worker starts with a copy of the loaded pipeline.
    """
    nlp = build_pipeline()
    for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
        yield Annotation.from_doc(doc)

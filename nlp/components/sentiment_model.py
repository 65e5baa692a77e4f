"""The statistical half of ecoute_sentiment: a small model over words, letters and the lexicon.

Why both: the lexicon knows negation, intensity and emojis but misses words it does not list;
a model trained on our labelled comments picks up the rest ("service client inexistant",
regional words) from word and character n-grams, and takes the lexicon's sums as features,
so each corrects the other (measured in nlp/README.md). The model is a scikit-learn
logistic regression, trained when the pipeline is built from the *dev* rows of
``nlp/eval/data/sentiment.tsv`` (never the test rows): about a second, no file to ship,
always in step with the installed scikit-learn.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import AbstractContextManager

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from spacy.tokens import Doc
from threadpoolctl import ThreadpoolController

from nlp.components.text import fold_text

LABELS = ("positive", "negative", "neutral")


@functools.cache
def _thread_pools() -> ThreadpoolController:
    """What controls the BLAS and OpenMP thread pools, found once (scanning the loaded
    libraries takes about 5 ms: once per batch, that was 20 µs per comment)."""
    return ThreadpoolController()


def _one_thread() -> AbstractContextManager[object]:
    """BLAS on one thread: on these small matrices more threads only fight (2 s -> 0.2 s)."""
    return _thread_pools().limit(limits=1)


def lexicon_features(doc: Doc, text: str | None = None) -> list[float]:
    """The lexicon's view of a scored doc: score, positive sum, negative sum, '?' present.

    ``text``: ``doc.text``, when the caller has it already.
    """
    polarities = doc._.polarities or []
    return [
        doc._.sentiment_score,
        sum(p for p in polarities if p > 0),
        sum(p for p in polarities if p < 0),
        float("?" in (doc.text if text is None else text)),
    ]


def _stack(parts: list, features: np.ndarray | None) -> csr_matrix:
    extra = [] if features is None else [csr_matrix(features)]
    return hstack([*parts, *extra]).tocsr()


class SentimentModel:
    """TF-IDF on folded words (1-2) and characters (2-5) + lexicon features -> 3 classes."""

    def __init__(self, c: float = 4.0) -> None:
        self._vectorizers = [
            TfidfVectorizer(preprocessor=fold_text, ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(
                preprocessor=fold_text, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True
            ),
        ]
        self._model = LogisticRegression(max_iter=2000, C=c, class_weight="balanced")

    def fit(self, texts: Sequence[str], features: np.ndarray | None, labels: Sequence[str]) -> None:
        """Learn from texts and their lexicon features (None: n-grams only, for comparison)."""
        parts = [v.fit_transform(texts) for v in self._vectorizers]
        with _one_thread():
            self._model.fit(_stack(parts, features), list(labels))

    def predict(self, texts: Sequence[str], features: np.ndarray | None) -> list[str]:
        probabilities = self.probabilities(texts, features)
        return [max(p, key=p.__getitem__) for p in probabilities]

    def probabilities(
        self, texts: Sequence[str], features: np.ndarray | None
    ) -> list[dict[str, float]]:
        """Per text, the probability of each label."""
        parts = [v.transform(texts) for v in self._vectorizers]
        with _one_thread():
            rows = self._model.predict_proba(_stack(parts, features))
        classes = list(self._model.classes_)
        return [{label: float(row[classes.index(label)]) for label in LABELS} for row in rows]

"""Compare sentiment approaches on the dev split (5-fold cross-validation), then on test.

    python -m nlp.eval.sentiment_alternatives [--test]

Approaches: ecoute's lexicon and rules alone; a TF-IDF + logistic-regression model trained
on dev rows; the same model with the lexicon's polarity sums as extra features
("combined"); textblob-fr's polarity when it is installed (it is not a dependency:
``pip install textblob-fr`` in a scratch venv to reproduce its line). ``--test`` also
scores each approach trained on all of dev against the test split; only the chosen
approach's test figure goes into nlp/README.md as its result, the others as comparison.
"""

from __future__ import annotations

import argparse
import importlib.util

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from nlp.components.sentiment import label_for
from nlp.components.sentiment_model import SentimentModel, lexicon_features
from nlp.eval.datasets import SENTIMENT
from nlp.pipeline import build_pipeline

LABELS = ["positive", "negative", "neutral"]


def lexicon_matrix(texts: list[str]) -> np.ndarray:
    """Per text, the lexicon's features (the lexicon alone: the model is off)."""
    rows = []
    for doc in build_pipeline(sentiment_model=False).pipe(texts, batch_size=64):
        rows.append(lexicon_features(doc))
    return np.array(rows)


def _model_predict(
    train: list[str], y: list[str], test: list[str], extra: tuple[np.ndarray, np.ndarray] | None
) -> list[str]:
    model = SentimentModel()
    model.fit(train, extra[0] if extra else None, y)
    return model.predict(test, extra[1] if extra else None)


def _textblob(texts: list[str]) -> list[str] | None:
    if importlib.util.find_spec("textblob_fr") is None:
        return None
    from textblob import Blobber
    from textblob_fr import PatternAnalyzer, PatternTagger

    blob = Blobber(pos_tagger=PatternTagger(), analyzer=PatternAnalyzer())
    return [label_for(blob(text).sentiment[0]) for text in texts]


def compare(on_test: bool) -> dict[str, float]:
    dev = SENTIMENT.read("dev")
    texts, y = [r["text"] for r in dev], [r["sentiment"] for r in dev]
    features = lexicon_matrix(texts)
    results: dict[str, float] = {}
    results["lexicon (dev)"] = f1_score(y, [label_for(f[0]) for f in features], average="macro")
    for name, with_lexicon in (("model (dev, 5-fold)", False), ("combined (dev, 5-fold)", True)):
        predicted = [""] * len(texts)
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        for train_idx, test_idx in folds.split(texts, y):
            extra = (features[train_idx], features[test_idx]) if with_lexicon else None
            guesses = _model_predict(
                [texts[i] for i in train_idx],
                [y[i] for i in train_idx],
                [texts[i] for i in test_idx],
                extra,
            )
            for i, guess in zip(test_idx, guesses, strict=True):
                predicted[i] = guess
        results[name] = f1_score(y, predicted, average="macro")
    if (blob := _textblob(texts)) is not None:
        results["textblob-fr (dev)"] = f1_score(y, blob, average="macro")
    if on_test:
        test = SENTIMENT.read("test")
        test_texts, test_y = [r["text"] for r in test], [r["sentiment"] for r in test]
        test_features = lexicon_matrix(test_texts)
        results["lexicon (test)"] = f1_score(
            test_y, [label_for(f[0]) for f in test_features], average="macro"
        )
        results["model (test)"] = f1_score(
            test_y, _model_predict(texts, y, test_texts, None), average="macro"
        )
        results["combined (test)"] = f1_score(
            test_y,
            _model_predict(texts, y, test_texts, (features, test_features)),
            average="macro",
        )
        if (blob := _textblob(test_texts)) is not None:
            results["textblob-fr (test)"] = f1_score(test_y, blob, average="macro")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--test", action="store_true", help="also score on the test split")
    args = parser.parse_args()
    for name, value in compare(args.test).items():
        print(f"{name:28s} macro-F1 {value:.3f}")


if __name__ == "__main__":
    main()

"""``ecoute eval``: score the pipeline on the labelled sets, per task, per class.

Why one pass: every text of every set goes through the full pipeline once (that is also
the throughput figure), then each task reads its own field of the annotations. Scores come
from scikit-learn's metrics so that precision, recall, F1 and the confusion matrices are the
textbook ones. ``split="test"`` is the honest figure; ``dev`` is what rules were tuned on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from nlp.eval.datasets import SETS

#: Texts of at least this many words are where the language target applies.
LANGUAGE_MIN_WORDS = 3


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Error:
    row_id: str
    text: str
    expected: str
    got: str
    why: str = ""


@dataclass
class TaskReport:
    """Scores of one task (or sub-task, such as the question type) on one split."""

    name: str
    n: int
    headline: dict[str, float]
    classes: list[ClassScore]
    labels: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)


@dataclass
class EvalReport:
    split: str
    tasks: list[TaskReport]
    items: int
    seconds: float
    load_seconds: float
    n_process: int

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def task(self, name: str) -> TaskReport:
        return next(t for t in self.tasks if t.name == name)


def score_classes(
    name: str,
    rows: Sequence[dict[str, str]],
    expected: Sequence[str],
    got: Sequence[str],
    labels: Sequence[str],
    why: Callable[[int], str] = lambda i: "",
) -> TaskReport:
    """Single-label task: per-class scores, macro F1, accuracy, confusion matrix, errors."""
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, got, labels=labels, zero_division=0
    )
    classes = [
        ClassScore(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    n = len(expected)
    correct = sum(e == g for e, g in zip(expected, got, strict=True))
    errors = [
        Error(rows[i]["id"], rows[i]["text"], e, g, why(i))
        for i, (e, g) in enumerate(zip(expected, got, strict=True))
        if e != g
    ]
    matrix = confusion_matrix(expected, got, labels=labels).tolist() if n else []
    supported = [c for c in classes if c.support]
    headline = {
        "accuracy": correct / n if n else 0.0,
        "macro_f1": sum(c.f1 for c in supported) / len(supported) if supported else 0.0,
    }
    return TaskReport(name, n, headline, classes, labels, matrix, errors)


def _score_questions(rows: list[dict[str, str]], annotations: list) -> list[TaskReport]:
    def why(i: int) -> str:
        a = annotations[i]
        return f"{a.question_rule}: {a.question_sentence!r}" if a.is_question else ""

    expected = ["question" if r["is_question"] == "1" else "other" for r in rows]
    got = ["question" if a.is_question else "other" for a in annotations]
    detection = score_classes("questions", rows, expected, got, ["question", "other"], why)
    question = detection.classes[0]
    detection.headline.update(precision=question.precision, recall=question.recall, f1=question.f1)
    gold = [i for i, r in enumerate(rows) if r["is_question"] == "1"]
    types = score_classes(
        "question_type",
        [rows[i] for i in gold],
        [rows[i]["type"] for i in gold],
        [annotations[i].question_type or "missed" for i in gold],
        ["information", "request", "complaint", "missed"],
        lambda k: why(gold[k]),
    )
    return [detection, types]


def _score_sentiment(rows: list[dict[str, str]], annotations: list) -> list[TaskReport]:
    report = score_classes(
        "sentiment",
        rows,
        [r["sentiment"] for r in rows],
        [a.sentiment for a in annotations],
        ["positive", "negative", "neutral"],
        lambda i: f"score {annotations[i].sentiment_score:+.2f}",
    )
    return [report]


def _score_language(rows: list[dict[str, str]], annotations: list) -> list[TaskReport]:
    expected = [r["lang"] for r in rows]
    got = [a.lang for a in annotations]
    labels = sorted(set(expected) | set(got), key=lambda x: (x != "fr", x == "und", x))
    report = score_classes("language", rows, expected, got, labels)
    long_ = [i for i, r in enumerate(rows) if len(r["text"].split()) >= LANGUAGE_MIN_WORDS]
    short = [i for i in range(len(rows)) if i not in set(long_)]
    subsets = ((f"accuracy_{LANGUAGE_MIN_WORDS}plus_words", long_), ("accuracy_short", short))
    for key, subset in subsets:
        report.headline[key] = (
            sum(expected[i] == got[i] for i in subset) / len(subset) if subset else 0.0
        )
    report.headline["n_3plus_words"] = len(long_)
    return [report]


def _score_topics(rows: list[dict[str, str]], annotations: list) -> list[TaskReport]:
    from nlp.taxonomy import load_taxonomy, resolve_taxonomy_path

    labels = list(load_taxonomy(resolve_taxonomy_path(None)).topics)
    expected = [{t for t in r["topics"].split(",") if t} for r in rows]
    unknown = set().union(*expected) - set(labels) if expected else set()
    if unknown:
        raise ValueError(f"topics.tsv uses topics not in the taxonomy: {sorted(unknown)}")
    got = [set(a.topics) for a in annotations]
    classes = []
    for label in labels:
        tp = sum(label in e and label in g for e, g in zip(expected, got, strict=True))
        fp = sum(label not in e and label in g for e, g in zip(expected, got, strict=True))
        fn = sum(label in e and label not in g for e, g in zip(expected, got, strict=True))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        classes.append(ClassScore(label, p, r, 2 * p * r / (p + r) if p + r else 0.0, tp + fn))
    tp = sum(len(e & g) for e, g in zip(expected, got, strict=True))
    fp = sum(len(g - e) for e, g in zip(expected, got, strict=True))
    fn = sum(len(e - g) for e, g in zip(expected, got, strict=True))
    micro_p = tp / (tp + fp) if tp + fp else 0.0
    micro_r = tp / (tp + fn) if tp + fn else 0.0
    supported = [c for c in classes if c.support]
    headline = {
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
        "macro_f1": sum(c.f1 for c in supported) / len(supported) if supported else 0.0,
        "exact_match": sum(e == g for e, g in zip(expected, got, strict=True)) / len(rows)
        if rows
        else 0.0,
    }
    errors = [
        Error(r["id"], r["text"], ",".join(sorted(e)), ",".join(sorted(g)))
        for r, e, g in zip(rows, expected, got, strict=True)
        if e != g
    ]
    return [TaskReport("topics", len(rows), headline, classes, errors=errors)]


SCORERS: dict[str, Callable[[list[dict[str, str]], list], list[TaskReport]]] = {
    "questions": _score_questions,
    "sentiment": _score_sentiment,
    "language": _score_language,
    "topics": _score_topics,
}


def evaluate(
    split: str = "test",
    tasks: Sequence[str] | None = None,
    *,
    n_process: int = 1,
    batch_size: int = 64,
) -> EvalReport:
    """Annotate every text of the ``tasks``' sets (default: all) once; score each on ``split``."""
    from nlp.pipeline import annotate_texts, build_pipeline

    tasks = list(tasks or SCORERS)
    unknown = set(tasks) - set(SCORERS)
    if unknown:
        raise ValueError(f"unknown task(s) {sorted(unknown)}: use {', '.join(SCORERS)}")
    rows = {task: SETS[task].read(split) for task in tasks}
    texts = list(dict.fromkeys(r["text"] for task_rows in rows.values() for r in task_rows))
    started = time.perf_counter()
    build_pipeline()
    load_seconds = time.perf_counter() - started
    for _ in annotate_texts(texts[:batch_size]):
        pass  # warm-up: the first batch pays lazy initialisations, not steady throughput
    started = time.perf_counter()
    by_text = dict(
        zip(texts, annotate_texts(texts, batch_size=batch_size, n_process=n_process), strict=True)
    )
    seconds = time.perf_counter() - started
    reports = [
        report
        for task in tasks
        for report in SCORERS[task](rows[task], [by_text[r["text"]] for r in rows[task]])
    ]
    return EvalReport(split, reports, len(texts), seconds, load_seconds, n_process)

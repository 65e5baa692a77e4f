"""`ecoute eval` on the held-out test split: a regression in any task fails CI.

The thresholds sit a little under the numbers measured on the test split when this
version of the rules was finished (nlp/README.md, "Measured quality"). Nobody tunes a rule on
test rows: when a threshold fails, fix the rule on dev rows, never the threshold or the row.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.eval.datasets import SETS
from nlp.eval.harness import EvalReport, evaluate
from nlp.eval.splits import split_for

ECOUTE = Path(sys.executable).parent / "ecoute"

#: Measured on test (see nlp/README.md) minus a small margin.
MIN_QUESTION_F1 = 0.90  # measured 0.922
MIN_QUESTION_TYPE_MACRO_F1 = 0.74  # 0.769
MIN_SENTIMENT_MACRO_F1 = 0.80  # 0.828
MIN_LANGUAGE_ACCURACY_3PLUS = 0.95  # 0.972
MIN_TOPICS_MICRO_F1 = 0.77  # 0.798


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate("test")


@pytest.mark.parametrize(("task", "at_least"), [("questions", 400), ("sentiment", 400)])
def test_labelled_sets_are_large_enough(task: str, at_least: int) -> None:
    rows = SETS[task].read("all")
    assert len(rows) >= at_least
    assert len([r for r in rows if r["split"] == "test"]) >= at_least // 2 - 50


@pytest.mark.parametrize("task", sorted(SETS))
def test_nobody_picked_the_test_rows(task: str) -> None:
    # every test row is there because of the hash of its text, not because someone chose it
    rows = SETS[task].read("test")
    assert rows
    assert all(split_for(row["text"]) == "test" for row in rows)


def test_question_detection(report: EvalReport) -> None:
    questions = report.task("questions")
    assert questions.n >= 400
    assert questions.headline["f1"] >= MIN_QUESTION_F1, questions.headline


def test_question_type(report: EvalReport) -> None:
    types = report.task("question_type")
    assert types.headline["macro_f1"] >= MIN_QUESTION_TYPE_MACRO_F1, types.headline


def test_sentiment(report: EvalReport) -> None:
    sentiment = report.task("sentiment")
    assert sentiment.headline["macro_f1"] >= MIN_SENTIMENT_MACRO_F1, sentiment.headline


def test_language_on_three_words_or_more(report: EvalReport) -> None:
    language = report.task("language")
    assert language.headline["accuracy_3plus_words"] >= MIN_LANGUAGE_ACCURACY_3PLUS


def test_topics(report: EvalReport) -> None:
    topics = report.task("topics")
    assert topics.headline["micro_f1"] >= MIN_TOPICS_MICRO_F1, topics.headline


def test_report_has_per_class_scores_and_confusion(report: EvalReport) -> None:
    sentiment = report.task("sentiment")
    assert [c.label for c in sentiment.classes] == ["positive", "negative", "neutral"]
    assert sum(map(sum, sentiment.confusion)) == sentiment.n
    assert report.items > 0 and report.items_per_second > 0


def test_ecoute_eval_prints_the_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    result = subprocess.run(
        [str(ECOUTE), "eval", "--task", "language", "--split", "dev", "--errors", "3"],
        capture_output=True,
        text=True,
        env={**env, "ECOUTE_HOME": str(tmp_path)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "### language (n=" in result.stdout
    assert "| fr |" in result.stdout  # a per-class row
    assert "Confusion (rows: expected, columns: predicted)" in result.stdout
    assert "items/s" in result.stdout


def test_ecoute_eval_refuses_an_unknown_split() -> None:
    result = subprocess.run(
        [str(ECOUTE), "eval", "--split", "train"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "invalid choice: 'train'" in result.stderr

"""The labelled sets of nlp/eval/data: reading and checking them.

Why checked on read: a stray tab or an unknown label in a hand-written file would silently
skew a score; a bad row stops the evaluation with the file, the line and the problem.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class LabelledSet:
    """One task's file: its label columns and the values each may take."""

    task: str
    file: str
    labels: dict[str, frozenset[str] | None]  # column -> allowed values (None: free text)

    def read(
        self, split: str = "all", data_dir: Path = DATA_DIR, path: Path | None = None
    ) -> list[dict[str, str]]:
        """Rows of ``split`` ("dev", "test" or "all"), ``\\n`` in text made a newline."""
        if split not in (*SPLITS, "all"):
            raise ValueError(f"unknown split {split!r}: use dev, test or all")
        path = path or data_dir / self.file
        rows: list[dict[str, str]] = []
        seen: dict[str, int] = {}
        with path.open(encoding="utf-8") as handle:
            numbered = [(n, line) for n, line in enumerate(handle, 1) if not line.startswith("#")]
        reader = csv.DictReader(
            (line for _, line in numbered), delimiter="\t", quoting=csv.QUOTE_NONE
        )
        expected = ["id", "split", *self.labels, "text"]
        if reader.fieldnames != expected:
            raise ValueError(f"{path}: header {reader.fieldnames} is not {expected}")
        for (line_no, _), row in zip(numbered[1:], reader, strict=True):
            self._check(path, line_no, row, seen)
            row["text"] = row["text"].replace("\\n", "\n")
            if split in ("all", row["split"]):
                rows.append(row)
        return rows

    def _check(self, path: Path, line_no: int, row: dict[str, str], seen: dict[str, int]) -> None:
        where = f"{path}:{line_no}"
        if None in row or any(value is None for value in row.values()):
            raise ValueError(f"{where}: expected {len(self.labels) + 3} tab-separated fields")
        if row["split"] not in SPLITS:
            raise ValueError(f"{where}: split {row['split']!r} is not dev or test")
        for column, allowed in self.labels.items():
            values = (
                [v for v in row[column].split(",") if v] if column == "topics" else [row[column]]
            )
            if allowed is not None and not set(values) <= allowed:
                raise ValueError(f"{where}: {column} {row[column]!r} not in {sorted(allowed)}")
        key = row["text"].strip().casefold()
        if key in seen:
            raise ValueError(f"{where}: same text as line {seen[key]}")
        seen[key] = line_no


QUESTION_TYPES = frozenset({"information", "request", "complaint"})

QUESTIONS = LabelledSet(
    "questions",
    "questions.tsv",
    {"is_question": frozenset({"0", "1"}), "type": QUESTION_TYPES | {""}},
)
SENTIMENT = LabelledSet(
    "sentiment", "sentiment.tsv", {"sentiment": frozenset({"positive", "negative", "neutral"})}
)
LANGUAGE = LabelledSet("language", "language.tsv", {"lang": None})
TOPICS = LabelledSet("topics", "topics.tsv", {"topics": None})

SETS: dict[str, LabelledSet] = {s.task: s for s in (QUESTIONS, SENTIMENT, LANGUAGE, TOPICS)}

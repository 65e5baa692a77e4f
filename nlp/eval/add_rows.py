"""Append newly written rows to a labelled set, with ids and their hashed split.

    python -m nlp.eval.add_rows questions my_new_rows.tsv

The new file has the set's label columns and ``text`` (no ``id``, no ``split``): the split
comes from ``split_for`` so the writer does not choose which rows are held out.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

from nlp.eval.datasets import DATA_DIR, SETS, LabelledSet
from nlp.eval.splits import split_for


def append_rows(labelled: LabelledSet, new_file: Path, data_dir: Path = DATA_DIR) -> int:
    """Append the rows of ``new_file`` to ``labelled``'s file; returns how many were added."""
    target = data_dir / labelled.file
    existing = target.read_text(encoding="utf-8")
    prefix = labelled.task[0]
    last = max((int(n) for n in re.findall(rf"^{prefix}(\d+)\t", existing, re.M)), default=0)
    with new_file.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        columns = [*labelled.labels, "text"]
        if reader.fieldnames != columns:
            raise ValueError(f"{new_file}: header {reader.fieldnames} is not {columns}")
        lines = []
        for number, row in enumerate(reader, last + 1):
            values = [row[column] for column in columns]
            lines.append("\t".join([f"{prefix}{number:04d}", split_for(row["text"]), *values]))
    with target.open("a", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in lines))
    labelled.read(data_dir=data_dir)  # fails on a bad row, naming the line
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=sorted(SETS))
    parser.add_argument("new_file", type=Path)
    args = parser.parse_args()
    added = append_rows(SETS[args.task], args.new_file)
    print(f"{added} row(s) added to {SETS[args.task].file}")


if __name__ == "__main__":
    main()

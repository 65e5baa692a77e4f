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


def append_rows(
    labelled: LabelledSet, new_file: Path, data_dir: Path = DATA_DIR
) -> tuple[int, list[str]]:
    """Append the rows of ``new_file`` to ``labelled``'s file.

    Returns how many were added and the texts skipped because the set already has them
    (case and outer spaces ignored). Nothing is written if any row is invalid.
    """
    target = data_dir / labelled.file
    existing = target.read_text(encoding="utf-8")
    known = {row["text"].strip().casefold() for row in labelled.read(data_dir=data_dir)}
    prefix = labelled.task[0]
    last = max((int(n) for n in re.findall(rf"^{prefix}(\d+)\t", existing, re.M)), default=0)
    with new_file.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        columns = [*labelled.labels, "text"]
        if reader.fieldnames != columns:
            raise ValueError(f"{new_file}: header {reader.fieldnames} is not {columns}")
        lines, skipped = [], []
        for row in reader:
            key = row["text"].replace("\\n", "\n").strip().casefold()
            if key in known:
                skipped.append(row["text"])
                continue
            known.add(key)
            values = [row[column] for column in columns]
            row_id = f"{prefix}{last + len(lines) + 1:04d}"
            lines.append("\t".join([row_id, split_for(row["text"]), *values]))
    updated = target.with_name(target.name + ".partial")
    updated.write_text(existing + "".join(line + "\n" for line in lines), encoding="utf-8")
    try:
        labelled.read(data_dir=data_dir, path=updated)  # a bad row fails here, naming its line
    except ValueError:
        updated.unlink()
        raise
    updated.replace(target)
    return len(lines), skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=sorted(SETS))
    parser.add_argument("new_file", type=Path)
    args = parser.parse_args()
    added, skipped = append_rows(SETS[args.task], args.new_file)
    print(f"{added} row(s) added to {SETS[args.task].file}")
    for text in skipped:
        print(f"skipped, already in the set: {text}")


if __name__ == "__main__":
    main()

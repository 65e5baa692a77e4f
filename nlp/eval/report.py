"""An ``EvalReport`` as Markdown: readable in a terminal and pasted as is into nlp/README.md."""

from __future__ import annotations

from nlp.eval.harness import EvalReport, TaskReport


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _task(task: TaskReport, *, errors: int) -> list[str]:
    headline = ", ".join(
        f"{key} **{value:.3f}**" if isinstance(value, float) else f"{key} {value}"
        for key, value in task.headline.items()
    )
    lines = [f"### {task.name} (n={task.n})", "", headline, ""]
    lines += _table(
        ["class", "precision", "recall", "F1", "support"],
        [
            [c.label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", str(c.support)]
            for c in task.classes
        ],
    )
    if task.confusion:
        lines += ["", "Confusion (rows: expected, columns: predicted):", ""]
        lines += _table(
            ["", *task.labels],
            [
                [label, *map(str, row)]
                for label, row in zip(task.labels, task.confusion, strict=True)
            ],
        )
    if errors and task.errors:
        lines += ["", f"Errors ({len(task.errors)}, first {min(errors, len(task.errors))}):", ""]
        for error in task.errors[:errors]:
            text = error.text.replace("\n", " / ")
            why = f" [{error.why}]" if error.why else ""
            lines.append(f"- {error.row_id} want {error.expected}, got {error.got}{why}: {text}")
    return [*lines, ""]


def format_report(report: EvalReport, *, errors: int = 0) -> str:
    """Markdown: one section per task, then the throughput."""
    lines = [f"## ecoute eval: split `{report.split}`", ""]
    for task in report.tasks:
        lines += _task(task, errors=errors)
    lines += [
        "### throughput",
        "",
        f"{report.items} distinct texts in {report.seconds:.1f} s: "
        f"**{report.items_per_second:.0f} items/s** (n_process={report.n_process}; "
        f"pipeline load {report.load_seconds:.1f} s, not counted)",
        "",
    ]
    return "\n".join(lines)

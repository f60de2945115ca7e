"""The learner's progress on the start page: one bar per module, from the workspace's record.

The record (``<workspace>/.course-progress.json``) is written by the checks, quizzes and hints;
this widget only reads it.  ``Progress.figure()`` draws the same figures as a matplotlib chart.
"""

from __future__ import annotations

import ipywidgets as w

from course.check import progress as record
from course.check.bank import bank_paths, load_bank

__all__ = ["Progress", "progress", "module_summary"]


def _title(module: str) -> str:
    number, _, rest = module.partition("-")
    return f"{number} {rest.replace('-', ' ').capitalize()}"


def module_summary() -> list[dict]:
    """Per module: exercises in its bank, how many passed, quiz answers right so far."""
    data = record.load()
    passed = {q for q, e in data["exercises"].items() if e.get("passed")}
    quizzes = data["quizzes"]
    rows = []
    for path in bank_paths():
        exercises = load_bank(path)
        if not exercises:
            continue
        module = next(iter(exercises.values())).module
        rows.append(
            {
                "module": module,
                "title": _title(module),
                "total": len(exercises),
                "passed": len(passed & set(exercises)),
                "quiz_right": sum(
                    1 for q in quizzes.values() if q.get("module") == module and q.get("correct")
                ),
            }
        )
    return rows


class Progress(w.VBox):
    """Progress bars per module, with a Refresh button."""

    def __init__(self):
        self.refresh_button = w.Button(description="Refresh", tooltip="Read your progress again")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.rows = w.VBox([])
        self.summary = w.HTML()
        super().__init__([self.summary, self.rows, self.refresh_button])
        self.add_class("course-progress")
        self.refresh()

    def refresh(self) -> None:
        """Re-read the progress file and redraw the bars."""
        summary = module_summary()
        bars = []
        for row in summary:
            bar = w.IntProgress(
                value=row["passed"],
                min=0,
                max=max(row["total"], 1),
                description=row["title"],
                style={"description_width": "20em"},
                layout=w.Layout(width="38em"),
                tooltip=f"{row['title']}: {row['passed']} of {row['total']} exercises passed",
            )
            label = w.Label(f"{row['passed']} of {row['total']} exercises passed")
            bars.append(w.HBox([bar, label]))
        self.rows.children = bars
        done = sum(r["passed"] for r in summary)
        total = sum(r["total"] for r in summary)
        self.summary.value = (
            f'<div role="status"><strong>Your progress:</strong> {done} of {total} exercises '
            "passed.</div>"
        )

    def figure(self):
        """The same progress as a horizontal bar chart (a matplotlib Figure)."""
        from matplotlib.figure import Figure

        summary = module_summary()
        fig = Figure(figsize=(6, 0.5 + 0.4 * max(len(summary), 1)))
        ax = fig.add_subplot()
        titles = [r["title"] for r in summary]
        ax.barh(titles, [r["total"] for r in summary], color="#dddddd", label="exercises")
        ax.barh(titles, [r["passed"] for r in summary], color="#2a7ab0", label="passed")
        ax.invert_yaxis()
        ax.set_xlabel("exercises")
        ax.legend(loc="lower right")
        fig.tight_layout()
        return fig


def progress() -> Progress:
    """The progress tracker for the start page."""
    return Progress()

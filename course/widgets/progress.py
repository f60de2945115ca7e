"""The learner's progress on the start page: one bar per module, from the workspace's record.

The record (``<workspace>/.course-progress.json``) is written by the checks, quizzes and hints;
this widget only reads it.  ``Progress.figure()`` draws the same figures as a matplotlib chart.
"""

from __future__ import annotations

import ipywidgets as w

from course.check import progress as record
from course.check.bank import bank_paths, load_bank

__all__ = ["Progress", "progress", "module_summary", "skills_html", "skills_figure", "skills_chart"]


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
        self.path = w.HTML()  # the personal path from the skills check, once it is done
        self.skills = w.HTML()  # per skill: last practised, and whether a refresher is due
        super().__init__([self.summary, self.path, self.rows, self.skills, self.refresh_button])
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
        from course.skills_check import path_html

        self.path.value = path_html() or (
            "<div>No personal path yet: do <em>00 Your skills check</em> (20 minutes) to get "
            "one.</div>"
        )
        self.skills.value = skills_html()

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

    def skills_figure(self, today=None):
        """Per skill: days since last practised, and whether a refresher is due."""
        return skills_figure(today)


def skills_html(today=None) -> str:
    """Per skill with refresher drills: when last practised, and whether it is due."""
    import html

    from course.drills.schedule import status

    rows = "".join(
        f"<tr><td>{html.escape(r['title'])}</td><td>{r['last'] or 'never'}</td>"
        f"<td>{'due now' if r['is_due'] else 'next on ' + str(r['due'])}</td></tr>"
        for r in status(today=today)
    )
    return (
        '<div class="course-skills-due"><strong>Refreshers</strong> (the Refresher notebook)'
        "<table><thead><tr><th>skill</th><th>last practised</th><th>refresher</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def skills_figure(today=None):
    """Days since each skill was last practised, with the skills that are due in red."""
    import datetime as dt
    import warnings

    from matplotlib.figure import Figure

    from course.drills.schedule import status

    rows = status(today=today)
    day = dt.date.fromisoformat(str(today)) if today else dt.date.today()
    fig = Figure(figsize=(6, 0.5 + 0.35 * max(len(rows), 1)))
    ax = fig.add_subplot()
    ages = [(day - dt.date.fromisoformat(r["last"])).days if r["last"] else 0 for r in rows]
    colours = ["#b42318" if r["is_due"] else "#2a7ab0" for r in rows]
    ax.barh([r["title"] for r in rows], ages, color=colours)
    for y, r in enumerate(rows):
        label = ("due" if r["is_due"] else f"next {r['due']}") + ("" if r["last"] else ", never")
        ax.text(0.2, y, label, va="center", fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("days since last practised (red: a refresher is due)")
    ax.set_xlim(0, max([*ages, 10]) * 1.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout()
    return fig


class Chart:
    """A matplotlib figure a notebook shows as a picture (``Figure`` alone shows as text when
    pyplot was never imported)."""

    def __init__(self, figure):
        self.figure = figure

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=90)
        return buf.getvalue()


def skills_chart(today=None) -> Chart:
    """:func:`skills_figure` as a picture for a notebook cell."""
    return Chart(skills_figure(today))


def progress() -> Progress:
    """The progress tracker for the start page."""
    return Progress()

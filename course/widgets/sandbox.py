"""A SQL sandbox: an editor, a Run button, the result as a table, and an optional Check.

The query runs read-only on the learner database, exactly as ``check.show`` runs it; Check (when
the sandbox is tied to an exercise) runs the exercise's visible check and shows its sentence.
When the learner has imported a catalog of their own (``course import``), a switch runs the
query on "My data" instead; Check is then turned off, since it compares with the course data.
"""

from __future__ import annotations

import difflib
import html
import re

import ipywidgets as w

from course import check
from course import db as course_db
from course.check import progress
from course.check.database import SqlProblem, connection
from course.check.display import html_table, result_preview
from course.widgets.quiz import status_html

__all__ = ["Sandbox", "sandbox"]

#: The check engine's sentence for a missing table; DuckDB's own "did you mean" may name one of its
#: system tables (``duckdb_indexes`` for ``bib``), which a learner cannot use.
_NO_TABLE = re.compile(r"^(There is no table called (\S+) in the course database[^:]*): (.*)$")


#: What Check says in "My data" mode.
MY_DATA_CHECK = "Check compares your query with the course data: switch to Course data to check it."


def _course_tables(db: str = "library") -> list[str]:
    """The tables and views of the data the sandbox queries (the demo shelf, or the course's)."""
    try:
        cur = connection(db)[0].cursor()
        try:
            rows = cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'library' "
                "UNION SELECT view_name FROM duckdb_views() "
                "WHERE database_name = 'library' AND NOT internal ORDER BY 1"
            ).fetchall()
        finally:
            cur.close()
    except Exception:  # no data: keep the engine's sentence as it is
        return []
    return [row[0] for row in rows]


def course_table_tip(sentence: str, db: str = "library") -> str:
    """``sentence`` with a missing table's suggestion limited to the course's own tables."""
    found = _NO_TABLE.match(sentence)
    tables = _course_tables(db) if found else []
    if not tables:
        return sentence
    start, name, tip = found.groups()
    suggested = re.match(r"did you mean (\S+)\?$", tip)
    if suggested and suggested.group(1) in tables:
        return sentence
    close = difflib.get_close_matches(name.lower(), tables, n=1, cutoff=0.6)
    if close:
        return f"{start}: did you mean {close[0]}?"
    if len(tables) == 1:
        return f"{start}: the only table here is {tables[0]}."
    if len(tables) <= 8:
        return f"{start}: the tables here are {', '.join(tables)}."
    return f"{start}: check the spelling (docs/data-dictionary.md lists every table)."


class Sandbox(w.VBox):
    """SQL editor with Run (and Check, when ``exercise_id`` is given)."""

    def __init__(self, exercise_id: str | None = None, sql: str = "", *, module=None, limit=20):
        self.exercise_id = exercise_id
        self.module = module
        self.limit = limit
        self.editor = w.Textarea(
            value=sql,
            placeholder="Type a query here, e.g. SELECT ... FROM ... LIMIT 10",
            description="SQL:",
            tooltip="Type a SELECT query",
            layout=w.Layout(width="95%", height="9em"),
            style={"description_width": "3em"},
        )
        self.run_button = w.Button(description="Run", tooltip="Run the query on the course data")
        self.run_button.on_click(lambda _b: self.run())
        buttons = [self.run_button]
        self.check_button = None
        if exercise_id:
            label = check.exercise(exercise_id, module=module).label
            self.check_button = w.Button(
                description="Check",
                tooltip=f"Check this query as the answer to {label}",
                button_style="primary",
            )
            self.check_button.on_click(lambda _b: self.check())
            buttons.append(self.check_button)
        self.database = "library"
        self.data_switch = None
        if course_db.has_my_data():  # only once the learner has imported a catalog
            self.data_switch = w.ToggleButtons(
                options=[("Course data", "library"), ("My data", "mine")],
                value="library",
                tooltips=[
                    "Run queries on the course's catalog",
                    "Run queries on the catalog you imported with course import",
                ],
                style={"button_width": "8em"},
            )
            self.data_switch.observe(lambda change: self.use(change["new"]), names="value")
            buttons.append(self.data_switch)
        self.result = w.HTML(value="")
        self.feedback = w.HTML(value=status_html(""))
        super().__init__([self.editor, w.HBox(buttons), self.feedback, self.result])
        self.add_class("course-sandbox")

    def use(self, database: str) -> None:
        """Run queries on the course data (``library``) or on the learner's own (``mine``)."""
        self.database = "mine" if database == "mine" else "library"
        if self.data_switch is not None and self.data_switch.value != self.database:
            self.data_switch.value = self.database
        mine = self.database == "mine"
        self.run_button.tooltip = (
            "Run the query on your own catalog" if mine else "Run the query on the course data"
        )
        if self.check_button is not None:
            self.check_button.disabled = mine
            self.feedback.value = status_html(MY_DATA_CHECK if mine else "")
        self.result.value = ""

    def run(self) -> None:
        """Run the editor's SQL and show the first rows with the row count."""
        try:
            names, rows, nrows = result_preview(
                self.editor.value, limit=self.limit, db=self.database
            )
        except SqlProblem as problem:
            self.result.value = ""
            sentence = course_table_tip(problem.sentence, self.database)
            if self.database == "mine":
                sentence = sentence.replace("in the course database", "in your own catalog")
            self.feedback.value = status_html(sentence)
            return
        except Exception as exc:  # the sandbox must never show a traceback
            self.result.value = ""
            self.feedback.value = status_html(f"Could not run this ({type(exc).__name__}).")
            return
        self.feedback.value = status_html("")
        # JupyterLab styles tables only inside its rendered-HTML class.
        table = html_table(names, rows, nrows, limit=self.limit)
        self.result.value = f'<div class="jp-RenderedHTMLCommon">{table}</div>'

    def check(self):
        """Run the exercise's visible check on the editor's SQL; returns the Result (None in
        "My data" mode, where there is nothing to compare with)."""
        if self.database == "mine":
            self.feedback.value = status_html(MY_DATA_CHECK)
            return None
        result = check.evaluate(self.editor.value, self.exercise_id, module=self.module)
        progress.record_check(result)
        self.feedback.value = (
            f'<div role="status" aria-live="polite">{html.escape(result.line())}</div>'
        )
        return result


def sandbox(exercise_id: str | None = None, sql: str = "", *, module=None) -> Sandbox:
    """A SQL sandbox, optionally tied to an exercise for its Check button."""
    return Sandbox(exercise_id, sql, module=module)

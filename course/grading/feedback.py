"""The feedback page a learner fetches: readable, offline, and without the hidden tests.

nbgrader 0.9.6's ``generate_feedback`` turns each autograded notebook into HTML with its
``feedback`` template. For this course that page had problems a learner meets at once (issue 20):
check sentences in boxes that scroll sideways, a contents list of "Test cell" ten times, empty
blocks and "$ is not defined" errors where quizzes and sandboxes were, MathJax fetched from the
internet, and the hidden-test lines shown in every check cell. ``nbgrader_config.py`` applies
what is here:

* :data:`PREPROCESSORS`: nbgrader's own two, then ``ClearHiddenTests`` (not in
  ``generate_feedback``'s list, so its command-line switches do nothing there), then
  :class:`TidyFeedback`.
* :data:`TEMPLATE_NAME` / :data:`TEMPLATE_FILE` in :data:`TEMPLATE_DIRS`: the course's template,
  which extends nbgrader's and changes only the page head (no MathJax: the course's Markdown has
  no maths, a gate rule), the contents (exercise numbers) and the check outputs (wrapped).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbgrader
from nbconvert.preprocessors import Preprocessor

__all__ = [
    "PREPROCESSORS",
    "TEMPLATE_DIRS",
    "TEMPLATE_FILE",
    "TEMPLATE_NAME",
    "TidyFeedback",
    "exercise_label",
]

#: The course's template folder (its conf.json names nbgrader's ``feedback`` as the base), and a
#: file name of its own: the page extends ``index.html.j2``, which is then nbgrader's.
TEMPLATE_NAME = "course_feedback"
TEMPLATE_FILE = "course_feedback.html.j2"
_FORMGRADER = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader"
TEMPLATE_DIRS = [
    str(Path(__file__).resolve().parent.parent / "jupyter" / "feedback"),
    # nbgrader's own templates (nbgrader adds this folder itself only when the setting is unset).
    str(_FORMGRADER / "templates"),
]
PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "course.grading.feedback.TidyFeedback",
]

WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "(A quiz, hints or a sandbox was here: open the notebook in JupyterLab to use it.)\n"
_GRADE_ID = re.compile(r"^q(\d+)_(\d+)(?:_\w+)?$")


def exercise_label(grade_id: str) -> str:
    """``q1_4_check`` -> ``Exercise 1.4``; other grade ids stay as they are."""
    match = _GRADE_ID.match(grade_id or "")
    return f"Exercise {match[1]}.{match[2]}" if match else grade_id


class TidyFeedback(Preprocessor):
    """Label graded cells with their exercise, and leave no widget or script output behind.

    A widget's output is a reference to a live kernel object: in a static page it renders as an
    empty block plus a script that fails. It becomes one line of text saying what was there.
    """

    enabled = True  # nbconvert's preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cell.metadata["course_label"] = exercise_label(meta.get("grade_id", ""))
        if cell.cell_type != "code" or not cell.get("outputs"):
            return cell, resources
        kept, noted = [], False
        for output in cell.outputs:
            data = output.get("data", {})
            if WIDGET in data:
                if not noted:
                    kept.append(_note())
                    noted = True
                continue
            if "application/javascript" in data:
                data.pop("application/javascript")
                if not data:
                    continue
            kept.append(output)
        cell.outputs = kept
        return cell, resources


def _note():
    """The line that stands where a widget was."""
    from nbformat.v4 import new_output

    html = f'<p class="course-widget-note">{WIDGET_NOTE.strip()}</p>'
    return new_output("display_data", data={"text/html": html, "text/plain": WIDGET_NOTE})


def wrap_validate_output() -> None:
    """Make ``nbgrader validate`` (and Lab's Validate button) wrap long lines instead of cutting
    them: nbgrader 0.9.6 ends every line past ``Validator.width`` with "...", which cut each check's
    one sentence in half ("...stored as in MARC 0..."). The course's nbgrader settings call this."""
    import textwrap

    from nbgrader.validator import Validator, strip_ansi

    if getattr(Validator, "_course_wraps", False):
        return

    def _indent(self, val: str) -> str:
        room = max(20, self.width - len(self.indent))
        lines = []
        for line in val.split("\n"):
            pieces = textwrap.wrap(strip_ansi(line), room, break_on_hyphens=False) or [""]
            lines += [self.indent + piece for piece in pieces]
        return "\n".join(lines)

    Validator._indent = _indent
    Validator._course_wraps = True

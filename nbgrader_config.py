"""nbgrader configuration for the Technical Services Data Lab.

Nothing here names a machine: the course root is the folder nbgrader runs in, and a cohort's
exchange folder comes from COURSE_EXCHANGE or `course setup --exchange DIR`
(docs/instructor-guide.md).
"""

import os

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

# --- the course ---------------------------------------------------------------------------------
c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "tsdl")
# The course root is the folder nbgrader runs in (the repository top for instructors), so this
# file also works copied to /etc/jupyter on a JupyterHub (docs/deployment.md).
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Data files and caches never travel with an assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.duckdb", "*.wal"]

# The cohort's exchange: COURSE_EXCHANGE, else what `course setup --exchange DIR` recorded for this
# environment (the same setting every learner's nbgrader reads; docs/instructor-guide.md).
from course import config as _course_config  # noqa: E402

if _course_config.exchange_dir():
    c.Exchange.root = str(_course_config.exchange_dir())

# --- running notebooks --------------------------------------------------------------------------
# Per cell, not per notebook: a learner's runaway query is interrupted after 60 s, then the
# kernel gets 10 s more before it is killed.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.ExecutePreprocessor.timeout = 60

# Long outputs (a learner printing 250,000 rows) are trimmed in graded copies and feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 20

# A test cell with *any* stderr output scores 0. Library warnings (FutureWarning,
# DeprecationWarning, jupysql's notices) are not the learner's fault: strip them before scoring.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\b[A-Za-z]*Warning\b|warnings\.warn"

# A learner who deletes a test or answer cell must not silently score 0: put the cell back.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "This cell was missing from your notebook, so the grader put the original back.\n\n"
)

# The feedback page: the course's template (wrapped check sentences, exercise numbers in the
# contents, nothing fetched from the internet), no hidden-test lines (course/grading/feedback.py).
from course.grading import feedback as _feedback  # noqa: E402

c.GenerateFeedback.preprocessors = _feedback.PREPROCESSORS
c.HTMLExporter.template_name = _feedback.TEMPLATE_NAME
c.HTMLExporter.template_file = _feedback.TEMPLATE_FILE
c.HTMLExporter.extra_template_basedirs = _feedback.TEMPLATE_DIRS
_feedback.wrap_validate_output()  # `nbgrader validate` wraps a long sentence instead of cutting it

# What a learner sees where a solution was removed.
c.ClearSolutions.code_stub = {
    "python": "# ✎ Write your answer here (see the question above), then run this cell.",
}
c.ClearSolutions.text_stub = "✎ Write your answer here, in your own words."

# The gate (tests/test_pipeline.py, `course check`) runs every notebook; keep checksums strict.
c.Validator.ignore_checksums = False

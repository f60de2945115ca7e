"""nbgrader configuration for the Technical Services Data Lab.

Nothing here names a machine: the course root is the folder nbgrader runs in, and a cohort's
exchange folder comes from the COURSE_EXCHANGE environment variable (see docs/deployment.md).
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

if os.environ.get("COURSE_EXCHANGE"):
    c.Exchange.root = os.environ["COURSE_EXCHANGE"]

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

# What a learner sees where a solution was removed.
c.ClearSolutions.code_stub = {
    "python": "# ✎ Write your answer here (see the question above), then run this cell.",
}
c.ClearSolutions.text_stub = "✎ Write your answer here, in your own words."

# The gate (tests/test_pipeline.py, `course check`) runs every notebook; keep checksums strict.
c.Validator.ignore_checksums = False

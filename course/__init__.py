"""Technical Services Data Lab: the helper package the course notebooks import.

Sub-packages by job: ``course.data`` (obtain, load and build the course data), ``course.check``
(answer checking), ``course.widgets`` (self-check widgets), ``course.grading`` (the instructor's
pipeline gate), ``course.workspace`` and ``course.lab`` (the learner's copy and JupyterLab),
``course.cli`` (the ``course`` command).
"""

import os as _os

# jupysql's helper library phones home on import and checks for new versions; the course machines
# have no general internet and learners' SQL is nobody's business. Turn both off before any
# notebook imports jupysql (the setup cell imports ``course`` first).
_os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
_os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")

__version__ = "0.1.0"

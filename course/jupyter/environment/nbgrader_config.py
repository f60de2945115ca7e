"""nbgrader settings for every account using this Python environment.

`course setup` copies this file to `<environment>/etc/jupyter/nbgrader_config.py`, which every
nbgrader started from the environment reads, whatever folder it runs in (the repository's own
nbgrader_config.py is read only inside the repository). It names the course and its exchange:
`COURSE_EXCHANGE` when set, else the folder recorded by `course setup --exchange DIR`.
"""

import os
from pathlib import Path

from course import config
from course.grading import feedback

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "tsdl")
# The recorded setting sits beside this file (traitlets gives config files their __file__).
# Validate wraps a long check sentence instead of cutting it at 87 characters.
feedback.wrap_validate_output()

_exchange = config.exchange_dir(settings=Path(__file__).with_name("tsdl.json"))
if _exchange:
    c.Exchange.root = str(_exchange)

"""nbgrader settings for a learner's JupyterLab (`course lab` puts this folder on the config path).

A cohort's exchange is COURSE_EXCHANGE, or the folder recorded by `course setup --exchange DIR`
(docs/instructor-guide.md). A learner working alone gets an empty exchange of their own in the
workspace, so the Assignment List shows "no assignments" instead of errors about a missing
/usr/local/share/nbgrader/exchange (nbgrader's default).
"""

import os

from course import config
from course.grading import feedback

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "tsdl")
# Validate wraps a long check sentence instead of cutting it at 87 characters.
feedback.wrap_validate_output()

_exchange = str(config.exchange_dir() or "")
if not _exchange and os.environ.get("COURSE_WORKSPACE"):
    _exchange = os.path.join(os.environ["COURSE_WORKSPACE"], ".exchange")
    os.makedirs(_exchange, exist_ok=True)
if _exchange:
    c.Exchange.root = _exchange

"""nbgrader settings for a learner's JupyterLab (`course lab` puts this folder on the config path).

A cohort's exchange comes from COURSE_EXCHANGE (see docs/deployment.md). A learner working alone
gets an empty exchange of their own in the workspace, so the Assignment List shows "no
assignments" instead of errors about /srv/nbgrader/exchange.
"""

import os

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "tsdl")
_exchange = os.environ.get("COURSE_EXCHANGE", "").strip()
if not _exchange and os.environ.get("COURSE_WORKSPACE"):
    _exchange = os.path.join(os.environ["COURSE_WORKSPACE"], ".exchange")
    os.makedirs(_exchange, exist_ok=True)
if _exchange:
    c.Exchange.root = _exchange

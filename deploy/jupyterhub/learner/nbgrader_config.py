"""A learner's nbgrader on the hub: assignments are fetched into the workspace (~/tsdl), the
folder JupyterLab opens, whatever folder the server process started in (nbgrader's Assignment
List otherwise fetches into the process's own folder, the home)."""

import os

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

if os.environ.get("COURSE_WORKSPACE"):
    c.Exchange.assignment_dir = os.environ["COURSE_WORKSPACE"]

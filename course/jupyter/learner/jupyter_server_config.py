"""Learners' JupyterLab: the course's custom.css (``custom/``) and a pre-save hook for widgets."""

import os

c = get_config()  # noqa: F821 (traitlets provides get_config to config files)
c.LabApp.custom_css = True
# JupyterLab serves custom.css from the web app's ``static_custom_path``, which otherwise points
# only at the user's own Jupyter config folder.
# `course lab --projector` names a folder whose custom.css adds projector sizes; it comes first.
_projector = os.environ.get("COURSE_PROJECTOR_CSS", "").strip()
c.ServerApp.tornado_settings.update(
    {
        "static_custom_path": ([_projector] if _projector else [])
        + [os.path.join(os.path.dirname(os.path.abspath(__file__)), "custom")]
    }
)

# A saved notebook keeps what it needs to show its widgets when reopened (course.widgets.saved).
c.ContentsManager.pre_save_hook = "course.widgets.saved.pre_save_hook"

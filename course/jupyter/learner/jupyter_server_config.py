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

# A saved notebook's widgets show one plain line when reopened, never an error
# (course/widgets/saved.py).  Loaded from its file, not as course.widgets.saved: the package
# would pull the whole check engine into the server, and a slip there must not stop JupyterLab.
try:
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "course_widget_outputs",
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "widgets", "saved.py"),
    )
    _saved = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_saved)
    c.ContentsManager.pre_save_hook = _saved.pre_save_hook
except Exception:  # the notebooks still save; reopened widgets then show JupyterLab's own error
    pass

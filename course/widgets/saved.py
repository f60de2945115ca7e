"""What a saved notebook keeps of its widgets, so a reopened notebook never shows an error.

A widget's output in a notebook is only a reference to a widget model (a model id) that lives in
the kernel.  Reopened with a new kernel, such an output shows "Error displaying widget: model not
found" (and logs a console error) until its cell runs again.  JupyterLab can keep the models'
state in the notebook (the widget manager's ``saveState``), but then it marks every reopened
notebook as unsaved, so the course turns that off (``course/lab.py``).

:func:`keep_widgets_showable` runs on every save of a learner's notebook, as a Jupyter server
pre-save hook that ``course/jupyter/learner/jupyter_server_config.py`` loads from this file (this
module imports nothing of the course): each widget output whose model state is not in the
notebook becomes one plain line ("Run this cell to show the quiz.").  Where ``saveState`` is on
(an instructor's own setting), a state lost by saving again after a reopen is carried over from
the copy on disk instead.
"""

from __future__ import annotations

import json
import re

__all__ = ["keep_widgets_showable", "pre_save_hook", "RUN_AGAIN"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: The line a widget output becomes when its state is gone; ``{what}`` names the widget.
RUN_AGAIN = "Run this cell to show {what}."
#: The course's widgets by the class name that starts their text form (``Quiz(children=...)``).
WHAT = {
    "Quiz": "the quiz",
    "Hints": "the hints",
    "Sandbox": "the SQL sandbox",
    "Progress": "your progress",
}
_REFERENCE = re.compile(r"IPY_MODEL_([0-9a-f]+)")


def _state(nb: dict) -> dict | None:
    widgets = (nb.get("metadata") or {}).get("widgets") or {}
    saved = widgets.get(WIDGET_STATE) or {}
    state = saved.get("state")
    return state if isinstance(state, dict) else None


def _with_references(state: dict, model_id: str) -> dict:
    """``model_id``'s entry in ``state`` and every model it refers to (children, layout...)."""
    found: dict = {}
    todo = [model_id]
    while todo:
        mid = todo.pop()
        if mid in found or mid not in state:
            continue
        found[mid] = state[mid]
        todo.extend(_REFERENCE.findall(json.dumps(state[mid])))
    return found


def _complete(state: dict, model_id: str) -> bool:
    """True when ``model_id`` and every model it refers to are in ``state``."""
    seen, todo = set(), [model_id]
    while todo:
        mid = todo.pop()
        if mid in seen:
            continue
        if mid not in state:
            return False
        seen.add(mid)
        todo.extend(_REFERENCE.findall(json.dumps(state[mid])))
    return True


def _plain_line(data: dict) -> str:
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else str(text)
    name = re.match(r"\s*(\w+)\(", text)
    return RUN_AGAIN.format(what=WHAT.get(name.group(1) if name else "", "this widget"))


def keep_widgets_showable(nb: dict, previous: dict | None = None) -> int:
    """Make every widget output of ``nb`` showable after a reopen; returns how many outputs became
    a plain line.  ``previous`` is the notebook as it was last saved (its state is reused)."""
    outputs = [
        out
        for cell in nb.get("cells", [])
        if cell.get("cell_type") == "code"
        for out in cell.get("outputs", [])
        if isinstance(out.get("data"), dict) and WIDGET_VIEW in out["data"]
    ]
    if not outputs:
        return 0
    state = _state(nb)
    old = _state(previous or {}) or {}
    changed = 0
    for out in outputs:
        model_id = (out["data"][WIDGET_VIEW] or {}).get("model_id", "")
        if not model_id:
            continue
        if state is not None and _complete(state, model_id):
            continue
        if _complete(old, model_id):
            if state is None:
                widgets = nb.setdefault("metadata", {}).setdefault("widgets", {})
                widgets[WIDGET_STATE] = {"state": {}, "version_major": 2, "version_minor": 0}
                state = widgets[WIDGET_STATE]["state"]
            state.update(_with_references(old, model_id))
            continue
        out["data"] = {"text/plain": _plain_line(out["data"])}
        out.setdefault("metadata", {})
        changed += 1
    return changed


def pre_save_hook(model=None, path=None, contents_manager=None, **_kwargs) -> None:
    """Jupyter server pre-save hook: :func:`keep_widgets_showable` on a notebook being saved.

    Never stops a save: anything unexpected leaves the notebook as JupyterLab sent it."""
    try:
        if (
            not model
            or model.get("type") != "notebook"
            or not isinstance(model.get("content"), dict)
        ):
            return
        previous = None
        try:  # the copy on disk, read directly (the server's contents manager may be async)
            with open(contents_manager._get_os_path(path), encoding="utf-8") as f:
                previous = json.load(f)
        except Exception:  # a new file, or one that is not a notebook yet
            previous = None
        keep_widgets_showable(model["content"], previous)
    except Exception:
        return

"""What a saved notebook keeps of its widgets (course.widgets.saved), on notebook dicts as
JupyterLab sends them to the server; tests/e2e/test_learner_view.py reopens real notebooks."""

from __future__ import annotations

import copy
import json

from course.widgets.saved import WIDGET_STATE, WIDGET_VIEW, keep_widgets_showable, pre_save_hook

QUIZ_STATE = {
    "aaa1": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_bbb2"]}},
    "bbb2": {"model_name": "HTMLModel", "state": {"layout": "IPY_MODEL_ccc3"}},
    "ccc3": {"model_name": "LayoutModel", "state": {}},
}


def _notebook(state: dict | None) -> dict:
    output = {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "text/plain": "Quiz(children=(HTML(value='Which…'),))",
            WIDGET_VIEW: {"model_id": "aaa1", "version_major": 2, "version_minor": 0},
        },
    }
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "A quiz", "metadata": {}},
            {"cell_type": "code", "source": "widgets.quiz(...)", "outputs": [output]},
            {"cell_type": "code", "source": "1 + 1", "outputs": [{"output_type": "stream"}]},
        ],
        "metadata": {},
    }
    if state is not None:
        nb["metadata"]["widgets"] = {WIDGET_STATE: {"state": state, "version_major": 2}}
    return nb


def _output(nb: dict) -> dict:
    return nb["cells"][1]["outputs"][0]


def test_a_notebook_saved_with_its_widget_state_is_left_alone():
    nb = _notebook(copy.deepcopy(QUIZ_STATE))
    before = copy.deepcopy(nb)
    assert keep_widgets_showable(nb, previous=None) == 0
    assert nb == before


def test_state_lost_after_a_reopen_is_taken_from_the_copy_on_disk():
    nb = _notebook({})  # saved again after a reopen: the new kernel has no widgets
    assert keep_widgets_showable(nb, previous=_notebook(copy.deepcopy(QUIZ_STATE))) == 0
    assert nb["metadata"]["widgets"][WIDGET_STATE]["state"] == QUIZ_STATE
    assert WIDGET_VIEW in _output(nb)["data"]


def test_without_any_state_the_widget_becomes_one_plain_line():
    half = {"aaa1": QUIZ_STATE["aaa1"]}  # its child is missing: it could not be drawn either
    for state, previous in ((None, None), ({}, _notebook(half)), (half, None)):
        nb = _notebook(copy.deepcopy(state))
        assert keep_widgets_showable(nb, previous=previous) == 1
        assert _output(nb)["data"] == {"text/plain": "Run this cell to show the quiz."}
        assert nb["cells"][2]["outputs"] == [{"output_type": "stream"}]


def test_the_hook_reads_the_copy_on_disk_and_never_stops_a_save(tmp_path):
    class Manager:
        def _get_os_path(self, path):
            return str(tmp_path / path)

    (tmp_path / "m.ipynb").write_text(json.dumps(_notebook(QUIZ_STATE)))
    model = {"type": "notebook", "content": _notebook({})}
    pre_save_hook(model=model, path="m.ipynb", contents_manager=Manager())
    assert model["content"]["metadata"]["widgets"][WIDGET_STATE]["state"] == QUIZ_STATE
    odd = {"type": "notebook", "content": {"cells": "not a list"}}
    pre_save_hook(model=odd, path="gone.ipynb", contents_manager=None)
    assert odd == {"type": "notebook", "content": {"cells": "not a list"}}
    pre_save_hook(model={"type": "file", "content": "text"}, path="a.txt")


def test_the_course_setup_keeps_widget_state_out_of_notebooks(tmp_path):
    """With saveState on, ipywidgets marks a reopened notebook unsaved (it flags every model it
    restores from the notebook); the pre-save hook's plain lines stand in for the widgets."""
    from course.lab import setup_jupyter

    setup_jupyter(tmp_path)
    overrides = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": False}

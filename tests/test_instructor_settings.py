"""Issue 20: the settings behind the instructor's cycle, one by one (fast; the whole cycle is in
test_instructor_cycle.py and the feedback page in the browser in e2e/test_feedback_html.py)."""

from __future__ import annotations

import io

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course import config
from course.grading import feedback
from course.lab import ENV_NBGRADER_CONFIG, install_nbgrader_config


def test_setup_records_the_exchange_for_every_nbgrader_of_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_EXCHANGE", raising=False)
    prefix = tmp_path / "env"
    changed = install_nbgrader_config(prefix, exchange=tmp_path / "exchange")
    target = prefix / "etc" / "jupyter" / "nbgrader_config.py"
    assert str(target) in changed and target.read_text() == ENV_NBGRADER_CONFIG.read_text()
    assert config.exchange_dir(prefix) == (tmp_path / "exchange").resolve()
    # The variable wins over the recorded folder (one shell, one experiment).
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "other"))
    assert config.exchange_dir(prefix) == tmp_path / "other"
    # A second setup changes nothing.
    assert install_nbgrader_config(prefix, exchange=tmp_path / "exchange") == []


def test_an_instructors_own_environment_config_is_left_alone(tmp_path, capsys):
    target = tmp_path / "etc" / "jupyter" / "nbgrader_config.py"
    target.parent.mkdir(parents=True)
    target.write_text("c = get_config()\nc.Exchange.root = '/srv/ours'\n")
    assert install_nbgrader_config(tmp_path) == []
    assert "/srv/ours" in target.read_text()
    assert "not the course's" in capsys.readouterr().out


def test_the_environment_config_names_the_recorded_exchange(tmp_path, monkeypatch):
    """Load the installed file the way nbgrader does (traitlets, with its __file__)."""
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.delenv("COURSE_EXCHANGE", raising=False)
    install_nbgrader_config(tmp_path, exchange=tmp_path / "exchange")
    folder = tmp_path / "etc" / "jupyter"
    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    assert loaded.Exchange.root == str((tmp_path / "exchange").resolve())
    assert loaded.CourseDirectory.course_id == "tsdl"


@pytest.mark.parametrize(
    "grade_id, label",
    [("q1_4_check", "Exercise 1.4"), ("q10_2_answer", "Exercise 10.2"), ("m01_setup", "m01_setup")],
)
def test_graded_cells_are_labelled_with_their_exercise(grade_id, label):
    assert feedback.exercise_label(grade_id) == label


def test_widget_and_script_outputs_leave_one_line_in_the_feedback():
    cell = new_code_cell("widgets.quiz('01')")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "q1_2_check", "points": 1}
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "VBox"}
    cell.outputs = [
        new_output("display_data", data=widget),
        new_output("display_data", data=widget),
        new_output("display_data", data={"application/javascript": "$('#x')"}),
        new_output("stream", name="stdout", text="✓ Question 1.2: right.\n"),
    ]
    nb = new_notebook(cells=[cell])
    nb, _ = feedback.TidyFeedback().preprocess(nb, {})
    outs = nb.cells[0].outputs
    assert [o.get("text") or o["data"]["text/plain"] for o in outs] == [
        feedback.WIDGET_NOTE,
        "✓ Question 1.2: right.\n",
    ]
    assert nb.cells[0].metadata["course_label"] == "Exercise 1.2"


def test_validate_wraps_a_long_sentence_instead_of_cutting_it():
    from nbgrader.validator import Validator

    sentence = (
        "✗ Question 1.1: Your query finds no records: language codes are stored as in MARC "
        "008/35-37, three small letters, so check the code you typed and its capitals."
    )
    cell = new_code_cell('check.query(q1_1, "q1_1")')
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "q1_1_check", "points": 1}
    cell.outputs = [new_output("error", ename="CheckFailed", evalue="", traceback=[sentence])]
    feedback.wrap_validate_output()
    validator = Validator()
    validator.stream = io.StringIO()
    validator._print_error(cell.source, validator._extract_error(cell))
    shown = " ".join(validator.stream.getvalue().split())
    assert sentence in shown and "..." not in shown

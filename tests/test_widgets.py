"""The self-check widgets, driven through the widget API (clicks and values)."""

from __future__ import annotations

import json

import ipywidgets as w
import pytest

from course import check, widgets
from course.check.bank import bank_paths, load_bank
from course.widgets.quiz import quiz_banks_dir, quiz_schema_path

QUIZ = "00-start-here"


@pytest.fixture(autouse=True)
def env(data_dir, monkeypatch, tmp_path):
    """Module 00's own demo data, as its notebook uses it (check.use_demo)."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    check.use_demo("00-start-here")
    yield tmp_path / "workspace"
    check.use_demo(None)


def progress_file(env) -> dict:
    return json.loads((env / ".course-progress.json").read_text())


# -- quiz banks ---------------------------------------------------------------------------------


def test_quiz_schema_is_valid():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(json.loads(quiz_schema_path().read_text()))


@pytest.mark.parametrize("path", sorted(quiz_banks_dir().glob("*.yml")), ids=lambda p: p.name)
def test_quiz_banks_are_valid(path):
    assert widgets.validate_quiz_bank(path) == []
    assert widgets.quiz_bank(path)["module"] == path.stem


def test_a_single_choice_question_with_two_right_answers_is_invalid(tmp_path):
    bank = widgets.quiz_bank(QUIZ)
    question = bank["questions"]["course_data"]
    for option in question["options"]:
        option["correct"] = True
    path = tmp_path / "99-bad.yml"
    import yaml

    path.write_text(yaml.safe_dump({"module": "99-bad", "questions": {"q": question}}))
    assert widgets.validate_quiz_bank(path)


# -- quiz widget ----------------------------------------------------------------------------------


def test_single_choice_quiz_feedback(env):
    q = widgets.quiz(QUIZ, "course_data")
    assert "course-quiz" in q._dom_classes
    assert isinstance(q.choices, w.RadioButtons) and q.choices.description
    q.check_button.click()
    assert "Choose an answer first" in q.feedback.value
    q.choose(1)  # the bank's wrong option "In the course database"
    q.check_button.click()
    assert "✗ Not quite." in q.feedback.value and "read-only" in q.feedback.value
    q.choose(0)  # the bank's right option "In my scratch database"
    q.check_button.click()
    assert "✓ Right." in q.feedback.value and 'role="status"' in q.feedback.value
    entry = progress_file(env)["quizzes"][f"{QUIZ}/course_data"]
    assert entry == {**entry, "attempts": 2, "correct": True}


def test_multi_select_quiz_feedback():
    q = widgets.quiz(QUIZ, "sql_clauses")
    assert all(isinstance(b, w.Checkbox) for b in q.boxes)
    q.choose(1)  # WHERE (right), GROUP BY missed (bank order: ORDER BY, WHERE, AS, GROUP BY)
    assert q.check() is False
    assert "You missed 1 right answer." in q.feedback.value
    q.choose(1, 0)  # and ORDER BY (wrong)
    q.check_button.click()
    assert "ORDER BY sorts the rows" in q.feedback.value
    q.choose(1, 3)
    assert q.check() is True and "✓ Right." in q.feedback.value


def test_unknown_quiz_question():
    with pytest.raises(KeyError, match="no question called nope"):
        widgets.quiz(QUIZ, "nope")


# -- sandbox --------------------------------------------------------------------------------------


def test_sandbox_runs_and_checks(env):
    box = widgets.sandbox("q0_1")
    assert "course-sandbox" in box._dom_classes
    assert box.editor.description and box.run_button.tooltip and box.check_button.tooltip
    box.editor.value = "SELECT title, date1 FROM shelf WHERE date1 >= 1990"
    box.run_button.click()
    assert "<table" in box.result.value and "8 rows" in box.result.value
    box.check_button.click()
    assert "✗ Question 0.1" in box.feedback.value and "expected fewer" in box.feedback.value
    box.editor.value = "SELECT title, date1 FROM shelf WHERE date1 >= 2000"
    result = box.check()
    assert result.passed and "✓ Question 0.1" in box.feedback.value
    assert progress_file(env)["exercises"]["q0_1"]["passed"] is True


def test_sandbox_errors_are_one_sentence_and_values_are_escaped():
    box = widgets.sandbox(sql="SELECT title FORM shelf")
    assert box.check_button is None
    box.run_button.click()
    assert "meant to be FROM" in box.feedback.value and box.result.value == ""
    box.editor.value = "SELECT '<b>bold</b>' AS x"
    box.run()
    assert "&lt;b&gt;" in box.result.value and "<b>bold" not in box.result.value


def test_sandbox_suggests_only_the_course_tables():
    """DuckDB's own guess for a missing table can be one of its system tables (duckdb_indexes for
    bib): the sandbox names only tables the learner can query, here the demo shelf."""
    box = widgets.sandbox(sql="SELECT title FROM bib")
    box.run()
    assert "There is no table called bib" in box.feedback.value
    assert "duckdb_" not in box.feedback.value and "shelf" in box.feedback.value
    box.editor.value = "SELECT title FROM shelv"
    box.run()
    assert "did you mean shelf?" in box.feedback.value


# -- hints ----------------------------------------------------------------------------------------


def test_hints_one_at_a_time(env):
    h = widgets.hints("q0_2")
    assert "course-hints" in h._dom_classes
    assert h.button.description == "Show hint 1 of 3"
    h.button.click()
    assert h.button.description == "Show hint 2 of 3" and len(h.area.children) == 1
    h.button.click()
    h.button.click()
    assert h.button.disabled and h.button.description == "No more hints"
    assert "Hint 3:" in h.area.children[2].value
    assert h.reveal() is None
    assert progress_file(env)["hints"]["q0_2"] == 3


# -- progress -------------------------------------------------------------------------------------


def test_progress_bars_follow_the_record(env):
    p = widgets.progress()
    assert "course-progress" in p._dom_classes
    first = p.rows.children[0].children[0]
    assert isinstance(first, w.IntProgress) and first.value == 0 and first.max == 2
    check.query("SELECT count(*) FROM shelf WHERE language = 'fre'", "q0_2")
    p.refresh_button.click()
    bar, label = p.rows.children[0].children
    assert bar.value == 1 and label.value == "1 of 2 exercises passed"
    total = sum(len(load_bank(path)) for path in bank_paths())
    assert f"1 of {total} exercises passed" in p.summary.value
    fig = p.figure()
    assert fig.axes and fig.axes[0].get_xlabel() == "exercises"

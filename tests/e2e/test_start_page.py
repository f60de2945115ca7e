"""The start page as a learner meets it: run it, answer the quiz, try the sandbox, find nbgrader.

Expected texts come from the course's own data (the quiz bank, the exercise bank and its demo
shelf, computed here with DuckDB), not from the widgets, so a widget showing the wrong feedback
or querying the wrong table fails the test.
"""

from __future__ import annotations

import json
import re

import duckdb
import yaml

from course import config
from course.lab import START_PAGE
from course.widgets import quiz_bank
from course.widgets.quiz import _without_affirmation

MODULE = "00-start-here"
SANDBOX_SQL = "SELECT title FROM shelf WHERE language = 'ger' ORDER BY date1"


def _notebook_call(function: str) -> list[str]:
    """The string arguments of the start page's ``widgets.<function>(...)`` call."""
    notebook = json.loads((config.repo_root() / "release" / START_PAGE).read_text(encoding="utf-8"))
    text = "\n".join("".join(cell["source"]) for cell in notebook["cells"])
    found = re.search(rf"widgets\.{function}\(([^)]*)\)", text)
    assert found, f"The start page has no widgets.{function}(...) cell."
    return re.findall(r'"([^"]+)"', found.group(1))


def _lettered(text: str) -> re.Pattern:
    """A quiz option's accessible name: its letter, then exactly its text."""
    return re.compile(rf"^[A-H]\. {re.escape(text)}$")


def _exercise_bank() -> dict:
    path = config.repo_root() / "course" / "exercises" / f"{MODULE}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _shelf_titles(sql: str) -> list[str]:
    """What ``sql`` gives on the learner's copy of the demo shelf, computed independently."""
    demo = _exercise_bank()["demo"]
    con = duckdb.connect()
    try:
        con.execute(demo["setup"])
        con.execute(demo["library"])
        return [row[0] for row in con.execute(sql).fetchall()]
    finally:
        con.close()


def test_start_page_runs_and_its_widgets_answer(lab, page):
    bank, qid = _notebook_call("quiz")
    question = quiz_bank(bank)["questions"][qid]
    right = next(o for o in question["options"] if o["correct"])
    wrong = next(o for o in question["options"] if not o["correct"])
    hint_qid = _notebook_call("hints")[0]
    first_hint = _exercise_bank()["exercises"][hint_qid]["hints"][0]
    expected_titles = _shelf_titles(SANDBOX_SQL)
    assert len(expected_titles) >= 2, "the sandbox query should find a few books on the shelf"

    # 1. The start page opens in the learner's workspace, with nbgrader's Validate button.
    lab.open(START_PAGE)
    toolbar = page.locator(".jp-NotebookPanel:visible .jp-NotebookPanel-toolbar")
    lab.expect(toolbar.locator("[title='Validate Assignment']")).to_be_visible()
    validate = toolbar.get_by_role("button", name="Validate", exact=True)
    lab.expect(validate).to_be_visible()
    page.shots("start-page")

    # 2. Run → Run All Cells: the setup cell says it is ready; the unanswered check says ✗ and,
    #    being tagged raises-exception, does not stop the run.
    lab.run_all()
    setup = lab.code_cell("check.use_demo(")
    lab.expect(lab.outputs(setup, lab.STDOUT)).to_contain_text("Ready. You can go on.")
    first_check = lab.code_cell('check.query(q0_1, "q0_1")')
    lab.expect(lab.outputs(first_check, lab.STDERR)).to_contain_text("✗ Question 0.1")
    page.shots("run-all")

    # 3. Run All went past the failing checks: every widget below them is on the page. The hint
    #    button of exercise 0.2 shows the first hint from the exercise bank.
    for box in ("course-hints", "course-quiz", "course-sandbox", "course-progress"):
        lab.expect(lab.notebook.locator(f".{box}")).to_have_count(1)
    hints_cell = lab.code_cell("widgets.hints(")
    hints = hints_cell.locator(".course-hints")
    hints.get_by_role("button", name=re.compile(r"Show hint 1 of \d+$")).click()
    lab.expect(hints).to_contain_text(f"Hint 1: {first_hint}")
    lab.expect(hints.get_by_role("button", name=re.compile(r"Show hint 2 of \d+$"))).to_be_visible()

    # 4. The quiz, as Run All left it.
    quiz_cell = lab.code_cell("widgets.quiz(")
    quiz = quiz_cell.locator(".course-quiz")
    lab.expect(quiz).to_have_count(1)
    lab.expect(quiz).to_contain_text(question["prompt"])
    quiz.scroll_into_view_if_needed()
    page.shots("widgets")

    # 5. A wrong answer, then the right one; each shows its own feedback from the quiz bank.
    feedback = quiz.locator(".course-quiz-feedback")
    # Options are lettered and shuffled per learner: "B. Enter".
    quiz.get_by_role("radio", name=_lettered(wrong["text"])).check()
    quiz.get_by_role("button", name="Check").click()
    lab.expect(feedback).to_contain_text(f"✗ Not quite. {wrong['feedback']}")
    page.shots("quiz-wrong")
    quiz.get_by_role("radio", name=_lettered(right["text"])).check()
    lab.expect(feedback).to_have_text("")  # a new choice clears the old verdict
    quiz.get_by_role("button", name="Check").click()
    lab.expect(feedback).to_contain_text(f"✓ Right. {_without_affirmation(right['feedback'])}")
    lab.expect(feedback).not_to_contain_text("✗")
    page.shots("quiz-right")

    # 6. The sandbox runs a query on the learner's shelf and shows the result as a table.
    sandbox = page.locator(".course-sandbox")
    lab.expect(sandbox).to_have_count(1)
    sandbox.get_by_role("textbox").fill(SANDBOX_SQL)
    sandbox.get_by_role("button", name="Run").click()
    table = sandbox.locator("table.course-result")
    lab.expect(table).to_contain_text(f"{len(expected_titles)} rows")
    rows = table.locator("tbody tr")
    lab.expect(rows).to_have_count(len(expected_titles))
    for i, title in enumerate(expected_titles):
        lab.expect(rows.nth(i)).to_contain_text(title)
    sandbox.scroll_into_view_if_needed()
    page.shots("sandbox")

    # 7. The progress widget has a row for this module that counts its exercises.
    exercises = len(_exercise_bank()["exercises"])
    row = page.locator(".course-progress .widget-hbox").filter(has_text="00 Start here")
    lab.expect(row).to_have_count(1)
    lab.expect(row).to_contain_text(f"0 of {exercises} exercises passed")

    # 8. Validate runs the notebook's checks and lists the failing ones without a traceback.
    validate.click()
    dialog = page.locator(".jp-Dialog")
    lab.expect(dialog).to_contain_text("Validation Results", timeout=120_000)
    lab.expect(dialog).to_contain_text("Question 0.1")
    page.shots("validate")
    text = dialog.text_content()
    assert "Traceback" not in text and "---->" not in text
    dialog.get_by_role("button", name="Ok").click()
    lab.expect(dialog).to_have_count(0)

    # 9. Nbgrader → Assignment List opens its panel.
    lab.menu("Nbgrader", "nbgrader:open-assignment-list")
    lab.expect(lab.current_tab()).to_contain_text("Assignments")
    for section in ("Released assignments", "Downloaded assignments", "Submitted assignments"):
        lab.expect(page.get_by_text(section, exact=True)).to_be_visible()
    page.shots("assignment-list")

    # 10. Nothing went wrong in the browser.
    assert lab.real_console_errors() == []

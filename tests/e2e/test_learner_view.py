"""What a learner sees in JupyterLab (issue 10): no garbled maths, widgets that survive a
reopen, notebooks that open saved, and one plain sentence where a traceback used to be.

Each test starts one JupyterLab server, like ``make lab``, with a fresh learner workspace.
"""

from __future__ import annotations

import re

import pytest

from course import config
from course.grading.gate import assignment_ids

#: Every module of the course (a new one is checked as soon as it has a source folder).
MODULES = assignment_ids()
#: What MathJax 3 (JupyterLab 4's typesetter) leaves in the page for every formula it renders.
MATHS = "mjx-container"
WIDGET_ERROR = "Error displaying widget"
WIDGET_BOXES = (".course-hints", ".course-quiz", ".course-sandbox", ".course-progress")
TRACEBACK_SIGNS = ("Traceback", "----> ", 'File "', "Cell In[")


def _notebook(module: str) -> str:
    return f"{module}/{module}.ipynb"


def _need_data() -> None:
    if not config.database_path("library").exists():
        pytest.skip("The course data is not built: run `course data` (or `make data`) first.")


def _rendered_markdown(lab) -> None:
    """Wait until JupyterLab has rendered every Markdown cell (it renders them lazily, on view)."""
    cells = lab.notebook.locator(".jp-MarkdownCell")
    for i in range(cells.count()):
        cells.nth(i).scroll_into_view_if_needed()
        lab.expect(cells.nth(i).locator(".jp-RenderedMarkdown")).to_have_count(1)


def _dirty(lab) -> bool:
    tab = lab.current_tab()
    return "jp-mod-dirty" in (tab.get_attribute("class") or "")


def test_no_notebook_shows_maths(lab, page):
    """Module 01 first (its `bib` column reference), then every other module: no MARC subfield
    notation turned into rendered maths anywhere."""
    found = {}
    for module in sorted(MODULES, key=lambda m: not m.startswith("01")):
        lab.open(_notebook(module))
        _rendered_markdown(lab)
        page.shots(f"{module}-opened")
        maths = lab.notebook.locator(MATHS)
        if maths.count():
            found[module] = [" ".join(t.split())[:60] for t in maths.all_text_contents()]
    assert found == {}, f"rendered maths (MARC subfields outside code spans?): {found}"
    assert lab.real_console_errors() == []


def test_notebooks_open_saved(lab, page):
    """Opening a notebook and letting its kernel start changes nothing: the tab is not marked
    unsaved, so a learner who closes it is not asked to save work they never did."""
    for module in MODULES:
        lab.open(_notebook(module))
        page.wait_for_timeout(1500)  # a late change of metadata would mark the tab by now
        assert not _dirty(lab), f"{module} opened already marked unsaved"
    assert lab.real_console_errors() == []


def test_widgets_survive_a_reload_and_a_reopen(lab, page):
    """Run the start page (every kind of widget), save, reload the page, then close the notebook
    with its kernel and open it again: never "Error displaying widget", each widget a plain line
    saying what to run, the notebook not marked unsaved, and no console errors."""
    _need_data()
    notebook = _notebook("00-start-here")
    lab.open(notebook)
    lab.run_all()
    for box in WIDGET_BOXES:
        lab.expect(lab.notebook.locator(box)).to_have_count(1)
    page.keyboard.press("ControlOrMeta+s")
    lab.expect(lab.current_tab()).not_to_have_class(re.compile(r"jp-mod-dirty"))

    # 1. The browser page is reloaded (the kernel still runs), then the notebook is closed with
    #    its kernel and opened again: the saved copy shows one line per widget, never an error.
    for step in ("reloaded", "reopened"):
        if step == "reopened":
            _close(lab, page)
        lab.open(notebook)
        _rendered_markdown(lab)
        lab.notebook.locator(".jp-OutputArea-output").last.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        page.shots(step)
        assert WIDGET_ERROR not in lab.notebook.text_content(), step
        for cell, line in RUN_AGAIN.items():
            lab.expect(lab.outputs(lab.code_cell(cell))).to_have_text(line)
        assert not _dirty(lab), f"the {step} notebook is marked unsaved"

    # 2. The widgets run again (the quiz answers), are saved, and the notebook is reopened once
    #    more: still one line each, still no error.
    lab.run_cell(lab.code_cell("check.use_demo("))  # the setup cell, in the new kernel
    quiz_cell = lab.code_cell("widgets.quiz(")
    lab.run_cell(quiz_cell)
    lab.expect(quiz_cell.locator(".course-quiz")).to_have_count(1)
    page.keyboard.press("ControlOrMeta+s")
    lab.expect(lab.current_tab()).not_to_have_class(re.compile(r"jp-mod-dirty"))
    _close(lab, page)
    lab.open(notebook)
    _rendered_markdown(lab)
    assert WIDGET_ERROR not in lab.notebook.text_content()
    lab.expect(lab.outputs(lab.code_cell("widgets.quiz("))).to_have_text(RUN_AGAIN["widgets.quiz("])
    assert lab.real_console_errors() == []


#: What each widget cell of the start page shows once its notebook was saved and reopened.
RUN_AGAIN = {
    "widgets.hints(": "Run this cell to show the hints.",
    "widgets.quiz(": "Run this cell to show the quiz.",
    "widgets.sandbox(": "Run this cell to show the SQL sandbox.",
    "widgets.progress(": "Run this cell to show your progress.",
}


def _close(lab, page) -> None:
    """File → Close and Shut Down Notebook (confirming if asked)."""
    lab.menu("File", "filemenu:close-and-cleanup")
    dialog = page.locator(".jp-Dialog")
    page.wait_for_timeout(500)
    if dialog.count():
        dialog.get_by_role("button", name="Ok").click()
    lab.expect(lab.notebook).to_have_count(0)


# -- a learner's mistakes in module 01: one sentence each, never a traceback ---------------------

MODULE01 = _notebook("01-querying-the-catalog")
SETUP = "%load_ext course.kernel"
#: Language codes are stored in small letters (MARC 21 Bibliographic, 008/35-37).
OLD_ANSWER = "SELECT bib_id, title FROM bib WHERE language = 'FRE'"
#: The query's condition typed after the closing triple quotes: Python cannot read line 2.
BROKEN_ANSWER = (
    'q1_1 = """SELECT bib_id, title FROM bib"""\nWHERE language = \'fre\'\ncheck.show(q1_1)'
)


def _one_sentence(lab, cell) -> str:
    """The cell's only output: one error line (the red box), no traceback, nothing printed."""
    lab.expect(lab.outputs(cell, lab.STDERR)).to_have_count(1)
    lab.expect(lab.outputs(cell, lab.STDOUT)).to_have_count(0)
    text = lab.output_text(cell).strip()
    assert len(text.splitlines()) == 1, text
    assert not [sign for sign in TRACEBACK_SIGNS if sign in text], text
    return text


def test_a_failed_answer_cell_is_not_checked_as_the_old_answer(lab, page):
    """A learner's first answer gets its feedback; they then break the answer cell (SQL outside
    the triple quotes): that cell says so in one sentence, and the check says the answer cell did
    not finish instead of judging the answer that is no longer on screen."""
    _need_data()
    from course.kernel import sentence_for

    try:
        compile(BROKEN_ANSWER, "<cell>", "exec")
    except SyntaxError as exc:
        expected_syntax = sentence_for(exc, BROKEN_ANSWER)
    else:
        pytest.fail("BROKEN_ANSWER should not be valid Python")
    assert expected_syntax and "outside the triple quotes" in expected_syntax

    lab.open(MODULE01)
    lab.run_cell(lab.code_cell(SETUP))
    answer = lab.code_cell("q1_1 = None")
    check_cell = lab.next_code_cell(answer)
    assert 'check.query(q1_1, "q1_1")' in lab.source(check_cell)

    # 1. A first (wrong) answer, run and checked: the check judges it.
    lab.set_source(answer, f'q1_1 = """{OLD_ANSWER}"""\ncheck.show(q1_1)')
    lab.run_cell(answer)
    lab.run_cell(check_cell)
    old_feedback = _one_sentence(lab, check_cell)
    assert old_feedback.startswith("✗ Question 1.1")

    # 2. The answer cell is changed and no longer runs: one sentence there...
    lab.set_source(answer, BROKEN_ANSWER)
    lab.run_cell(answer)
    assert _one_sentence(lab, answer) == expected_syntax
    # ...and the check refuses to judge the old answer.
    lab.run_cell(check_cell)
    check_cell.scroll_into_view_if_needed()
    page.shots("stale-answer")
    stale = _one_sentence(lab, check_cell)
    assert stale.startswith("✗ Question 1.1"), stale
    # The sentence wraps between words (the course's custom.css), never inside one.
    pre = lab.outputs(check_cell, lab.STDERR).locator("pre")
    assert pre.evaluate("e => getComputedStyle(e).wordBreak") == "normal"
    assert "older answer" in stale and stale != old_feedback, stale
    assert lab.real_console_errors() == []


def test_a_restarted_kernel_answers_in_one_sentence(lab, page):
    """After Kernel → Restart, a hint cell and a check cell run before the setup cell each say
    in one sentence what to run, with no traceback."""
    _need_data()
    lab.open(MODULE01)
    lab.run_cell(lab.code_cell(SETUP))
    hint_cell = lab.code_cell('widgets.hints("q1_1")')
    lab.run_cell(hint_cell)
    hints = hint_cell.locator(".course-hints")
    lab.expect(hints).to_have_count(1)
    lab.menu("Kernel", "kernelmenu:restart")
    dialog = page.locator(".jp-Dialog")
    lab.expect(dialog).to_contain_text("Restart")
    dialog.locator(".jp-Dialog-footer button.jp-mod-accept").click()
    lab.expect(dialog).to_have_count(0)
    lab.wait_idle()

    # The hint button the old kernel drew no longer works: one plain line says so (custom.css),
    # not a broken-link icon.
    lab.expect(hints).to_have_class(re.compile(r"jupyter-widgets-disconnected"))
    line = hints.evaluate("e => getComputedStyle(e, '::before').content")
    assert line == '"Run this cell to use it again."', line

    lab.run_cell(hint_cell)
    hint = _one_sentence(lab, hint_cell)
    assert hint.startswith("✗") and "run the first code cell" in hint, hint

    check_cell = lab.next_code_cell(lab.code_cell("q1_1 = None"))
    lab.run_cell(check_cell)
    check_cell.scroll_into_view_if_needed()
    page.shots("restarted-check")
    sentence = _one_sentence(lab, check_cell)
    assert sentence.startswith("✗") and "q1_1" in sentence and "answer cell" in sentence, sentence
    assert lab.real_console_errors() == []

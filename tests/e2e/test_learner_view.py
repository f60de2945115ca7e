"""What a learner sees in JupyterLab (issue 10): no garbled maths, widgets that survive a
reopen, notebooks that open saved, and one plain sentence where a traceback used to be.

Each test starts one JupyterLab server, like ``make lab``, with a fresh learner workspace.
"""

from __future__ import annotations

import re

import pytest

from course import config

MODULES = [
    "00-start-here",
    "01-querying-the-catalog",
    "02-summarizing-collections",
    "03-joining-the-library-system",
]
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
        if module.startswith("01"):
            page.shots("module01-opened")
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
    with its kernel and open it again: never "Error displaying widget", no console errors."""
    _need_data()
    notebook = _notebook("00-start-here")
    lab.open(notebook)
    lab.run_all()
    for box in WIDGET_BOXES:
        lab.expect(lab.notebook.locator(box)).to_have_count(1)
    page.keyboard.press("ControlOrMeta+s")
    lab.expect(lab.current_tab()).not_to_have_class(re.compile(r"jp-mod-dirty"))

    # 1. The browser page is reloaded; the kernel still runs.
    lab.open(notebook)
    _rendered_markdown(lab)
    lab.notebook.locator(".jp-OutputArea-output").last.scroll_into_view_if_needed()
    page.wait_for_timeout(2000)
    page.shots("reloaded")
    assert WIDGET_ERROR not in lab.notebook.text_content()
    for box in WIDGET_BOXES:
        lab.expect(lab.notebook.locator(box)).to_have_count(1)

    # 2. Close the notebook and shut its kernel down, then open it again: a new kernel.
    lab.menu("File", "filemenu:close-and-cleanup")
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        dialog.get_by_role("button", name="Ok").click()
    lab.open(notebook)
    _rendered_markdown(lab)
    page.wait_for_timeout(2000)
    page.shots("reopened")
    assert WIDGET_ERROR not in lab.notebook.text_content()
    # Each widget shows its saved state under one plain line (course custom.css), since no
    # kernel is behind it until its cell runs again.
    for box in WIDGET_BOXES:
        widget = lab.notebook.locator(box)
        lab.expect(widget).to_have_count(1)
        lab.expect(widget).to_have_class(re.compile(r"jupyter-widgets-disconnected"))
        line = widget.evaluate("e => getComputedStyle(e, '::before').content")
        assert line == '"Run this cell to use it again."', (box, line)
    assert lab.real_console_errors() == []

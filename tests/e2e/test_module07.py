"""Module 07 run top to bottom in the browser, as a learner meets it before answering anything.

Run → Run All on the release notebook: every cell runs (the raw bytes, pymarc, MARCXML and the
Dublin Core file included); the only errors are the eleven check cells, each one line saying that
the answer is still missing (and no traceback); the tables and quizzes render; then one function
is typed in (exercise 7.7, ISBN-10 to ISBN-13) and its check passes.
"""

from __future__ import annotations

import re

import pytest
import yaml

from course import config

MODULE = "07-metadata-as-data"
NOTEBOOK = f"{MODULE}/{MODULE}.ipynb"
TRACEBACK_SIGNS = ("Traceback", "----> ", 'File "', "Cell In[")
RAN_PROMPT = re.compile(r"^\s*\[\d+\]:\s*$")
#: A wait, not a speed assertion: the whole notebook on a busy two-core machine.
RUN_ALL_WAIT_MS = 300_000


def _bank() -> dict:
    path = config.repo_root() / "course" / "exercises" / f"{MODULE}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["exercises"]


def test_module07_runs_top_to_bottom_with_only_the_checks_failing(lab, page):
    if not (config.repo_root() / "release" / NOTEBOOK).exists():
        pytest.fail(f"release/{NOTEBOOK} is missing: run `course release {MODULE}`.")
    if not config.database_path("library").exists():
        pytest.skip("The course data is not built: run `course data` (or `make data`) first.")
    bank = _bank()

    lab.open(NOTEBOOK)
    lab.run_all()
    # Run All returns when the kernel is first idle; between two of this module's long queries it
    # can be idle for a moment, so wait for the last cell (the progress widget) to have run too.
    last = lab.notebook.locator(".jp-CodeCell").last
    lab.expect(lab.prompt(last)).to_have_text(RAN_PROMPT, timeout=RUN_ALL_WAIT_MS)
    lab.wait_idle()
    setup = lab.code_cell("%load_ext course.kernel")
    lab.expect(lab.outputs(setup, lab.STDOUT)).to_contain_text("Ready")

    # Every cell ran (no prompt left empty or waiting).
    code_cells = lab.notebook.locator(".jp-CodeCell")
    count = code_cells.count()
    assert count > 40
    prompts = [lab.prompt(code_cells.nth(i)).text_content() or "" for i in range(count)]
    not_run = [(i, p) for i, p in enumerate(prompts) if not lab_ran(p)]
    assert not not_run, not_run

    # The errors are exactly the check cells, one plain line each.
    failing = []
    for i in range(count):
        cell = code_cells.nth(i)
        if lab.outputs(cell, lab.STDERR).count():
            source = lab.source(cell)
            error = lab.output_text(cell, lab.STDERR).strip()
            failing.append((source.splitlines()[0:3], error))
            assert "check.query(" in source or "check.function(" in source, (
                f"cell {i} has an error: {error}"
            )
            assert len(error.splitlines()) == 1, error
            assert error.startswith("✗ Question 7."), error
            everything = lab.output_text(cell)
            assert not [s for s in TRACEBACK_SIGNS if s in everything], everything
    assert len(failing) == len(bank), failing

    # The tables and the printed records are there.
    assert lab.notebook.locator(".jp-RenderedHTMLCommon table, .jp-OutputArea-output pre").count()
    page.shots("module07-run-all")

    # A right answer to 7.7 (a function) passes its check.
    answer = lab.code_cell("q7_7 = None")
    check_cell = lab.next_code_cell(answer)
    reference = bank["q7_7"]["reference"].strip()
    lab.set_source(answer, f"{reference}\n\n\nq7_7 = isbn10_to_13")
    lab.run_cell(answer)
    lab.run_cell(check_cell)
    lab.expect(lab.outputs(check_cell, lab.STDERR)).to_have_count(0)
    lab.expect(lab.outputs(answer, lab.STDERR)).to_have_count(0)
    lab.expect(lab.outputs(check_cell, lab.STDOUT)).to_contain_text("✓ Question 7.7")
    assert lab.real_console_errors() == []


def lab_ran(prompt: str) -> bool:
    """``[12]:`` after a cell ran; ``[ ]:`` never ran, ``[*]:`` still waiting."""
    text = "".join(prompt.split())
    return text.startswith("[") and text.endswith("]:") and text[1:-2].isdigit()

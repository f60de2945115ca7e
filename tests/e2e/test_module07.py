"""Module 07 run top to bottom in the browser, as a learner meets it before answering anything.

Run → Run All on the release notebook: every cell runs (the raw bytes, pymarc, MARCXML and the
Dublin Core file included); the only errors are the eleven check cells, each one line saying that
the answer is still missing (and no traceback); the tables and quizzes render; then one function
is typed in (exercise 7.7, ISBN-10 to ISBN-13) and its check passes.
"""

from __future__ import annotations

MODULE = "07-metadata-as-data"


def test_module07_runs_top_to_bottom_with_only_the_checks_failing(lab, page):
    bank = lab.run_release_top_to_bottom(MODULE, min_code_cells=40)
    lab.assert_only_checks_fail(bank, "7.", calls=("check.query(", "check.function("))

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

"""Module 06 run top to bottom in the browser, as a learner meets it before answering anything.

Run → Run All on the release notebook: every cell runs; the only errors are the thirteen check
cells, each one line saying that the answer is still missing (and no traceback); the tables,
the chart and the widgets render; then one answer is typed in (exercise 6.10, the fund tree) and
its check passes.
"""

from __future__ import annotations

MODULE = "06-advanced-queries"


def test_module06_runs_top_to_bottom_with_only_the_checks_failing(lab, page):
    bank = lab.run_release_top_to_bottom(MODULE, min_code_cells=50)
    lab.assert_only_checks_fail(bank, "6.", calls=("check.query(",))

    # The pictures and widgets are there: a chart, rendered tables, quizzes.
    lab.expect(lab.notebook.locator(".jp-RenderedImage img")).to_have_count(1)
    assert lab.notebook.locator(".jp-RenderedHTMLCommon table, .jp-OutputArea-output pre").count()
    page.shots("module06-run-all")

    # A right answer to 6.10 passes its check.
    answer = lab.code_cell("q6_10 = None")
    check_cell = lab.next_code_cell(answer)
    reference = " ".join(bank["q6_10"]["reference"].split())
    lab.set_source(answer, f'q6_10 = """{reference}"""\ncheck.show(q6_10)')
    lab.run_cell(answer)
    lab.run_cell(check_cell)
    lab.expect(lab.outputs(check_cell, lab.STDERR)).to_have_count(0)
    lab.expect(lab.outputs(answer, lab.STDERR)).to_have_count(0)
    assert lab.real_console_errors() == []

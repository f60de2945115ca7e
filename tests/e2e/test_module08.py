"""Module 08 run top to bottom in the browser, as a learner meets it before answering anything.

Run → Run All on the release notebook: every cell runs (the crosswalk, the quality report's charts,
the KBART file and the vendor's MARC file included); the only errors are the nine check cells, each
one line saying that the answer is still missing (and no traceback); the cells that use a learner's
function say to write it first. Then exercise 8.5 (code_status) is typed in as a learner would,
with the notebook's LANGUAGES and PLACES: its check passes and the vendor cell lists the obsolete
place codes of the vendor's file.
"""

from __future__ import annotations

MODULE = "08-crosswalks-and-quality"

CODE_STATUS = """def code_status(record):
    f008 = record["008"].data
    return {
        "language": LANGUAGES.get(f008[35:38], "not in list"),
        "place": PLACES.get(f008[15:18].rstrip(), "not in list"),
    }


q8_5 = code_status"""


def test_module08_runs_top_to_bottom_with_only_the_checks_failing(lab, page):
    bank = lab.run_release_top_to_bottom(MODULE, min_code_cells=40)
    lab.assert_only_checks_fail(bank, "8.", calls=("check.query(", "check.function("))

    # The report's charts are drawn, and the cells that need a function say so.
    assert lab.notebook.locator(".jp-OutputArea-output img").count() >= 1
    kbart = lab.code_cell("found = Counter()")
    lab.expect(lab.outputs(kbart, lab.STDOUT)).to_contain_text("Exercise 8.8 first")
    page.shots("module08-run-all")

    # A learner's code_status passes 8.5, and the vendor cell then lists the obsolete codes.
    answer = lab.code_cell("q8_5 = None")
    check_cell = lab.next_code_cell(answer)
    lab.set_source(answer, CODE_STATUS)
    lab.run_cell(answer)
    lab.run_cell(check_cell)
    lab.expect(lab.outputs(check_cell, lab.STDERR)).to_have_count(0)
    lab.expect(lab.outputs(check_cell, lab.STDOUT)).to_contain_text("✓ Question 8.5")
    vendor = lab.code_cell("vendor-delivery.mrc")
    lab.run_cell(vendor)
    lab.expect(lab.outputs(vendor, lab.STDOUT).first).to_contain_text("obsolete")
    lab.expect(lab.outputs(vendor, lab.STDERR)).to_have_count(0)
    assert lab.real_console_errors() == []

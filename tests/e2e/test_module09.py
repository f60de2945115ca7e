"""Module 09 run top to bottom in the browser, with the vendor portal, as a learner meets it.

Run → Run All on the release notebook: the portal starts on 127.0.0.1, the downloads show their
progress bars, the cut-short file fails its checksum and passes after the second download, the
delivery is staged, and the reject report for the vendor is written and shown (ISBN check digits,
duplicate 001s, unreadable records with their byte offsets); the only errors are the ten check
cells, one line each.  Then one answer is typed in (exercise 9.6) and its check passes.
"""

from __future__ import annotations

MODULE = "09-batch-loads"


def test_module09_runs_with_the_vendor_portal_and_shows_the_reject_report(lab, page):
    bank = lab.run_release_top_to_bottom(MODULE, min_code_cells=40)
    lab.assert_only_checks_fail(bank, "9.", calls=("check.function(", "check.state("))

    verify = lab.code_cell("broken = verify(names)")
    assert "✗ checksum differs" in lab.output_text(verify, lab.STDOUT)
    retry = lab.code_cell("for attempt in range(1, 4):")
    assert "Every file is whole" in lab.output_text(retry, lab.STDOUT)

    report = lab.code_cell('report_csv = lab / "reject-report.csv"')
    said = lab.output_text(report, lab.STDOUT)
    assert "The CSV file says what the table says: True" in said, said
    shown = lab.output_text(report)
    assert "ISBN check digit wrong: 5343006704" in shown, shown
    assert "duplicate 001" in shown and "285177" in shown, shown
    assert "unreadable: record length in leader is not a number" in shown, shown
    report.scroll_into_view_if_needed()
    page.shots("module09-reject-report")

    # The load, run twice, changes nothing the second time.
    twice = lab.code_cell("first = pipeline.overlay(")
    assert "Second run: 0 rows changed" in lab.output_text(twice, lab.STDOUT)

    # A right answer to 9.6 passes its check.
    answer = lab.code_cell("q9_6 = None")
    check_cell = lab.next_code_cell(answer)
    reference = bank["q9_6"]["reference"].strip()
    lab.set_source(answer, f'q9_6 = """\n{reference}\n"""\ncheck.build(q9_6, "q9_6")')
    lab.run_cell(answer)
    lab.run_cell(check_cell)
    lab.expect(lab.outputs(check_cell, lab.STDERR)).to_have_count(0)
    lab.expect(lab.outputs(check_cell, lab.STDOUT)).to_contain_text("✓ Question 9.6")
    assert lab.real_console_errors() == []

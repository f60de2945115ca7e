"""Module 04 in the browser: a learner's model drawn as a diagram, and a model check's sentence.

Run → Run All on the release notebook: every cell runs; the worked example's model is drawn as a
mermaid diagram (an SVG, not the text); the only errors are the check cells, one line each.  Then
the learner types a serials model with no claim entity into Exercise 4.1: the answer cell draws
it, and the check answers with the bank's one sentence for a missing claim -- no traceback.
"""

from __future__ import annotations

from urllib.parse import unquote

MODULE = "04-data-modeling"
NO_CLAIM = '''q4_1 = """
erDiagram
    subscription ||--o{ issue : "receives"
    subscription {
        int subscription_id PK
        string title
    }
    issue {
        int issue_id PK
        string enumeration
        date expected_date
        date received_date
        date claim_date
    }
"""
widgets.diagram(q4_1)'''
#: JupyterLab draws text/vnd.mermaid as an <img> holding the SVG (a warning class when it fails).
DRAWN = ".jp-OutputArea-output .jp-RenderedMermaid:not(.jp-mod-warning) img"


def _svg(cell) -> str:
    """The drawn diagram's SVG text (from the image's data URL)."""
    src = cell.locator(DRAWN).first.get_attribute("src") or ""
    return unquote(src.split(",", 1)[-1])


def test_module04_draws_a_learners_model_and_checks_it_in_one_sentence(lab, page):
    bank = lab.run_release_top_to_bottom(MODULE, min_code_cells=30)

    # The worked example's model is drawn: a mermaid SVG with its entities' names.
    example = lab.code_cell("widgets.diagram(circulation)")
    example.scroll_into_view_if_needed()
    lab.expect(example.locator(DRAWN).first).to_be_visible(timeout=20_000)
    drawn = _svg(example)
    assert "<svg" in drawn and "loan" in drawn and "barcode" in drawn, drawn[:300]

    # The errors are exactly the check cells, one plain line each.
    lab.assert_only_checks_fail(bank, "4.", calls=("from course import check",))

    # A learner's model with the claim squeezed into the issue: drawn, then one sentence.
    answer = lab.code_cell("q4_1 = None")
    check_cell = lab.next_code_cell(answer)
    assert 'check.model(q4_1, "q4_1")' in lab.source(check_cell)
    lab.set_source(answer, NO_CLAIM)
    lab.run_cell(answer)
    lab.expect(answer.locator(DRAWN).first).to_be_visible(timeout=20_000)
    assert "claim_date" in _svg(answer)
    lab.run_cell(check_cell)
    check_cell.scroll_into_view_if_needed()
    page.shots("module04-model-check")
    expected = f"✗ Question 4.1: {bank['q4_1']['explain']['claim']}"
    lab.expect(lab.outputs(check_cell, lab.STDERR)).to_have_count(1)
    error = lab.output_text(check_cell, lab.STDERR).strip()
    assert error == expected
    everything = lab.output_text(check_cell)
    assert not [sign for sign in lab.TRACEBACK_SIGNS if sign in everything], everything
    lab.expect(lab.outputs(answer, lab.STDERR)).to_have_count(0)
    assert lab.real_console_errors() == []

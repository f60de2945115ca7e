"""The skills check in the browser, top to bottom, as a new learner meets it.

Run → Run All on the release notebook: every cell runs; the only errors are the seventeen task
checks, one line each (``✗ Task N: ...``, no traceback); the self-rating widget, the skills
profile chart and the personal path are shown; the path is kept in the learner's progress file.
Then one task is answered right, the profile cell is run again, and its chart shows it.
"""

from __future__ import annotations

import json

MODULE = "00-your-skills-check"


def test_skills_check_runs_top_to_bottom_and_shows_profile_and_path(lab, page):
    bank = lab.run_release_top_to_bottom(MODULE, min_code_cells=30)
    code_cells = lab.notebook.locator(".jp-CodeCell")
    failing = []
    for i in range(code_cells.count()):
        cell = code_cells.nth(i)
        if lab.outputs(cell, lab.STDERR).count():
            error = lab.output_text(cell, lab.STDERR).strip()
            assert "check." in lab.source(cell), f"cell {i} has an error: {error}"
            assert len(error.splitlines()) == 1 and error.startswith("✗ Task"), error
            assert not [s for s in lab.TRACEBACK_SIGNS if s in lab.output_text(cell)]
            failing.append(error)
    assert len(failing) == len(bank), failing

    rating = lab.notebook.locator(".course-self-rating")
    lab.expect(rating).to_be_visible()
    lab.expect(rating.get_by_role("combobox")).to_have_count(12)  # six areas, two questions

    profile_cell = lab.code_cell("skills_check.profile(globals())")
    chart = profile_cell.locator(".course-skills-profile img")
    lab.expect(chart).to_have_count(1)
    assert "skills profile" in (chart.get_attribute("alt") or "")
    path = profile_cell.locator(".course-path")
    lab.expect(path).to_contain_text("Your path")
    lab.expect(path).to_contain_text("03 Joining the library system")
    lab.expect(path.locator("tbody tr")).to_have_count(10)
    page.shots("skills-check-profile")

    saved = json.loads((lab.server.workspace / ".course-progress.json").read_text())
    assert [m["action"] for m in saved["path"]["modules"]] == ["do"] * 10
    assert saved["skills_check"]["measured"]["joins"][:2] == [0, 1]

    # Task 5 answered right: its check passes, and the profile measures the join.
    answer = lab.code_cell("q0_15 = None")
    lab.set_source(answer, f'q0_15 = """\n{bank["q0_15"]["reference"].strip()}\n"""')
    lab.run_cell(answer)
    check_cell = lab.next_code_cell(answer)
    lab.run_cell(check_cell)
    lab.expect(lab.outputs(check_cell, lab.STDOUT)).to_contain_text("✓ Task 5")
    lab.run_cell(profile_cell)
    lab.expect(profile_cell.locator(".course-path")).to_be_visible()
    saved = json.loads((lab.server.workspace / ".course-progress.json").read_text())
    assert saved["skills_check"]["measured"]["joins"][:2] == [1, 1]
    assert lab.real_console_errors() == []

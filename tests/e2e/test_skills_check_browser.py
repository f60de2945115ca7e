"""The skills check in the browser, top to bottom, as a new learner meets it.

Run → Run All on the release notebook: every cell runs; the only errors are the seventeen task
checks, one line each (``✗ Task N: ...``, no traceback); the self-rating widget, the skills
profile chart and the personal path are shown; the path is kept in the learner's progress file.
Then one task is answered right, the profile cell is run again, and its chart shows it.
The Refresher notebook: the drills widget shows the skills due; a wrong first answer sends the
skill back to box 1 (in the progress file); another drill is a new one; the schedule chart shows.
"""

from __future__ import annotations

import json
import re

MODULE = "00-your-skills-check"
RAN = re.compile(r"^\s*\[\d+\]:\s*$")  # a code cell that has run


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


def test_refresher_drill_wrong_then_a_new_one(lab, page):
    from course import config

    if not config.database_path("library").exists():
        import pytest

        pytest.skip("The course data is not built: run `course data` first.")
    lab.open("refresher/refresher.ipynb")
    lab.run_all()
    last = lab.notebook.locator(".jp-CodeCell").last
    lab.expect(lab.prompt(last)).to_have_text(RAN, timeout=120_000)
    box = lab.notebook.locator(".course-drills")
    lab.expect(box).to_be_visible()
    lab.expect(box).to_contain_text("Due for a refresher")
    title = box.locator("h4").inner_text()
    box.locator("textarea").fill("SELECT 1 AS x FROM bib LIMIT 1")
    box.get_by_role("button", name="Check").click()
    lab.expect(box.get_by_role("status").last).to_contain_text("✗")
    lab.expect(box).to_contain_text("comes back tomorrow")
    saved = json.loads((lab.server.workspace / ".course-progress.json").read_text())
    (skill,) = saved["drills"]
    assert saved["drills"][skill]["box"] == 1 and saved["drills"][skill]["wrong"] == 1
    box.get_by_role("button", name="Another drill").click()
    lab.expect(box.locator("h4")).not_to_have_text(title)
    chart = lab.code_cell("skills_chart()")
    lab.expect(lab.outputs(chart).locator("img")).to_have_count(1)
    page.shots("refresher-drill")
    assert lab.real_console_errors() == []

"""The pipeline gate over every assignment, and proof that the gate itself can fail."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from course import config
from course.grading import assignment_ids, run_gate, static_findings

ROOT = config.repo_root()
ASSIGNMENTS = assignment_ids(ROOT)


def test_there_is_at_least_module_00():
    assert "00-start-here" in ASSIGNMENTS


def test_source_has_no_outputs_unique_grade_ids_and_release_leaks_nothing():
    assert [str(f) for f in static_findings(ROOT)] == []


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_gate(assignment):
    """Release regenerates byte for byte; source passes; release fails; scores full and zero."""
    report = run_gate(ROOT, [assignment], log=lambda *_: None)
    assert [str(f) for f in report.findings] == []
    solution, maximum = report.scores[assignment]["solution"]
    assert solution == maximum > 0
    assert report.scores[assignment]["blank"] == (0.0, maximum)


# --- the gate must be able to say no ----------------------------------------------------------


@pytest.fixture
def course_copy(tmp_path):
    copy = tmp_path / "course"
    copy.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", copy)
    shutil.copytree(ROOT / "source" / "00-start-here", copy / "source" / "00-start-here")
    shutil.copytree(ROOT / "release" / "00-start-here", copy / "release" / "00-start-here")
    return copy


def _edit(path, change):
    nb = nbformat.read(path, 4)
    change(nb)
    nbformat.write(nb, path)


def test_the_gate_finds_outputs_in_source(course_copy):
    path = course_copy / "source/00-start-here/00-start-here.ipynb"

    def add_output(nb):
        cell = next(c for c in nb.cells if c.cell_type == "code")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]

    _edit(path, add_output)
    assert any("saved outputs" in str(f) for f in static_findings(course_copy))


def test_the_gate_finds_a_leaked_solution(course_copy):
    source = nbformat.read(course_copy / "source/00-start-here/00-start-here.ipynb", 4)
    solution = next(c.source for c in source.cells if "### BEGIN SOLUTION" in c.source)
    secret = solution.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    line = next(x for x in secret.splitlines() if len(x.strip()) >= 12)

    def leak(nb):
        nb.cells.append(nbformat.v4.new_markdown_cell(line))

    _edit(course_copy / "release/00-start-here/00-start-here.ipynb", leak)
    assert any(f.step == "leaks" for f in static_findings(course_copy))


@pytest.mark.slow
def test_the_gate_finds_a_stale_release_and_a_broken_solution(course_copy):
    def break_solution(nb):
        # A change to the text learners see (the release is now stale) ...
        nb.cells[0].source += "\n\nA sentence added after release/ was generated."
        # ... and a solution that no longer passes its own test.
        for cell in nb.cells:
            if "### BEGIN SOLUTION" in cell.source:
                cell.source = cell.source.replace(
                    "### BEGIN SOLUTION", "### BEGIN SOLUTION\nraise ValueError('no')"
                )
                break

    _edit(course_copy / "source/00-start-here/00-start-here.ipynb", break_solution)
    report = run_gate(
        course_copy,
        ["00-start-here"],
        steps=("release", "validate", "autograde"),
        log=lambda *_: None,
    )
    steps = {f.step for f in report.findings}
    assert {"release", "validate", "autograde"} <= steps, report.findings


def test_grade_ids_must_be_unique(course_copy):
    path = course_copy / "source/00-start-here/00-start-here.ipynb"
    raw = json.loads(path.read_text())
    graded = [c for c in raw["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")]
    graded[1]["metadata"]["nbgrader"]["grade_id"] = graded[0]["metadata"]["nbgrader"]["grade_id"]
    path.write_text(json.dumps(raw))
    assert any("used again" in str(f) for f in static_findings(course_copy))

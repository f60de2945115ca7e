"""The instructor's round trip, with the commands docs/instructor-guide.md shows.

A temporary course folder and exchange: add a student, generate and release module 00, fetch it as
the student, answer (all but one question right), submit, collect, autograde, generate, release and
fetch feedback, export grades to CSV -- and check the scores.
"""

from __future__ import annotations

import csv
import getpass
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import config

pytestmark = pytest.mark.slow

ASSIGNMENT = "00-start-here"
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)


def _nbgrader(args, cwd, env):
    nbgrader = Path(sys.executable).parent / "nbgrader"
    result = subprocess.run(
        [str(nbgrader), *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, (
        f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


def _points(nb) -> dict[str, float]:
    return {
        c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }


def _answer(fetched: Path, source: Path, leave_blank: str) -> None:
    """Write the source's solutions into the student's copy, except one answer left blank."""
    src = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in nbformat.read(source, 4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = nbformat.read(fetched, 4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in src and gid != leave_blank:
            cell.source = _MARKER.sub("", src[gid].source)
    nbformat.write(nb, fetched)


def test_release_submit_autograde_feedback_export(tmp_path):
    root = config.repo_root()
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(root / "nbgrader_config.py", course)
    shutil.copytree(root / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    student_home = tmp_path / "student"
    student_home.mkdir()
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ["PATH"],
        "COURSE_EXCHANGE": str(exchange),
    }
    student_args = ["--course", "tsdl", f"--Exchange.root={exchange}"]
    student = getpass.getuser()

    # Instructor: add the student, generate and release the assignment.
    _nbgrader(
        ["db", "student", "add", student, "--first-name=Pat", "--last-name=Cataloger"], course, env
    )
    _nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course, env)
    _nbgrader(["release_assignment", ASSIGNMENT], course, env)

    # Student: fetch, answer all but the first question, submit.
    _nbgrader(["fetch_assignment", ASSIGNMENT, *student_args], student_home, env)
    source_nb = next((course / "source" / ASSIGNMENT).glob("*.ipynb"))
    fetched = student_home / ASSIGNMENT / source_nb.name
    assert fetched.exists()
    nb = nbformat.read(source_nb, 4)
    answers = [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    blank = answers[0]
    _answer(fetched, source_nb, leave_blank=blank)
    _nbgrader(["submit", ASSIGNMENT, *student_args], student_home, env)

    # Instructor: collect, autograde, feedback, export.
    _nbgrader(["collect", ASSIGNMENT], course, env)
    _nbgrader(["autograde", ASSIGNMENT], course, env)
    assert (course / "autograded" / student / ASSIGNMENT / source_nb.name).exists()
    _nbgrader(["generate_feedback", ASSIGNMENT], course, env)
    _nbgrader(["release_feedback", ASSIGNMENT], course, env)
    _nbgrader(["fetch_feedback", ASSIGNMENT, *student_args], student_home, env)
    feedback = list((student_home / ASSIGNMENT / "feedback").rglob("*.html"))
    assert feedback, "the student received no feedback file"
    _nbgrader(["export", "--to", str(tmp_path / "grades.csv")], course, env)

    points = _points(nb)
    total = sum(points.values())
    # The blank answer's check is the test cell that follows it (q0_1_answer -> q0_1_check).
    lost = points[blank.replace("_answer", "_check")]
    rows = list(csv.DictReader((tmp_path / "grades.csv").read_text().splitlines()))
    row = next(r for r in rows if r["student_id"] == student and r["assignment"] == ASSIGNMENT)
    assert float(row["max_score"]) == total
    assert float(row["score"]) == total - lost
    assert 0 < float(row["score"]) < total
    html = feedback[0].read_text()
    assert f"{total - lost:g}" in html or f"{total - lost}" in html

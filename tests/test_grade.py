"""`course grade` on a generated cohort of module 01 that covers every outcome, and the skills
report on the same cohort.

One course folder (a copy of nbgrader_config.py and source/01, the assignment generated into its
own gradebook) and eleven learners, each one outcome: right answers, two listed mistakes, blank,
a kernel that dies in an answer cell, a cell that sleeps past a 20-second limit, a cut-off JSON
file, a CSV saved under the notebook's name, a deleted test cell, a changed test cell, code that
reaches into ``course.check``, and a learner with no submission. Graded once with `course grade
--feedback` (real nbgrader, two workers); every assertion reads that one run.
"""

from __future__ import annotations

import copy
import csv
import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course import config

pytestmark = pytest.mark.slow

A = "01-querying-the-catalog"
MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)
POINTS = {
    "q1_1": 1,
    "q1_2": 2,
    "q1_3": 2,
    "q1_4": 2,
    "q1_5": 1,
    "q1_6": 2,
    "q1_7": 3,
    "q1_8": 2,
    "q1_9": 2,
    "q1_10": 3,
}
TOTAL = sum(POINTS.values())

#: learner -> (outcome, score or None, cell)
EXPECTED = {
    "ada": ("graded", TOTAL, ""),
    "bo": ("graded", TOTAL - 2 - 1, ""),
    "cy": ("blank", 0, ""),
    "di": ("kernel died", None, "q1_3_answer"),
    "ed": ("timed out", None, "q1_4_answer"),
    "flo": ("malformed JSON", None, f"{A}.ipynb"),
    "gus": ("not a notebook", None, f"{A}.ipynb"),
    "hal": ("tampered", TOTAL, ""),
    "ike": ("tampered", TOTAL, ""),
    "jo": ("tampered", TOTAL, ""),
    "kai": ("missing", None, ""),
}


def _answers(source: Path) -> dict[str, str]:
    nb = nbformat.read(source, as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: MARKER.sub("", c.source)
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def make_cohort(root: Path) -> None:
    """A course folder with module 01 generated into its gradebook and the eleven learners."""
    from nbgrader.api import Gradebook

    from course.grading.nbapi import generate_release

    repo = config.repo_root()
    root.mkdir(parents=True)
    shutil.copy2(repo / "nbgrader_config.py", root)
    shutil.copytree(repo / "source" / A, root / "source" / A)
    assert generate_release(root, A) is None
    release = nbformat.read(root / "release" / A / f"{A}.ipynb", as_version=4)
    solutions = _answers(root / "source" / A / f"{A}.ipynb")

    def submit(sid, change=None, raw=None):
        folder = root / "submitted" / sid / A
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-12-05 10:00:00.000000 UTC")
        if raw is not None:
            (folder / f"{A}.ipynb").write_text(raw, encoding="utf-8")
            return
        nb = copy.deepcopy(release)
        if change:
            change(nb)
        nbformat.write(nb, folder / f"{A}.ipynb")

    def answered(nb, **override):
        for gid, text in solutions.items():
            _cell(nb, gid).source = override.get(gid, text)

    submit("ada", answered)
    submit(
        "bo",
        lambda nb: answered(
            nb,
            # listed mistakes: after_2000 (q1_2) and equals_null (q1_5)
            q1_2_answer=(
                'q1_2 = """\nSELECT title, date1 FROM bib\n'
                'WHERE language = \'spa\' AND date1 > 2000\nORDER BY date1, title\n"""'
            ),
            q1_5_answer=(
                'q1_5 = """\nSELECT bib_id, title FROM bib WHERE lc_class_letters = NULL\n"""'
            ),
        ),
    )
    submit("cy")
    submit("di", lambda nb: answered(nb, q1_3_answer="import os\nos._exit(1)"))
    # a cell that also ignores the interrupt: without stopping there, every later cell would
    # wait out the limit too
    submit(
        "ed",
        lambda nb: answered(
            nb,
            q1_4_answer="import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "time.sleep(300)",
        ),
    )
    text = nbformat.writes(release)
    submit("flo", raw=text[: len(text) // 2])
    submit("gus", raw="title,author\nLibrary science,Anon\n")

    def deleted(nb):
        answered(nb)
        nb.cells.remove(_cell(nb, "q1_5_check"))

    def changed(nb):
        answered(nb)
        _cell(nb, "q1_6_check").source = "from course import check\nprint('✓ fine')"

    def reaches(nb):
        answered(nb)
        cell = _cell(nb, "q1_1_answer")
        cell.source += "\nimport course.check.feedback as fb\nfb.report = lambda *a, **k: None"

    submit("hal", deleted)
    submit("ike", changed)
    submit("jo", reaches)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tsdl") as gb:
        gb.add_student("kai", first_name="Kai", last_name="Nosubmission")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The cohort graded once through the `course` command; (root, exit status, printed text)."""
    import contextlib
    import io

    from course.cli import main

    root = tmp_path_factory.mktemp("grade") / "course"
    make_cohort(root)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(
            ["grade", A, "--root", str(root), "--workers", "2", "--timeout", "20", "--quiet"]
            + ["--feedback"]
        )
    return root, status, out.getvalue()


def _outcomes(root: Path) -> dict[str, dict]:
    path = root / "grades" / A / "outcomes.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["learner"]: row for row in csv.DictReader(handle)}


def test_every_submission_has_its_outcome_and_score(graded):
    root, _status, _text = graded
    rows = _outcomes(root)
    assert set(rows) == set(EXPECTED)
    for learner, (outcome, score, cell) in EXPECTED.items():
        row = rows[learner]
        assert row["outcome"] == outcome, (learner, row)
        assert row["cell"] == cell, (learner, row)
        assert row["max_score"] in ("", f"{TOTAL:g}")
        if score is None:
            assert row["score"] == "", f"{learner}: a {outcome} submission has no score"
        else:
            assert float(row["score"]) == score, (learner, row)


def test_details_name_what_happened(graded):
    rows = _outcomes(graded[0])
    assert "q1_5_check was removed" in rows["hal"]["detail"]
    assert "q1_6_check was changed" in rows["ike"]["detail"]
    assert "reaches into the checks" in rows["jo"]["detail"]
    assert "course.check.feedback" in rows["jo"]["detail"]
    assert re.search(r"at line \d+, column \d+", rows["flo"]["detail"])
    assert "title,author" in rows["gus"]["detail"]
    assert rows["kai"]["detail"] == "no submission was collected"
    assert "grading stopped there" in rows["ed"]["detail"]


def test_exit_status_and_table(graded):
    _root, status, text = graded
    assert status == 1  # not every submission was graded or blank
    for learner, (outcome, _score, _cell) in EXPECTED.items():
        assert re.search(rf"^{learner}\s+{re.escape(outcome)}\s", text, re.MULTILINE), learner
    assert f"bo       graded          {TOTAL - 3}/{TOTAL}" in text


def test_autograde_noise_summarised_once(graded):
    _root, _status, text = graded
    # nbgrader names every restored check cell; only ike's changed one is shown
    assert re.findall(r"for cell (\S+) has changed", text) == ["q1_6_check"]
    assert "SAWarning:" not in text
    assert "Not shown (expected)" in text
    # ike's changed test cell is not one of the expected messages: it is shown
    others = text.split("Other messages from nbgrader", 1)
    assert len(others) == 2 and "ike:" in others[1] and "q1_6_check" in others[1]
    assert "ada:" not in others[1] and "bo:" not in others[1]


def test_only_real_scores_reach_the_gradebook(graded):
    from nbgrader.api import Gradebook, MissingEntry

    root = graded[0]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tsdl") as gb:
        for learner, (_outcome, score, _cell) in EXPECTED.items():
            if score is None:
                with pytest.raises(MissingEntry):
                    gb.find_submission(A, learner)
            else:
                assert gb.find_submission(A, learner).score == score, learner
    for learner in ("ada", "bo", "hal"):
        assert (root / "autograded" / learner / A / f"{A}.ipynb").exists()
    assert not (root / "autograded" / "di").exists()


def test_checks_table_names_listed_mistakes(graded):
    root = graded[0]
    with open(root / "grades" / A / "checks.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    bo = {r["qid"]: r for r in rows if r["learner"] == "bo"}
    assert bo["q1_2"]["passed"] == "no" and bo["q1_2"]["mistake"] == "after_2000"
    assert bo["q1_5"]["passed"] == "no" and bo["q1_5"]["mistake"] == "equals_null"
    assert all(bo[q]["passed"] == "yes" for q in POINTS if q not in ("q1_2", "q1_5"))
    cy = [r for r in rows if r["learner"] == "cy"]
    assert len(cy) == len(POINTS) and all(r["mistake"] == "" for r in cy)


def test_feedback_shows_one_sentence_per_failed_check(graded):
    root, _status, text = graded
    assert "Feedback generated" in text
    page = (root / "feedback" / "bo" / A / f"{A}.html").read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.DOTALL | re.IGNORECASE)
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    # bo's two failed checks, each as its one line; nothing else failed
    assert sorted(re.findall(r"✗ Question (1\.\d+)", plain)) == ["1.2", "1.5"]
    assert "leaves out the records from 2000 itself" in plain
    assert "Traceback" not in plain
    assert "CheckFailed" not in plain
    assert 'File "' not in plain
    # the learners whose submissions never reached the gradebook get no feedback page
    assert not (root / "feedback" / "di").exists()


def test_report_on_the_cohort(graded, tmp_path):
    from course.grading.report import write_report

    root = graded[0]
    report = write_report([A], root=root, out=tmp_path / "report")
    graded_learners = {k for k, v in EXPECTED.items() if v[1] is not None}
    assert set(report.learners) == graded_learners
    with open(tmp_path / "report" / "exercises.csv", newline="", encoding="utf-8") as handle:
        exercises = {r["qid"]: r for r in csv.DictReader(handle)}
    assert exercises["q1_2"]["common_mistake"] == "after_2000"
    assert exercises["q1_2"]["learners_with_it"] == "1"
    assert exercises["q1_5"]["common_mistake"] == "equals_null"
    # right first time: everyone graded but cy (blank) and bo (two mistakes)
    assert exercises["q1_1"]["graded"] == str(len(graded_learners))
    assert exercises["q1_1"]["right_first_time"] == str(len(graded_learners) - 1)
    assert exercises["q1_2"]["right_first_time"] == str(len(graded_learners) - 2)
    with open(tmp_path / "report" / "skills.csv", newline="", encoding="utf-8") as handle:
        skills = {(r["learner"], r["skill"]): r for r in csv.DictReader(handle)}
    assert skills[("ada", "null-logic")]["share"] == "1.000"
    assert skills[("cy", "null-logic")]["share"] == "0.000"
    # bo: null-logic exercises q1_5 (1, missed), q1_6 (2), q1_7 (3), q1_8 (2), q1_10 (3)
    assert skills[("bo", "null-logic")]["points"] == "10"
    assert skills[("bo", "null-logic")]["max_points"] == "11"
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "Missing (NULL) values" in page and "after_2000" in page


# -- with an exchange: collect first, release feedback after --------------------------------


def _trivial_source():
    from nbformat.v4 import new_code_cell, new_notebook

    answer = new_code_cell("x = None\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    answer.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "grade_id": "t_answer",
        "schema_version": 3,
    }
    test = new_code_cell("assert x == 1")
    test.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "t_check",
        "schema_version": 3,
    }
    return new_notebook(
        cells=[answer, test], metadata={"kernelspec": {"name": "python3", "display_name": "Py"}}
    )


def test_collects_from_the_exchange_and_releases_feedback(tmp_path, monkeypatch):
    import contextlib
    import getpass
    import io
    import os
    import subprocess
    import sys

    from course.cli import main

    trivial = "99-trivial"
    course, exchange, home = tmp_path / "course", tmp_path / "exchange", tmp_path / "learner"
    for folder in (course / "source" / trivial, exchange, home):
        folder.mkdir(parents=True)
    os.chmod(exchange, 0o777)
    shutil.copy2(config.repo_root() / "nbgrader_config.py", course)
    nbformat.write(_trivial_source(), course / "source" / trivial / f"{trivial}.ipynb")
    monkeypatch.setenv("COURSE_EXCHANGE", str(exchange))
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}

    def nbgrader(*args, cwd):
        proc = subprocess.run(
            [f"{bin_dir}/nbgrader", *args], cwd=cwd, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr

    learner_args = ["--course", "tsdl", f"--Exchange.root={exchange}"]
    nbgrader("generate_assignment", trivial, "--force", cwd=course)
    nbgrader("release_assignment", trivial, cwd=course)
    nbgrader("fetch_assignment", trivial, *learner_args, cwd=home)
    path = home / trivial / f"{trivial}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = "x = 1"
    nbformat.write(nb, path)
    nbgrader("submit", trivial, *learner_args, cwd=home)
    assert not (course / "submitted").exists()

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["grade", trivial, "--root", str(course), "--quiet", "--feedback"])
    text = out.getvalue()
    assert status == 0, text
    assert "Collected new submissions" in text
    learner = getpass.getuser()
    assert re.search(rf"^{re.escape(learner)}\s+graded\s+1/1", text, re.MULTILINE), text
    assert "Feedback released" in text
    nbgrader("fetch_feedback", trivial, *learner_args, cwd=home)
    assert list((home / trivial / "feedback").rglob("*.html"))


def test_grading_in_this_process_leaves_the_callers_settings(monkeypatch):
    """With one worker the grading runs in the caller's process: progress recording is off only
    while it runs (a leaked setting switched it off for every later test in the process)."""
    import os

    from course.grading import grade

    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    path = os.environ["PATH"]
    seen = lambda job: {"job": job, "progress": os.environ.get("COURSE_PROGRESS")}  # noqa: E731
    monkeypatch.setattr(grade, "_autograde_one", seen)
    assert list(grade._run([1, 2], 1)) == [
        {"job": 1, "progress": "off"},
        {"job": 2, "progress": "off"},
    ]
    assert "COURSE_PROGRESS" not in os.environ and os.environ["PATH"] == path

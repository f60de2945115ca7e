"""The supervisors' team view: heat map, CSV, a suggested plan, names or an anonymised view.

The report it reads is built here by hand (course grade/course report are tested with real
nbgrader in tests/test_grade.py); this tests what the team view makes of it."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest

from course import skills_team
from course.check.bank import banks_dir
from course.skills import skill_modules
from course.skills_check import ASSIGNMENT

pytestmark = pytest.mark.skipif(
    not (banks_dir() / f"{ASSIGNMENT}.yml").exists(), reason="no skills check bank"
)

SQL_SKILLS = ["filtering-sorting", "text-patterns", "null-logic", "aggregation", "joins"]
SQL_SKILLS += ["subqueries", "dates", "ratios"]


def _report():
    from course.skills import load_skills

    listed = load_skills()
    measured = [s for s in listed if s not in ("notebooks", "migration")]
    people = ["ada", "bo", "cy", "dee"]
    cells = {}
    for p in people:
        for s in measured:
            cells[(p, s)] = (1.0, 1.0)
    for p in ("bo", "cy", "dee"):  # three of four miss the join task
        cells[(p, "joins")] = (0.0, 1.0)
    cells[("dee", "window-functions")] = (0.0, 1.0)  # one misses the window question
    skills = {s: listed[s] for s in measured}
    return SimpleNamespace(learners=people, skills=skills, cells=cells)


def test_the_plan_puts_what_most_people_need_first(tmp_path):
    view, files = skills_team.write_team_view(out=tmp_path, report=_report())
    first = view.group_first()
    # three of four need every module with a join exercise; one needs 06 (windows); none 01
    joins = [m for m in skill_modules()["joins"] if not m.startswith("00")]
    assert {m["module"]: m["people"] for m in first} == {m: 3 for m in joins}
    by = {m["module"]: m["people"] for m in view.plan}
    assert by["06-advanced-queries"] == 1 and by["01-querying-the-catalog"] == 0
    assert view.paths["ada"]["modules"][2]["action"] == "may skip"  # 03, every task right
    assert "group sessions first" in view.summary()
    rows = list(csv.DictReader(files[0].read_text(encoding="utf-8").splitlines()))
    assert {r["person"] for r in rows} == {"ada", "bo", "cy", "dee"}
    assert [r["share"] for r in rows if r["person"] == "bo" and r["skill"] == "joins"] == ["0.000"]
    page = files[1].read_text(encoding="utf-8")
    assert "team-heatmap" in page and "ada" in page and "For the instructor only" in page


def test_the_anonymised_view_shows_no_names(tmp_path):
    view, files = skills_team.write_team_view(out=tmp_path, report=_report(), anonymise=True)
    assert view.people == ["Person 1", "Person 2", "Person 3", "Person 4"]
    text = files[0].read_text(encoding="utf-8") + files[1].read_text(encoding="utf-8")
    for name in ("ada", "bo", "cy", "dee"):
        assert f"{name}," not in text and f">{name}<" not in text
    assert view.group_first()[0]["people"] == 3  # the same plan
    # the same person keeps the same alias, and the aliases do not follow the names' order
    again = skills_team.team_view(report=_report(), anonymise=True)
    assert again.cells == view.cells


# -- through nbgrader: the skills checks of a small team, graded with `course grade` -----------


@pytest.mark.slow
def test_course_team_on_skills_checks_graded_by_nbgrader(tmp_path):
    import contextlib
    import io
    import re
    import shutil

    import nbformat
    from nbgrader.api import Gradebook

    from course import config
    from course.cli import main
    from course.grading.nbapi import generate_release

    if not all(config.database_path(n).exists() for n in config.DATABASES):
        pytest.skip("the course data is not built: run `course data` first")
    a, repo, root = ASSIGNMENT, config.repo_root(), tmp_path / "course"
    root.mkdir()
    shutil.copy2(repo / "nbgrader_config.py", root)
    shutil.copytree(repo / "source" / a, root / "source" / a)
    assert generate_release(root, a) is None
    release = nbformat.read(root / "release" / a / f"{a}.ipynb", as_version=4)
    marker = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)
    source = nbformat.read(root / "source" / a / f"{a}.ipynb", as_version=4)
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: marker.sub("", c.source)
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    wrong = {
        "q0_15_answer": 'q0_15 = """\nSELECT barcode FROM item WHERE status = \'Missing\'\n"""',
        "q0_20_answer": 'q0_20 = "b"',
    }
    for sid, answers in (("ada", {}), ("bo", wrong), ("cy", wrong), ("dee", None)):
        folder = root / "submitted" / sid / a
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-12-05 10:00:00.000000 UTC")
        nb = nbformat.from_dict(release)
        if answers is not None:
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in solutions:
                    cell.source = answers.get(gid, solutions[gid])
        nbformat.write(nb, folder / f"{a}.ipynb")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "tsdl") as gb:
        for sid in ("ada", "bo", "cy", "dee"):
            gb.update_or_create_student(sid)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["grade", a, "--root", str(root), "--workers", "2", "--quiet"])
        assert main(["team", "--root", str(root)]) == 0
        assert main(["team", "--root", str(root), "--anonymise"]) == 0
    text = out.getvalue()
    assert "03 Joining the library system: 3 of 4" in text, text  # bo, cy and the blank dee
    rows = list(
        csv.DictReader(
            (root / "grades" / "team" / "team.csv").read_text(encoding="utf-8").splitlines()
        )
    )
    share = {(r["person"], r["skill"]): r["share"] for r in rows}
    assert share[("ada", "joins")] == "1.000" and share[("bo", "joins")] == "0.000"
    assert share[("cy", "window-functions")] == "0.000" and share[("dee", "dates")] == "0.000"
    hidden = (root / "grades" / "team-anonymised" / "team.html").read_text(encoding="utf-8")
    assert ">ada<" not in hidden and ">Person 4<" in hidden

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

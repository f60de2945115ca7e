"""The skills list, the banks' skill tags, the listed-mistake matcher and the report's tables.

Fast: no kernel. `tests/test_grade.py` builds the report on a graded cohort.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from course import check
from course.check.bank import banks_dir, load_bank
from course.grading.grade import mistake_tag
from course.grading.report import (
    ExerciseRow,
    SkillsReport,
    _colour,
    _first_graded,
    exercise_skills,
    load_skills,
    skill_problems,
    to_html,
)

TAGGED = ["01-querying-the-catalog", "02-summarizing-collections", "03-joining-the-library-system"]
FIXTURES = Path(__file__).parent / "fixtures" / "answers"


def test_skills_list_is_well_formed():
    skills = load_skills()
    assert len(skills) >= 10
    for sid, skill in skills.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", sid), sid
        assert set(skill) <= {"title", "sentence", "planned"}, sid
        assert len(skill["title"]) >= 4 and skill["sentence"].endswith("."), sid
        assert "\n" not in skill["sentence"]


def test_banks_name_only_listed_skills_and_every_listed_skill_is_used():
    assert skill_problems() == []


@pytest.mark.parametrize("module", TAGGED)
def test_every_exercise_of_modules_01_to_03_names_its_skills(module):
    bank = load_bank(banks_dir() / f"{module}.yml")
    tags = exercise_skills(module)
    assert set(tags) == set(bank), f"exercises without skills: {sorted(set(bank) - set(tags))}"


def test_a_skill_not_in_the_list_fails(tmp_path):
    bank = yaml.safe_load((banks_dir() / f"{TAGGED[0]}.yml").read_text(encoding="utf-8"))
    bank["exercises"]["q1_1"]["skills"] = ["filtering-sorting", "telepathy"]
    path = tmp_path / "bank.yml"
    path.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    problems = skill_problems(bank_files=[path])
    assert any("telepathy" in p and "q1_1" in p for p in problems), problems


def test_an_unused_skill_that_is_not_planned_fails(tmp_path):
    skills = yaml.safe_load(
        (Path(check.__file__).parent.parent / "skills.yml").read_text(encoding="utf-8")
    )
    skills["skills"]["cataloging-by-mail"] = {"title": "By mail", "sentence": "Postcards."}
    path = tmp_path / "skills.yml"
    path.write_text(yaml.safe_dump(skills), encoding="utf-8")
    problems = skill_problems(skills_file=path)
    assert any("cataloging-by-mail" in p for p in problems), problems


def test_a_planned_skill_named_by_an_exercise_must_not_stay_planned(tmp_path):
    skills = yaml.safe_load(
        (Path(check.__file__).parent.parent / "skills.yml").read_text(encoding="utf-8")
    )
    skills["skills"]["joins"]["planned"] = True
    path = tmp_path / "skills.yml"
    path.write_text(yaml.safe_dump(skills), encoding="utf-8")
    assert any("joins" in p and "planned" in p for p in skill_problems(skills_file=path))


def test_the_schema_refuses_a_malformed_skills_field(tmp_path):
    bank = yaml.safe_load((banks_dir() / f"{TAGGED[0]}.yml").read_text(encoding="utf-8"))
    bank["exercises"]["q1_1"]["skills"] = "filtering-sorting"  # a string, not a list
    path = tmp_path / f"{TAGGED[0]}.yml"
    path.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    assert check.validate_bank(path)


# -- recognising a listed mistake from the sentence a check printed --------------------------


def _listed_wrong_answers():
    for module in TAGGED:
        data = yaml.safe_load((FIXTURES / f"{module}.yml").read_text(encoding="utf-8"))
        if data.get("data") == "course":
            continue
        bank = load_bank(banks_dir() / f"{module}.yml")
        for qid, entry in data["answers"].items():
            listed = {m.tag for m in bank[qid].mistakes}
            for i, variant in enumerate(entry.get("wrong", [])):
                if "sql" in variant and variant.get("check", "visible") == "visible":
                    tag = variant["tag"] if variant["tag"] in listed else ""
                    yield pytest.param(qid, variant["sql"], tag, id=f"{qid}-wrong{i}")


@pytest.fixture()
def fixture_data(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.clear_cache()
    yield
    check.clear_cache()


@pytest.mark.parametrize(("qid", "sql", "tag"), list(_listed_wrong_answers()))
def test_the_sentence_names_the_listed_mistake(fixture_data, qid, sql, tag):
    """The matcher finds exactly the listed mistake the check named, and none for a generic
    sentence (stage tags such as rows or columns are not listed mistakes)."""
    result = check.evaluate(sql, qid)
    assert not result.passed
    listed = {m.tag for m in check.exercise(qid).mistakes}
    named = result.tag if result.tag in listed else ""
    assert mistake_tag(qid, result.sentence) == named
    if tag:
        assert named == tag  # the fixture's mistake is the one the check named


def test_no_generic_sentence_counts_as_a_listed_mistake():
    assert mistake_tag("q1_2", "You have 12 rows; the question expects 10.") == ""
    assert mistake_tag("q1_2", "") == ""
    assert mistake_tag("q9_99", "anything") == ""


# -- the report's pieces --------------------------------------------------------------------


def test_first_time_is_the_first_graded_submission(tmp_path):
    folder = tmp_path / "grades" / "01-querying-the-catalog"
    folder.mkdir(parents=True)
    head = "graded_at,submission,learner,assignment,outcome,qid,grade_id,score,max_score,"
    head += "passed,mistake,sentence\n"
    rows = [
        "2026-12-01T10:00:00,aaa,pat,01-querying-the-catalog,graded,q1_2,q1_2_check,0,2,no,"
        "after_2000,x",
        "2026-12-01T10:00:00,bbb,sam,01-querying-the-catalog,graded,q1_2,q1_2_check,2,2,yes,,",
        # pat resubmits after feedback: right now, but not the first time
        "2026-12-03T10:00:00,ccc,pat,01-querying-the-catalog,graded,q1_2,q1_2_check,2,2,yes,,",
        # sam's same submission graded again: still the first one
        "2026-12-03T10:00:00,bbb,sam,01-querying-the-catalog,graded,q1_2,q1_2_check,2,2,yes,,",
    ]
    (folder / "history.csv").write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    first = _first_graded(tmp_path, "01-querying-the-catalog")
    assert first == {("pat", "q1_2"): False, ("sam", "q1_2"): True}


def test_heat_map_colours_run_from_red_to_green():
    assert _colour(0.0) == "#d73027"
    assert _colour(1.0) == "#1a9850"
    assert _colour(None) == "#eeeeee"
    assert _colour(0.5) == "#fee08b"


def test_html_report_tables():
    row = ExerciseRow("01-querying-the-catalog", "q1_2", "Spanish titles", ["filtering-sorting"])
    row.learners, row.right_first, row.right_now = 3, 1, 2
    row.mistakes = Counter({"after_2000": 2, "newest_first": 1})
    row.messages = {"after_2000": "> leaves out 2000 itself.", "newest_first": "x"}
    report = SkillsReport(
        assignments=["01-querying-the-catalog"],
        learners=["pat", "sam"],
        skills={"filtering-sorting": {"title": "Filtering & sorting", "sentence": "WHERE."}},
        cells={("pat", "filtering-sorting"): (1.0, 4.0), ("sam", "filtering-sorting"): (4.0, 4.0)},
        exercises=[row],
    )
    page = to_html(report)
    assert "Filtering &amp; sorting" in page
    assert f'style="background:{_colour(0.25)}" title="1 of 4 points">25%' in page
    assert ">100%<" in page
    assert "<b>after_2000</b> (2 learners): &gt; leaves out 2000 itself." in page
    assert "http" not in page.replace("https://", "")  # nothing fetched from elsewhere


def test_a_report_with_nothing_graded_says_what_to_run(tmp_path):
    import shutil

    from course import config
    from course.grading.grade import GradeProblem
    from course.grading.report import build_report

    shutil.copy2(config.repo_root() / "nbgrader_config.py", tmp_path)
    with pytest.raises(GradeProblem, match="run `course grade ASSIGNMENT` first"):
        build_report(["01-querying-the-catalog"], root=tmp_path)


@pytest.mark.e2e
def test_the_html_report_in_a_browser(tmp_path, browser):
    """Chromium opens the report: no console errors, nothing fetched, no sideways scrolling."""
    learners = [f"learner{i}" for i in range(12)]
    skills = load_skills()
    cells = {
        (who, sid): (float((i + j) % 5), 4.0)
        for i, who in enumerate(learners)
        for j, sid in enumerate(skills)
    }
    row = ExerciseRow("01-querying-the-catalog", "q1_7", "French records", ["null-logic"])
    row.learners, row.right_first, row.right_now = 12, 5, 9
    row.mistakes = Counter({"dropped_unclassed": 3})
    row.messages = {"dropped_unclassed": "You have 1,941 rows, expected 2,077: NOT IN " * 4}
    report = SkillsReport(["01-querying-the-catalog"], learners, skills, cells, [row])
    page_file = tmp_path / "report.html"
    page_file.write_text(to_html(report), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        problems, requests = [], []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        assert page.locator("#skills tbody tr").count() == len(learners)
        assert page.locator("#skills thead th").count() == len(skills) + 1
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    finally:
        page.close()
    assert problems == []
    assert requests == [page_file.as_uri()]

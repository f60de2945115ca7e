"""Refresher drills: every template on the built course data, and the Leitner schedule.

Each template's instances (spread over its params) must have non-empty answers that differ from
one instance to the next; the reference passes the course's check, and every listed wrong
variant fails with its own sentence. The schedule is walked over simulated days.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
import yaml

from course import check, config
from course.check import database, progress
from course.drills import drill, schedule
from course.skills import load_skills, skill_modules

TEMPLATES = drill.templates()
SPREAD = 3  # instances tried per template


@pytest.fixture(autouse=True)
def _workspace(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)


needs_data = pytest.mark.skipif(
    not all(config.database_path(n).exists() for n in config.DATABASES),
    reason="the course data is not built: run `course data` first",
)


def test_templates_fit_their_schema():
    import jsonschema

    schema = json.loads((drill.templates_path().parent / "templates.schema.json").read_text())
    data = yaml.safe_load(drill.templates_path().read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert not errors, [e.message for e in errors]
    skills = load_skills()
    assert {t.skill for t in TEMPLATES.values()} <= set(skills)


def test_three_templates_for_every_skill_of_modules_01_to_03():
    early = {"01-querying-the-catalog", "02-summarizing-collections"}
    early.add("03-joining-the-library-system")
    wanted = {s for s, mods in skill_modules().items() if early & set(mods)}
    assert wanted, "the banks of modules 01-03 name no skills"
    have = Counter(t.skill for t in TEMPLATES.values())
    short = {s: have[s] for s in wanted if have[s] < 3}
    assert not short, f"skills with fewer than 3 drill templates: {short}"


@needs_data
@pytest.mark.parametrize("tid", sorted(TEMPLATES))
def test_template_instances_are_new_right_and_wrong_variants_fail(tid):
    template = TEMPLATES[tid]
    rows = drill.instances(template)
    assert len(rows) >= SPREAD, f"{tid}: only {len(rows)} instances on the course data"
    answers = set()
    for k in range(SPREAD):
        d = drill.make_drill(template, index=k * len(rows) // SPREAD)
        table = database.cached_select(d.reference, "library")
        assert table.nrows > 0, f"{tid} {d.values}: the reference gives no rows"
        answers.add(repr(table.rows))
        ok = drill.check_drill(d, d.reference)
        assert ok.passed, f"{tid} {d.values}: {ok.sentence}"
        for mistake in d.exercise.mistakes:
            got = drill.check_drill(d, mistake.sql)
            assert not got.passed, f"{tid} {d.values}: wrong variant {mistake.tag} passes"
            assert got.sentence == mistake.message, f"{tid} {d.values}: {got.sentence}"
        assert "{" not in d.prompt and "{" not in d.title, f"{tid}: a placeholder is left"
    assert len(answers) == SPREAD, f"{tid}: two instances have the same answer"


@needs_data
def test_a_drill_is_the_same_for_the_same_seed_and_new_for_another():
    t = TEMPLATES["nl-loans-out"]
    assert drill.make_drill(t, seed=7).values == drill.make_drill(t, seed=7).values
    seen = {repr(drill.make_drill(t, seed=s).values) for s in range(8)}
    assert len(seen) > 1


def _day(n: int) -> str:
    return (dt.date(2027, 1, 4) + dt.timedelta(days=n)).isoformat()


def test_the_schedule_over_simulated_days():
    s = "joins"
    assert schedule.due_skills([s, "dates"], today=_day(0)) == [s, "dates"]  # never drilled
    # day 0: wrong -> box 1, back tomorrow
    got = schedule.record(s, False, today=_day(0))
    assert (got["box"], got["due"]) == (1, _day(1))
    assert schedule.due_skills([s], today=_day(0)) == []
    assert schedule.due_skills([s], today=_day(1)) == [s]
    # day 1: right -> box 2 (3 days); day 4: right -> box 3 (7 days); day 11: right -> box 4
    assert schedule.record(s, True, today=_day(1))["due"] == _day(4)
    assert schedule.due_skills([s], today=_day(3)) == []
    assert schedule.record(s, True, today=_day(4))["due"] == _day(11)
    got = schedule.record(s, True, today=_day(11))
    assert (got["box"], got["due"]) == (4, _day(25))
    assert schedule.due_skills([s], today=_day(24)) == []
    # day 25: wrong -> back to box 1, due day 26
    got = schedule.record(s, False, today=_day(25))
    assert (got["box"], got["due"], got["right"], got["wrong"]) == (1, _day(26), 3, 2)
    # rights all the way up stay in box 5 (30 days)
    day = 26
    for box in (2, 3, 4, 5, 5):
        got = schedule.record(s, True, today=_day(day))
        assert got["box"] == box
        day += schedule.INTERVALS[box]
        assert got["due"] == _day(day)
    rows = {r["skill"]: r for r in schedule.status(today=_day(day - 1))}
    assert rows[s]["last"] and rows[s]["is_due"] is False
    assert rows["dates"]["last"] is None and rows["dates"]["is_due"] is True


def test_most_overdue_first():
    schedule.record("joins", True, today=_day(0))  # due day 3
    schedule.record("dates", False, today=_day(0))  # due day 1
    assert schedule.due_skills(["joins", "dates"], today=_day(5)) == ["dates", "joins"]
    assert schedule.due_skills(["joins", "dates", "ratios"], today=_day(2)) == ["dates", "ratios"]


def test_the_schedule_survives_checks_and_quizzes_written_later():
    schedule.record("joins", True, today=_day(0))
    progress.record_quiz("01-querying-the-catalog", "null-tests", True)
    check.evaluate("SELECT 1", "q0_1")  # evaluate records nothing; the quiz and hint do
    progress.record_hint("q1_1", 1)
    data = json.loads(progress.progress_path().read_text(encoding="utf-8"))
    assert data["drills"]["joins"]["box"] == 2
    assert data["quizzes"] and data["hints"]


def test_nothing_is_recorded_while_nbgrader_runs(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    schedule.record("joins", True, today=_day(0))
    assert schedule.entry("joins") == {}


@needs_data
def test_a_learner_walks_through_wrong_and_right_drills_over_days():
    from course.drills.widget import Drills

    w = Drills("joins", today=_day(0), seed=3)
    assert "Joins" in w.due.value
    wrong = w.check("SELECT 1 AS x FROM bib LIMIT 1")
    assert not wrong.passed and "✗" in w.feedback.value and "tomorrow" in w.feedback.value
    again = w.check(w.drill.reference)  # a second try gives feedback but does not count twice
    assert again.passed
    assert schedule.entry("joins")["box"] == 1
    w2 = Drills(today=_day(1), seed=4)
    assert w2.skill.value == "joins"  # overdue since day 1 comes before the never-drilled
    w3 = Drills("joins", today=_day(1), seed=5)
    first = w3.drill.key
    assert w3.check(w3.drill.reference).passed
    assert schedule.entry("joins")["due"] == _day(4)
    w3.new()
    assert w3.drill.key != first
    assert "joins" not in schedule.due_skills(today=_day(3))
    assert "joins" in schedule.due_skills(today=_day(4))


def test_the_refresher_notebook_is_released_and_shows_the_drills_and_the_schedule():
    import nbformat

    root = config.repo_root()
    source = nbformat.read(root / "source/refresher/refresher.ipynb", 4)
    release = nbformat.read(root / "release/refresher/refresher.ipynb", 4)
    assert [c.source for c in release.cells] == [c.source for c in source.cells]
    code = "\n".join(c.source for c in source.cells if c.cell_type == "code")
    assert "widgets.drills()" in code and "skills_chart()" in code


def test_the_schedule_chart_is_a_picture():
    from course.widgets.progress import skills_chart

    schedule.record("joins", True, today=_day(0))
    png = skills_chart(today=_day(1))._repr_png_()
    assert png[:4] == b"\x89PNG"


def test_an_empty_box_is_not_counted():
    from course.drills.widget import Drills

    w = Drills("dates", today=_day(0), seed=1)
    assert w.check("   ") is None and "Write your query" in w.feedback.value
    assert schedule.entry("dates") == {}

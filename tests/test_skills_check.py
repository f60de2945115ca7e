"""The skills check's profile and personal path (course/skills_check.py), on the built data."""

from __future__ import annotations

import json
import re

import pytest

from course import check, config, skills_check
from course.check import progress
from course.skills import MODULE_HOURS

pytestmark = pytest.mark.skipif(
    not all(config.database_path(n).exists() for n in config.DATABASES),
    reason="the course data is not built: run `course data` first",
)


@pytest.fixture(autouse=True)
def _workspace(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    skills_check._LAST_SELF.clear()
    check.clear_cache()


def _solutions() -> dict:
    out = {}
    for qid, ex in skills_check._bank().items():
        letter = re.fullmatch(r"SELECT '(.)'", ex.reference.strip())
        out[qid] = letter.group(1) if letter else ex.reference
    return out


def _rate(confidence: int) -> None:
    from course.skills import areas

    skills_check._LAST_SELF.update({a: {"often": 3, "confidence": confidence} for a in areas()})


def test_every_task_right_and_confident_skips_every_module():
    _rate(4)
    prof = skills_check.profile(_solutions())
    assert all(got[0] == got[1] for got in prof.measured.values())
    assert [m["action"] for m in prof.path["modules"]] == ["may skip"] * len(prof.path["modules"])
    assert prof.path["hours"] == 0


def test_a_blank_check_sends_the_learner_through_every_module():
    prof = skills_check.profile({})
    modules = prof.path["modules"]
    assert [m["module"][:2] for m in modules] == [f"{n:02d}" for n in range(1, 11)]
    assert all(m["action"] == "do" and m["sections"] for m in modules)
    assert prof.path["hours"] == pytest.approx(sum(MODULE_HOURS.values()))


def test_a_wrong_join_sends_the_learner_to_the_join_sections_only():
    _rate(3)
    answers = _solutions()
    answers["q0_15"] = "SELECT barcode FROM item WHERE status = 'Missing' ORDER BY barcode"
    prof = skills_check.profile(answers)
    assert prof.measured["joins"][:2] == [0, 1]
    by = {m["module"]: m for m in prof.path["modules"]}
    assert by["03-joining-the-library-system"]["action"] == "do"
    assert "joins" in by["03-joining-the-library-system"]["skills"]
    assert any("3.1" in s for s in by["03-joining-the-library-system"]["sections"])
    assert by["01-querying-the-catalog"]["action"] == "may skip"
    assert 0 < prof.path["hours"] < sum(MODULE_HOURS.values())


def test_low_confidence_keeps_a_module_even_when_its_scenario_was_right():
    _rate(1)
    prof = skills_check.profile(_solutions())
    assert all(m["action"] == "do" for m in prof.path["modules"])
    assert prof.gaps(), "measured all right but rated 'I would need help': a gap to talk about"


def test_without_a_rating_a_scenario_alone_does_not_test_out():
    prof = skills_check.profile(_solutions())
    by = {m["module"]: m["action"] for m in prof.path["modules"]}
    assert by["03-joining-the-library-system"] == "may skip"  # tasks on the data only
    assert by["07-metadata-as-data"] == "do"  # one scenario question


def test_the_profile_and_path_are_kept_with_the_progress_and_shown():
    _rate(3)
    prof = skills_check.profile(_solutions())
    data = json.loads(progress.progress_path().read_text(encoding="utf-8"))
    assert data["path"]["modules"] == prof.path["modules"]
    assert data["skills_check"]["measured"]["joins"] == [1, 1, 1]
    progress.record_quiz("01-querying-the-catalog", "null-tests", True)  # a later write
    assert skills_check.saved_path()["hours"] == prof.path["hours"]
    page = prof._repr_html_()
    assert 'class="course-skills-profile"' in page and "data:image/png;base64," in page
    assert 'class="course-path"' in page and "may skip" in page


def test_module_hours_are_the_readme_s():
    text = (config.repo_root() / "README.md").read_text(encoding="utf-8")
    for module, hours in MODULE_HOURS.items():
        row = re.search(rf"^\| {module[:2]} \|[^\n]*\| ([0-9¼½¾]+) h \|", text, re.M)
        assert row, module
        value = row.group(1)
        number = float(value.rstrip("¼½¾") or 0) + {"¼": 0.25, "½": 0.5, "¾": 0.75}.get(
            value[-1], 0
        )
        assert number == hours, module


def test_self_ratings_are_kept_and_an_untouched_area_is_not_rated():
    box = skills_check.self_rating()
    assert skills_check._LAST_SELF == {}  # every area at "(choose)"
    often, sure = box.controls["joining"]
    often.value, sure.value = 3, 4
    saved = json.loads(progress.progress_path().read_text(encoding="utf-8"))
    assert saved["skills_check"]["self"] == {"joining": {"often": 3, "confidence": 4}}
    again = skills_check.self_rating()  # a new kernel shows what was chosen
    assert again.controls["joining"][1].value == 4 and again.controls["finding"][1].value is None
    prof = skills_check.profile(_solutions())
    assert set(prof.self_answers) == {"joining"}

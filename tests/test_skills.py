"""The skills list, named once: every graded exercise and quiz question names its skills, every
skill is exercised (unless planned), every skill sits in one area, and the file fits its schema."""

from __future__ import annotations

from pathlib import Path

import yaml

from course import skills


def test_skills_file_fits_its_schema():
    assert skills.validate_skills_file() == []


def test_every_exercise_and_quiz_question_names_listed_skills():
    assert skills.tag_problems() == []


def test_skills_of_the_issue_are_all_listed():
    wanted = {
        "filtering-sorting", "null-logic", "aggregation", "joins", "subqueries",
        "window-functions", "modeling", "keys-constraints", "normalization", "marc-structure",
        "crosswalks", "metadata-quality", "batch-loading", "backup-recovery",
    }  # fmt: skip
    assert wanted <= set(skills.load_skills())


def _copy_course(tmp_path: Path) -> Path:
    here = Path(skills.__file__).parent
    for folder in ("exercises", "quizzes"):
        (tmp_path / folder).mkdir()
        for path in here.glob(f"{folder}/[0-9][0-9]*-*.yml"):
            (tmp_path / folder / path.name).write_text(path.read_text(encoding="utf-8"))
    return tmp_path


def test_an_exercise_without_skills_fails(tmp_path):
    root = _copy_course(tmp_path)
    path = root / "exercises" / "04-data-modeling.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["exercises"]["q4_2"]["skills"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any("q4_2 names no skills" in p for p in skills.tag_problems(root=root))


def test_a_quiz_question_without_skills_fails(tmp_path):
    root = _copy_course(tmp_path)
    path = root / "quizzes" / "02-summarizing-collections.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["questions"]["percent"]["skills"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any("quiz question percent names no skills" in p for p in skills.tag_problems(root=root))


def test_a_skill_nothing_exercises_fails_unless_planned(tmp_path):
    data = yaml.safe_load(skills.skills_path().read_text(encoding="utf-8"))
    data["skills"]["serials-claims"] = {"title": "Claims", "sentence": "Claiming late issues."}
    data["areas"]["loading"]["skills"].append("serials-claims")
    path = tmp_path / "skills.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert any("serials-claims" in p for p in skills.tag_problems(skills_file=path))
    data["skills"]["serials-claims"]["planned"] = True
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert skills.tag_problems(skills_file=path) == []


def test_a_skill_in_no_area_fails(tmp_path):
    data = yaml.safe_load(skills.skills_path().read_text(encoding="utf-8"))
    data["areas"]["joining"]["skills"].remove("subqueries")
    path = tmp_path / "skills.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert any("'subqueries' is in 0 areas" in p for p in skills.tag_problems(skills_file=path))


def test_a_bad_skills_file_fails_its_schema(tmp_path):
    data = yaml.safe_load(skills.skills_path().read_text(encoding="utf-8"))
    data["skills"]["joins"]["sentence"] = "no full stop"
    path = tmp_path / "skills.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert skills.validate_skills_file(path)

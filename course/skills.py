"""The skills list (``course/skills.yml``) and what names it: exercises, quiz questions, areas.

Every graded exercise (``skills:`` in ``course/exercises/*.yml``) and every quiz question
(``skills:`` in ``course/quizzes/*.yml``) names the skills it exercises.  :func:`tag_problems`
lists everything that breaks that promise; the test suite keeps it empty.  The skills check
(``source/00a-skills-check``), the personal path, the refresher drills and the team view all read
their skills from here.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml

__all__ = [
    "skills_path",
    "schema_path",
    "load_skills",
    "areas",
    "area_of",
    "skill_modules",
    "module_hours",
    "tag_problems",
    "validate_skills_file",
]

_HERE = Path(__file__).resolve().parent


def skills_path() -> Path:
    return _HERE / "skills.yml"


def schema_path() -> Path:
    return _HERE / "skills.schema.json"


def _data(path: Path | None = None) -> dict:
    return yaml.safe_load((path or skills_path()).read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=8)
def _read(path: str, stamp: tuple) -> dict:
    return _data(Path(path))


def _cached(path: str) -> dict:
    stat = Path(path).stat()
    return _read(path, (stat.st_mtime_ns, stat.st_size))


def load_skills(path: Path | None = None) -> dict[str, dict]:
    """id -> {title, sentence, planned?}, in the file's order."""
    data = _cached(str(path or skills_path()))
    return {str(k): dict(v) for k, v in (data.get("skills") or {}).items()}


def areas(path: Path | None = None) -> dict[str, dict]:
    """area id -> {title, skills: [ids]}, in the file's order."""
    data = _cached(str(path or skills_path()))
    return {str(k): dict(v) for k, v in (data.get("areas") or {}).items()}


def area_of(skill: str) -> str | None:
    for aid, area in areas().items():
        if skill in area["skills"]:
            return aid
    return None


def _banks(folder: str) -> list[Path]:
    return sorted((_HERE / folder).glob("[0-9][0-9]-*.yml"))


def skill_modules() -> dict[str, list[str]]:
    """skill id -> the modules whose graded exercises name it (in course order)."""
    out: dict[str, list[str]] = {}
    for path in _banks("exercises"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in (data.get("exercises") or {}).values():
            for sid in (entry or {}).get("skills") or []:
                mods = out.setdefault(str(sid), [])
                if data["module"] not in mods:
                    mods.append(str(data["module"]))
    return out


# Hours per module, as the README's module table states them (the personal path adds them up).
MODULE_HOURS = {
    "01-querying-the-catalog": 2.0,
    "02-summarizing-collections": 2.0,
    "03-joining-the-library-system": 2.25,
    "04-data-modeling": 2.25,
    "05-database-design": 2.25,
    "06-advanced-queries": 2.0,
    "07-metadata-as-data": 2.5,
    "08-crosswalks-and-quality": 2.5,
    "09-batch-loads": 2.5,
    "10-storage-and-backup": 2.0,
}


def module_hours(module: str) -> float:
    return MODULE_HOURS.get(module, 2.0)


def tag_problems(*, skills_file: Path | None = None, root: Path | None = None) -> list[str]:
    """Everything wrong between the skills list and what names it (empty when all is well): an
    exercise or quiz question with no skills, a tag the list lacks, a skill nothing exercises
    that is not planned, a planned skill that exercises name, a skill in no area or in two."""
    skills = load_skills(skills_file)
    area_map = areas(skills_file)
    base = Path(root) if root else _HERE
    used: set = set()
    problems = []
    for folder, key, what in (
        ("exercises", "exercises", "exercise"),
        ("quizzes", "questions", "quiz question"),
    ):
        for path in sorted((base / folder).glob("[0-9][0-9]*-*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for qid, entry in (data.get(key) or {}).items():
                tags = (entry or {}).get("skills") or []
                if not tags:
                    problems.append(f"{path.name}: the {what} {qid} names no skills")
                for sid in tags:
                    if sid not in skills:
                        problems.append(
                            f"{path.name}: {qid} names the skill {sid!r}, which "
                            "course/skills.yml does not list"
                        )
                    elif folder == "exercises":
                        used.add(sid)
    for sid, skill in skills.items():
        if sid in used and skill.get("planned"):
            problems.append(f"the skill {sid!r} is marked planned, but exercises name it")
        if sid not in used and not skill.get("planned"):
            problems.append(
                f"no graded exercise names the skill {sid!r}: tag one, or mark it planned"
            )
        homes = [a for a, area in area_map.items() if sid in area.get("skills", [])]
        if len(homes) != 1:
            problems.append(f"the skill {sid!r} is in {len(homes)} areas; put it in exactly one")
    for aid, area in area_map.items():
        for sid in area.get("skills", []):
            if sid not in skills:
                problems.append(f"the area {aid!r} names the skill {sid!r}, which the list lacks")
    return problems


def validate_skills_file(path: Path | None = None) -> list[str]:
    """The skills file against ``course/skills.schema.json`` (empty when valid)."""
    import jsonschema

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in validator.iter_errors(_data(path))
    ]

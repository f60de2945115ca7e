"""Drill templates and their instances.

A template (``course/drills/templates.yml``) is a short exercise with ``{placeholders}``; its
``params`` query on the course data lists every instance it can take (a language, a branch, a
fiscal year, a vendor...). :func:`make_drill` draws one, fills the placeholders, and builds an
ordinary query :class:`~course.check.bank.Exercise` whose reference is the filled reference query
and whose listed mistakes are the template's wrong answers, so :func:`check_drill` is the course's
own check engine with its one-sentence feedback.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from course.check import database
from course.check.bank import Exercise, Mistake
from course.check.database import SqlProblem
from course.check.feedback import Result, failed
from course.check.query_checks import evaluate_query
from course.check.results import Spec

__all__ = [
    "Template",
    "Drill",
    "templates",
    "templates_for",
    "drill_skills",
    "instances",
    "make_drill",
    "check_drill",
    "templates_path",
]

_HERE = Path(__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def templates_path() -> Path:
    return _HERE / "templates.yml"


@dataclass(frozen=True)
class Template:
    tid: str
    skill: str
    title: str
    params: str
    prompt: str
    reference: str
    ordered: bool = False
    tolerance: float = 0.0
    wrong: tuple = ()  # ((sql, message), ...)


@dataclass(frozen=True)
class Drill:
    """One instance of a template: its values, the filled text and the exercise to check it by."""

    template: Template
    values: dict = field(hash=False)
    index: int = 0
    title: str = ""
    prompt: str = ""
    exercise: Exercise | None = field(default=None, hash=False, compare=False)

    @property
    def skill(self) -> str:
        return self.template.skill

    @property
    def reference(self) -> str:
        return self.exercise.reference

    @property
    def key(self) -> str:
        return f"{self.template.tid}#{self.index}"


_TEMPLATES: dict = {}


def templates(path: Path | None = None) -> dict[str, Template]:
    """Every template, by id (read once per process, again when the file changes)."""
    path = Path(path or templates_path())
    stat = path.stat()
    stamp = (str(path), stat.st_mtime_ns, stat.st_size)
    if _TEMPLATES.get("stamp") != stamp:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out = {}
        for tid, t in (data.get("templates") or {}).items():
            out[str(tid)] = Template(
                tid=str(tid),
                skill=str(t["skill"]),
                title=str(t["title"]),
                params=str(t["params"]),
                prompt=str(t["prompt"]).strip(),
                reference=str(t["reference"]).strip(),
                ordered=bool(t.get("ordered", False)),
                tolerance=float(t.get("tolerance", 0) or 0),
                wrong=tuple(
                    (str(w["sql"]).strip(), str(w["message"])) for w in t.get("wrong") or []
                ),
            )
        _TEMPLATES.clear()
        _TEMPLATES.update(stamp=stamp, templates=out)
    return dict(_TEMPLATES["templates"])


def templates_for(skill: str) -> list[Template]:
    return [t for t in templates().values() if t.skill == skill]


def drill_skills() -> list[str]:
    """The skills that have drills, in the order of the skills list."""
    from course.skills import load_skills

    have = {t.skill for t in templates().values()}
    return [s for s in load_skills() if s in have]


def instances(template: Template, db: str = "library") -> list[dict]:
    """Every set of values the template can take on ``db`` (sorted, so draws are repeatable)."""
    table = database.cached_select(template.params, db)
    rows = [dict(zip(table.names, (_plain(v) for v in row), strict=True)) for row in table.rows]
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in sorted(r)))


def _plain(value):
    if isinstance(value, tuple) and len(value) == 2:  # the check engine's (kind, value) cells
        value = value[1]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fill(text: str, values: dict) -> str:
    def one(m):
        name = m.group(1)
        if name in values:
            return str(values[name])
        low = name[:1].lower() + name[1:]
        if low in values:  # {Word}: the value of {word} with a capital
            v = str(values[low])
            return v[:1].upper() + v[1:]
        raise KeyError(f"the placeholder {{{name}}} has no value")

    return _PLACEHOLDER.sub(one, text)


def make_drill(
    template: Template | str, *, seed=None, index: int | None = None, db: str = "library"
) -> Drill:
    """An instance of ``template``: the row ``index`` of its params, or one drawn with ``seed``."""
    if isinstance(template, str):
        template = templates()[template]
    rows = instances(template, db)
    if not rows:
        raise ValueError(f"the drill template {template.tid} has no instance on the {db} data")
    if index is None:
        index = random.Random(f"{template.tid}:{seed}").randrange(len(rows))
    values = rows[index % len(rows)]
    title = _fill(template.title, values)
    ex = Exercise(
        qid="drill",
        module="refresher",
        title=title,
        kind="query",
        reference=_fill(template.reference, values),
        label=f"Drill · {title}",
        spec=Spec(ordered=template.ordered, tolerance=template.tolerance),
        mistakes=tuple(
            Mistake(tag=f"wrong_{i + 1}", message=_fill(msg, values), sql=_fill(sql, values))
            for i, (sql, msg) in enumerate(template.wrong)
        ),
    )
    return Drill(
        template=template,
        values=values,
        index=index % len(rows),
        title=title,
        prompt=_fill(template.prompt, values),
        exercise=ex,
    )


def check_drill(drill: Drill, answer) -> Result:
    """Check an answer to a drill with the course's query check (never raises on an answer)."""
    ex = drill.exercise
    try:
        return evaluate_query(ex, answer)
    except SqlProblem as problem:
        return failed(ex, problem.sentence, "runs", problem.tag)
    except Exception as exc:  # a learner never sees a traceback from inside a check
        sentence = (
            f"The check itself ran into a problem ({type(exc).__name__}): try the next drill, "
            "and tell your instructor if it keeps happening."
        )
        return failed(ex, sentence, "internal")

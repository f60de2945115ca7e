"""When each skill is due for a refresher: Leitner boxes, kept in the learner's progress file.

Each skill with drills sits in a box from 1 to 5. A right drill moves it one box up and its next
review further out (1, 3, 7, 14, then 30 days); a wrong one sends it back to box 1, due the next
day. A skill never drilled is due now. The schedule lives in the ``drills`` part of
``<workspace>/.course-progress.json``: the workspace is the learner's, so an update of the course
or a rebuild of the data never touches it.
"""

from __future__ import annotations

import datetime as dt

from course.check import progress

__all__ = ["INTERVALS", "entry", "record", "due_skills", "status", "next_due"]

#: days until the next review, by box
INTERVALS = {1: 1, 2: 3, 3: 7, 4: 14, 5: 30}
HISTORY = 30  # drills remembered per skill


def _today(today=None) -> dt.date:
    if today is None:
        return dt.date.today()
    if isinstance(today, dt.datetime):
        return today.date()
    if isinstance(today, str):
        return dt.date.fromisoformat(today)
    return today


def _state(data: dict | None = None) -> dict:
    data = progress.load() if data is None else data
    drills = data.get("drills")
    return drills if isinstance(drills, dict) else {}


def entry(skill: str, data: dict | None = None) -> dict:
    """A skill's place in the schedule: box, last, due, right, wrong (empty if never drilled)."""
    got = _state(data).get(skill)
    return dict(got) if isinstance(got, dict) else {}


def record(skill: str, right: bool, *, today=None, template: str = "") -> dict:
    """Move ``skill`` after one drill and save it; returns its new entry."""
    day = _today(today)
    out: dict = {}

    def change(data):
        drills = data.get("drills") if isinstance(data.get("drills"), dict) else {}
        data["drills"] = drills
        old = drills.get(skill) if isinstance(drills.get(skill), dict) else {}
        box = int(old.get("box", 1) or 1)  # a skill never drilled starts in box 1
        box = min(box + 1, 5) if right else 1
        new = {
            "box": box,
            "last": day.isoformat(),
            "due": (day + dt.timedelta(days=INTERVALS[box])).isoformat(),
            "right": int(old.get("right", 0)) + bool(right),
            "wrong": int(old.get("wrong", 0)) + (not right),
            "history": (
                list(old.get("history") or []) + [[day.isoformat(), template, bool(right)]]
            )[-HISTORY:],
        }
        drills[skill] = new
        out.update(new)

    progress.update(change)
    return out


def is_due(skill: str, *, today=None, data: dict | None = None) -> bool:
    got = entry(skill, data)
    if not got.get("due"):
        return True
    return dt.date.fromisoformat(got["due"]) <= _today(today)


def due_skills(skills: list[str] | None = None, *, today=None) -> list[str]:
    """The skills due on ``today``: the most overdue first, never-drilled ones after them, in
    the order of the skills list."""
    from course.drills.drill import drill_skills

    data = progress.load()
    day = _today(today)
    pool = drill_skills() if skills is None else list(skills)
    due = []
    for order, sid in enumerate(pool):
        got = entry(sid, data)
        if not got.get("due"):
            due.append((dt.date.max, order, sid))
        elif dt.date.fromisoformat(got["due"]) <= day:
            due.append((dt.date.fromisoformat(got["due"]), order, sid))
    return [sid for _d, _o, sid in sorted(due)]


def next_due(skills: list[str] | None = None) -> str | None:
    """The date (ISO) the next skill falls due, among skills drilled before."""
    from course.drills.drill import drill_skills

    data = progress.load()
    dates = [entry(s, data).get("due") for s in (skills or drill_skills())]
    dates = [d for d in dates if d]
    return min(dates) if dates else None


def status(*, today=None) -> list[dict]:
    """Per skill with drills: title, box, last practised, due date and whether due now."""
    from course.drills.drill import drill_skills
    from course.skills import load_skills

    data = progress.load()
    titles = load_skills()
    day = _today(today)
    rows = []
    for sid in drill_skills():
        got = entry(sid, data)
        due = got.get("due")
        rows.append(
            {
                "skill": sid,
                "title": titles.get(sid, {}).get("title", sid),
                "box": int(got.get("box", 0) or 0),
                "last": got.get("last"),
                "due": due,
                "is_due": (not due) or dt.date.fromisoformat(due) <= day,
            }
        )
    return rows

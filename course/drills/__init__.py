"""Refresher drills: templates instantiated with values drawn from the course data, checked by the
course's own check engine, and a spaced-repetition schedule per skill (Leitner boxes) kept in the
learner's progress file.

    from course import widgets
    widgets.drills()                     # the skills that are due, one fresh drill each
    from course.drills import next_drill, check_drill
    d = next_drill("joins"); check_drill(d, "SELECT ...").line()
"""

from course.drills.drill import (
    Drill,
    Template,
    check_drill,
    drill_skills,
    instances,
    make_drill,
    templates,
    templates_for,
)
from course.drills.schedule import INTERVALS, due_skills, record, status

__all__ = [
    "Drill",
    "Template",
    "templates",
    "templates_for",
    "drill_skills",
    "instances",
    "make_drill",
    "check_drill",
    "next_drill",
    "drills",
    "Drills",
    "INTERVALS",
    "due_skills",
    "record",
    "status",
]


def __getattr__(name):  # the widget loads ipywidgets only when it is asked for
    if name in ("next_drill", "drills", "Drills"):
        from course.drills import widget

        return getattr(widget, name)
    raise AttributeError(name)

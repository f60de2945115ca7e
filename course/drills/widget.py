"""``widgets.drills()``: short fresh exercises for the skills that are due.

The widget picks the most overdue skill (or the one chosen), draws a new instance of one of its
templates, and checks the SQL typed into it with the course's check engine. The first check of a
drill moves the skill in the schedule (:mod:`course.drills.schedule`); trying again after a wrong
answer gives feedback but does not count twice.
"""

from __future__ import annotations

import html
import random
import re

import ipywidgets as w

from course.drills import schedule
from course.drills.drill import Drill, check_drill, drill_skills, make_drill, templates_for

__all__ = ["Drills", "drills", "next_drill"]


def next_drill(skill: str | None = None, *, today=None, rng=None, avoid: str = "") -> Drill:
    """A fresh drill for ``skill`` (default: the skill most due), from one of its templates."""
    rng = rng or random.Random()
    if skill is None:
        due = schedule.due_skills(today=today)
        skill = due[0] if due else rng.choice(drill_skills())
    pool = templates_for(skill)
    if not pool:
        raise ValueError(f"There are no drills for the skill {skill!r} yet.")
    choices = [t for t in pool if t.tid != avoid] or pool
    return make_drill(rng.choice(choices), seed=rng.random())


def _markdown(text: str) -> str:
    out = html.escape(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"\*(.+?)\*", r"<em>\1</em>", out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return out.replace("\n", " ")


class Drills(w.VBox):
    """A refresher: the skills due, one drill, an editor, Check and Another drill."""

    def __init__(self, skill: str | None = None, *, today=None, seed=None):
        self._today = today
        self._rng = random.Random(seed)
        self._counted = False
        self.drill: Drill | None = None
        self.last_result = None
        from course.skills import load_skills

        titles = load_skills()
        options = [(titles.get(s, {}).get("title", s), s) for s in drill_skills()]
        self.due = w.HTML()
        self.skill = w.Dropdown(
            options=options,
            description="Skill",
            tooltip="The skill to practise",
            layout=w.Layout(width="32em"),
        )
        self.title = w.HTML()
        self.prompt = w.HTML()
        self.editor = w.Textarea(
            placeholder="SELECT ...",
            layout=w.Layout(width="100%", height="9em"),
            tooltip="Your SQL query for this drill",
        )
        self.editor.add_class("course-drill-editor")
        self.check_button = w.Button(
            description="Check", button_style="primary", tooltip="Check your query"
        )
        self.next_button = w.Button(description="Another drill", tooltip="A new drill")
        self.feedback = w.HTML()
        self.check_button.on_click(lambda _b: self.check())
        self.next_button.on_click(lambda _b: self.new())
        super().__init__(
            [
                self.due,
                self.skill,
                self.title,
                self.prompt,
                self.editor,
                w.HBox([self.check_button, self.next_button]),
                self.feedback,
            ]
        )
        self.add_class("course-drills")
        due = schedule.due_skills(today=today)
        first = skill or (due[0] if due else options[0][1])
        self.skill.value = first
        self.skill.observe(lambda change: self.new(), names="value")
        self.new()

    def _show_due(self) -> None:
        due = schedule.due_skills(today=self._today)
        from course.skills import load_skills

        titles = load_skills()
        if due:
            names = ", ".join(titles.get(s, {}).get("title", s) for s in due)
            text = f"<strong>Due for a refresher:</strong> {html.escape(names)}."
        else:
            when = schedule.next_due()
            text = "Nothing is due today" + (
                f"; the next refresher is due on {when}" if when else ""
            )
            text += ". Practise any skill below if you like."
        self.due.value = f'<div role="status">{text}</div>'

    def new(self) -> None:
        """Draw another drill for the chosen skill."""
        avoid = self.drill.template.tid if self.drill else ""
        self.drill = next_drill(self.skill.value, rng=self._rng, avoid=avoid)
        self._counted = False
        self.last_result = None
        self.title.value = f"<h4>{html.escape(self.drill.title)}</h4>"
        self.prompt.value = f"<p>{_markdown(self.drill.prompt)}</p>"
        self.editor.value = ""
        self.feedback.value = ""
        self._show_due()

    def check(self, sql: str | None = None):
        """Check the editor's SQL (or ``sql``); a drill's first check counts in the schedule."""
        if sql is not None:
            self.editor.value = sql
        if not self.editor.value.strip():
            self.feedback.value = (
                '<div role="status" aria-live="polite">Write your query in the box first, then '
                "press Check.</div>"
            )
            return None
        result = check_drill(self.drill, self.editor.value)
        self.last_result = result
        mark, colour = ("✓", "#1a7f37") if result.passed else ("✗", "#b42318")
        note = ""
        if not self._counted:
            self._counted = True
            got = schedule.record(
                self.drill.skill, result.passed, today=self._today, template=self.drill.key
            )
            if got:
                note = (
                    f" Next refresher of this skill: {got['due']}."
                    if result.passed
                    else " This skill comes back tomorrow."
                )
        self.feedback.value = (
            f'<div role="status" aria-live="polite" style="color:{colour}">{mark} '
            f"{html.escape(result.sentence)}{html.escape(note)}</div>"
        )
        self._show_due()
        return result


def drills(skill: str | None = None, *, today=None, seed=None) -> Drills:
    """Refresher drills for the skills that are due (or for ``skill``)."""
    return Drills(skill, today=today, seed=seed)

"""Self-check widgets for the notebooks: quizzes, a SQL sandbox, hints and progress.

Every widget is keyboard-usable (real buttons, radio buttons and checkboxes), carries labels and
tooltips for screen readers, announces feedback in a polite live region, and has a CSS class
that tests and styles can find: ``course-quiz``, ``course-sandbox``, ``course-hints``,
``course-progress``.

    widgets.quiz("00-start-here", "checks_failed")
    widgets.sandbox("q0_2")             # editor, Run, Check against exercise q0_2
    widgets.hints("q0_2")
    widgets.progress()
    widgets.projector()                 # a facilitator's screen: large text, group quizzes
    widgets.diagram(q4_1)               # draw a model written as mermaid erDiagram text
    widgets.drills()                    # refresher drills for the skills that are due
"""

from __future__ import annotations

from course.drills.widget import Drills, drills
from course.widgets.diagram import Diagram, diagram
from course.widgets.hints import Hints, hints
from course.widgets.progress import Progress, module_summary, progress
from course.widgets.projector import Projector, projector
from course.widgets.quiz import Quiz, group_mode, quiz, quiz_bank, validate_quiz_bank
from course.widgets.sandbox import Sandbox, sandbox

__all__ = [
    "quiz",
    "Quiz",
    "quiz_bank",
    "validate_quiz_bank",
    "sandbox",
    "Sandbox",
    "hints",
    "Hints",
    "progress",
    "Progress",
    "module_summary",
    "projector",
    "Projector",
    "group_mode",
    "diagram",
    "Diagram",
    "drills",
    "Drills",
]

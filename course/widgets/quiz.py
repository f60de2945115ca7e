"""Self-check quizzes: multiple choice and multi-select, with feedback for every option.

Questions are data: ``course/quizzes/<module>.yml``, described by
``course/quizzes/quiz-bank.schema.json``.  ``quiz("00-start-here", "checks_failed")`` builds the
widget; Check gives immediate feedback (the chosen option's own feedback, and for multi-select
how many right answers were missed) and records the attempt in the learner's progress file.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import ipywidgets as w
import yaml

from course.check import progress

__all__ = ["Quiz", "quiz", "quiz_bank", "quiz_banks_dir", "quiz_schema_path", "validate_quiz_bank"]


def quiz_banks_dir() -> Path:
    """The folder of the quiz banks (``course/quizzes``)."""
    return Path(__file__).resolve().parent.parent / "quizzes"


def quiz_schema_path() -> Path:
    return quiz_banks_dir() / "quiz-bank.schema.json"


def _path(bank: str | os.PathLike) -> Path:
    candidate = Path(bank)
    if candidate.suffix in (".yml", ".yaml"):
        return candidate
    return quiz_banks_dir() / f"{bank}.yml"


def quiz_bank(bank: str | os.PathLike) -> dict:
    """The parsed quiz bank of a module (by folder name, e.g. ``00-start-here``, or a path)."""
    with open(_path(bank), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def validate_quiz_bank(bank: str | os.PathLike) -> list[str]:
    """Problems of a quiz bank against the JSON Schema (empty when valid)."""
    import jsonschema

    schema = json.loads(quiz_schema_path().read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in validator.iter_errors(quiz_bank(bank))
    ]


def status_html(text: str, mark: str = "") -> str:
    """Feedback text in a polite live region, so screen readers announce it."""
    prefix = f"{mark} " if mark else ""
    return f'<div role="status" aria-live="polite">{html.escape(prefix + text)}</div>'


class Quiz(w.VBox):
    """One quiz question: prompt, options (radio buttons or checkboxes), Check, feedback."""

    def __init__(self, question: dict, *, qid: str = "", module: str = ""):
        self.question = question
        self.qid = qid
        self.module = module
        self.multiple = question["kind"] == "multiple"
        texts = [o["text"] for o in question["options"]]
        self.prompt = w.HTML(f"<p><strong>{html.escape(question['prompt'])}</strong></p>")
        if self.multiple:
            self.boxes = [
                w.Checkbox(
                    value=False, description=text, indent=False, layout=w.Layout(width="auto")
                )
                for text in texts
            ]
            self.choices = w.VBox(self.boxes)
        else:
            self.boxes = []
            self.choices = w.RadioButtons(
                options=texts,
                value=None,
                description="Your answer:",
                style={"description_width": "initial"},
                layout=w.Layout(width="auto"),
            )
        self.check_button = w.Button(
            description="Check",
            tooltip="Check your answer",
            button_style="primary",
        )
        self.feedback = w.HTML(value=status_html(""))
        self.check_button.on_click(lambda _button: self.check())
        super().__init__([self.prompt, self.choices, self.check_button, self.feedback])
        self.add_class("course-quiz")
        self.feedback.add_class("course-quiz-feedback")

    def selected(self) -> list[int]:
        """Indexes of the chosen options."""
        if self.multiple:
            return [i for i, box in enumerate(self.boxes) if box.value]
        index = self.choices.index
        return [] if index is None else [index]

    def check(self) -> bool | None:
        """Show feedback for the current choice; True/False, or None when nothing is chosen."""
        options = self.question["options"]
        chosen = self.selected()
        if not chosen:
            self.feedback.value = status_html(
                "Tick at least one answer first." if self.multiple else "Choose an answer first."
            )
            return None
        right = {i for i, o in enumerate(options) if o["correct"]}
        correct = set(chosen) == right
        if self.multiple:
            notes = [options[i]["feedback"] for i in chosen if not options[i]["correct"]]
            missed = len(right - set(chosen))
            if missed:
                notes.append(f"You missed {missed} right answer{'s' if missed > 1 else ''}.")
            if correct:
                notes = [self.question.get("explanation") or "All the right answers, none wrong."]
        else:
            notes = [options[chosen[0]]["feedback"]]
            if correct and self.question.get("explanation"):
                notes.append(self.question["explanation"])
        mark = "✓ Right." if correct else "✗ Not quite."
        self.feedback.value = status_html(" ".join(notes), mark)
        progress.record_quiz(self.module, self.qid, correct)
        return correct


def quiz(bank: str | os.PathLike, qid: str) -> Quiz:
    """The quiz widget for question ``qid`` of a module's quiz bank."""
    data = quiz_bank(bank)
    if qid not in data["questions"]:
        raise KeyError(f"The quiz bank {data['module']} has no question called {qid}.")
    return Quiz(data["questions"][qid], qid=qid, module=data["module"])

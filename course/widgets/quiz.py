"""Self-check quizzes: multiple choice and multi-select, with feedback for every option.

Questions are data: ``course/quizzes/<module>.yml``, described by
``course/quizzes/quiz-bank.schema.json``.  ``quiz("00-start-here", "checks_failed")`` builds the
widget; Check gives immediate feedback (the chosen option's own feedback, and for multi-select
how many right answers were missed) and records the attempt in the learner's progress file.

Options are shown in an order shuffled per learner and labelled A, B, C, D.  The order is stable
for that learner: it is seeded from an id kept in their workspace (``.course-learner-id``), never
from the time, so a reopened notebook shows the same letters.  Feedback clears as soon as the
choice changes, so old feedback is never read as the verdict on a new choice.

**Group mode** (``widgets.group_mode(True)``, switched on with projector mode, or
``COURSE_GROUP=1`` in the kernel's environment) adds what a facilitator needs in front of a room:
a *Reveal the answer* button that marks the right option(s) and shows every option's
explanation, and boxes to type the room's show of hands for each letter, drawn as a small bar
chart.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import secrets
import weakref
from pathlib import Path

import ipywidgets as w
import yaml

from course import config
from course.check import progress

__all__ = [
    "Quiz",
    "quiz",
    "quiz_bank",
    "quiz_banks_dir",
    "quiz_schema_path",
    "validate_quiz_bank",
    "group_mode",
    "learner_seed",
    "option_order",
    "LETTERS",
]

LETTERS = "ABCDEFGH"
SEED_FILE = ".course-learner-id"
_LIVE: weakref.WeakSet = weakref.WeakSet()
_STATE = {"group": None}


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


# -- per-learner order ----------------------------------------------------------------------------


def learner_seed() -> str:
    """A stable id for this learner: ``COURSE_QUIZ_SEED`` if set, else the id kept in the
    workspace (created once), else the workspace's path."""
    forced = os.environ.get("COURSE_QUIZ_SEED", "").strip()
    if forced:
        return forced
    workspace = config.workspace_dir()
    path = workspace / SEED_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
    except OSError:
        pass
    try:
        workspace.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(8)
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(token + "\n")
        return token
    except FileExistsError:  # another kernel wrote it just now
        return path.read_text(encoding="utf-8").strip() or str(workspace)
    except OSError:
        return str(workspace.resolve())


def option_order(n: int, *, module: str, qid: str, seed: str | None = None) -> list[int]:
    """The bank indexes of ``n`` options in the order this learner sees them."""
    order = list(range(n))
    key = f"{learner_seed() if seed is None else seed}/{module}/{qid}"
    random.Random(key).shuffle(order)
    return order


# -- group mode -----------------------------------------------------------------------------------


def _group_default() -> bool:
    return os.environ.get("COURSE_GROUP", "").strip().lower() in ("1", "on", "yes", "true")


def group_mode(on: bool | None = None) -> bool:
    """Switch group mode on or off for every quiz in this notebook (``None``: just ask)."""
    if on is not None:
        _STATE["group"] = bool(on)
        for live in list(_LIVE):
            live.show_group_tools(bool(on))
    if _STATE["group"] is None:
        return _group_default()
    return bool(_STATE["group"])


_AFFIRMATION = re.compile(r"^(right|yes|correct)\s*[:.,!]\s*", re.IGNORECASE)


def _without_affirmation(text: str) -> str:
    """'Yes: the cell runs' -> 'The cell runs' (the ✓ Right. mark already says so)."""
    rest = _AFFIRMATION.sub("", text, count=1)
    return rest[:1].upper() + rest[1:] if rest != text else text


def _bars(letters: list[str], counts: list[int]) -> str:
    """The room's votes as a small bar chart in HTML (scales with the page's font)."""
    total = sum(counts) or 1
    rows = []
    for letter, count in zip(letters, counts, strict=True):
        width = round(100 * count / total)
        rows.append(
            f'<div class="course-quiz-bar-row"><span class="course-quiz-letter">{letter}</span>'
            f'<span class="course-quiz-bar" style="display:inline-block;width:{width}%;'
            'min-width:2px;height:1em;background:var(--jp-brand-color1,#1976d2)"></span>'
            f"<span>{count:,}</span></div>"
        )
    return (
        '<div class="course-quiz-bars" role="img" aria-label="Votes: '
        + ", ".join(f"{a} {c}" for a, c in zip(letters, counts, strict=True))
        + '">'
        + "".join(rows)
        + "</div>"
    )


class Quiz(w.VBox):
    """One quiz question: prompt, lettered options (radio buttons or checkboxes), Check, feedback,
    and in group mode Reveal plus the room's votes."""

    def __init__(self, question: dict, *, qid: str = "", module: str = "", seed=None):
        self.question = question
        self.qid = qid
        self.module = module
        self.multiple = question["kind"] == "multiple"
        options = question["options"]
        #: ``order[k]`` is the bank index of the option shown at letter ``LETTERS[k]``.
        self.order = option_order(len(options), module=module, qid=qid, seed=seed)
        self.letters = list(LETTERS[: len(options)])
        labels = [f"{self.letters[k]}. {options[i]['text']}" for k, i in enumerate(self.order)]
        self.prompt = w.HTML(f"<p><strong>{html.escape(question['prompt'])}</strong></p>")
        if self.multiple:
            self.boxes = [
                w.Checkbox(
                    value=False, description=label, indent=False, layout=w.Layout(width="auto")
                )
                for label in labels
            ]
            for box in self.boxes:
                box.observe(self._choice_changed, names="value")
            self.choices = w.VBox(self.boxes)
        else:
            self.boxes = []
            self.choices = w.RadioButtons(
                options=labels,
                value=None,
                description="Your answer:",
                style={"description_width": "initial"},
                layout=w.Layout(width="auto"),
            )
            self.choices.observe(self._choice_changed, names="value")
        self.choices.add_class("course-quiz-options")
        self.check_button = w.Button(
            description="Check",
            tooltip="Check your answer",
            button_style="primary",
        )
        self.feedback = w.HTML(value=status_html(""))
        self.check_button.on_click(lambda _button: self.check())
        # Group tools: hidden unless group mode is on.
        self.reveal_button = w.Button(
            description="Reveal the answer",
            tooltip="Show the right answer and what every option means (for the whole room)",
            layout=w.Layout(width="auto"),
        )
        self.reveal_button.on_click(lambda _button: self.toggle_reveal())
        self.revealed = w.HTML(value="")
        self.revealed.add_class("course-quiz-reveal")
        self.votes = [
            w.BoundedIntText(
                value=0,
                min=0,
                max=9999,
                description=letter,
                tooltip=f"How many people chose {letter}",
                layout=w.Layout(width="7em"),
                style={"description_width": "1.5em"},
            )
            for letter in self.letters
        ]
        self.votes_button = w.Button(
            description="Show the votes",
            tooltip="Draw the room's show of hands as bars",
            layout=w.Layout(width="auto"),
        )
        self.votes_button.on_click(lambda _button: self.show_votes())
        self.chart = w.HTML(value="")
        self.group_tools = w.VBox(
            [
                w.HBox([self.reveal_button]),
                self.revealed,
                w.HTML("<span>The room's show of hands:</span>"),
                w.HBox([*self.votes, self.votes_button]),
                self.chart,
            ]
        )
        self.group_tools.add_class("course-quiz-group")
        super().__init__(
            [self.prompt, self.choices, self.check_button, self.feedback, self.group_tools]
        )
        self.add_class("course-quiz")
        self.feedback.add_class("course-quiz-feedback")
        self.show_group_tools(group_mode())
        _LIVE.add(self)

    # -- learner --------------------------------------------------------------------------------
    def show_group_tools(self, on: bool) -> None:
        self.group_tools.layout.display = None if on else "none"

    def _choice_changed(self, _change=None) -> None:
        self.feedback.value = status_html("")

    def selected(self) -> list[int]:
        """Bank indexes of the chosen options."""
        if self.multiple:
            return [self.order[k] for k, box in enumerate(self.boxes) if box.value]
        index = self.choices.index
        return [] if index is None else [self.order[index]]

    def choose(self, *bank_indexes: int) -> None:
        """Choose options by their index in the bank (as a learner clicking them)."""
        if self.multiple:
            for k, box in enumerate(self.boxes):
                box.value = self.order[k] in bank_indexes
        else:
            (only,) = bank_indexes
            self.choices.index = self.order.index(only)

    def letter(self, bank_index: int) -> str:
        """The letter this learner sees for the option at ``bank_index``."""
        return self.letters[self.order.index(bank_index)]

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
        if correct:
            notes[0] = _without_affirmation(notes[0])
        mark = "✓ Right." if correct else "✗ Not quite."
        self.feedback.value = status_html(" ".join(notes), mark)
        progress.record_quiz(self.module, self.qid, correct)
        return correct

    # -- facilitator ----------------------------------------------------------------------------
    def reveal_html(self) -> str:
        options = self.question["options"]
        rows = []
        for k, i in enumerate(self.order):
            option = options[i]
            verdict = "✓ right" if option["correct"] else "✗ not right"
            css = "course-quiz-right" if option["correct"] else "course-quiz-wrong"
            rows.append(
                f'<li class="{css}"><span class="course-quiz-letter">{self.letters[k]}</span> '
                f"<strong>{html.escape(option['text'])}</strong> ({verdict}): "
                f"{html.escape(_without_affirmation(option['feedback']))}</li>"
            )
        explanation = self.question.get("explanation")
        extra = f"<p>{html.escape(explanation)}</p>" if explanation else ""
        return (
            '<div role="status" aria-live="polite"><ul class="course-quiz-answers">'
            + "".join(rows)
            + "</ul>"
            + extra
            + "</div>"
        )

    def toggle_reveal(self) -> bool:
        """Show (or hide again) the right answer and every option's explanation."""
        if self.revealed.value:
            self.revealed.value = ""
            self.reveal_button.description = "Reveal the answer"
            return False
        self.revealed.value = self.reveal_html()
        self.reveal_button.description = "Hide the answer"
        return True

    def show_votes(self) -> str:
        self.chart.value = _bars(self.letters, [int(v.value or 0) for v in self.votes])
        return self.chart.value


def quiz(bank: str | os.PathLike, qid: str, *, group: bool | None = None) -> Quiz:
    """The quiz widget for question ``qid`` of a module's quiz bank (``group=True`` shows the
    facilitator's Reveal and votes for this quiz whatever the group mode)."""
    data = quiz_bank(bank)
    if qid not in data["questions"]:
        raise KeyError(f"The quiz bank {data['module']} has no question called {qid}.")
    made = Quiz(data["questions"][qid], qid=qid, module=data["module"])
    if group is not None:
        made.show_group_tools(group)
    return made

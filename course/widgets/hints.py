"""A hint button that reveals an exercise's hints one at a time."""

from __future__ import annotations

import html

import ipywidgets as w

from course import check
from course.check import progress

__all__ = ["Hints", "hints"]


class Hints(w.VBox):
    """Button "Show hint 1 of 3"; each click adds the next hint below it."""

    def __init__(self, qid: str, *, module=None):
        ex = check.exercise(qid, module=module)
        self.qid = qid
        self.label = ex.label
        self.all_hints = list(ex.hints)
        self.shown = 0
        self.button = w.Button(tooltip=f"Show the next hint for {ex.label}")
        self.button.on_click(lambda _b: self.reveal())
        self.area = w.VBox([])
        super().__init__([self.button, self.area])
        self.add_class("course-hints")
        self._update_button()

    def _update_button(self) -> None:
        total = len(self.all_hints)
        if total == 0:
            self.button.description = "No hints for this exercise"
            self.button.disabled = True
        elif self.shown >= total:
            self.button.description = "No more hints"
            self.button.disabled = True
        else:
            self.button.description = f"Show hint {self.shown + 1} of {total}"

    def reveal(self) -> str | None:
        """Show the next hint; returns its text (None when there are no more)."""
        if self.shown >= len(self.all_hints):
            return None
        text = self.all_hints[self.shown]
        self.shown += 1
        item = w.HTML(
            f'<div role="status" aria-live="polite"><strong>Hint {self.shown}:</strong> '
            f"{html.escape(text)}</div>"
        )
        self.area.children = (*self.area.children, item)
        progress.record_hint(self.qid, self.shown)
        self._update_button()
        return text


def hints(qid: str, *, module=None) -> Hints:
    """The hint button of exercise ``qid``."""
    return Hints(qid, module=module)

"""The outcome of a check and how a learner sees it.

A passing check prints one line to stdout, ``✓ Question 1.2: ...``.  A failing one raises
:class:`CheckFailed`, an ``AssertionError`` whose message is the sentence saying why; in IPython
and Jupyter it renders as the single line ``✗ Question 1.2: <sentence>`` (``_render_traceback_``),
whatever ``%xmode`` says, so a learner never meets a traceback and reads the sentence once --
the same line nbgrader's Validate dialog and feedback show.  Nothing is ever written to stderr:
nbgrader gives a test cell zero points for any stderr output.
"""

from __future__ import annotations

from dataclasses import dataclass

from course.check import guard, progress
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import stdout

__all__ = ["Result", "CheckFailed", "report", "passed", "failed"]

_print = print


@dataclass(frozen=True, repr=False)
class Result:
    """What a check found.  ``tag`` names the mistake (or generic stage) the answer shows."""

    qid: str
    label: str
    passed: bool
    sentence: str
    stage: str | None = None
    tag: str | None = None
    hidden: bool = False
    module: str = ""
    kind: str = ""

    def line(self) -> str:
        """The one line a learner sees."""
        mark = "✓" if self.passed else "✗"
        where = " (hidden check)" if self.hidden else ""
        return f"{mark} {self.label}{where}: {self.sentence}"

    def __repr__(self) -> str:
        return f"<Result {self.line()}>"


class CheckFailed(AssertionError):
    """The answer is not right yet; ``str(error)`` is the plain sentence saying why."""

    def __init__(self, sentence: str, result: Result | None = None):
        super().__init__(sentence)
        self.sentence = sentence
        self.result = result

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting a traceback: one line, in any %xmode; it is
        # also what nbgrader's Validate dialog and feedback show.
        if self.result is None:
            return [f"✗ {self.sentence}"]
        return [self.result.line()]


def passed(ex, sentence: str, *, hidden: bool = False) -> Result:
    return Result(
        qid=ex.qid,
        label=ex.label,
        passed=True,
        sentence=sentence,
        hidden=hidden,
        module=ex.module,
        kind=ex.kind,
    )


def failed(ex, sentence: str, stage: str, tag: str | None = None, *, hidden=False) -> Result:
    return Result(
        qid=ex.qid,
        label=ex.label,
        passed=False,
        sentence=sentence,
        stage=stage,
        tag=tag or stage,
        hidden=hidden,
        module=ex.module,
        kind=ex.kind,
    )


def report(result: Result, *, record: bool = True) -> None:
    """Print a pass's line to stdout, record the result in the progress file, raise if it failed
    (the failure's line is the exception's own rendering, so it is not printed twice)."""
    if result.passed:
        _print(result.line(), file=stdout(), flush=True)
    guard.note_report(result.passed)
    if record:
        progress.record_check(result)
    if not result.passed:
        raise CheckFailed(result.sentence, result)

"""What notebook cells call: ``show``, ``query``, ``hidden``, ``value``, ``state``, ``model``,
``hint``.

Each check finds its exercise in the bank and evaluates the answer: a pass prints one ✓ line; a
failure raises :class:`~course.check.feedback.CheckFailed`, which shows as one ✗ line.  Checks
return ``None``: nbgrader reads a test cell's last value as a partial grade, so they must not
return one.
:func:`evaluate` does the same work without printing or raising (for widgets and tests).
"""

from __future__ import annotations

from course.check import (
    database,
    guard,
    model_checks,
    progress,
    python_checks,
    state_checks,
    stored,
)
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import stdout
from course.check.bank import BankError, Exercise, find_exercise, label_for
from course.check.database import SqlProblem
from course.check.feedback import Result, failed, report
from course.check.model_checks import evaluate_model
from course.check.python_checks import evaluate_python
from course.check.query_checks import evaluate_query, evaluate_value
from course.check.state_checks import evaluate_state

__all__ = [
    "evaluate",
    "query",
    "hidden",
    "value",
    "state",
    "model",
    "function",
    "hint",
    "mistakes",
    "exercise",
    "clear_cache",
]

_print = print

_HINTS_SHOWN: dict[str, int] = {}


def _stub(qid: str) -> Exercise:
    return Exercise(qid=qid, module="", title="", kind="", reference="", label=label_for(qid))


def evaluate(
    answer, qid: str, *, module=None, hidden: bool = False, scratch: bool = False
) -> Result:
    """Check ``answer`` for exercise ``qid`` and return the :class:`Result` (no output)."""
    try:
        ex = find_exercise(qid, module)
    except BankError as exc:
        return failed(_stub(qid), f"This check is not set up right: {exc}", "setup")
    demo = database.demo_module()
    if demo is not None and ex.module != demo:
        sentence = (
            f"This check needs the course data, but this notebook switched to the demo data of "
            f"{demo}: restart the kernel and run the notebook from the top."
        )
        return failed(ex, sentence, "setup", hidden=hidden)
    try:
        if hidden and stored.entry(ex) is not None:
            return failed(ex, stored.HIDDEN_ELSEWHERE, "setup", hidden=True)
        if ex.kind == "state":
            return evaluate_state(ex, answer, hidden=hidden, scratch=scratch)
        if ex.kind == "value":
            return evaluate_value(ex, answer, hidden=hidden)
        if ex.kind == "model":
            return evaluate_model(ex, answer, hidden=hidden)
        if ex.kind == "python":
            return evaluate_python(ex, answer, hidden=hidden)
        return evaluate_query(ex, answer, hidden=hidden)
    except SqlProblem as problem:
        return failed(ex, problem.sentence, "runs", problem.tag, hidden=hidden)
    except BankError as exc:
        sentence = f"This check is not set up right ({exc}); please tell your instructor."
        return failed(ex, sentence, "setup", hidden=hidden)
    except Exception as exc:  # never let a learner see a traceback from inside a check
        sentence = (
            f"The check itself ran into a problem ({type(exc).__name__}): run the notebook's "
            "first cell again, and tell your instructor if it keeps happening."
        )
        return failed(ex, sentence, "internal", hidden=hidden)


def _checked(answer, qid: str, *, module=None, hidden: bool = False, **kw) -> Result:
    """``evaluate``, unless the answer's cell failed since it last gave ``qid`` a value."""
    if guard.stale(qid):
        try:
            ex = find_exercise(qid, module)
        except BankError:
            ex = _stub(qid)
        sentence = (
            f"the cell with your answer did not finish the last time it ran, so {qid} still "
            "holds an older answer: fix that cell and run it until it shows no error, then run "
            "this check again."
        )
        return failed(ex, sentence, "stale", hidden=hidden)
    return evaluate(answer, qid, module=module, hidden=hidden, **kw)


def query(answer, qid: str, *, module=None) -> None:
    """VISIBLE check of a query answer against the learner database (see the package docs)."""
    report(_checked(answer, qid, module=module))


def hidden(answer, qid: str, *, module=None) -> None:
    """HIDDEN check: re-run the learner's SQL on the shadow database and compare fully."""
    report(_checked(answer, qid, module=module, hidden=True))


def value(answer, qid: str, *, module=None) -> None:
    """Check a single value (number or text, or a query giving one) against the reference."""
    report(_checked(answer, qid, module=module))


def state(answer, qid: str, *, module=None, scratch: bool = False) -> None:
    """Check SQL that creates or changes tables by the state it leaves (in a throwaway DB).

    ``scratch=True`` inspects the learner's scratch database instead of running ``answer``.
    """
    report(_checked(answer, qid, module=module, scratch=scratch))


def model(answer, qid: str, *, module=None) -> None:
    """Check a data model written as mermaid ``erDiagram`` text against the exercise's designs."""
    report(_checked(answer, qid, module=module))


def function(answer, qid: str, *, module=None) -> None:
    """Check a Python function by calling it on the exercise's cases (records, ISBNs, ...)."""
    report(_checked(answer, qid, module=module))


def hint(qid: str, *, module=None) -> None:
    """Print the next hint of an exercise (one more each call)."""
    out = stdout()
    try:
        ex = find_exercise(qid, module)
    except BankError as exc:
        _print(f"No hints: {exc}", file=out)
        return
    if not ex.hints:
        _print(f"There are no hints for {ex.label}.", file=out)
        return
    shown = min(_HINTS_SHOWN.get(ex.qid, 0) + 1, len(ex.hints))
    _HINTS_SHOWN[ex.qid] = shown
    last = " (that is the last one)" if shown == len(ex.hints) else ""
    _print(f"Hint {shown} of {len(ex.hints)} for {ex.label}{last}: {ex.hints[shown - 1]}", file=out)
    progress.record_hint(ex.qid, shown)


def mistakes(qid: str, *, module=None) -> list[str]:
    """The tags of the common mistakes an exercise recognises."""
    return [m.tag for m in find_exercise(qid, module).mistakes]


def exercise(qid: str, *, module=None) -> Exercise:
    """The bank entry of an exercise (title, kind, hints, ...)."""
    return find_exercise(qid, module)


def clear_cache() -> None:
    """Forget cached reference results, connections and hint counters (tests, rebuilt data)."""
    database.clear_cache()
    _HINTS_SHOWN.clear()
    state_checks.clear_cache()
    model_checks.clear_cache()
    python_checks.clear_cache()
    stored.clear_cache()

"""A watch on test cells: a cell that calls a check must really run it, and not swallow it.

Code in a notebook can ask IPython to rewrite later cells (input transformers, AST transformers)
so that a test cell's ``check.query(...)`` never runs or its failure is caught -- and nbgrader
would then give the cell full points.  When ``course.check`` is imported inside IPython, this
module registers two small event callbacks:

* before each cell, it notes how many checks have reported so far;
* after a cell that *succeeded* although its source calls a check (``check.query``, ``hidden``,
  ``value``, ``state``, ``model`` or ``function``), it makes sure a check really reported during
  the cell and that no check failure was swallowed.  If not, it writes one line to stderr,
  which makes nbgrader give the cell zero points.

A learner who never tampers with the notebook never sees this line.
"""

from __future__ import annotations

import re
import sys

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)

__all__ = ["install", "note_report", "stale", "CHECK_CALL"]

#: How a test cell calls a check (the pattern the notebooks use).
CHECK_CALL = re.compile(r"\bcheck\s*\.\s*(query|hidden|value|state|model|function)\s*\(")
_COMMENT = re.compile(r"#[^\n]*")

#: A line of a cell that assigns an answer variable (``q1_2 = ...``).
ANSWER_ASSIGNMENT = re.compile(r"^[ \t]*(q\d+_\d+[a-z]?)[ \t]*=(?!=)", re.MULTILINE)

_STATE = {"reports": 0, "failures": 0, "start": (0, 0), "installed": None, "pending": {}}
#: Answer variables whose cell failed before giving them a new value (see :func:`stale`).
_STALE: set = set()
_MISSING = object()
_stderr = sys.stderr
_print = print

MESSAGE = (
    "✗ The checks in this cell did not run as written (the notebook was changed to skip or "
    "silence them): restart the kernel and run all cells again."
)


def note_report(passed: bool) -> None:
    """Called by every check that reports (prints its line)."""
    _STATE["reports"] += 1
    if not passed:
        _STATE["failures"] += 1


def stale(name: str) -> bool:
    """True when the last cell that assigns ``name`` failed before giving it a new value: the
    variable still holds an older answer than the one on screen."""
    return name in _STALE


def _before(info=None) -> None:
    _STATE["start"] = (_STATE["reports"], _STATE["failures"])
    pending = {}
    try:
        raw = getattr(info, "raw_cell", "") or ""
        names = ANSWER_ASSIGNMENT.findall(_COMMENT.sub("", raw))
        if names:
            namespace = _STATE["installed"].user_ns
            pending = {name: namespace.get(name, _MISSING) for name in names}
    except Exception:  # a watch must never disturb a learner's cell
        pending = {}
    _STATE["pending"] = pending


def _note_answers(result) -> None:
    pending, _STATE["pending"] = _STATE["pending"], {}
    if not pending:
        return
    ok = getattr(result, "success", False)
    namespace = _STATE["installed"].user_ns
    for name, before in pending.items():
        # a failed cell that still assigned the name (e.g. `check.show` failed after it) is fine
        if ok or namespace.get(name, _MISSING) is not before:
            _STALE.discard(name)
        elif name in namespace:
            _STALE.add(name)


def _after(result=None) -> None:
    try:
        _note_answers(result)
    except Exception:
        pass
    try:
        info = getattr(result, "info", None)
        raw = getattr(info, "raw_cell", "") or ""
        if not getattr(result, "success", False) or not CHECK_CALL.search(_COMMENT.sub("", raw)):
            return
        reports, failures = _STATE["start"]
        if _STATE["reports"] == reports or _STATE["failures"] > failures:
            _print(MESSAGE, file=_stderr, flush=True)
    except Exception:  # a watch must never disturb a learner's cell
        pass


def install() -> bool:
    """Register the callbacks with the running IPython shell (once); False outside IPython."""
    module = sys.modules.get("IPython")
    if module is None:
        return False
    try:
        shell = module.get_ipython()
    except Exception:
        return False
    if shell is None or _STATE["installed"] is shell:
        return shell is not None
    shell.events.register("pre_run_cell", _before)
    shell.events.register("post_run_cell", _after)
    _STATE["installed"] = shell
    return True

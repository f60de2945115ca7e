"""Answer checking that teaches: one plain sentence per mistake, and hard to fool.

Notebook cells use it like this (nbgrader source notebook)::

    # locked setup cell (first code cell)
    %xmode Minimal
    from course import check

    # answer cell (solution, grade_id q1_2_answer)
    q1_2 = \"\"\"
    SELECT title, date1 FROM bib WHERE language = 'fre' AND date1 >= 2000 ORDER BY date1, title
    \"\"\"
    check.show(q1_2)

    # test cell (grade, locked, grade_id q1_2_check)
    from course import check            # re-bind: a learner's `check = ...` cannot stand in
    check.query(q1_2, "q1_2")
    ### BEGIN HIDDEN TESTS
    check.hidden(q1_2, "q1_2")
    ### END HIDDEN TESTS

Rules for test cells: start with ``from course import check`` (the name ``check`` in the notebook
may have been replaced; the module itself refuses ``check.query = ...`` and ``course.check = ...``);
end with a check call, which returns ``None`` (nbgrader treats a cell's last value as a partial
grade).  A pass prints one ✓ line to stdout; a failure raises :class:`CheckFailed`, which shows
as one ✗ line in any ``%xmode``; checks never write to stderr.

What a check relies on is captured when this package is first imported -- in the locked setup
cell, before any learner code: the builtins (see ``_safe``), the pandas and DuckDB functions it
calls.  Answers are read through DuckDB into plain tuples built here, so an object whose
``__eq__`` always says True, a rebound ``len`` or ``sorted``, or a ``str`` subclass with
overridden methods cannot make a wrong answer pass.  Code that edits this package's internals
directly (``__dict__``, ``__code__``, ``sys.modules``) is beyond what any check running in the
learner's own kernel can stop; hidden tests and review are the defence there.  Inside IPython,
``guard`` watches test cells: a cell whose source calls ``check.query(...)`` (or hidden, value,
state) but ran no check, or swallowed a failing one, gets a line on stderr, which nbgrader scores
as zero -- so rewriting test cells with input or AST transformers does not earn points.

Public API: :func:`show`, :func:`query`, :func:`hidden`, :func:`value`, :func:`state`,
:func:`hint`, :func:`mistakes`, :func:`exercise`, :func:`evaluate`, :func:`clear_cache`,
:func:`use_demo` (a notebook's own tiny demo tables, e.g. module 00's ``shelf``),
:class:`CheckFailed`, :class:`Result`.  Exercise banks: ``course/exercises/*.yml``.
"""

from __future__ import annotations

from course.check import _safe, guard
from course.check.api import (
    clear_cache,
    evaluate,
    exercise,
    function,
    hidden,
    hint,
    mistakes,
    model,
    query,
    state,
    value,
)
from course.check.bank import BankError, validate_bank
from course.check.demo import use_demo
from course.check.design_checks import attempt, build
from course.check.display import show
from course.check.feedback import CheckFailed, Result

__all__ = [
    "show",
    "query",
    "hidden",
    "value",
    "state",
    "model",
    "function",
    "hint",
    "mistakes",
    "exercise",
    "evaluate",
    "clear_cache",
    "use_demo",
    "build",
    "attempt",
    "validate_bank",
    "CheckFailed",
    "Result",
    "BankError",
]

# Refuse `check.query = ...` (and the same for the helper modules), and `course.check = ...`.
for _name in (
    "course.check",
    "course.check.api",
    "course.check.query_checks",
    "course.check.state_checks",
    "course.check.shapes",
    "course.check.results",
    "course.check.cells",
    "course.check.answers",
    "course.check.database",
    "course.check.feedback",
    "course.check.display",
    "course.check.bank",
    "course.check.messages",
    "course.check.explain",
    "course.check.sqltext",
    "course.check._safe",
    "course.check.guard",
    "course.check.demo",
    "course.check.design_checks",
    "course.check.erdiagram",
    "course.check.model_checks",
    "course.check.python_checks",
):
    _safe.lock_module(_name)
_safe.protect_submodule("course", "check")
guard.install()  # inside IPython: a test cell must really run its checks
del _name

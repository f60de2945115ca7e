"""``course doctor``: the two-minute check a participant runs before a group session.

It answers, one line each, the questions a facilitator otherwise discovers at the start of the
session: is this the right Python, are JupyterLab and the widgets installed, is the course data
built and readable, are the notebooks in the workspace.  Each line starts with ✓ or ✗; a ✗ line
says what to do in one sentence.  ``course doctor`` exits 1 when any line is ✗, so a facilitator can
ask "did it end with 'Ready for the session'?".
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable

from course import config

__all__ = ["checks", "run"]

MIN_PYTHON = (3, 11)


def _python() -> str:
    version = ".".join(str(n) for n in sys.version_info[:3])
    if sys.version_info[:2] < MIN_PYTHON:
        raise RuntimeError(
            f"Python {version} is too old (the course needs 3.11 or newer): install a newer "
            f"Python, then run `{config.command('lab')}` again."
        )
    return f"Python {version}"


def _packages() -> str:
    missing = [
        name
        for name in ("jupyterlab", "ipywidgets", "jupyterlab_widgets", "duckdb", "sql", "nbgrader")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed: run "
            "`make lab` (without make: `python tools/bootstrap.py lab`; it installs what the "
            "course needs into .venv) and use that."
        )
    return "JupyterLab, the widgets, DuckDB, jupysql and nbgrader are installed"


def _data() -> str:
    from course import db

    con = db.connect()
    try:
        (records,) = con.execute("SELECT count(*) FROM bib").fetchone()
    finally:
        con.close()
    return f"the course data opens read-only ({records:,} records in bib)"


def _workspace() -> str:
    from course.lab import START_PAGE

    workspace = config.workspace_dir()
    if not (workspace / START_PAGE).exists():
        raise RuntimeError(
            f"the notebooks are not in your workspace ({workspace}) yet: run `course workspace` "
            f"(or `{config.command('lab')}`)."
        )
    modules = sorted(p.name for p in workspace.iterdir() if p.is_dir() and p.name[:2].isdigit())
    return f"your workspace has {len(modules)} module(s): {workspace}"


def _widgets() -> str:
    import ipywidgets

    ipywidgets.Button(description="test")
    from course.widgets.quiz import Quiz, quiz_bank

    bank = quiz_bank("00-start-here")
    question = next(iter(bank["questions"].values()))
    Quiz(question, qid="doctor", module=bank["module"], seed="doctor")  # writes nothing
    return f"widgets build (ipywidgets {ipywidgets.__version__})"


def checks() -> list[tuple[str, Callable[[], str]]]:
    return [
        ("Python", _python),
        ("packages", _packages),
        ("course data", _data),
        ("workspace", _workspace),
        ("widgets", _widgets),
    ]


def run(print_line: Callable[[str], None] = print) -> int:
    """Run every check, print one line each; returns 0 when all pass, else 1."""
    failed = 0
    for name, check in checks():
        try:
            print_line(f"✓ {check()}")
        except Exception as exc:  # every failure becomes its one sentence
            failed += 1
            text = str(exc).strip() or type(exc).__name__
            print_line(f"✗ {name}: {text}")
    if failed:
        print_line(
            f"Not ready: {failed} problem(s) above. Send this output to your facilitator if the "
            "fix does not work."
        )
        return 1
    print_line("Ready for the session. In the browser: open the start page and run its first cell.")
    return 0

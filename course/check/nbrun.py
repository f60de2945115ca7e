"""Run a small notebook the way nbgrader's autograder does, and score its test cells.

For tests of what a learner sees and of tamper resistance: :func:`notebook` builds a notebook
from cell sources (test cells get nbgrader grade metadata), :func:`execute` runs it in a fresh
kernel through nbgrader's own ``Execute`` preprocessor (errors allowed, the same error recording
as ``nbgrader autograde``), and :func:`scores` applies nbgrader's ``determine_grade`` to each
test cell (zero on an error or on any stderr output).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["code", "test_cell", "notebook", "execute", "scores", "SETUP"]

#: The locked first cell of every course notebook.
SETUP = "%xmode Minimal\nfrom course import check"


def code(source: str):
    """A plain code cell."""
    from nbformat.v4 import new_code_cell

    return new_code_cell(source)


def test_cell(source: str, grade_id: str, points: float = 1):
    """A locked, graded test cell (nbgrader metadata) -- named for nbgrader, not for pytest."""
    cell = code(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": points,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    return cell


test_cell.__test__ = False  # not a pytest test


def notebook(cells):
    """A notebook of the given cells (sources become plain code cells)."""
    from nbformat.v4 import new_notebook

    return new_notebook(
        cells=[code(c) if isinstance(c, str) else c for c in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )


def execute(nb, cwd: str | os.PathLike, *, timeout: int = 60):
    """Run ``nb`` in a fresh kernel (this Python) with nbgrader's Execute preprocessor."""
    from nbgrader.preprocessors import Execute

    bindir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if not path.startswith(bindir + os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + path  # the kernel spec runs `python`
    runner = Execute(timeout=timeout)
    nb, _ = runner.preprocess(nb, {"metadata": {"path": str(Path(cwd))}})
    return nb


def scores(nb) -> dict[str, float]:
    """nbgrader's score of every test cell, by grade id."""
    from nbgrader.utils import determine_grade

    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            score, _max = determine_grade(cell)
            out[meta["grade_id"]] = float(score)
    return out

"""Thin wrappers over nbgrader's Python API, configured from a course folder's nbgrader_config.py.

Each function takes the course root explicitly, so the gate can run on a throwaway copy.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = ["load_config", "generate_release", "validate", "autograde_versions", "score_of"]


def _tools_on_path() -> None:
    """nbgrader runs the ``alembic`` command by name when it opens a gradebook: put this
    environment's scripts first on PATH, or it fails with FileNotFoundError: 'alembic'."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def load_config(course_root: Path) -> Config:
    """The course's nbgrader configuration, rooted at ``course_root``."""
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    cfg.CourseDirectory.root = str(course_root)
    return cfg


def _api(course_root: Path):
    from nbgrader.apps import NbGraderAPI

    _tools_on_path()
    return NbGraderAPI(config=load_config(course_root))


def _error_text(result: dict) -> str | None:
    if result.get("success"):
        return None
    text = (result.get("error") or result.get("log") or "unknown error").strip().splitlines()
    return " / ".join(text[-3:])


def generate_release(course_root: Path, assignment: str) -> str | None:
    """Regenerate ``release/<assignment>`` in ``course_root``; returns an error text or None."""
    result = _api(course_root).generate_assignment(assignment, force=True, create=True)
    return _error_text(result)


def validate(notebook: Path, *, invert: bool) -> list[str]:
    """Problems nbgrader's Validator finds (``invert``: cells that should fail but pass)."""
    from nbgrader.validator import Validator

    cfg = load_config(notebook.parent.parent.parent)
    validator = Validator(config=cfg)
    validator.invert = invert
    results = validator.validate(str(notebook))
    problems = []
    for kind, cells in results.items():
        for cell in cells:
            first = cell.get("source", "").strip().splitlines()[:1]
            where = first[0][:70] if first else "(empty cell)"
            if kind == "failed":
                error = (cell.get("raw_error") or "").strip().splitlines()[-1:] or [""]
                problems.append(f"a test fails: {where!r}: {error[0][:160]}")
            elif kind == "passed":
                problems.append(f"a test passes without an answer: {where!r}")
            else:
                problems.append(f"{kind}: {where!r}")
    return problems


def score_of(course_root: Path, assignment: str, student: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    api = _api(course_root)
    with Gradebook(api.coursedir.db_url, api.course_id) as gb:
        sub = gb.find_submission(assignment, student)
        return float(sub.score), float(sub.max_score)


def autograde_versions(course_root: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """Autograde the solution (source) and the blank (release) as two students' submissions."""
    versions = {
        "solution": course_root / "source" / assignment,
        "blank": course_root / "release" / assignment,
    }
    api = _api(course_root)
    scores: dict[str, tuple[float, float]] = {}
    for student, folder in versions.items():
        target = course_root / "submitted" / student / assignment
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        result = api.autograde(assignment, student, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"autograde of the {student} version failed: {_error_text(result)}")
        if not (course_root / "autograded" / student / assignment).exists():
            raise RuntimeError(
                f"autograde of the {student} version produced nothing (kernel died?)"
            )
        scores[student] = score_of(course_root, assignment, student)
    return scores

"""A learner's progress, kept in their workspace as ``.course-progress.json``.

Every visible or hidden check, quiz answer and revealed hint is recorded here, so the start page
can show how far a learner has come.  The file lives in ``config.workspace_dir()`` (never in the
repository) and belongs to the learner; it is not used for grading.

Recording must never break a check: any problem writing the file is swallowed.  Nothing is
recorded while nbgrader validates or autogrades (``NBGRADER_EXECUTION`` is set), nor when
``COURSE_PROGRESS=off``.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path

from course import config
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)

__all__ = [
    "progress_path",
    "load",
    "update",
    "record_check",
    "record_quiz",
    "record_hint",
    "enabled",
]

FILENAME = ".course-progress.json"
_VERSION = 1


def progress_path() -> Path:
    """Where the progress file lives: ``<workspace>/.course-progress.json``."""
    return config.workspace_dir() / FILENAME


def enabled() -> bool:
    """False while nbgrader runs a notebook, or when ``COURSE_PROGRESS=off``."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return False
    return os.environ.get("COURSE_PROGRESS", "").strip().lower() not in ("off", "0", "no")


def _empty() -> dict:
    return {"version": _VERSION, "exercises": {}, "quizzes": {}, "hints": {}}


def load() -> dict:
    """The progress so far (an empty record if there is none or it cannot be read)."""
    try:
        with open(progress_path(), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return _empty()
    if not isinstance(data, dict):
        return _empty()
    base = _empty()
    for key, value in data.items():  # other parts (drills, skills check, path) are kept as they are
        if key not in base or isinstance(value, dict):
            base[key] = value
    base["version"] = _VERSION
    return base


def update(change) -> None:
    """Apply ``change(data)`` to the progress file and save it whole (for the skills check, the
    personal path and the drills' schedule, which keep their own parts of the file)."""
    _update(change)


def _now() -> str:
    return datetime.datetime.now().isoformat(timespec="seconds")


def _save(data: dict) -> None:
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".course-progress-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _update(change) -> None:
    if not enabled():
        return
    try:
        data = load()
        change(data)
        _save(data)
    except Exception:  # a progress file must never break a check
        pass


def record_check(result) -> None:
    """Record one check's outcome (a :class:`course.check.feedback.Result`)."""

    def change(data):
        entry = data["exercises"].setdefault(result.qid, {})
        entry["module"] = result.module
        entry["label"] = result.label
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        key = "hidden_passed" if result.hidden else "passed"
        entry[key] = bool(result.passed)
        if result.passed and not result.hidden:
            entry.setdefault("first_passed", _now())
        entry["last"] = _now()

    _update(change)


def record_quiz(module: str, question: str, correct: bool) -> None:
    """Record one quiz answer."""

    def change(data):
        entry = data["quizzes"].setdefault(f"{module}/{question}", {})
        entry["module"] = module
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        entry["correct"] = bool(correct)
        entry["last"] = _now()

    _update(change)


def record_hint(qid: str, shown: int) -> None:
    """Record how many hints of an exercise the learner has opened."""

    def change(data):
        data["hints"][qid] = max(int(data["hints"].get(qid, 0)), int(shown))

    _update(change)

"""Demo data for a notebook that should not need the built course data (module 00's shelf).

A bank may carry a ``demo`` section: ``setup`` (the tables, run in both databases), ``library``
and ``shadow`` (their rows -- different, so hidden checks still mean something).
``check.use_demo("00-start-here")`` builds the two small DuckDB files in a private temporary
folder (a few milliseconds) and points the checks, ``check.show`` and the widgets at them for
the rest of the kernel's life; ``check.use_demo(None)`` points them back at the course data.

Only the course's own banks can provide demo data, and while a demo is on, the checks of any
other module refuse to run (so a notebook cannot swap the course data for tables of its own).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import yaml

from course.check import database
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.bank import BankError, banks_dir

__all__ = ["use_demo", "demo_folder"]

_FOLDERS: list[Path] = []


def demo_folder() -> Path | None:
    """The folder of the demo databases in use, if any."""
    return _FOLDERS[-1] if _FOLDERS and database._OVERRIDES else None


def _bank_path(module) -> Path:
    candidate = Path(module)
    if candidate.suffix not in (".yml", ".yaml"):
        candidate = banks_dir() / f"{module}.yml"
    candidate = candidate.resolve()
    if candidate.parent != banks_dir().resolve() or not candidate.exists():
        # Only the course's own banks: demo data from anywhere else could stand in for the
        # course data under every check.
        raise BankError(f"There is no course exercise bank called {Path(module).stem}.")
    return candidate


def _cleanup() -> None:
    for folder in _FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)


def use_demo(module: str | os.PathLike | None) -> None:
    """Use the demo data of a module's bank (by folder name or path); ``None`` turns it off."""
    if module is None:
        database.set_overrides(None)
        database.clear_cache()
        return
    path = _bank_path(module)
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    demo = data.get("demo")
    if not demo:
        raise BankError(f"The exercise bank {path.name} has no demo data.")
    if not _FOLDERS:
        atexit.register(_cleanup)
    folder = Path(tempfile.mkdtemp(prefix="course-demo-"))
    _FOLDERS.append(folder)
    paths = {}
    for db in ("library", "shadow"):
        if db not in demo:  # a learner build's bank has no copy for the hidden checks
            continue
        target = folder / f"{db}.duckdb"
        con = duckdb.connect(str(target))
        try:
            con.execute(demo["setup"])
            con.execute(demo[db])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        paths[db] = target
    database.set_overrides(paths, module=str(data.get("module", path.stem)))
    database.clear_cache()

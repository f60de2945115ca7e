"""Connections to the course databases.

``connect()`` opens the built course data read-only, so nothing a learner runs can change it and
many learners can share one copy.  ``scratch()`` opens the learner's own writable database, which
lives in the workspace and is never touched when the course data is rebuilt.  ``connect("mine")``
opens the learner's own catalog, made by ``course import``, read-only in the same way.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from course import config

__all__ = ["CourseDataMissing", "MyDataMissing", "connect", "has_my_data", "scratch", "memory"]


class CourseDataMissing(FileNotFoundError):
    """The course database has not been built yet (or was moved)."""


class MyDataMissing(CourseDataMissing):
    """No catalog of the learner's own has been imported yet."""


def has_my_data() -> bool:
    """Whether the learner has imported a catalog of their own (``course import``)."""
    return config.mydata_db_path().is_file()


def connect(name: str = "library") -> duckdb.DuckDBPyConnection:
    """Open the course database ``library`` (default) or ``shadow``, or ``mine`` (the catalog
    you imported with ``course import``), read-only."""
    path = config.database_path(name)
    if name == "mine" and not path.exists():
        raise MyDataMissing(
            "You have not imported a catalog of your own yet: run `course import FILE` in a "
            "terminal with a MARC, MARCXML or CSV export from your library system, then run "
            "this cell again."
        )
    if not path.exists():
        raise CourseDataMissing(
            f"The course database {path.name} is not built yet: run "
            f"`{config.command('data')}` in a terminal, then run this cell again."
        )
    return duckdb.connect(str(path), read_only=True)


def scratch(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the learner's writable scratch database (created on first use)."""
    target = Path(path) if path is not None else config.scratch_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(target))


def memory() -> duckdb.DuckDBPyConnection:
    """A throwaway in-memory database, e.g. for checking a learner's CREATE TABLE."""
    return duckdb.connect(":memory:")

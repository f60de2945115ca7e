"""Connections to the course databases.

``connect()`` opens the built course data read-only, so nothing a learner runs can change it and
many learners can share one copy.  ``scratch()`` opens the learner's own writable database, which
lives in the workspace and is never touched when the course data is rebuilt.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from course import config

__all__ = ["CourseDataMissing", "connect", "scratch", "memory"]


class CourseDataMissing(FileNotFoundError):
    """The course database has not been built yet (or was moved)."""


def connect(name: str = "library") -> duckdb.DuckDBPyConnection:
    """Open the course database ``library`` (default) or ``shadow``, read-only."""
    path = config.database_path(name)
    if not path.exists():
        raise CourseDataMissing(
            f"The course database {path.name} is not built yet: run `make data` "
            "(or `course data`) in a terminal, then run this cell again."
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

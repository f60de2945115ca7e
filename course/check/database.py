"""Running SQL for the checks: read-only course data, a fresh cursor per query, a time limit.

Each course database (``library`` or ``shadow``) is attached read-only under the catalog name
``library`` in a private in-memory DuckDB, so the same SQL runs on both (``library.bib`` included)
and nothing a learner runs can change the data.  A connection is kept per process and reopened
when the database file changes (a rebuild).

Learner SQL must be one SELECT-like statement (``SELECT``, ``WITH``, ``FROM``, ``VALUES``,
``TABLE``, ``DESCRIBE``...); it runs in a fresh cursor, so temporary views or settings it might
create never leak into the next query.  Reference results are cached per process, keyed by the
database file's identity and the SQL text.
"""

from __future__ import annotations

import os
import re
import threading

import duckdb

from course import config
from course.check import messages
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.cells import Table, table_from_rows

__all__ = [
    "SqlProblem",
    "connection",
    "run_select",
    "cached_select",
    "timeout_seconds",
    "clear_cache",
    "has_code",
    "execute_limited",
    "attach_course",
    "course_path",
    "set_overrides",
    "demo_module",
    "run_dataframe",
    "ROW_CAP",
]

#: Rows fetched from a learner's query before only counting the rest.
ROW_CAP = 200_000

_WRITES = {"CREATE", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "COPY", "CREATE_FUNC"}
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)

_extract = duckdb.extract_statements
_Error = duckdb.Error
_SELECT = duckdb.StatementType.SELECT
_connect = duckdb.connect
_Timer = threading.Timer
_Lock = threading.Lock


class SqlProblem(Exception):
    """A learner's SQL could not be used; ``sentence`` says why in plain words."""

    def __init__(self, tag: str, sentence: str):
        super().__init__(sentence)
        self.tag = tag
        self.sentence = sentence


def timeout_seconds() -> float:
    """How long a learner's query may run (``COURSE_CHECK_TIMEOUT``, default 20 s)."""
    try:
        return float(os.environ.get("COURSE_CHECK_TIMEOUT", "") or 20.0)
    except ValueError:
        return 20.0


def has_code(sql: str) -> bool:
    """Whether ``sql`` holds anything besides comments and whitespace."""
    return bool(_COMMENT.sub(" ", sql).strip())


_CONNECTIONS: dict[str, tuple] = {}
_OVERRIDES: dict[str, object] = {}  # set by course.check.demo.use_demo
_DEMO_MODULE: list[str] = []
_RESULTS: dict[tuple, Table] = {}
_LOCK = _Lock()


def _stamp(path) -> tuple:
    st = os.stat(path)
    return (str(path), st.st_mtime_ns, st.st_size, st.st_ino)


def course_path(db: str = "library"):
    """The database file the checks use for ``db``: the course data, or a demo's while one is on."""
    override = _OVERRIDES.get(db)
    return override if override is not None else config.database_path(db)


def set_overrides(paths: dict | None, module: str | None = None) -> None:
    """Point the checks at a module's demo databases (``{"library": path, "shadow": path}``)."""
    _OVERRIDES.clear()
    _DEMO_MODULE.clear()
    if paths:
        _OVERRIDES.update(paths)
        _DEMO_MODULE.append(module or "")


def demo_module() -> str | None:
    """The module whose demo data the checks use, or None (the course data)."""
    return _DEMO_MODULE[0] if _DEMO_MODULE else None


def connection(db: str = "library"):
    """``(connection, stamp)`` for a course database attached read-only as ``library``."""
    path = course_path(db)
    if not path.exists():
        if db in _OVERRIDES:
            raise SqlProblem(
                "data", "This notebook's demo data is gone: run the notebook's first cell again."
            )
        from course import db as course_db

        try:
            course_db.connect(db).close()
        except course_db.CourseDataMissing as exc:
            raise SqlProblem("data", str(exc)) from None
    stamp = _stamp(path)
    with _LOCK:
        hit = _CONNECTIONS.get(db)
        if hit is not None and hit[0] == stamp:
            return hit[1], stamp
        if hit is not None:
            try:
                hit[1].close()
            except _Error:
                pass
        con = _connect(":memory:")
        attach_course(con, db)
        _CONNECTIONS[db] = (stamp, con)
        return con, stamp


def attach_course(con, db: str = "library") -> None:
    """Attach a course database read-only as ``library`` to ``con`` (a plain sentence if not)."""
    quoted = str(course_path(db)).replace("'", "''")
    try:
        con.execute(f"ATTACH '{quoted}' AS library (READ_ONLY)")
    except _Error:
        raise SqlProblem(
            "data",
            "The course database is open for writing somewhere in this notebook (duckdb.connect "
            "without read_only=True): restart the kernel and open it with read_only=True.",
        ) from None


def clear_cache() -> None:
    """Forget cached reference results and close the cached connections."""
    with _LOCK:
        _RESULTS.clear()
        for _old, con in _CONNECTIONS.values():
            try:
                con.close()
            except _Error:
                pass
        _CONNECTIONS.clear()


def _one_select(sql: str) -> None:
    if not has_code(sql):
        raise SqlProblem("empty", "Your answer is empty: write a SELECT query between the quotes.")
    try:
        statements = _extract(sql)
    except _Error as exc:
        raise SqlProblem(*messages.sql_error(str(exc), sql)) from None
    if len(statements) == 0:
        raise SqlProblem("empty", "Your answer is empty: write a SELECT query between the quotes.")
    if len(statements) > 1:
        raise SqlProblem(
            "statement",
            f"Your answer holds {len(statements)} SQL statements; this question wants one "
            "SELECT query, so keep only the query (nothing after the first ;).",
        )
    kind = statements[0].type
    if kind != _SELECT:
        name = str(kind).rsplit(".", 1)[-1]
        if name in _WRITES:
            raise SqlProblem(*messages.sql_error("Invalid Input Error: read-only mode", sql))
        raise SqlProblem(
            "statement",
            f"Your answer is a {name} statement; this question wants a SELECT query.",
        )


def execute_limited(cur, sql: str, timeout: float | None = None) -> None:
    """Run one statement on ``cur``, interrupting it after ``timeout`` seconds."""
    timer = _Timer(timeout or timeout_seconds(), cur.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cur.execute(sql)
    finally:
        timer.cancel()


def _fetch(cur, sql: str, timeout: float) -> Table:
    timer = _Timer(timeout, cur.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cur.execute(sql)
        description = cur.description or ()
        raw = cur.fetchmany(ROW_CAP + 1)
        nrows, truncated = len(raw), False
        if nrows > ROW_CAP:
            truncated = True
            while True:
                chunk = cur.fetchmany(100_000)
                if not chunk:
                    break
                nrows += len(chunk)
    except _Error as exc:
        raise SqlProblem(*messages.sql_error(str(exc), sql, timeout=timeout)) from None
    finally:
        timer.cancel()
    try:
        reads = bool(cur.get_table_names(sql))
    except _Error:
        reads = True
    return table_from_rows(
        [d[0] for d in description],
        [d[1] for d in description],
        raw,
        nrows=nrows,
        truncated=truncated,
        reads_tables=reads,
    )


def run_select(sql: str, db: str = "library", *, timeout: float | None = None) -> Table:
    """Run one learner SELECT on a course database and return its :class:`Table`.

    Raises :class:`SqlProblem` (with a plain sentence) when the SQL is empty, is not one SELECT,
    cannot be read or run, tries to write, or runs past the time limit.
    """
    _one_select(sql)
    con, _ = connection(db)
    cur = con.cursor()
    try:
        cur.execute("USE library")
        return _fetch(cur, sql, timeout or timeout_seconds())
    finally:
        cur.close()


def cached_select(sql: str, db: str = "library") -> Table:
    """A trusted query's result (reference or listed mistake), cached per process."""
    con, stamp = connection(db)
    key = (db, stamp, sql)
    hit = _RESULTS.get(key)
    if hit is not None:
        return hit
    cur = con.cursor()
    try:
        cur.execute("USE library")
        table = _fetch(cur, sql, 600.0)
    finally:
        cur.close()
    _RESULTS[key] = table
    return table


def run_dataframe(frame) -> Table:
    """Read a pandas DataFrame through DuckDB into a :class:`Table` (values, not methods)."""
    con = _memory()
    cur = con.cursor()
    try:
        cur.register("__course_answer", frame)
        try:
            return _fetch(cur, 'SELECT * FROM "__course_answer"', 60.0)
        finally:
            cur.unregister("__course_answer")
    finally:
        cur.close()


_MEMORY: list = []


def _memory():
    if not _MEMORY:
        _MEMORY.append(_connect(":memory:"))
    return _MEMORY[0]

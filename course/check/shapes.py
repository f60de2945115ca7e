"""The shape of a table in a state check: columns and types, keys, contents -- and how two differ.

Used by :mod:`course.check.state_checks` to compare the learner's tables with the reference's.
Types compare by kind (whole number, fixed decimals, text, date...) unless the exercise says
``types: strict``; extra keys on the learner's side are fine, missing ones are not.
"""

from __future__ import annotations

from dataclasses import dataclass

from course.check import messages
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.bank import Exercise
from course.check.cells import Table, table_from_rows
from course.check.results import Spec, compare

__all__ = [
    "Shape",
    "TYPE_WORDS",
    "table_names",
    "shape_of",
    "compare_columns",
    "compare_keys",
    "compare_contents",
]

_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT"}
_INTEGERS |= {"UINTEGER", "UBIGINT", "UHUGEINT"}
TYPE_WORDS = {
    "integer": "whole numbers (INTEGER)",
    "decimal": "numbers with fixed decimals (DECIMAL)",
    "float": "approximate numbers (DOUBLE)",
    "text": "text (VARCHAR)",
    "date": "dates (DATE)",
    "timestamp": "dates with times (TIMESTAMP)",
    "time": "times of day (TIME)",
    "boolean": "true/false values (BOOLEAN)",
}


def _kind(sql_type: str) -> str:
    t = sql_type.upper()
    if t in _INTEGERS:
        return "integer"
    if t.startswith("DECIMAL"):
        return "decimal"
    if t in ("DOUBLE", "FLOAT", "REAL"):
        return "float"
    if t.startswith("VARCHAR"):
        return "text"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t.startswith("TIME"):
        return "time"
    if t in ("DATE", "BOOLEAN"):
        return t.lower()
    return t


@dataclass(frozen=True)
class Shape:
    name: str
    columns: tuple  # ((name, type), ...)
    pk: tuple
    fks: frozenset
    data: Table


def table_names(con) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' UNION SELECT view_name FROM duckdb_views() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal"
    ).fetchall()
    return sorted(r[0] for r in rows)


def shape_of(con, name: str) -> Shape:
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [name],
    ).fetchall()
    pk, fks = (), set()
    for kind, cols, ref in con.execute(
        "SELECT constraint_type, constraint_column_names, referenced_table FROM "
        "duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name = ?",
        [name],
    ).fetchall():
        lowered = tuple(sorted(c.casefold() for c in cols))
        if kind == "PRIMARY KEY":
            pk = lowered
        elif kind == "FOREIGN KEY":
            fks.add((lowered, (ref or "").casefold()))
    cur = con.execute(f'SELECT * FROM main."{name}"')
    description = cur.description or ()
    data = table_from_rows([d[0] for d in description], [d[1] for d in description], cur.fetchall())
    return Shape(name, tuple((c, str(t)) for c, t in columns), pk, frozenset(fks), data)


def compare_columns(mine: Shape, ref: Shape, ex: Exercise) -> str | None:
    t = ref.name
    have = {c.casefold(): ty for c, ty in mine.columns}
    want = {c.casefold(): ty for c, ty in ref.columns}
    for col, _ty in ref.columns:
        if col.casefold() not in have:
            return f"Table {t} has no column called {col}: add it to your CREATE TABLE."
    for col, _ty in mine.columns:
        if col.casefold() not in want:
            return f"Table {t} has a column {col} that this exercise does not ask for: remove it."
    for col, ref_type in ref.columns:
        my_type = have[col.casefold()]
        if ex.types == "strict":
            if my_type.upper() != ref_type.upper():
                return f"Column {t}.{col} is {my_type}; this exercise asks for {ref_type}."
        elif _kind(my_type) != _kind(ref_type):
            mine_w = TYPE_WORDS.get(_kind(my_type), my_type)
            want_w = TYPE_WORDS.get(_kind(ref_type), ref_type)
            return f"Column {t}.{col} holds {mine_w}, but this design needs {want_w}."
    return None


def compare_keys(mine: Shape, ref: Shape) -> str | None:
    t = ref.name
    if ref.pk and not mine.pk:
        return f"Table {t} has no primary key: which column identifies each row?"
    if ref.pk and ref.pk != mine.pk:
        return (
            f"The primary key of {t} is on {', '.join(mine.pk)}: think again about which "
            "column (or columns) identifies each row."
        )
    for cols, target in sorted(ref.fks):
        if (cols, target) not in mine.fks:
            return (
                f"Table {t} does not link {', '.join(cols)} to the {target} table: add a "
                "foreign key (REFERENCES)."
            )
    return None


def compare_contents(mine: Shape, ref: Shape, ex: Exercise) -> str | None:
    spec = Spec(names="strict", tolerance=ex.spec.tolerance)
    diff = compare(mine.data, ref.data, spec)
    if diff.ok:
        return None
    if diff.stage == "rows":
        have, want = diff.info["have"], diff.info["want"]
        return (
            f"Table {ref.name} holds {messages.plural(have, 'row')}; expected "
            f"{messages.number(want)}: check your INSERT (and DELETE) statements."
        )
    column = diff.info.get("name")
    where = f" in column {column}" if column else ""
    return (
        f"Table {ref.name} has the right number of rows, but some values{where} are not the "
        "expected ones: check your INSERT and UPDATE statements."
    )

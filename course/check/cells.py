"""Results as plain, comparable data: cell keys, column families, and the :class:`Table`.

Every answer -- SQL, a jupysql result, a DataFrame -- is read through DuckDB and turned into a
:class:`Table`: column names, one *family* per column (number, text, date, ...) and rows of
**cell keys**.  A cell key is a pair ``(rank, payload)`` built here from exact builtin types only
(``(2, 1204)`` for a number, ``(4, 'Paris')`` for text, ``(0, 0)`` for NULL), so comparing two
results never calls a method of an object a learner made, and sorting is total.

NULL equals NULL; ``3``, ``3.0`` and ``DECIMAL '3.00'`` are the same number; dates and timestamps
are kept as their ISO text, so a date cast to text still matches.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import decimal as _decimal
import gc
import uuid as _uuid
from dataclasses import dataclass, field

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import blake2b

__all__ = ["Table", "cell", "family_of", "compatible", "table_from_rows", "gc_paused"]


_NULL = (0, 0)
_NAN = (3, 0)
_INT_EXACT = 2**53


def _number(v):
    if v != v:  # NaN
        return _NAN
    if v in (float("inf"), float("-inf")):
        return (2, v)
    if v == int(v) and -_INT_EXACT < v < _INT_EXACT:
        return (2, int(v))
    return (2, v)


def cell(v) -> tuple:
    """The comparison key of one value as DuckDB returns it (see the module docstring)."""
    t = type(v)
    if v is None:
        return _NULL
    if t is str:
        return (4, v)
    if t is bool:
        return (1, 1 if v else 0)
    if t is int:
        return (2, v)
    if t is float:
        return _number(v)
    if t is _decimal.Decimal:
        if v.is_nan():
            return _NAN
        if v == v.to_integral_value():
            return (2, int(v))
        return (2, float(v))
    if t is _dt.date or t is _dt.datetime or t is _dt.time:
        return (4, str(v))
    if t is _dt.timedelta:
        return (6, v.total_seconds())
    if t is bytes or t is bytearray or t is memoryview:
        return (7, bytes(v).hex())
    if t is _uuid.UUID:
        return (4, str(v))
    if t is list or t is tuple:
        return (5, tuple(cell(x) for x in v))
    if t is dict:
        return (5, tuple(((4, str(k)), cell(x)) for k, x in v.items()))
    # Anything else (an object a learner made, say) is equal only to itself.
    return (9, id(v))


_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}


def family_of(sql_type: str) -> str:
    """The family of a DuckDB type name: number, text, date, bool, interval, blob, list, ..."""
    t = sql_type.upper()
    if t.endswith("]"):
        return "list"
    if t in _INTEGER_TYPES or t.startswith("DECIMAL") or t in ("DOUBLE", "FLOAT", "REAL"):
        return "number"
    if t.startswith("VARCHAR") or t in ("UUID", "JSON") or t.startswith("ENUM"):
        return "text"
    if t.startswith(("DATE", "TIME")):
        return "date"
    if t == "BOOLEAN":
        return "bool"
    if t == "INTERVAL":
        return "interval"
    if t == "BLOB":
        return "blob"
    if t.startswith(("STRUCT", "MAP", "UNION")):
        return "struct"
    if t == "NULL":
        return "null"
    return "other"


def _rank(sql_type: str) -> int:
    """The rank every non-NULL value of a column of this type gets directly (0: use ``cell``)."""
    t = sql_type.upper()
    if t in _INTEGER_TYPES:
        return 2
    if t == "VARCHAR":
        return 4
    return 0


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while building many small tuples.

    Cell keys are tuples of numbers and strings (no cycles); with the collector on, building
    tens of thousands of them triggers repeated scans of everything alive in the kernel.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _convert(rank: int, column) -> tuple:
    if rank:
        null = _NULL
        return tuple([null if v is None else (rank, v) for v in column])
    return tuple(map(cell, column))


def compatible(a: str, b: str) -> bool:
    """Whether two column families can hold equal values (dates may be compared as text)."""
    return a == b or "null" in (a, b) or "other" in (a, b) or {a, b} == {"date", "text"}


@dataclass(frozen=True, repr=False)
class Table:
    """A result reduced to comparable data.  Its repr shows the shape only, never values."""

    names: tuple
    families: tuple
    rows: tuple  # tuple of row keys (tuples of cell keys); empty when ``truncated``
    nrows: int
    truncated: bool = False
    reads_tables: bool = True
    sorted_rows: tuple = field(default=None, compare=False)

    @property
    def ncols(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"<Table: {self.ncols} columns, {self.nrows} rows>"

    def digest(self) -> str:
        """A hash of the sorted rows, for caching and logging without values."""
        h = blake2b(digest_size=12)
        h.update(repr((self.names, self.families, self.sorted())).encode("utf-8"))
        return h.hexdigest()

    def sorted(self) -> tuple:
        if self.sorted_rows is None:
            object.__setattr__(self, "sorted_rows", tuple(sorted(self.rows)))
        return self.sorted_rows


def table_from_rows(
    names, sql_types, raw_rows, *, nrows=None, reads_tables=True, truncated=False
) -> Table:
    """Build a :class:`Table` from DuckDB's column names, type names and fetched rows."""
    names = tuple(str(n) for n in names)
    sql_types = tuple(str(t) for t in sql_types)
    ranks = [_rank(t) for t in sql_types]
    if truncated or not raw_rows:
        rows = ()
    elif len(ranks) == 1:
        with gc_paused():
            rows = tuple((c,) for c in _convert(ranks[0], [r[0] for r in raw_rows]))
    else:
        with gc_paused():
            transposed = zip(*raw_rows, strict=True)
            columns = [_convert(rank, col) for rank, col in zip(ranks, transposed, strict=True)]
            rows = tuple(zip(*columns, strict=True))
    return Table(
        names=names,
        families=tuple(family_of(t) for t in sql_types),
        rows=rows,
        nrows=len(raw_rows) if nrows is None else nrows,
        truncated=truncated,
        reads_tables=reads_tables,
    )

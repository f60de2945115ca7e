"""A query result's fingerprint, and the fixed-order comparison run against it (learner build).

The learner build stores, for each query exercise, the fingerprint of the reference's result on
the course data instead of the reference itself (see :mod:`course.check.stored`).
:func:`compare_stored` walks the same stages as :func:`course.check.results.compare` -- columns,
row count, values, order -- and returns the same :class:`~course.check.results.Diff`, so every
sentence built from it is the one the full build gives.

What a fingerprint holds, and why:

* the column names and families, row count, whether it was cut at the row cap and whether the
  query reads a table: sentences and the column stage use them;
* one digest per column (the sorted multiset of its values): the column stage matches columns by
  content when names differ, and the values stage names the first column that differs;
* one digest of the sorted rows: the values stage compares the results as multisets;
* when the exercise asks for an order, one digest per row of its order keys: the order stage
  names the learner's first row out of place.

Numbers compared with a tolerance (``tolerance:`` in the bank, or any number with decimals, which
the full build compares within a relative 1e-9) cannot be digested: a digest of rounded values
fails at rounding boundaries.  Those columns are stored as numbers, rounded far below the
tolerance (6 digits finer, or 12 significant digits), in sorted order per column and beside each
row's digest of its other values: a check that accepts every answer within ``t`` of ``x`` gives
``x`` away to within ``t`` anyway, to anyone who tries enough answers.
"""

from __future__ import annotations

import math

from course.check import stored
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import blake2b
from course.check.cells import Table, compatible, gc_paused
from course.check.results import Diff, Spec, _same_cell, columns_stage, values_diff

__all__ = ["StoredTable", "fingerprint", "compare_stored"]

_MATCH = Diff(None)


def _exact(key):
    """A cell key as digests see it: a float within 1e-9 of a whole number counts as that number
    (the full build's relative 1e-9 makes them equal)."""
    if key[0] == 2 and type(key[1]) is float and math.isfinite(key[1]):
        whole = round(key[1])
        if abs(key[1] - whole) <= 1e-9 * max(abs(key[1]), 1.0) and abs(whole) < 2**53:
            return (2, int(whole))
    return key


def _exact_rows(rows) -> list:
    """Rows with :func:`_exact` applied, touching only the columns that hold a float (fast for
    the usual results of whole numbers and text)."""
    rows = list(rows)
    if not rows:
        return rows
    floats = [i for i in range(len(rows[0])) if any(type(r[i][1]) is float for r in rows)]
    if not floats:
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i in floats:
            row[i] = _exact(row[i])
        out.append(tuple(row))
    return out


def _digest_rows(rows) -> str:
    """One digest of a sequence of rows of cell keys (each already :func:`_exact`)."""
    h = blake2b(digest_size=12, person=b"tsdl-rows")
    for row in rows:
        h.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


def _column_digest(values) -> str:
    """The digest of one column's values (a multiset: sorted here)."""
    return _digest_rows(sorted((_exact(v),) for v in values))


def _rounded(key, tolerance: float):
    """A number cell as stored for a loose column: rounded far below what the check can tell."""
    if key[0] != 2 or not isinstance(key[1], float) or not math.isfinite(key[1]):
        return list(key)
    if tolerance > 0:
        digits = max(0, math.ceil(-math.log10(tolerance))) + 6
        return [2, round(key[1], digits)]
    return [2, float(f"{key[1]:.12g}")]


def _loose_columns(table: Table, tolerance: float) -> tuple:
    """Reference columns compared as numbers within a tolerance: every number column when the
    exercise has a tolerance, else those holding a number with decimals."""
    out = []
    for j, family in enumerate(table.families):
        if family != "number":
            continue
        if tolerance > 0 or any(
            row[j][0] == 2 and isinstance(row[j][1], float) and _exact(row[j])[1] != row[j][1]
            for row in table.rows
        ):
            out.append(j)
    return tuple(out)


def _row_key(row, loose: tuple, exact_at: tuple):
    """``[digest of the exact cells, loose cells...]``: how a row is compared when some of its
    columns are loose."""
    return [stored.digest([_exact(row[i]) for i in exact_at])] + [list(row[i]) for i in loose]


def fingerprint(table: Table, *, tolerance: float = 0.0, order_keys=None) -> dict:
    """The JSON-able fingerprint of a reference (or listed mistake's) result.

    ``order_keys``: the column positions that define the expected order, or None when the
    exercise does not compare order.
    """
    loose = _loose_columns(table, tolerance)
    exact_at = tuple(j for j in range(table.ncols) if j not in loose)
    with gc_paused():
        columns = []
        for j in range(table.ncols):
            values = sorted(row[j] for row in table.rows)
            if j in loose:
                columns.append({"numbers": [_rounded(v, tolerance) for v in values]})
            else:
                columns.append({"digest": _column_digest(values)})
        if loose:
            rows = sorted(
                [stored.digest([_exact(r[i]) for i in exact_at])]
                + [_rounded(r[i], tolerance) for i in loose]
                for r in table.rows
            )
            rows_entry = {"rows": rows}
        else:
            rows_entry = {"digest": _digest_rows(sorted(_exact_rows(table.rows)))}
        order = None
        if order_keys is not None:
            keys = list(order_keys) or list(range(table.ncols))
            exact_keys = [k for k in keys if k not in loose]
            loose_keys = [k for k in keys if k in loose]
            order = [
                [stored.digest([_exact(r[k]) for k in exact_keys])]
                + [_rounded(r[k], tolerance) for k in loose_keys]
                for r in table.rows
            ]
    return {
        "names": list(table.names),
        "families": list(table.families),
        "nrows": table.nrows,
        "truncated": table.truncated,
        "reads_tables": table.reads_tables,
        "loose": list(loose),
        "columns": columns,
        "rows": rows_entry,
        "order": order,
    }


class StoredTable:
    """A fingerprint read back: what :func:`compare_stored` and the sentences need of a result."""

    def __init__(self, data: dict):
        self.names = tuple(data["names"])
        self.families = tuple(data["families"])
        self.nrows = int(data["nrows"])
        self.truncated = bool(data["truncated"])
        self.reads_tables = bool(data["reads_tables"])
        self.loose = tuple(data["loose"])
        self.columns = data["columns"]
        self.rows_entry = data["rows"]
        self.order = data.get("order")
        self.rows = ()  # never the values: sentences that would show them get none

    @property
    def ncols(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"<StoredTable: {self.ncols} columns, {self.nrows} rows>"


def _cells(values) -> list:
    return [tuple(v) for v in values]


def _column_matches(learner: Table, i: int, ref: StoredTable, j: int, tol: float) -> bool:
    values = sorted(row[i] for row in learner.rows)
    want = ref.columns[j]
    if "digest" in want:
        return _column_digest(values) == want["digest"]
    numbers = _cells(want["numbers"])
    if len(values) != len(numbers):
        return False
    return all(_same_cell(a, b, tol) for a, b in zip(values, numbers, strict=True))


def _rows_match(learner: Table, mapping, ref: StoredTable, tol: float) -> bool:
    if not ref.loose:
        rows = learner.rows
        if mapping != list(range(len(mapping))):
            rows = [tuple([row[i] for i in mapping]) for row in rows]
        return _digest_rows(sorted(_exact_rows(rows))) == ref.rows_entry["digest"]
    exact_at = [mapping[j] for j in range(ref.ncols) if j not in ref.loose]
    loose_at = [mapping[j] for j in ref.loose]
    mine = sorted(
        [stored.digest([_exact(row[i]) for i in exact_at])] + [row[i] for i in loose_at]
        for row in learner.rows
    )
    theirs = ref.rows_entry["rows"]
    if len(mine) != len(theirs):
        return False
    for a, b in zip(mine, theirs, strict=True):
        if a[0] != b[0]:
            return False
        if not all(_same_cell(x, tuple(y), tol) for x, y in zip(a[1:], b[1:], strict=True)):
            return False
    return True


def _content_mapping(learner: Table, ref: StoredTable, tol: float):
    used, out = set(), []
    for j in range(ref.ncols):
        order = [j] + [i for i in range(learner.ncols) if i != j]
        for i in order:
            if i in used or not compatible(learner.families[i], ref.families[j]):
                continue
            if _column_matches(learner, i, ref, j, tol):
                used.add(i)
                out.append(i)
                break
        else:
            return None
    return out


def _diagnose(learner: Table, ref: StoredTable, mapping, tol: float) -> Diff:
    def column_matches(i, j):
        return _column_matches(learner, i, ref, j, tol)

    return values_diff(learner, ref.families, mapping, column_matches)


def compare_stored(learner: Table, ref: StoredTable, spec: Spec) -> Diff:
    """:func:`course.check.results.compare`, with a stored fingerprint as the expected result."""
    diff, mapping, content_ok = columns_stage(learner, ref, spec)
    if diff is not None:
        return diff
    identity = list(range(ref.ncols))
    tol = spec.tolerance
    with gc_paused():
        if not _rows_match(learner, mapping, ref, tol):
            better = _content_mapping(learner, ref, tol) if content_ok else None
            if better is None or better == mapping:
                return _diagnose(learner, ref, mapping, tol)
            if not _rows_match(learner, better, ref, tol):
                return _diagnose(learner, ref, mapping, tol)
            mapping = better
        if spec.ordered:
            if ref.order is None:
                from course.check.bank import BankError

                raise BankError("the stored result has no order to compare with")
            keys = list(spec.order_by) or identity
            exact_keys = [mapping[k] for k in keys if k not in ref.loose]
            loose_keys = [mapping[k] for k in keys if k in ref.loose]
            for position, (row, want) in enumerate(zip(learner.rows, ref.order, strict=True)):
                if stored.digest([_exact(row[i]) for i in exact_keys]) != want[0]:
                    return Diff("order", "order", {"position": position})
                if not all(
                    _same_cell(row[i], tuple(w), tol)
                    for i, w in zip(loose_keys, want[1:], strict=True)
                ):
                    return Diff("order", "order", {"position": position})
    return _MATCH

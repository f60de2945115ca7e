"""The fixed-order comparison of two results: columns -> row count -> values -> order.

:func:`compare` stops at the first difference and returns a :class:`Diff` that says which stage
failed and why (counts, column positions and names only -- never values).  Numbers are equal
within the exercise's tolerance, and always within a relative 1e-9 (the noise of adding floats
in a different order).  Columns are matched by name when names are strict; when names are loose
they may come in any order (matched by name when the names agree, else by their contents),
unless the exercise asks for ``column_order: exact``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.cells import Table, compatible, gc_paused

__all__ = ["Spec", "Diff", "compare", "columns_stage", "values_diff", "same_table", "same_cell"]


# -- equality with tolerance -----------------------------------------------------------------


def _same_cell(a, b, tol) -> bool:
    if a == b:
        return True
    if a[0] != b[0]:
        return False
    if a[0] == 2:
        x, y = a[1], b[1]
        diff = abs(x - y)
        return diff <= tol or diff <= 1e-9 * max(abs(x), abs(y))
    if a[0] == 5:
        return len(a[1]) == len(b[1]) and all(
            _same_cell(p, q, tol) for p, q in zip(a[1], b[1], strict=True)
        )
    return False


def _same_row(a, b, tol) -> bool:
    return a == b or all(_same_cell(p, q, tol) for p, q in zip(a, b, strict=True))


def _same_sequence(xs, ys, tol) -> bool:
    if len(xs) != len(ys):
        return False
    if tuple(xs) == tuple(ys):
        return True
    return all(_same_row(a, b, tol) for a, b in zip(xs, ys, strict=True))


def _same_multiset(xs, ys, tol) -> bool:
    return _same_sequence(sorted(xs), sorted(ys), tol)


def _project(rows, mapping):
    if list(mapping) == list(range(len(mapping))):
        return rows
    return [tuple([row[i] for i in mapping]) for row in rows]


def _column(rows, i):
    return [(row[i],) for row in rows]


# -- the fixed-order comparison ---------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How an exercise compares results (from its bank entry)."""

    names: str = "loose"  # strict: names must match the reference (any case)
    column_order: str = "any"  # exact: columns in the reference's order
    ordered: bool = False
    order_by: tuple = ()  # reference column positions (0-based) that define the order
    tolerance: float = 0.0


@dataclass(frozen=True)
class Diff:
    """The first difference found: ``stage`` is None when the results match."""

    stage: str | None
    reason: str = ""
    info: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.stage is None


_MATCH = Diff(None)


def _name_mapping(have, want):
    """Indexes into ``have`` for each name of ``want`` (case-insensitive), or None."""
    pool = {}
    for i, n in enumerate(have):
        pool.setdefault(n.casefold(), []).append(i)
    out = []
    for n in want:
        slots = pool.get(n.casefold())
        if not slots:
            return None
        out.append(slots.pop(0))
    return out


def _content_mapping(learner: Table, ref: Table, tol):
    """Match each reference column to a learner column holding the same values, if possible."""
    used, out = set(), []
    for j in range(ref.ncols):
        want = _column(ref.rows, j)
        order = [j] + [i for i in range(learner.ncols) if i != j]
        for i in order:
            if i in used or not compatible(learner.families[i], ref.families[j]):
                continue
            if _same_multiset(_column(learner.rows, i), want, tol):
                used.add(i)
                out.append(i)
                break
        else:
            return None
    return out


def columns_stage(learner, ref, spec: Spec):
    """Stages 1 and 2 -- columns, then row count -- for any expected side with ``names``,
    ``ncols``, ``nrows`` and ``truncated`` (a :class:`Table` or a stored fingerprint).

    Returns ``(diff, mapping, content_ok)``: a Diff when a stage fails, else None with the
    learner column of each expected one, and whether columns may be matched by content."""
    if learner.ncols != ref.ncols:
        return Diff("columns", "count", {"have": learner.ncols, "want": ref.ncols}), None, False
    identity = list(range(ref.ncols))
    by_name = _name_mapping(learner.names, ref.names)
    content_ok = False
    if spec.names == "strict":
        if by_name is None:
            want = [
                n for n in ref.names if n.casefold() not in {x.casefold() for x in learner.names}
            ]
            extra = [
                n for n in learner.names if n.casefold() not in {x.casefold() for x in ref.names}
            ]
            return Diff("columns", "names", {"missing": want, "extra": extra}), None, False
        if spec.column_order == "exact" and by_name != identity:
            return Diff("columns", "order", {"want": list(ref.names)}), None, False
        mapping = by_name
    elif spec.column_order == "exact":
        mapping = identity
    elif by_name is not None:
        mapping = by_name
    else:
        mapping, content_ok = identity, True
    if learner.nrows != ref.nrows:
        return Diff("rows", "count", {"have": learner.nrows, "want": ref.nrows}), None, False
    if learner.truncated or ref.truncated:
        diff = Diff("rows", "too_many", {"have": learner.nrows, "want": ref.nrows})
        return diff, None, False
    return None, mapping, content_ok


def compare(learner: Table, ref: Table, spec: Spec) -> Diff:
    """Compare in the fixed order columns -> row count -> values -> order; stop at the first."""
    diff, mapping, content_ok = columns_stage(learner, ref, spec)
    if diff is not None:
        return diff
    with gc_paused():
        return _compare(learner, ref, spec, mapping, content_ok)


def _compare(learner: Table, ref: Table, spec: Spec, mapping, content_ok) -> Diff:
    tol = spec.tolerance
    identity = list(range(ref.ncols))
    # 3. values (as a multiset of rows)
    rows = _project(learner.rows, mapping)
    if not _same_sequence(sorted(rows), ref.sorted(), tol):
        better = _content_mapping(learner, ref, tol) if content_ok else None
        if better is None or better == mapping:
            return _diagnose(learner, ref, mapping, tol)
        rows = _project(learner.rows, better)
        if not _same_sequence(sorted(rows), ref.sorted(), tol):
            return _diagnose(learner, ref, mapping, tol)
    # 4. order
    if spec.ordered:
        keys = list(spec.order_by) or identity
        mine = [tuple(row[k] for k in keys) for row in rows]
        theirs = [tuple(row[k] for k in keys) for row in ref.rows]
        if not _same_sequence(mine, theirs, tol):
            pairs = enumerate(zip(mine, theirs, strict=True))
            first = next((i for i, (x, y) in pairs if not _same_row(x, y, tol)), 0)
            return Diff("order", "order", {"position": first})
    return _MATCH


def _diagnose(learner: Table, ref: Table, mapping, tol) -> Diff:
    def column_matches(i, j):
        return _same_multiset(_column(learner.rows, i), _column(ref.rows, j), tol)

    return values_diff(learner, ref.families, mapping, column_matches)


def values_diff(learner, ref_families, mapping, column_matches) -> Diff:
    """Why results whose rows differ differ: the first column of another type, else the first
    column whose values differ (``column_matches(learner column, expected column)``), else the
    pairing of values across rows."""
    for j, i in enumerate(mapping):
        if not compatible(learner.families[i], ref_families[j]):
            return Diff(
                "values",
                "types",
                {
                    "position": i + 1,
                    "name": learner.names[i],
                    "have": learner.families[i],
                    "want": ref_families[j],
                },
            )
    for j, i in enumerate(mapping):
        if not column_matches(i, j):
            return Diff("values", "column", {"position": i + 1, "name": learner.names[i]})
    return Diff("values", "pairing", {})


def same_table(a: Table, b: Table, spec: Spec) -> bool:
    """Whether two results are equal under ``spec`` (used to spot a listed mistake)."""
    return compare(a, b, spec).ok


def same_cell(a: tuple, b: tuple, tolerance: float = 0.0) -> bool:
    """Whether two cell keys are equal, numbers within ``tolerance``."""
    return _same_cell(a, b, tolerance)

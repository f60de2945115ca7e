"""Unit tests of result comparison: cell keys, the fixed order, tolerance, NULLs, ties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from course.check.cells import cell, family_of, table_from_rows
from course.check.results import Spec, compare


def table(names, types, rows, **kw):
    return table_from_rows(names, types, rows, **kw)


REF = table(["title", "year"], ["VARCHAR", "SMALLINT"], [("A", 2001), ("B", 2002), ("C", None)])


def test_equal_results_match_in_any_row_order():
    mine = table(["t", "y"], ["VARCHAR", "INTEGER"], [("C", None), ("A", 2001), ("B", 2002)])
    assert compare(mine, REF, Spec()).ok


def test_stage_order_columns_then_rows_then_values_then_order():
    assert compare(table(["t"], ["VARCHAR"], [("A",)]), REF, Spec()).stage == "columns"
    two = table(["t", "y"], ["VARCHAR", "INTEGER"], [("A", 2001), ("B", 2002)])
    assert compare(two, REF, Spec()).stage == "rows"
    wrong = table(["t", "y"], ["VARCHAR", "INTEGER"], [("A", 2001), ("B", 2003), ("C", None)])
    diff = compare(wrong, REF, Spec())
    assert (diff.stage, diff.reason, diff.info["position"]) == ("values", "column", 2)
    shuffled = table(["t", "y"], ["VARCHAR", "INTEGER"], [("B", 2002), ("A", 2001), ("C", None)])
    assert compare(shuffled, REF, Spec(ordered=True)).stage == "order"
    assert compare(shuffled, REF, Spec(ordered=False)).ok


def test_null_equals_null_but_not_a_value():
    nulls = table(["t", "y"], ["VARCHAR", "INTEGER"], [("A", 2001), ("B", 2002), ("C", 0)])
    assert compare(nulls, REF, Spec()).stage == "values"


def test_numbers_compare_by_value_across_types():
    ref = table(["n"], ["DECIMAL(10,2)"], [(Decimal("3.00"),), (Decimal("2.50"),)])
    mine = table(["n"], ["DOUBLE"], [(3.0,), (2.5,)])
    ints = table(["n"], ["BIGINT"], [(3,), (2,)])
    assert compare(mine, ref, Spec()).ok
    assert compare(ints, ref, Spec()).stage == "values"
    assert cell(3) == cell(3.0) == cell(Decimal("3.000"))


def test_float_tolerance_and_summation_noise():
    ref = table(["x"], ["DOUBLE"], [(0.1 + 0.2,), (1 / 3,)])
    noisy = table(["x"], ["DOUBLE"], [(0.3,), (0.3333333333333333,)])
    assert compare(noisy, ref, Spec()).ok  # relative 1e-9 always
    rounded = table(["x"], ["DOUBLE"], [(0.3,), (0.333,)])
    assert compare(rounded, ref, Spec()).stage == "values"
    assert compare(rounded, ref, Spec(tolerance=0.005)).ok


def test_booleans_are_not_numbers():
    ref = table(["b"], ["BOOLEAN"], [(True,), (False,)])
    mine = table(["b"], ["INTEGER"], [(1,), (0,)])
    diff = compare(mine, ref, Spec())
    assert (diff.stage, diff.reason) == ("values", "types")


def test_text_instead_of_numbers_is_a_type_difference():
    mine = table(["t", "y"], ["VARCHAR", "VARCHAR"], [("A", "2001"), ("B", "2002"), ("C", None)])
    diff = compare(mine, REF, Spec())
    assert (diff.reason, diff.info["have"], diff.info["want"]) == ("types", "text", "number")


def test_dates_match_their_iso_text():
    ref = table(["d"], ["DATE"], [(dt.date(2020, 1, 2),)])
    mine = table(["d"], ["VARCHAR"], [("2020-01-02",)])
    assert compare(mine, ref, Spec()).ok


def test_loose_names_allow_any_column_order_by_content():
    swapped = table(["y", "t"], ["INTEGER", "VARCHAR"], [(2001, "A"), (2002, "B"), (None, "C")])
    assert compare(swapped, REF, Spec()).ok
    assert compare(swapped, REF, Spec(column_order="exact")).stage == "values"


def test_strict_names_match_by_name_any_case():
    mine = table(["YEAR", "Title"], ["INTEGER", "VARCHAR"], [(2001, "A"), (2002, "B"), (None, "C")])
    assert compare(mine, REF, Spec(names="strict")).ok
    renamed = table(
        ["title", "yr"], ["VARCHAR", "INTEGER"], [("A", 2001), ("B", 2002), ("C", None)]
    )
    diff = compare(renamed, REF, Spec(names="strict"))
    assert (diff.stage, diff.reason, diff.info["missing"]) == ("columns", "names", ["year"])
    diff = compare(mine, REF, Spec(names="strict", column_order="exact"))
    assert (diff.stage, diff.reason) == ("columns", "order")


def test_pairing_wrong_across_rows():
    mine = table(["t", "y"], ["VARCHAR", "INTEGER"], [("A", 2002), ("B", 2001), ("C", None)])
    diff = compare(mine, REF, Spec())
    assert (diff.stage, diff.reason) == ("values", "pairing")


def test_order_by_keys_leaves_ties_free():
    ref = table(["t", "n"], ["VARCHAR", "INTEGER"], [("A", 3), ("B", 2), ("C", 2), ("D", 1)])
    tie_swapped = table(
        ["t", "n"], ["VARCHAR", "INTEGER"], [("A", 3), ("C", 2), ("B", 2), ("D", 1)]
    )
    assert compare(tie_swapped, ref, Spec(ordered=True, order_by=(1,))).ok
    assert compare(tie_swapped, ref, Spec(ordered=True)).stage == "order"
    wrong = table(["t", "n"], ["VARCHAR", "INTEGER"], [("D", 1), ("B", 2), ("C", 2), ("A", 3)])
    assert compare(wrong, ref, Spec(ordered=True, order_by=(1,))).stage == "order"


def test_objects_a_learner_made_never_match():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    a, b = AlwaysEqual(), AlwaysEqual()
    assert cell(a) != cell(b)
    assert cell(a)[0] == 9


def test_nested_values_and_nan():
    assert cell([1, 2.0]) == cell((1, 2))
    assert cell(float("nan")) == cell(float("nan"))
    assert cell({"a": 1}) == (5, (((4, "a"), (2, 1)),))


@pytest.mark.parametrize(
    ("sql_type", "family"),
    [
        ("INTEGER", "number"),
        ("DECIMAL(10,2)", "number"),
        ("VARCHAR", "text"),
        ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "date"),
        ("BOOLEAN", "bool"),
        ("INTEGER[]", "list"),
        ("STRUCT(a INTEGER)", "struct"),
        ("NULL", "null"),
    ],
)
def test_families(sql_type, family):
    assert family_of(sql_type) == family


def test_repr_reveals_shape_only():
    assert repr(REF) == "<Table: 2 columns, 3 rows>"
    assert "2001" not in repr(REF)
    assert len(REF.digest()) == 24

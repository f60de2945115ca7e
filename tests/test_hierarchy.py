"""The fund tree (fund_tree): a real hierarchy for module 06's recursive queries.

Every shape the seed can pick must be a tree (one top, every parent a summary fund that exists,
no cycle), four levels deep, with every fund code of the fund table as an allocated fund and no
summary fund without children; and the shapes must differ, so the shadow ledger can differ.
"""

from __future__ import annotations

import duckdb
import pytest

from course.data.consortium.acquisitions import _FUND_SHAPES, FUNDS, fund_tree_frame


def _depths(frame) -> dict[str, int]:
    parent = dict(zip(frame["code"], frame["parent_code"], strict=True))
    depths = {}
    for code in parent:
        seen, node = [code], parent[code]
        while isinstance(node, str):
            assert node not in seen, f"cycle through {node}"
            seen.append(node)
            node = parent[node]
        depths[code] = len(seen)
    return depths


@pytest.mark.parametrize("shape", range(len(_FUND_SHAPES)))
def test_every_shape_is_a_four_level_tree(shape):
    frame = fund_tree_frame(shape)
    assert frame["code"].is_unique
    roots = frame[frame["parent_code"].isna()]
    assert list(roots["code"]) == ["MAT"]
    kinds = dict(zip(frame["code"], frame["fund_type"], strict=True))
    for parent in frame["parent_code"].dropna():
        assert kinds[parent] == "summary"
    allocated = set(frame.loc[frame["fund_type"] == "allocated", "code"])
    assert allocated == {f[0] for f in FUNDS}
    assert not allocated & set(frame["parent_code"].dropna())
    summaries = set(frame.loc[frame["fund_type"] == "summary", "code"])
    assert summaries <= set(frame["parent_code"].dropna())  # no summary fund is empty
    assert max(_depths(frame).values()) == 4


def test_the_shapes_differ():
    shapes = {tuple(map(str, fund_tree_frame(s)["parent_code"])) for s in range(len(_FUND_SHAPES))}
    assert len(shapes) == len(_FUND_SHAPES)


def test_a_recursive_query_walks_the_whole_tree_and_a_cycle_guard_stops_a_loop():
    con = duckdb.connect()
    frame = fund_tree_frame(0)
    con.execute("CREATE TABLE fund_tree AS SELECT * FROM frame")
    walk = """
        WITH RECURSIVE tree AS (
            SELECT code, 1 AS depth, [code] AS path FROM fund_tree WHERE parent_code IS NULL
            UNION ALL
            SELECT f.code, tree.depth + 1, list_append(tree.path, f.code)
            FROM tree JOIN fund_tree AS f ON f.parent_code = tree.code
            WHERE NOT list_contains(tree.path, f.code))
        SELECT count(*), max(depth) FROM tree"""
    assert con.execute(walk).fetchone() == (len(frame), 4)
    # A bad edit makes the top fund a child of one of its own descendants: the guard still ends.
    con.execute("UPDATE fund_tree SET parent_code = 'GEN' WHERE code = 'MAT'")
    con.execute("INSERT INTO fund_tree VALUES ('TOP', 'A new top', NULL, 'summary')")
    con.execute("UPDATE fund_tree SET parent_code = 'TOP' WHERE code = 'GEN'")
    rows, depth = con.execute(walk).fetchone()
    assert rows == len(frame) + 1 and depth == 6

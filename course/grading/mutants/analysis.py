"""What a query's shape and the database's declared schema prove, for leaving out mutants that
are the same query by construction (see :mod:`course.grading.mutants.operators`).

Every rule here is sound for any data the schema allows: a declared key, NOT NULL or FOREIGN KEY,
a WHERE condition that drops missing (NULL) values, a join that fixes a key.  An empty
:class:`Schema` proves nothing from the database, so only the query's own shape counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB

__all__ = ["Schema", "render"]


class _CourseDuckDB(DuckDB):
    """DuckDB as sqlglot prints it, but ``x IS NOT NULL`` and ``x NOT IN (...)`` as written."""

    class Generator(DuckDB.Generator):
        def not_sql(self, expression: exp.Not) -> str:
            inner = expression.this
            if isinstance(inner, (exp.Is, exp.In)):
                left = self.sql(inner, "this")
                text = self.sql(inner)
                word = " IS " if isinstance(inner, exp.Is) else " IN "
                if text.startswith(left + word):
                    return f"{left}{word}NOT {text[len(left) + len(word) :]}".replace(
                        " IN NOT ", " NOT IN ", 1
                    )
            return super().not_sql(expression)


def render(node: exp.Expression) -> str:
    """A query or part of one as the course prints it (DuckDB's dialect, on one line)."""
    return node.sql(dialect=_CourseDuckDB)


_CMP = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)

# An edit: the part that changes, what replaces it (None: leave it out), and its name.


def _is_join_key(node) -> bool:
    return isinstance(node, exp.EQ) and all(
        isinstance(side, exp.Column) for side in (node.this, node.expression)
    )


def _under(node, kinds) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        if isinstance(parent, exp.Select):
            return False
        parent = parent.parent
    return False


@dataclass(frozen=True)
class Schema:
    """What the database declares, by table name in lower case: unique keys (primary or
    UNIQUE), NOT NULL columns and single-column foreign keys.  Used only to leave out mutants
    that are the same query by construction; an empty schema leaves out nothing."""

    keys: dict = field(default_factory=dict)  # table -> [(column, ...), ...]
    not_null: dict = field(default_factory=dict)  # table -> {column, ...}
    foreign: dict = field(default_factory=dict)  # (table, column) -> (table, column)


def _sources(select: exp.Select) -> dict[str, tuple[str, exp.Join | None]] | None:
    """alias -> (table, its join) for the FROM of a SELECT; None when it reads a subquery."""
    out = {}
    start = select.args.get("from_") or select.args.get("from")
    joins = select.args.get("joins") or []
    items = [(start.this if start else None, None)] + [(j.this, j) for j in joins]
    for table, join in items:
        if not isinstance(table, exp.Table):
            return None
        out[table.alias_or_name.lower()] = (table.name.lower(), join)
    return out


def _owner(column: exp.Column, sources: dict) -> str | None:
    if column.table:
        return column.table.lower() if column.table.lower() in sources else None
    return next(iter(sources)) if len(sources) == 1 else None


def _conjuncts(node) -> list:
    if node is None:
        return []
    return list(node.flatten()) if isinstance(node, exp.And) else [node]


def _join_keys(select: exp.Select) -> list[exp.EQ]:
    return [
        part
        for join in select.args.get("joins") or []
        for part in _conjuncts(join.args.get("on"))
        if _is_join_key(part)
    ]


def _to_one(alias: str, sources: dict, select: exp.Select, schema: Schema) -> bool:
    """Whether a join condition fixes a whole unique key of ``alias`` to another table's
    column, so each row of the others meets at most one row of it."""
    table = sources[alias][0]
    fixed = set()
    for part in _join_keys(select):
        mine = [s for s in (part.this, part.expression) if _owner(s, sources) == alias]
        if len(mine) == 1:
            fixed.add(mine[0].name.lower())
    return any(set(k) <= fixed for k in schema.keys.get(table, []))


def _keyed_rows(select: exp.Select, schema: Schema) -> bool:
    """Rows already distinct: a table's key is selected (an anchor), and every other table
    is either keyed too or joined on its key (one row of it per row of the others)."""
    sources = _sources(select)
    if not sources:
        return False
    shown: dict[str, set[str]] = {}
    for e in select.expressions:
        column = e.unalias()
        if isinstance(column, exp.Column) and (owner := _owner(column, sources)):
            shown.setdefault(owner, set()).add(column.name.lower())
    anchored = False
    for alias, (table, _join) in sources.items():
        if any(set(k) <= shown.get(alias, set()) for k in schema.keys.get(table, [])):
            anchored = True
        elif not _to_one(alias, sources, select, schema):
            return False
    return anchored


def _lists_rows(select: exp.Select) -> bool:
    if not (select.args.get("from_") or select.args.get("from")):
        return False  # SELECT 10: one row
    return select.args.get("group") is None and not any(
        e.find(exp.AggFunc) for e in select.expressions
    )


def _unique_here(column: exp.Column, schema: Schema) -> bool:
    """A one-column key whose rows no join repeats: count(DISTINCT col) = count(col)."""
    select = column.find_ancestor(exp.Select)
    sources = _sources(select) if select else None
    owner = _owner(column, sources) if sources else None
    if owner is None:
        return False
    if (column.name.lower(),) not in schema.keys.get(sources[owner][0], []):
        return False
    return all(_to_one(a, sources, select, schema) for a in sources if a != owner)


_STRICT = (
    *_CMP,
    exp.Like,
    exp.ILike,
    exp.In,
    exp.Between,
    exp.Paren,
    exp.Cast,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.IntDiv,
    exp.Mod,
    exp.Neg,
    exp.DPipe,
    exp.Substring,
    exp.Upper,
    exp.Lower,
    exp.Length,
)


def _null_rejected(select: exp.Select, but: exp.Join | None = None) -> set[str]:
    """Columns (as printed) that a WHERE conjunct of ``select``, or the ON of an inner join
    other than ``but``, keeps only when present: a comparison, LIKE, IN or IS NOT NULL on them,
    through operators that give NULL for NULL."""
    out = set()
    where = select.args.get("where")
    parts = _conjuncts(where.this if where else None)
    for join in select.args.get("joins") or []:
        if join is not but and not join.side and (join.kind or "").upper() in ("", "INNER"):
            parts += _conjuncts(join.args.get("on"))
    for part in parts:
        if isinstance(part, exp.Not) and isinstance(part.this, exp.Is):
            if isinstance(part.this.this, exp.Column):
                out.add(render(part.this.this))
            continue
        if not isinstance(part, (*_CMP, exp.Like, exp.ILike, exp.In, exp.Between)):
            continue
        for column in part.find_all(exp.Column):
            node, ok = column.parent, True
            while node is not None and node is not part.parent:
                if not isinstance(node, _STRICT) or isinstance(node, exp.Subquery):
                    ok = False
                    break
                node = node.parent
            if ok and column.find_ancestor(exp.Select) is select and part is not None:
                out.add(render(column))
    return out


def _mandatory(join: exp.Join, alias: str, sources: dict, select, schema: Schema) -> bool:
    """Every row before the join meets exactly one row of the joined table: the join fixes
    its key to a NOT NULL column with a FOREIGN KEY to it, on a table no outer join empties."""
    table = sources[alias][0]
    for part in _conjuncts(join.args.get("on")):
        if not _is_join_key(part):
            continue
        for mine, other in ((part.this, part.expression), (part.expression, part.this)):
            owner = _owner(other, sources)
            if _owner(mine, sources) != alias or owner is None or owner == alias:
                continue
            other_table, other_join = sources[owner]
            if other_join is not None and other_join.side:
                continue
            refers = schema.foreign.get((other_table, other.name.lower()))
            if (
                refers == (table, mine.name.lower())
                and (mine.name.lower(),) in schema.keys.get(table, [])
                and other.name.lower() in schema.not_null.get(other_table, set())
            ):
                return True
    return False


def _recursive_step(select: exp.Select) -> bool:
    union = select.parent
    cte = union.parent if isinstance(union, exp.Union) else None
    with_ = cte.parent if isinstance(cte, exp.CTE) else None
    return bool(with_ is not None and with_.args.get("recursive") and union.expression is select)


def _never_null(column: exp.Column, select: exp.Select, schema: Schema) -> bool:
    """A NOT NULL column of a table that no outer join can leave missing (NULL)."""
    sources = _sources(select) or {}
    owner = _owner(column, sources)
    if owner is None:
        return False
    table, join = sources[owner]
    if join is not None and (join.side or "").upper() in ("LEFT", "RIGHT", "FULL"):
        return False
    if any((j.side or "").upper() in ("RIGHT", "FULL") for j in select.args.get("joins") or []):
        return False
    return column.name.lower() in schema.not_null.get(table, set())


def _tables_of(select: exp.Select) -> set[str]:
    names = set()
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is select:
            names.add(table.alias_or_name)
    return names


def _outer_never_null(column: exp.Column, inner: exp.Select, schema: Schema) -> bool:
    outer = inner.parent
    while outer is not None and not isinstance(outer, exp.Select):
        outer = outer.parent
    return outer is not None and _never_null(column, outer, schema)

"""Single-edit mutants of a reference query, made with sqlglot (the idea of IIT Bombay's XData).

:func:`make_mutants` parses a reference in DuckDB's dialect and returns the query as sqlglot
prints it back (the *baseline*: the checks are first shown to accept it) and one :class:`Mutant`
per single edit below, each a query a learner could plausibly write by mistake:

=================  ==========================================================================
operator           edit
=================  ==========================================================================
``comparison``     ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=`` replaced by each of the others
``and_or``         ``AND`` <-> ``OR``
``drop_where``     one conjunct of a ``WHERE`` (or ``HAVING``, ``drop_having``) left out
``distinct``       ``SELECT DISTINCT`` <-> ``SELECT``; ``count(DISTINCT x)`` <-> ``count(x)``
``join``           ``LEFT JOIN`` <-> ``JOIN``
``count``          ``count(*)`` -> ``count(col)`` for each column its SELECT reads; back again
``is_null``        ``IS NULL`` <-> ``IS NOT NULL``
``like``           ``LIKE`` <-> ``ILIKE``
``order``          ``ASC`` <-> ``DESC`` (ORDER BY and window orderings)
``constant``       a number one more and one less; a ``DATE`` a day later and earlier
``not_in``         ``x NOT IN (SELECT y ...)`` <-> ``NOT EXISTS (SELECT ... WHERE y = x)``
=================  ==========================================================================

Left alone, because the edit cannot be a different query or would only ask for a cross product:
join keys (a column ``=`` a column, and ``AND``/``OR`` joining one to something else), DISTINCT
added where rows are already distinct (under ``EXISTS`` or ``IN``, in a one-row aggregate, in
a ``GROUP BY`` whose keys are all selected), the number in ``SELECT 1`` under ``EXISTS``, and
``IN (subquery)`` <-> ``EXISTS`` (always the same rows).

A mutant is named by its :attr:`Mutant.ident`: ``"<before> -> <after>"``, the smallest part of
the query that changed as sqlglot prints it (``"date1 >= 2000 -> date1 > 2000"``,
``"drop WHERE lc_class_letters IS NOT NULL"``), with `` [2]`` after it when the same edit is
possible in two places.  The name depends only on that part of the reference, so it stays the
same when anything else in the bank (or elsewhere in the query) changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB

__all__ = ["Mutant", "OPERATORS", "Schema", "make_mutants", "render", "parse", "MutationError"]

OPERATORS = (
    "comparison",
    "and_or",
    "drop_where",
    "drop_having",
    "distinct",
    "join",
    "count",
    "is_null",
    "like",
    "order",
    "constant",
    "not_in",
)


class MutationError(ValueError):
    """sqlglot cannot read a reference, so no mutants can be made from it."""


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


@dataclass(frozen=True)
class Mutant:
    """One single-edit variant of a reference query."""

    operator: str
    ident: str  # "<before> -> <after>", unique within its exercise
    sql: str


_CMP = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)

# An edit: the part that changes, what replaces it (None: leave it out), and its name.
Edit = tuple[exp.Expression | None, str]


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


def _wrap(new: exp.Expression, old: exp.Expression) -> exp.Expression:
    """Keep a replaced AND/OR together when it sits inside another operator."""
    if isinstance(old.parent, (exp.Where, exp.Having, exp.Paren, exp.Join, exp.If)):
        return new
    return exp.Paren(this=new) if old.parent is not None else new


def _comparison(node, schema: Schema) -> Iterator[Edit]:
    if not isinstance(node, _CMP) or _is_join_key(node):
        return
    for kind in _CMP:
        if type(node) is not kind:
            new = kind(this=node.this.copy(), expression=node.expression.copy())
            yield new, f"{render(node)} -> {render(new)}"


def _and_or(node, schema: Schema) -> Iterator[Edit]:
    if not isinstance(node, (exp.And, exp.Or)):
        return
    if any(_is_join_key(side) for side in (node.this, node.expression)):
        return
    kind = exp.Or if isinstance(node, exp.And) else exp.And
    new = _wrap(kind(this=node.this.copy(), expression=node.expression.copy()), node)
    yield new, f"{render(node)} -> {render(new)}"


def _drop_conjunct(node, schema: Schema) -> Iterator[Edit]:
    if not isinstance(node, (exp.Where, exp.Having)):
        return
    word = "WHERE" if isinstance(node, exp.Where) else "HAVING"
    parts = list(node.this.flatten()) if isinstance(node.this, exp.And) else [node.this]
    for i, part in enumerate(parts):
        rest = [p.copy() for j, p in enumerate(parts) if j != i]
        new = type(node)(this=exp.and_(*rest)) if rest else None
        yield new, f"drop {word} {render(part)}"


def _select_head(select: exp.Select) -> str:
    head = exp.Select(expressions=[e.copy() for e in select.expressions])
    if select.args.get("distinct"):
        head.set("distinct", exp.Distinct())
    return render(head)


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


def _distinct(node, schema: Schema) -> Iterator[Edit]:
    if isinstance(node, exp.Select) and node.expressions:
        new = node.copy()
        if node.args.get("distinct"):
            new.set("distinct", None)
        elif node.parent is not None or not _lists_rows(node) or _keyed_rows(node, schema):
            return  # DISTINCT is added only where it could change the rows a learner sees
        else:
            new.set("distinct", exp.Distinct())
        yield new, f"{_select_head(node)} -> {_select_head(new)}"
    elif isinstance(node, exp.Count) and not isinstance(node.this, exp.Star):
        inner = node.this
        if isinstance(inner, exp.Distinct) and len(inner.expressions) == 1:
            new = exp.Count(this=inner.expressions[0].copy())
        elif isinstance(inner, exp.Column) and not _unique_here(inner, schema):
            new = exp.Count(this=exp.Distinct(expressions=[inner.copy()]))
        else:
            return
        yield new, f"{render(node)} -> {render(new)}"


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


def _join_head(join: exp.Join) -> str:
    side = (join.side or "").upper()
    return f"{side + ' ' if side else ''}JOIN {render(join.this)}"


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


def _join(node, schema: Schema) -> Iterator[Edit]:
    if not isinstance(node, exp.Join) or not (node.args.get("on") or node.args.get("using")):
        return
    side = (node.side or "").upper()
    kind = (node.kind or "").upper()
    select = node.parent if isinstance(node.parent, exp.Select) else None
    sources = _sources(select) if select is not None else None
    if sources and isinstance(node.this, exp.Table):
        alias = node.this.alias_or_name.lower()
        rejected = _null_rejected(select, but=node)
        if _recursive_step(select):
            return  # LEFT JOIN in the recursive step of WITH RECURSIVE never ends
        if any(
            _owner(c, sources) == alias and render(c) in rejected
            for c in select.find_all(exp.Column)
        ):
            return  # WHERE drops the rows LEFT JOIN would add: the same query
        if _mandatory(node, alias, sources, select, schema):
            return  # every row finds its one match: LEFT JOIN adds nothing
    new = node.copy()
    if side == "LEFT":
        new.set("side", None)
    elif not side and kind in ("", "INNER"):
        new.set("kind", None)
        new.set("side", "LEFT")
    else:
        return
    yield new, f"{_join_head(node)} -> {_join_head(new)}"


def _columns_of(select: exp.Select) -> list[exp.Column]:
    seen, out = set(), []
    for column in select.find_all(exp.Column):
        if column.find_ancestor(exp.Select) is not select:
            continue
        key = render(column)
        if key not in seen:
            seen.add(key)
            out.append(column)
    return out


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


def _count(node, schema: Schema) -> Iterator[Edit]:
    if not isinstance(node, exp.Count):
        return
    if isinstance(node.this, exp.Star):
        select = node.find_ancestor(exp.Select)
        aliases = {e.alias.lower() for e in select.expressions if e.alias} if select else set()
        rejected = _null_rejected(select) if select else set()
        for column in _columns_of(select) if select else []:
            if not column.table and column.name.lower() in aliases:
                continue  # a name the SELECT gives, not a column of a table
            if _never_null(column, select, schema) or render(column) in rejected:
                continue  # count(col) of a column never missing is count(*)
            new = exp.Count(this=column.copy())
            yield new, f"{render(node)} -> {render(new)}"
    elif isinstance(node.this, exp.Column):
        new = exp.Count(this=exp.Star())
        yield new, f"{render(node)} -> {render(new)}"


def _is_null(node, schema: Schema) -> Iterator[Edit]:
    if isinstance(node, exp.Not) and isinstance(node.this, exp.Is):
        new = node.this.copy()
        yield new, f"{render(node)} -> {render(new)}"
    elif isinstance(node, exp.Is) and not isinstance(node.parent, exp.Not):
        new = exp.Not(this=node.copy())
        yield new, f"{render(node)} -> {render(new)}"


def _cased(pattern) -> bool:
    """Whether a pattern could match differently with and without capitals."""
    if not isinstance(pattern, exp.Literal) or not pattern.is_string:
        return True
    return pattern.this.lower() != pattern.this.upper()


def _like(node, schema: Schema) -> Iterator[Edit]:
    if isinstance(node, (exp.Like, exp.ILike)) and _cased(node.expression):
        kind = exp.ILike if isinstance(node, exp.Like) else exp.Like
        new = kind(
            **{k: (v.copy() if isinstance(v, exp.Expression) else v) for k, v in node.args.items()}
        )
        yield new, f"{render(node)} -> {render(new)}"


def _order(node, schema: Schema) -> Iterator[Edit]:
    if isinstance(node, exp.Ordered):
        new = node.copy()
        new.set("desc", not node.args.get("desc"))
        yield new, f"{render(node)} -> {render(new)}"


def _number(text: str, step: int) -> str | None:
    try:
        if "." not in text and "e" not in text.lower():
            return str(int(text) + step)
        digits = len(text.split(".", 1)[1]) if "." in text else 1
        return f"{float(text) + step:.{digits}f}"
    except ValueError:
        return None


def _in_context(node: exp.Expression, new: exp.Expression) -> str:
    """``before -> after`` for a constant, shown with the expression around it."""
    parent = node.parent
    if parent is None or isinstance(parent, exp.Select) and len(render(parent)) > 60:
        return f"{render(node)} -> {render(new)}"
    index = next(i for i, n in enumerate(parent.walk()) if n is node)
    copy = parent.copy()
    _nth(copy, index).replace(new.copy())
    return f"{render(parent)} -> {render(copy)}"


def _constant(node, schema: Schema) -> Iterator[Edit]:
    if isinstance(node, exp.Literal) and not node.is_string:
        select = node.parent
        if isinstance(select, exp.Select) and _under(select, (exp.Exists,)):
            return  # SELECT 1 under EXISTS: any number gives the same rows
        for step in (1, -1):
            text = _number(str(node.this), step)
            if text is not None:
                new = exp.Literal.number(text)
                if text.startswith("-"):
                    new = exp.Paren(this=new)
                yield new, _in_context(node, new)
    elif isinstance(node, exp.Interval) and isinstance(node.this, exp.Literal):
        for step in (1, -1):
            text = _number(str(node.this.this), step)
            if text is not None:
                new = node.copy()
                new.set("this", exp.Literal.string(text))
                yield new, _in_context(node, new)
    elif (
        isinstance(node, exp.Cast)
        and node.to.this == exp.DataType.Type.DATE
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
    ):
        try:
            day = dt.date.fromisoformat(node.this.this)
        except ValueError:
            return
        for step in (1, -1):
            new = node.copy()
            new.set("this", exp.Literal.string((day + dt.timedelta(days=step)).isoformat()))
            yield new, _in_context(node, new)


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


def _not_in(node, schema: Schema) -> Iterator[Edit]:
    if not isinstance(node, exp.Not):
        return
    inner = node.this
    if isinstance(inner, exp.In) and isinstance(inner.args.get("query"), exp.Subquery):
        select = inner.args["query"].this
        if not isinstance(select, exp.Select) or len(select.expressions) != 1:
            return
        new_select = select.copy()
        picked = new_select.expressions[0].unalias().copy()
        new_select.set("expressions", [exp.Literal.number(1)])
        new_select.where(exp.EQ(this=picked, expression=inner.this.copy()), copy=False)
        new = exp.Not(this=exp.Exists(this=new_select))
        yield new, f"{render(inner.this)} NOT IN (SELECT {render(picked)} ...) -> NOT EXISTS"
    elif isinstance(inner, exp.Exists) and isinstance(inner.this, exp.Select):
        select = inner.this
        where = select.args.get("where")
        if where is None:
            return
        local = _tables_of(select)
        parts = list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
        for i, part in enumerate(parts):
            if not _is_join_key(part):
                continue
            sides = (part.this, part.expression)
            inside = [s for s in sides if s.table in local]
            outside = [s for s in sides if s.table and s.table not in local]
            if len(inside) != 1 or len(outside) != 1:
                continue
            if _never_null(inside[0], select, schema) and _outer_never_null(
                outside[0], select, schema
            ):
                return  # NOT IN and NOT EXISTS differ only on a missing (NULL) key
            new_select = select.copy()
            new_select.set("expressions", [inside[0].copy()])
            rest = [p.copy() for j, p in enumerate(parts) if j != i]
            new_select.set("where", exp.Where(this=exp.and_(*rest)) if rest else None)
            new = exp.Not(this=exp.In(this=outside[0].copy(), query=exp.Subquery(this=new_select)))
            yield new, f"NOT EXISTS -> {render(outside[0])} NOT IN (SELECT {render(inside[0])} ...)"
            return


_RULES: tuple[tuple[str, Callable[[exp.Expression, Schema], Iterator[Edit]]], ...] = (
    ("comparison", _comparison),
    ("and_or", _and_or),
    ("drop_where", _drop_conjunct),
    ("distinct", _distinct),
    ("join", _join),
    ("count", _count),
    ("is_null", _is_null),
    ("like", _like),
    ("order", _order),
    ("constant", _constant),
    ("not_in", _not_in),
)


def _nth(tree: exp.Expression, index: int) -> exp.Expression:
    for i, node in enumerate(tree.walk()):
        if i == index:
            return node
    raise IndexError(index)


def parse(sql: str) -> exp.Expression:
    """The reference as a sqlglot tree (a :class:`MutationError` when sqlglot cannot read it)."""
    try:
        trees = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.SqlglotError as exc:
        raise MutationError(f"sqlglot cannot read it ({str(exc).splitlines()[0]})") from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise MutationError(f"it holds {len(trees)} statements, not one query")
    return trees[0]


def make_mutants(
    sql: str,
    *,
    skip_top_order: bool = False,
    graded_order: tuple = (),
    schema: Schema | None = None,
) -> tuple[str, list[Mutant]]:
    """``(baseline, mutants)`` of a reference query; the baseline is the reference as sqlglot
    prints it, and no mutant prints the same as it or as another mutant.

    ``skip_top_order``: make no ``order`` mutants in the outermost ORDER BY (an exercise that
    does not grade order, when the query has no LIMIT).  ``graded_order``: the output columns
    (names or 1-based positions) an exercise's order check looks at, when it names them; the
    outermost ORDER BY's other items (tie-breaks the check ignores) get no ``order`` mutant."""
    schema = schema or Schema()
    tree = parse(sql)
    baseline = render(tree)
    mutants: list[Mutant] = []
    seen_sql = {baseline}
    seen_ident: dict[str, int] = {}
    top_order = tree.args.get("order") if skip_top_order and not tree.args.get("limit") else None
    ungraded = set()
    if graded_order and not tree.args.get("limit") and tree.args.get("order"):
        names = [e.alias_or_name.lower() for e in tree.expressions]
        wanted = {names[k - 1] if isinstance(k, int) else str(k).lower() for k in graded_order}
        for item in tree.args["order"].expressions:
            if item.this.alias_or_name.lower() not in wanted:
                ungraded.add(id(item))
    for index, node in enumerate(tree.walk()):
        for operator, rule in _RULES:
            if operator == "order" and (
                (top_order is not None and node.parent is top_order) or id(node) in ungraded
            ):
                continue
            for count, (_new, ident) in enumerate(rule(node, schema)):
                copy = tree.copy()
                target = _nth(copy, index)
                replacement = list(rule(target, schema))[count][0]
                if operator == "drop_where" and isinstance(target, exp.Having):
                    operator_name = "drop_having"
                else:
                    operator_name = operator
                if replacement is None:
                    target.pop()
                    mutated = copy
                elif target is copy:
                    mutated = replacement
                else:
                    target.replace(replacement)
                    mutated = copy
                text = render(mutated)
                if text in seen_sql:
                    continue
                seen_sql.add(text)
                seen_ident[ident] = seen_ident.get(ident, 0) + 1
                if seen_ident[ident] > 1:
                    ident = f"{ident} [{seen_ident[ident]}]"
                mutants.append(Mutant(operator_name, ident, text))
    return baseline, mutants

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

Left alone, because the edit cannot give another query (:mod:`.analysis` proves it from the
query and the declared schema) or would only ask for a cross product: join keys (a column ``=`` a
column, and ``AND``/``OR`` next to one); DISTINCT added anywhere but the outermost SELECT that
lists rows, or where a declared key already makes its rows distinct; ``count(*) -> count(col)``
for a column never missing (NOT NULL, or dropped by WHERE) or a name the SELECT gives;
``count(DISTINCT key)``; ``LEFT JOIN`` <-> ``JOIN`` where WHERE or an inner join drops the rows
it adds, where a NOT NULL foreign key always finds its row, or in the recursive step of
``WITH RECURSIVE`` (it never ends); ``NOT EXISTS`` -> ``NOT IN`` when neither column can be
missing; ``LIKE`` <-> ``ILIKE`` for a pattern without letters; order the check does not grade;
the number in ``SELECT 1`` under ``EXISTS``; ``IN (subquery)`` <-> ``EXISTS``.

A mutant is named by its :attr:`Mutant.ident`: ``"<before> -> <after>"``, the smallest part of
the query that changed as sqlglot prints it (``"date1 >= 2000 -> date1 > 2000"``,
``"drop WHERE lc_class_letters IS NOT NULL"``), with `` [2]`` after it when the same edit is
possible in two places.  The name depends only on that part of the reference, so it stays the
same when anything else in the bank (or elsewhere in the query) changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from course.grading.mutants.analysis import (
    _CMP,
    Schema,
    _is_join_key,
    _keyed_rows,
    _lists_rows,
    _mandatory,
    _never_null,
    _null_rejected,
    _outer_never_null,
    _owner,
    _recursive_step,
    _sources,
    _tables_of,
    _under,
    _unique_here,
    render,
)

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


@dataclass(frozen=True)
class Mutant:
    """One single-edit variant of a reference query."""

    operator: str
    ident: str  # "<before> -> <after>", unique within its exercise
    sql: str


Edit = tuple[exp.Expression | None, str]


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


def _join_head(join: exp.Join) -> str:
    side = (join.side or "").upper()
    return f"{side + ' ' if side else ''}JOIN {render(join.this)}"


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

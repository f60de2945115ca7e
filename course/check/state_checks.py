"""Checking exercises that create or change tables, by the state they leave behind.

The learner's SQL script runs in a throwaway in-memory DuckDB -- never in the course data and
never in the learner's scratch database unless ``scratch=True`` is asked for.  The bank's
``setup`` runs first; with ``attach: true`` the course database is attached read-only as
``library`` and put on the search path, so ``bib`` or ``library.bib`` can be read.  The
reference script runs the same way once per process, and the two states are compared:

1. schema: every expected table exists with the expected columns and kinds of type
   (``types: strict`` compares exact DuckDB types);
2. constraints: each ``reject`` statement must fail and each ``accept`` statement must succeed
   (each is tried inside a transaction that is rolled back) -- before the key comparison, so a
   bank's own message ("a contact for a vendor who does not exist was accepted") wins;
3. keys: the reference's primary key and foreign keys must be there (extra keys are fine);
4. contents: each table holds the reference's rows (unless ``contents: false``).

Reject and accept statements should name their columns (``INSERT INTO t (a, b) VALUES ...``)
so that a learner's column order does not matter.  A probe's ``given`` statements run first in
the same transaction and must succeed (the first copy before its duplicate): so a design that
refuses everything cannot pass a reject probe.

Open designs (``design: true``, see :mod:`course.check.design_checks`) are graded by behaviour:
the reference's columns must be there (more are fine), keys are not compared with the
reference's, contents are not compared; probe values are drawn fresh per check (``draw``), and a
normalization is graded by ``same_as`` (the learner's tables rebuild the sheet) and
``stored_once`` (each fact in one row), both checked after the setup's own tables are emptied.
Order: schema, lossless, stored once, probes, keys, contents.

Listed ``mistakes`` of a (closed) state exercise are whole wrong scripts: when an answer fails at
the schema, keys or contents stage and leaves exactly the tables a mistake's script leaves (same
columns, keys and rows), the learner reads that mistake's message (module 10: "the UPDATE ran
first, so the log is empty").  Mistake states are cached like the reference's.

**The learner build** (issue 14; :mod:`course.check.stored`).  :func:`fingerprint` runs, in the
full build, what the visible check would (the reference, on the course data, with the visible
check's drawn values) and stores per exercise only what the visible check compares against:

- ``tables``: the tables (or views) the exercise names;
- ``setup``: the exercise's setup, with each statement that holds another exercise's reference
  or mistake (module 09's later setups rebuild the earlier answers' tables, q10_9's makes
  q10_8's manifest) replaced by ``CREATE TABLE`` and ``INSERT ... VALUES`` of the rows it made;
  checked at release to leave exactly the same tables.  The bank's ``setup`` is dropped, so
  the learner's shelf (``design_checks.build``) is made from this one too.  Those rows are the
  earlier answers' results, which the learner's shelf shows in the full build as well;
- per table, its ``columns`` (names and DuckDB types, in clear: the exercise names them, and
  today's sentences show a missing column and the kind of type wanted); for a closed exercise
  also its primary key as a digest (no sentence shows the reference's key: "the primary key of
  T is on <yours>" shows the learner's), its foreign keys in clear (the sentence names the first
  missing one; only module 05's setup tables have any, and the setup shows them), and its
  contents as a :mod:`course.check.fingerprint` (row count, shown in "expected 133"; column
  families; a digest of the sorted rows and one per column, so "some values in column X" names
  the same column; numbers with decimals -- prices -- rounded far below what the check tells
  apart, since the full build compares them within a relative 1e-9);
- per listed mistake (closed exercises), its tag and, per table, a digest of its keys and column
  names in order and the fingerprint of the rows its script leaves: an answer that leaves that
  state reads the mistake's message, as in the full build;
- open designs: ``draw``, the visible check's drawn values (the reference was tried against the
  probes with exactly these at release, and the learner build uses them rather than drawing
  again; they are test rows, not the answer, and the probe messages show them anyway);
  ``same_as``: the learner's query, its message and the fingerprint of the rows it must give
  back (the old sheet, which the setup shows); ``stored_once``: each message with its facts in
  clear (text of the setup's own sheet; the message names the one stored twice).

The learner path never reads the reference, the mistakes' SQL or the shadow database; the bank
fields only the full build needs are listed in ``LEARNER_STRIP``.  A hidden check there says it
runs at grading (``HIDDEN_ELSEWHERE``).
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal

import duckdb

from course.check import database, design_checks, messages, stored
from course.check import fingerprint as _fp
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.answers import read_answer
from course.check.bank import BankError, Exercise
from course.check.cells import Table, table_from_rows
from course.check.database import SqlProblem
from course.check.feedback import Result, failed, passed
from course.check.results import Spec, compare
from course.check.shapes import (
    TYPE_WORDS,
    Shape,
    _kind,
    compare_columns,
    compare_contents,
    compare_keys,
    shape_of,
    table_names,
)

_Error = duckdb.Error
_connect = duckdb.connect  # captured at import: a learner's `duckdb.connect = ...` changes nothing
_extract = duckdb.extract_statements

__all__ = ["evaluate_state", "clear_cache", "fingerprint", "LEARNER_STRIP"]

#: Bank fields of a state exercise that the learner build drops (besides ``reference`` and the
#: mistakes' ``sql``): the queries of ``same_as`` and ``stored_once`` (what the learner's query
#: must give back is stored as a fingerprint, the facts in clear; the learner's query and the
#: messages move into the stored entry), and ``setup`` (stored without other answers' SQL).
LEARNER_STRIP = ("same_as", "stored_once", "setup")
#: What a hidden check says in a learner build.
HIDDEN_ELSEWHERE = stored.HIDDEN_ELSEWHERE

_compare = compare
_Spec = Spec

# MERGE INTO (SQL:2003; DuckDB since 1.4) changes rows as INSERT and UPDATE do.
_ALLOWED = {
    "CREATE",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE_INTO",
    "DROP",
    "ALTER",
    "SELECT",
    "TRANSACTION",
}


def _environment(ex: Exercise, db: str, setup: str | None = None):
    """A throwaway database after the exercise's setup (``setup``: the learner build's)."""
    setup = ex.setup if setup is None else setup
    # One thread: rows then come out of a statement in one order every run, so a refusal that
    # names the first offending row (a foreign key, a duplicate) names the same row every time.
    con = _connect(":memory:", config={"threads": 1})
    if ex.attach:
        database.connection(db)  # a plain sentence if the course data is missing
        database.attach_course(con, db)
        con.execute("SET search_path = 'memory.main,library.main'")
    if setup.strip():
        con.execute(setup)
    return con


def _run_script(con, script: str, extra: tuple = ()) -> None:
    """Run the learner's statements one by one; raises SqlProblem naming the one that failed."""
    try:
        statements = _extract(script)
    except _Error as exc:
        raise SqlProblem(*messages.sql_error(str(exc), script)) from None
    if not statements:
        raise SqlProblem("empty", "Your answer is empty: write your SQL statements in the quotes.")
    total = len(statements)
    for number, statement in enumerate(statements, 1):
        text = statement.query.strip()
        kind = statement.type.name
        if kind not in _ALLOWED and kind not in extra:
            raise SqlProblem(
                "statement",
                f"Statement {number} of {total} is a {kind} statement, which this exercise does "
                "not need: use CREATE, INSERT, UPDATE, MERGE, DELETE or ALTER.",
            )
        try:
            database.execute_limited(con, text)
        except _Error as exc:
            tag, sentence = messages.sql_error(str(exc), text)
            first = text.split("\n", 1)[0].strip()
            first = first if len(first) <= 40 else first[:39] + "…"
            raise SqlProblem(
                tag, f"Statement {number} of {total} (`{first}`) failed: {sentence}"
            ) from None
    try:
        con.execute("COMMIT")  # a script that left a transaction open
    except _Error:
        pass


def _probe(con, sql: str, given: str = "") -> bool | None:
    """Whether ``sql`` succeeds after ``given`` (None: ``given`` itself failed); rolled back."""
    con.execute("BEGIN TRANSACTION")
    try:
        if given.strip():
            try:
                con.execute(given)
            except _Error:
                return None
        con.execute(sql)
        return True
    except _Error:
        return False
    finally:
        try:
            con.execute("ROLLBACK")
        except _Error:
            pass


def _given_refused(probe, values) -> str:
    first = " ".join(design_checks.fill(probe.given, values).split())
    first = first if len(first) <= 90 else first[:89] + "…"
    return (
        f"A good row was refused before the check could try the next one ({first}): is a "
        "constraint too strict, or is a required column missing from your table?"
    )


_REFERENCES: dict[tuple, tuple] = {}
_MISTAKES: dict[tuple, tuple] = {}


def clear_cache() -> None:
    """Forget the cached reference and mistake states."""
    _REFERENCES.clear()
    _MISTAKES.clear()


def _mistake_states(ex: Exercise, db: str, tables: list) -> tuple:
    """``((mistake, {table: Shape}), ...)``: the state each listed mistake's script leaves."""
    stamp = database.connection(db)[1] if ex.attach else None
    key = (ex.qid, str(ex.bank_path), ex.setup, stamp, tuple(m.sql for m in ex.mistakes))
    hit = _MISTAKES.get(key)
    if hit is not None:
        return hit
    states = []
    for mistake in ex.mistakes:
        if not mistake.sql:
            continue
        con = _environment(ex, db)
        try:
            try:
                con.execute(mistake.sql)
            except _Error as exc:
                raise BankError(f"The mistake {mistake.tag} of {ex.qid} fails: {exc}") from None
            present = {n.casefold(): n for n in table_names(con)}
            shapes = {
                name.casefold(): shape_of(con, present[name.casefold()])
                for name in tables
                if name.casefold() in present
            }
        finally:
            con.close()
        states.append((mistake, shapes))
    _MISTAKES[key] = tuple(states)
    return _MISTAKES[key]


def _same_state(mine, theirs, ex: Exercise) -> bool:
    if mine.pk != theirs.pk or mine.fks != theirs.fks:
        return False
    if [c.casefold() for c, _t in mine.columns] != [c.casefold() for c, _t in theirs.columns]:
        return False
    spec = _Spec(names="strict", tolerance=ex.spec.tolerance)
    return bool(_compare(mine.data, theirs.data, spec).ok)


def _named_mistake(ex: Exercise, con, tables: list, hidden: bool, states, same) -> Result | None:
    """The listed mistake whose state is exactly the learner's tables, as a failed Result.

    ``states()`` gives, per listed mistake, ``(find, {table: state})``, ``find()`` the mistake
    itself; ``same(shape, state, ex)`` compares one table: the full build runs the mistakes'
    scripts (:func:`_mistake_states`, :func:`_same_state`), the learner build reads their stored
    states (:func:`_stored_mistakes`, :func:`_same_stored_state`)."""
    present = {n.casefold(): n for n in table_names(con)}
    if any(name.casefold() not in present for name in tables):
        return None
    mine = {name.casefold(): shape_of(con, present[name.casefold()]) for name in tables}
    for find, theirs in states():
        if all(
            theirs.get(name.casefold()) is not None
            and same(mine[name.casefold()], theirs[name.casefold()], ex)
            for name in tables
        ):
            mistake = find()
            return failed(ex, mistake.message, "contents", mistake.tag, hidden=hidden)
    return None


def _reference(ex: Exercise, db: str, values: dict | None = None):
    values = values or {}
    stamp = database.connection(db)[1] if ex.attach else None
    key = (ex.qid, str(ex.bank_path), ex.reference, ex.setup, stamp, tuple(values.items()))
    hit = _REFERENCES.get(key)
    if hit is not None:
        return hit
    con = _environment(ex, db)
    try:
        before = set(table_names(con))
        expected, listed = design_checks.facts(con, ex)
        try:
            con.execute(ex.reference)
        except _Error as exc:
            raise BankError(f"The reference SQL of {ex.qid} fails: {exc}") from None
        tables = list(ex.tables) or [n for n in table_names(con) if n not in before]
        shapes = {name.casefold(): shape_of(con, name) for name in tables}
        if ex.same_as or ex.stored_once:
            design_checks.empty_tables(con, sorted(before))
            problem = design_checks.lossless_problem(con, ex, expected)
            problem = problem or design_checks.stored_once_problem(con, ex, listed, before)
            if problem:
                raise BankError(f"{ex.qid}: the reference fails its own check: {problem}")
        fill = design_checks.fill
        for probe in ex.reject:
            if _probe(con, fill(probe.sql, values), fill(probe.given, values)) is not False:
                raise BankError(f"{ex.qid}: the reference accepts the reject probe {probe.sql!r}.")
        for probe in ex.accept:
            if not _probe(con, fill(probe.sql, values), fill(probe.given, values)):
                raise BankError(f"{ex.qid}: the reference rejects the accept probe {probe.sql!r}.")
    finally:
        con.close()
    _REFERENCES[key] = (tables, shapes)
    return tables, shapes


def _column_types(con, name: str) -> list:
    """``[(column, DuckDB type), ...]`` of table ``name``, in its order."""
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [name],
    ).fetchall()


def _columns_only(con, name: str) -> Shape:
    columns = _column_types(con, name)
    return Shape(name, tuple((c, str(t)) for c, t in columns), (), frozenset(), None)


def _design_columns(mine, ref) -> str | None:
    """An open design: the columns the exercise names must be there, of the right kind."""
    have = {c.casefold(): ty for c, ty in mine.columns}
    for col, ref_type in ref.columns:
        my_type = have.get(col.casefold())
        if my_type is None:
            return (
                f"Table {ref.name} has no column called {col}: the exercise names the columns "
                "the checks use, so keep that name."
            )
        if _kind(my_type) != _kind(ref_type):
            mine_w = TYPE_WORDS.get(_kind(my_type), my_type)
            want_w = TYPE_WORDS.get(_kind(ref_type), ref_type)
            return f"Column {ref.name}.{col} holds {mine_w}, but this design needs {want_w}."
    return None


# --- the learner build: stored fingerprints instead of the reference ------------------------


def _table_print(table: Table, ex: Exercise) -> dict:
    """The stored fingerprint of a result (:mod:`course.check.fingerprint`: digests, and numbers
    with decimals rounded far below what the check can tell)."""
    return _fp.fingerprint(table, tolerance=ex.spec.tolerance)


def _keys_digest(shape: Shape) -> str:
    """One digest of the rest of what ``_same_state`` compares: keys and column names in order."""
    fks = sorted([list(cols), target] for cols, target in shape.fks)
    return stored.digest([list(shape.pk), fks, [c.casefold() for c, _t in shape.columns]])


def _state_print(shape: Shape, ex: Exercise) -> dict:
    return {"keys": _keys_digest(shape), "rows": _table_print(shape.data, ex)}


def _same_stored_state(mine: Shape, want: dict, ex: Exercise) -> bool:
    """``_same_state`` against a stored mistake state."""
    if _keys_digest(mine) != want["keys"]:
        return False
    spec = _Spec(names="strict", tolerance=ex.spec.tolerance)
    return bool(_fp.compare_stored(mine.data, _fp.StoredTable(want["rows"]), spec).ok)


def _secret_texts(ex: Exercise) -> list[str]:
    """The other exercises' references and mistake scripts of ``ex``'s bank, whitespace-folded."""
    from course.check.bank import load_bank

    out = []
    for qid, other in load_bank(ex.bank_path).items():
        if qid == ex.qid:
            continue  # an exercise's own setup may show its own tables (the restore drills)
        for text in (other.reference, *(m.sql for m in other.mistakes if m.sql)):
            folded = _fold(text)
            if len(folded) >= 30:
                out.append(folded)
    return out


def _fold(text: str) -> str:
    return " ".join(str(text or "").split()).rstrip(";").strip()


def _literal(value) -> str:
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is float:
        return repr(value) if value == value and abs(value) != float("inf") else f"'{value}'"
    if kind in (str, _decimal.Decimal, _dt.date, _dt.datetime, _dt.time):
        return "'" + str(value).replace("'", "''") + "'"
    raise BankError(f"a {kind.__name__} value cannot be written into a learner build's setup")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_as_sql(con, name: str) -> str:
    """``CREATE TABLE`` and ``INSERT ... VALUES`` that make table ``name`` again, rows and all."""
    columns = _column_types(con, name)
    cols = ", ".join(f"{_ident(c)} {t}" for c, t in columns)
    sql = f"CREATE TABLE {_ident(name)} ({cols});\n"
    rows = con.execute(f"SELECT * FROM main.{_ident(name)} ORDER BY rowid").fetchall()
    if rows:
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        casts = ", ".join(f"CAST(c{i} AS {t})" for i, (_c, t) in enumerate(columns))
        values = ",\n".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
        sql += (
            f"INSERT INTO {_ident(name)} SELECT {casts} FROM (VALUES\n{values}) AS v ({aliases});\n"
        )
    return sql


def _state_of(con) -> dict:
    """Every table the setup left, as digests (to prove the learner's setup makes the same)."""
    out = {}
    for name in table_names(con):
        shape = shape_of(con, name)
        fks = sorted([list(cols), target] for cols, target in shape.fks)
        out[name] = stored.digest(
            [[list(c) for c in shape.columns], list(shape.pk), fks, shape.data.sorted()]
        )
    return out


def _learner_setup(ex: Exercise, db: str) -> str:
    """``ex.setup`` with each statement that holds another exercise's answer replaced by the
    rows it made (module 09's later setups rebuild the earlier answers' tables from their
    reference SQL; the learner build gets those tables as data).  Checked at release: the new
    setup leaves exactly the tables the old one leaves."""
    if not ex.setup.strip():
        return ""
    secrets = _secret_texts(ex)
    statements = [s.query.strip() for s in _extract(ex.setup)]
    if not any(secret in _fold(text) for text in statements for secret in secrets):
        return ex.setup
    con = _connect(":memory:")
    try:
        if ex.attach:
            database.attach_course(con, db)
            con.execute("SET search_path = 'memory.main,library.main'")
        parts = []
        for text in statements:
            leaks = any(secret in _fold(text) for secret in secrets)
            before = set(table_names(con))
            con.execute(text)
            if not leaks:
                parts.append(text.rstrip().rstrip(";") + ";\n")
                continue
            made = [n for n in table_names(con) if n not in before]
            if len(made) != 1:
                raise BankError(
                    f"{ex.qid}: a setup statement holds another exercise's answer and does not "
                    "make one table, so the learner build cannot replace it by its rows"
                )
            parts.append(_table_as_sql(con, made[0]))
        want = _state_of(con)
    finally:
        con.close()
    setup = "".join(parts)
    con = _environment(ex, db, setup)
    try:
        if _state_of(con) != want:
            raise BankError(f"{ex.qid}: the learner build's setup does not make the same tables")
    finally:
        con.close()
    return setup


def fingerprint(ex: Exercise) -> dict:
    """What the learner build's visible check of ``ex`` needs (see the module docstring).

    Runs in the full build, on the course data, as the visible check would."""
    db = "library"
    values = design_checks.draw_values(ex, False) if ex.draw else {}
    tables, shapes = _reference(ex, db, values)  # also tries the probes with these values
    out: dict = {"tables": list(tables), "shapes": {}, "setup": _learner_setup(ex, db)}
    for name in tables:
        shape = shapes[name.casefold()]
        item: dict = {"name": shape.name, "columns": [list(c) for c in shape.columns]}
        if not ex.design:
            item["pk"] = stored.digest(list(shape.pk)) if shape.pk else None
            item["fks"] = sorted([list(cols), target] for cols, target in shape.fks)
            item["contents"] = _table_print(shape.data, ex) if ex.contents else None
        out["shapes"][name.casefold()] = item
    if ex.draw:
        out["draw"] = dict(values)
    if not ex.design and any(m.sql for m in ex.mistakes):
        out["mistakes"] = []
        for mistake, states in _mistake_states(ex, db, tables):
            out["mistakes"].append(
                {
                    "tag": mistake.tag,
                    "tables": {
                        name.casefold(): _state_print(states[name.casefold()], ex)
                        if name.casefold() in states
                        else None
                        for name in tables
                    },
                }
            )
    if ex.same_as or ex.stored_once:
        con = _environment(ex, db)
        try:
            expected, listed = design_checks.facts(con, ex)
        finally:
            con.close()
        out["same_as"] = [
            {
                "sql": sql,
                "message": message,
                "expected": _fp.fingerprint(table_from_rows(names, types, rows)),  # no tolerance
            }
            for (sql, _want, message), (names, types, rows) in zip(
                ex.same_as, expected, strict=True
            )
        ]
        for values_ in listed:
            if not all(isinstance(v, str) for v in values_):
                raise BankError(f"{ex.qid}: stored_once facts must be text to be stored")
        out["stored_once"] = [
            {"message": message, "facts": list(values_)}
            for (_sql, message), values_ in zip(ex.stored_once, listed, strict=True)
        ]
    return out


def _contents_stored(mine: Shape, name: str, want: dict, ex: Exercise) -> str | None:
    """``shapes.compare_contents`` against the stored fingerprint: the same sentences."""
    spec = _Spec(names="strict", tolerance=ex.spec.tolerance)
    diff = _fp.compare_stored(mine.data, _fp.StoredTable(want), spec)
    if diff.ok:
        return None
    if diff.stage == "rows":
        have, wanted = diff.info["have"], diff.info["want"]
        return (
            f"Table {name} holds {messages.plural(have, 'row')}; expected "
            f"{messages.number(wanted)}: check your INSERT (and DELETE) statements."
        )
    column = diff.info.get("name")
    where = f" in column {column}" if column else ""
    return (
        f"Table {name} has the right number of rows, but some values{where} are not the "
        "expected ones: check your INSERT and UPDATE statements."
    )


def _stored_shape(item: dict, mine: Shape | None = None) -> Shape:
    """The reference's shape as far as the stored entry knows it (no rows).

    The key is stored as a digest: when the learner's key has that digest it stands in for the
    reference's, else a key no table has does (``compare_keys`` only shows the learner's)."""
    pk: tuple = ()
    if item.get("pk"):
        mine_pk = tuple(mine.pk) if mine is not None else ()
        pk = mine_pk if mine_pk and stored.digest(list(mine_pk)) == item["pk"] else ("\x00",)
    fks = frozenset((tuple(cols), target) for cols, target in item.get("fks") or ())
    columns = tuple((c, t) for c, t in item["columns"])
    return Shape(item["name"], columns, pk, fks, None)


def _stored_mistakes(ex: Exercise, st: dict):
    """``(find, {table: stored state})`` per stored mistake (see :func:`_named_mistake`)."""
    for item in st["mistakes"]:

        def find(tag=item["tag"]):
            mistake = next((m for m in ex.mistakes if m.tag == tag), None)
            if mistake is None:
                raise BankError(f"{ex.qid}: the stored mistake {tag} is not in the bank")
            return mistake

        yield find, item["tables"]


def _lossless_stored(con, items: list, ex: Exercise) -> str | None:
    """``design_checks.lossless_problem`` against the stored digests of the expected rows."""

    def gives_back(expected: dict):
        spec = _Spec(names="loose")  # as design_checks.lossless_problem compares
        return lambda mine: _fp.compare_stored(mine, _fp.StoredTable(expected), spec).ok

    return design_checks.same_as_problem(
        con, ((item["sql"], item["message"], gives_back(item["expected"])) for item in items)
    )


class _FromReference:
    """The full build's expected side: the reference's state (run on ``db``), the rows and facts
    read before the learner's script, the listed mistakes' scripts."""

    def __init__(self, ex: Exercise, hidden: bool):
        self.ex, self.hidden = ex, hidden
        self.db = "shadow" if hidden else "library"
        self.values = design_checks.draw_values(ex, hidden) if ex.draw else {}
        self.tables, self.shapes = _reference(ex, self.db, self.values)
        self.normalized = bool(ex.same_as or ex.stored_once)
        self.expected, self.listed = [], []

    def environment(self):
        return _environment(self.ex, self.db)

    def before_script(self, con) -> None:
        self.expected, self.listed = design_checks.facts(con, self.ex)

    def columns(self, name: str) -> Shape:
        return self.shapes[name.casefold()]

    def keys(self, name: str, mine: Shape) -> Shape:
        return self.shapes[name.casefold()]

    def named_mistake(self, con) -> Result | None:
        ex = self.ex
        if ex.design or not any(m.sql for m in ex.mistakes):
            return None

        def states():
            for mistake, shapes in _mistake_states(ex, self.db, self.tables):
                yield (lambda mistake=mistake: mistake), shapes

        return _named_mistake(ex, con, self.tables, self.hidden, states, _same_state)

    def lossless(self, con) -> str | None:
        return design_checks.lossless_problem(con, self.ex, self.expected)

    def stored_once(self, con, before) -> str | None:
        return design_checks.stored_once_problem(con, self.ex, self.listed, before)

    def contents(self, mine: Shape, name: str) -> str | None:
        return compare_contents(mine, self.shapes[name.casefold()], self.ex)


class _FromStored:
    """The learner build's expected side: the stored entry (see :func:`fingerprint`); never
    reads ``ex.reference``, a mistake's SQL or the shadow database."""

    def __init__(self, ex: Exercise, st: dict):
        self.ex, self.st, self.db = ex, st, "library"
        if ex.attach:
            database.connection(self.db)  # first, as the full build's reference does: data missing?
        self.values = dict(st.get("draw") or {})
        self.tables = list(st["tables"])
        self.items = st["shapes"]
        self.same_as = st.get("same_as") or []
        self.facts = [(f["message"], f["facts"]) for f in st.get("stored_once") or []]
        self.normalized = bool(self.same_as or self.facts)

    def environment(self):
        return _environment(self.ex, self.db, self.st.get("setup"))

    def before_script(self, con) -> None:
        pass  # what the full build reads here is stored

    def columns(self, name: str) -> Shape:
        return _stored_shape(self.items[name.casefold()])

    def keys(self, name: str, mine: Shape) -> Shape:
        return _stored_shape(self.items[name.casefold()], mine)

    def named_mistake(self, con) -> Result | None:
        ex, st = self.ex, self.st
        if ex.design or not st.get("mistakes"):
            return None
        return _named_mistake(
            ex, con, self.tables, False, lambda: _stored_mistakes(ex, st), _same_stored_state
        )

    def lossless(self, con) -> str | None:
        return _lossless_stored(con, self.same_as, self.ex)

    def stored_once(self, con, before) -> str | None:
        return design_checks.facts_problem(con, self.facts, before)

    def contents(self, mine: Shape, name: str) -> str | None:
        item = self.items[name.casefold()]
        if item.get("contents") is None:
            raise BankError(f"{self.ex.qid}: the learner build stores no contents of {name}")
        return _contents_stored(mine, item["name"], item["contents"], self.ex)


def evaluate_state(
    ex: Exercise, raw_answer, *, hidden: bool = False, scratch: bool = False
) -> Result:
    """Check a state exercise (see the module docstring); returns a :class:`Result`.

    The same stages in the same order in both builds, against the reference (full build) or
    the stored entry (learner build: no reference, no mistake SQL, no shadow data), so the
    same verdicts and sentences."""
    st = stored.entry(ex)
    if st is not None:
        if hidden:  # course.check.api.evaluate says the same before it gets here
            return failed(ex, HIDDEN_ELSEWHERE, "setup", hidden=True)
        want = _FromStored(ex, st)
    else:
        want = _FromReference(ex, hidden)
    values, tables = want.values, want.tables
    answer = read_answer(raw_answer)
    before = set()
    if scratch:
        from course import db as course_db

        con = course_db.scratch()
    else:
        if answer.form not in ("sql", "text"):
            return failed(
                ex,
                "This question wants your SQL statements (CREATE TABLE ..., INSERT ...) as text "
                "in quotes.",
                "runs",
                "answer",
                hidden=hidden,
            )
        con = want.environment()
        before = set(table_names(con))
        want.before_script(con)  # the full build reads the rows and facts to keep
        script = answer.sql if answer.sql is not None else answer.scalar
        try:
            _run_script(con, script, ex.allow_statements)
        except SqlProblem as problem:
            con.close()
            return failed(ex, problem.sentence, "runs", problem.tag, hidden=hidden)
    views = set()
    try:
        present = {n.casefold(): n for n in table_names(con)}
        views = {
            r[0].casefold()
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND NOT internal"
            ).fetchall()
        }
        mine = {}
        for name in tables:
            if name.casefold() not in present:
                sentence = f"There is no table called {name}: check the name in CREATE TABLE."
                return failed(ex, sentence, "schema", hidden=hidden)
            if ex.design:  # only the columns: rows and keys are judged by the probes
                mine[name] = _columns_only(con, present[name.casefold()])
            else:
                mine[name] = shape_of(con, present[name.casefold()])
        for name in tables:
            if ex.design:
                problem = _design_columns(mine[name], want.columns(name))
            else:
                problem = compare_columns(mine[name], want.columns(name), ex)
            if problem:
                named = want.named_mistake(con)
                return named or failed(ex, problem, "schema", hidden=hidden)
        if want.normalized and not scratch:
            design_checks.empty_tables(con, sorted(before))
            problem = want.lossless(con)
            if problem:
                return failed(ex, problem, "lossless", hidden=hidden)
            problem = want.stored_once(con, before)
            if problem:
                return failed(ex, problem, "stored_once", hidden=hidden)
        fill = design_checks.fill
        if ex.design:  # good rows first: a design that refuses them cannot judge the bad ones
            for probe in ex.accept:
                if not _probe(con, fill(probe.sql, values), fill(probe.given, values)):
                    message = fill(probe.message, values)
                    return failed(ex, message, "constraints", probe.tag, hidden=hidden)
        for probe in ex.reject:
            outcome = _probe(con, fill(probe.sql, values), fill(probe.given, values))
            if outcome is None:
                return failed(
                    ex, _given_refused(probe, values), "constraints", "given", hidden=hidden
                )
            if outcome:
                message = fill(probe.message, values)
                return failed(ex, message, "constraints", probe.tag, hidden=hidden)
        for probe in () if ex.design else ex.accept:
            if not _probe(con, fill(probe.sql, values), fill(probe.given, values)):
                message = fill(probe.message, values)
                return failed(ex, message, "constraints", probe.tag, hidden=hidden)
        for name in tables:
            if ex.design:
                continue  # keys are the learner's choice; the probes judged what they do
            problem = compare_keys(mine[name], want.keys(name, mine[name]))
            if problem:
                named = want.named_mistake(con)
                return named or failed(ex, problem, "schema", hidden=hidden)
        if ex.contents:
            for name in tables:
                problem = want.contents(mine[name], name)
                if problem:
                    named = want.named_mistake(con)
                    return named or failed(ex, problem, "contents", hidden=hidden)
    finally:
        con.close()
    note = " on a second copy of the data too" if hidden else ""
    if ex.design:
        note = " with other test rows too" if hidden else ""
        what = ", ".join(tables)
        return passed(
            ex, f"your design ({what}) keeps out every bad row tried{note}.", hidden=hidden
        )
    if len(tables) == 1:
        what = "view" if tables[0].casefold() in views else "table"
        return passed(ex, f"your {what} {tables[0]} is right{note}.", hidden=hidden)
    return passed(ex, f"your tables {', '.join(tables)} are right{note}.", hidden=hidden)

"""Designs graded by behaviour: drawn probe values, facts stored once, lossless rebuilds.

An exercise with ``design: true`` in its bank is an open design (see ``state_checks``): the
exercise states the table and column names it needs (the reference's columns), the learner may add
columns and chooses the keys, and the rows decide.  The bank's probes may hold placeholders --
``'{barcode}'``, ``{price}`` -- named in ``draw`` with a kind of value; each check draws them fresh
from a generator seeded by the exercise id and by visible/hidden, so the hidden check tries other
rows than the visible one, and a design tuned to the visible rows (``CHECK (price <> -5.00)``)
fails there.

``same_as`` and ``stored_once`` grade a normalization by what it guarantees: a learner's query
(a view such as ``order_sheet_again``) must give back exactly the original sheet once the sheet
itself is emptied (lossless), and each listed fact (a vendor's address) must sit in exactly one
row of the learner's tables.

For the notebook: :func:`build` runs a learner's script in their scratch database, in a schema of
its own named after the exercise (dropped and made again each time, so a module can be redone from
the top), after the exercise's own ``setup`` (the old order sheet, read from the course data),
and prints what the database now knows; :func:`attempt` tries one statement there and
rolls it back, saying in one sentence whether the rules let it in.
"""

from __future__ import annotations

import datetime as _dt
import random as _random
import re

import duckdb

from course.check import database, messages, stored
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import stdout
from course.check.bank import BankError, Exercise, find_exercise
from course.check.database import SqlProblem

__all__ = [
    "draw_values",
    "fill",
    "explain_refusal",
    "facts",
    "lossless_problem",
    "stored_once_problem",
    "facts_problem",
    "build",
    "attempt",
]

_Error = duckdb.Error
_extract = duckdb.extract_statements
_Random = _random.Random
_print = print
_date = _dt.date
_timedelta = _dt.timedelta

_ADJ = "Quiet Hidden Northern Silent Golden Open Early Distant Winter Painted Salt Iron".split()
_NOUN = "Garden River Archive Letters Harbor Atlas Voyage Orchard Lantern Meadow Ledger".split()
_WORDS = "binding serial claim folio quire recto verso colophon imprint gathering".split()


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _isbn13(body: str) -> str:
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _one(kind: str, rng) -> str:
    if kind == "barcode":
        body = "31234" + f"{rng.randrange(10**8):08d}"
        return body + _luhn(body)
    if kind == "id":
        return str(rng.randrange(100_000, 999_999))
    if kind == "price":
        return f"{rng.randrange(100, 15_000) / 100:.2f}"
    if kind == "negative_price":
        return f"-{rng.randrange(1, 9_999) / 100:.2f}"
    if kind == "date":
        day = _date(2020, 1, 1) + _timedelta(days=rng.randrange(2_300))
        return day.isoformat()
    if kind == "title":
        return f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)}"
    if kind == "isbn13":
        return _isbn13("978" + f"{rng.randrange(10**9):09d}")
    if kind == "code":
        return "Z" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXY") for _ in range(2))
    if kind == "word":
        return rng.choice(_WORDS)
    raise BankError(f"draw kind {kind!r} is not one the checks know")


def draw_values(ex: Exercise, hidden: bool) -> dict:
    """The placeholder values of one check: the same on every run, other ones for hidden."""
    rng = _Random(f"{ex.qid}:{'hidden' if hidden else 'visible'}")
    values, seen = {}, set()
    for name, kind in ex.draw:
        value = _one(kind, rng)
        while value in seen and kind not in ("word", "date", "title"):
            value = _one(kind, rng)
        seen.add(value)
        values[name] = value
    return values


_PLACE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def fill(text: str, values: dict) -> str:
    """Put the drawn values into ``{name}`` placeholders; other braces stay as they are."""
    if not values or not text:
        return text
    return _PLACE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def explain_refusal(message: str) -> str:
    """One sentence, in library words, for why DuckDB refused a row."""
    found = re.search(r'Duplicate key "(.+?)" violates (primary key|unique) constraint', message)
    if found:
        what = "primary key" if found.group(2) == "primary key" else "UNIQUE rule"
        return f"Refused: another row already has {found.group(1)}, and the {what} says no twice."
    found = re.search(r'constraint violation: duplicate key "(.+?)"', message)
    if found:
        return (
            f"Refused: {found.group(1)} comes twice, and a primary key or UNIQUE rule says no "
            "twice."
        )
    found = re.search(r"NOT NULL constraint failed: (\S+)", message)
    if found:
        return f"Refused: {found.group(1)} is missing (NULL), and NOT NULL makes it required."
    found = re.search(r'CHECK constraint failed on table "?(\w+)"? with expression (.+)$', message)
    if found:
        return (
            f"Refused: the row breaks the rule {found.group(2).strip()} on table {found.group(1)}."
        )
    found = re.search(r'key "(.+?)" does not exist in the referenced table', message)
    if found:
        return f"Refused: {found.group(1)} points to a row that does not exist (a FOREIGN KEY)."
    found = re.search(r'key "(.+?)" is still referenced', message)
    if found:
        return (
            f"Refused: other rows still point to {found.group(1)} (a FOREIGN KEY), so it cannot "
            "go; DuckDB has no ON DELETE CASCADE: delete the rows that point to it first."
        )
    if "CASCADE, SET NULL or SET DEFAULT" in message:
        return (
            "Refused: DuckDB does not do ON DELETE CASCADE (or SET NULL): leave it out and "
            "delete the rows that point to a parent first."
        )
    if "transaction is aborted" in message:
        return (
            "Refused: an earlier statement of this transaction failed, so DuckDB refuses the rest "
            "until ROLLBACK (and a COMMIT now would keep nothing)."
        )
    return messages.sql_error(message, "")[1]


# --- normalization: lossless and stored once -------------------------------------------------


def facts(con, ex: Exercise) -> tuple:
    """Before the learner's script: the expected rows of each ``same_as`` and the facts."""
    expected = []
    for _sql, want, _message in ex.same_as:
        try:
            cur = con.execute(want)
        except _Error as exc:
            raise BankError(f"{ex.qid}: same_as expected query fails: {exc}") from None
        names = [d[0] for d in cur.description]
        types = [d[1] for d in cur.description]
        expected.append((names, types, cur.fetchall()))
    listed = []
    for sql, _message in ex.stored_once:
        try:
            listed.append([r[0] for r in con.execute(sql).fetchall() if r[0] is not None])
        except _Error as exc:
            raise BankError(f"{ex.qid}: stored_once query fails: {exc}") from None
    return expected, listed


def empty_tables(con, names) -> None:
    """Empty the setup's own tables (the flat sheet), so a rebuild cannot just read them."""
    for name in names:
        try:
            con.execute(f'DELETE FROM main."{name}"')
        except _Error:
            pass  # the learner replaced it with a view of their own tables: fine


def lossless_problem(con, ex: Exercise, expected: list) -> str | None:
    """Each ``same_as`` query must give back the rows :func:`facts` read before the script."""
    from course.check.cells import table_from_rows
    from course.check.results import Spec, compare

    def gives_back(names, types, rows):
        want = table_from_rows(names, types, rows)
        return lambda mine: compare(mine, want, Spec(names="loose")).ok

    return same_as_problem(
        con,
        (
            (sql, message, gives_back(*want))
            for (sql, _want, message), want in zip(ex.same_as, expected, strict=True)
        ),
    )


def same_as_problem(con, items) -> str | None:
    """The first ``same_as`` message whose query fails or does not give back what it must:
    ``items`` are ``(sql, message, gives_back)``, ``gives_back(table)`` says whether the query's
    result is the old sheet (compared with its rows in the full build, with their stored
    fingerprint in the learner build)."""
    from course.check.cells import table_from_rows

    for sql, message, gives_back in items:
        try:
            cur = con.execute(sql)
        except _Error as exc:
            return f"{message} ({messages.sql_error(str(exc), sql)[1]})"
        mine = table_from_rows(
            [d[0] for d in cur.description], [d[1] for d in cur.description], cur.fetchall()
        )
        if not gives_back(mine):
            return message
    return None


def _text_columns(con, skip) -> list:
    rows = con.execute(
        "SELECT c.table_name, c.column_name FROM duckdb_columns() c JOIN duckdb_tables() t "
        "ON t.database_name = c.database_name AND t.schema_name = c.schema_name "
        "AND t.table_name = c.table_name WHERE c.database_name = current_database() "
        "AND c.schema_name = 'main' AND c.data_type LIKE 'VARCHAR%' ORDER BY 1, 2"
    ).fetchall()
    return [(t, c) for t, c in rows if t.casefold() not in skip]


def stored_once_problem(con, ex: Exercise, listed: list, skip=()) -> str | None:
    """Each listed fact must sit in exactly one row of the learner's tables (text columns)."""
    messages_ = [message for _sql, message in ex.stored_once]
    return facts_problem(con, list(zip(messages_, listed, strict=True)), skip)


def facts_problem(con, items, skip=()) -> str | None:
    """:func:`stored_once_problem` on ``[(message, facts), ...]``: the learner build stores the
    facts (text the setup's sheet shows, and the message shows the one stored twice), not the
    query that lists them."""
    skip = {s.casefold() for s in skip}
    columns = _text_columns(con, skip)
    for message, values in items:
        counts = dict.fromkeys(values, 0)
        if columns and values:
            parts = " UNION ALL ".join(
                f'SELECT "{c}" AS v FROM main."{t}" WHERE "{c}" IN (SELECT f FROM facts)'
                for t, c in columns
            )
            found = con.execute(
                f"WITH facts AS (SELECT unnest(?::VARCHAR[]) AS f) "
                f"SELECT v, count(*) FROM ({parts}) GROUP BY v",
                [list(values)],
            ).fetchall()
            for value, n in found:
                counts[value] = counts.get(value, 0) + n
        for value in values:
            if counts[value] != 1:
                return message.replace("{value}", str(value)).replace(
                    "{count}", messages.number(counts[value])
                )
    return None


# --- in the notebook: the learner's scratch database -----------------------------------------

_SCHEMA = re.compile(r"^q\d+_\d+[a-z]?$")


def _scratch():
    from course import db as course_db

    return course_db.scratch()


def _schema_for(qid: str) -> str:
    if str(qid) == "demo":  # attempt(..., "demo"): an empty shelf for trying things out
        return "demo"
    if not _SCHEMA.match(str(qid)):
        raise BankError(f"{qid!r} is not an exercise id such as 'q5_4'")
    return str(qid)


def _summary(con, schema: str) -> list[str]:
    lines = []
    tables = con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE database_name = "
        "current_database() AND schema_name = ? ORDER BY table_name",
        [schema],
    ).fetchall()
    for table, _size in tables:
        n = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        rules = con.execute(
            "SELECT constraint_type, constraint_column_names, referenced_table, expression "
            "FROM duckdb_constraints() WHERE database_name = current_database() AND "
            "schema_name = ? AND table_name = ? ORDER BY constraint_index",
            [schema, table],
        ).fetchall()
        said = []
        keyed = {c for kind, cols, _r, _e in rules if kind == "PRIMARY KEY" for c in cols}
        for kind, cols, ref, expression in rules:
            if kind == "NOT NULL" and len(cols) == 1 and cols[0] in keyed:
                continue  # a primary key is required anyway
            cols = ", ".join(cols)
            if kind == "NOT NULL":
                said.append(f"{cols} required")
            elif kind == "FOREIGN KEY":
                said.append(f"{cols} → {ref}")
            elif kind == "CHECK":
                said.append(f"CHECK {expression}")
            else:
                said.append(f"{kind} ({cols})")
        rules_text = "; ".join(said) if said else "no rules"
        lines.append(f"  {table}: {messages.plural(n, 'row')}; {rules_text}")
    views = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND "
        "schema_name = ? AND NOT internal ORDER BY 1",
        [schema],
    ).fetchall()
    for (view,) in views:
        n = con.execute(f'SELECT count(*) FROM "{schema}"."{view}"').fetchone()[0]
        lines.append(f"  {view} (a view): {messages.plural(n, 'row')}")
    return lines


def build(script, qid: str) -> None:
    """Run the learner's script in a fresh schema ``qid`` of their scratch database; never raises.

    ``script`` may be None for an exercise with a ``setup``: then only its starting tables.

    Prints what was built (tables, rows, the rules DuckDB now enforces) or one sentence.
    """
    out = stdout()
    given = isinstance(script, str) and bool(script.strip())
    ex = _exercise(str(qid))
    setup = _setup_of(ex)
    if not given and not setup.strip():
        _print("There is nothing to build yet: write your SQL statements in the quotes.", file=out)
        return
    script = script if given else ""
    try:
        schema = _schema_for(qid)
        con = _scratch()
    except Exception as exc:  # noqa: BLE001 - one sentence, never a traceback
        _print(f"Could not open your scratch database ({exc}).", file=out)
        return
    try:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        con.execute(f'CREATE SCHEMA "{schema}"')
        con.execute(f"SET search_path = '{schema},main'")
        if ex is not None and ex.attach:
            _attach(con)  # the setup and the learner's script may read the course data
            con.execute(f"SET search_path = '{schema},library.main'")
        if setup.strip():
            con.execute(setup)  # the exercise's own starting tables (the old order sheet)
        try:
            statements = _extract(script) if given else []
        except _Error as exc:
            _print(messages.sql_error(str(exc), script)[1], file=out)
            return
        for number, statement in enumerate(statements, 1):
            text = statement.query.strip()
            try:
                con.execute(text)
            except _Error as exc:
                first = text.split("\n", 1)[0].strip()[:40]
                reason = explain_refusal(str(exc))
                _print(f"Statement {number} (`{first}`) failed. {reason}", file=out)
                return
        _print(f"✓ Built in your scratch database (schema {schema}):", file=out)
        for line in _summary(con, schema):
            _print(line, file=out)
    except _Error as exc:
        _print(f"Could not build: {explain_refusal(str(exc))}", file=out)
    except SqlProblem as problem:
        _print(problem.sentence, file=out)
    finally:
        try:
            con.execute("SET search_path = 'main'")
        except _Error:
            pass
        con.close()


def _exercise(qid: str):
    try:
        return find_exercise(qid)
    except BankError:
        return None


def _setup_of(ex) -> str:
    """The exercise's setup: the bank's, or in a learner build the stored one (whose tables that
    hold another exercise's answer come as rows, not as the answer's SQL)."""
    if ex is None:
        return ""
    try:
        st = stored.entry(ex)
    except BankError:
        st = None
    if st is not None and "setup" in st:
        return str(st["setup"] or "")
    return ex.setup


def _attach(con) -> bool:
    known = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'library'"
    ).fetchone()[0]
    if known:
        return False
    database.attach_course(con, "library")
    return True


def _last_is_select(sql: str) -> bool:
    try:
        statements = _extract(sql)
    except _Error:
        return False
    return bool(statements) and statements[-1].type.name == "SELECT"


def _show_rows(cur, out, limit: int = 20) -> None:
    from course.check import display

    names = [d[0] for d in cur.description or ()]
    rows = cur.fetchmany(10_000)
    if display._in_notebook():
        from IPython.display import HTML
        from IPython.display import display as show_html

        show_html(HTML(display.html_table(names, rows[:limit], len(rows), limit=limit)))
    else:
        _print(display.text_table(names, rows[:limit], len(rows)), file=out)


def attempt(sql, qid: str) -> None:
    """Try ``sql`` against what :func:`build` made for ``qid``, then undo it; one sentence.

    A SELECT shows its first rows instead (views over the course data work too)."""
    out = stdout()
    if not isinstance(sql, str) or not sql.strip():
        _print("There is nothing to try yet: write a statement in the quotes.", file=out)
        return
    try:
        schema = _schema_for(qid)
        con = _scratch()
    except Exception as exc:  # noqa: BLE001
        _print(f"Could not open your scratch database ({exc}).", file=out)
        return
    try:
        known = con.execute(
            "SELECT count(*) FROM duckdb_schemas() WHERE database_name = current_database() "
            "AND schema_name = ?",
            [schema],
        ).fetchone()[0]
        if not known and schema == "demo":
            con.execute('CREATE SCHEMA "demo"')
        elif not known:
            _print(
                f"Build {schema} first: run the cell with check.build(..., '{schema}').", file=out
            )
            return
        views = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = ? AND NOT internal",
            [schema],
        ).fetchone()[0]
        ex = _exercise(schema)
        if views and ex is not None and ex.attach:  # a view over the course data reads it
            _attach(con)
            con.execute(f"SET search_path = '{schema},library.main'")
        else:
            con.execute(f"SET search_path = '{schema},main'")
        con.execute("BEGIN TRANSACTION")
        try:
            cur = con.execute(sql)
            if _last_is_select(sql):
                _show_rows(cur, out)
            else:
                _print("✓ Accepted: the database let this in (and it has been undone).", file=out)
        except _Error as exc:
            said = explain_refusal(str(exc))
            said = said.replace(" in the course database", f" on your shelf {schema}")
            said = re.sub(r"did you mean \S+\?", f"has check.build(..., '{schema}') run?", said)
            _print(said, file=out)
        finally:
            try:
                con.execute("ROLLBACK")
            except _Error:
                pass
    except _Error as exc:
        _print(explain_refusal(str(exc)), file=out)
    finally:
        try:
            con.execute("SET search_path = 'main'")
        except _Error:
            pass
        con.close()

"""Build the catalog tables from the raw MARC tables, in DuckDB SQL.

Input: ``marc_record``, ``marc_field`` and ``marc_subfield`` in a DuckDB connection (made by
``course.data.marc.load``).  Output: ``bib``, ``bib_isbn``, ``agent``, ``bib_agent``, ``subject``
and ``bib_subject`` (see docs/data-dictionary.md).  The work is set-based SQL; the only Python pass is
the ISBN check over the distinct ISBNs, with python-stdnum.  Every id comes from an ``ORDER BY`` on
a natural key, so the same records always give the same rows.

Cleaning rules, from MARC 21 and ISBD practice:

* ISBD punctuation that ends a subfield (`` :``, `` /``, `` ;``, ``,``, ``=``, a final ``.``) is
  removed; a final ``.`` stays after an initial (``Smith, J. R.``) and, for editions, extents,
  publishers and relator terms, after a short abbreviation (``2nd ed.``, ``197 p.``, ``ill.``).
* ``bib.title`` is the first 245's ``$a``, ``$n`` and ``$p``, each trimmed of its closing ISBD
  punctuation, joined with ISBD's (``Annual report. Part 2, Finance``; ``$a ; $a``).
* ``bib.sort_title`` drops the nonfiling characters counted in 245 second indicator.
* ``bib.date1`` is 008/07-10 only when it is four digits; ``bib.lccn`` is normalised per the LC
  rules (blanks out, ``/...`` suffix out, hyphenated serials padded to six digits).
* ``bib.lc_class`` is the first 050 $a only when it looks like an LC class (``HV8227.2.A5``);
  shelf numbers such as ``MLCS 2005/03199 (B)`` give NULL.
* 020 $a often carries its qualifier inside (``0631217290 (pbk.)``): it is split into ``isbn``
  and ``qualifier``.
* Agents (1XX main entries, 7XX added entries) are one row per normalised heading (NACO-like:
  no diacritics, no punctuation, upper case), shown in their most frequent form.
  ``bib_agent.role`` says which kind of field the name is in (1XX ``creator``, 7XX
  ``contributor``); what the agent did is the relator (``$e``; ``$j`` in X11; else ``$4``).
* Subject headings keep every subfield in order: the main heading's subfields (a repeated
  ``$a`` too) joined by spaces, then each ``$v``/``$x``/``$y``/``$z`` after ``--``.
* Subjects (600/610/611/630/650/651) are one row per heading per vocabulary, and every shorter
  heading ("Kazakh language--Dictionaries" for "Kazakh language--Dictionaries--Russian") is a
  row of its own, so ``parent_id`` can be walked with a recursive CTE.  ``depth`` counts the
  subdivisions (0 for the main heading).
"""

from __future__ import annotations

import contextlib

import duckdb
import pandas as pd
from stdnum import isbn as stdnum_isbn

from course.data.marc import catalog_sql as sql
from course.data.marc import headings_sql as hsql
from course.data.marc.codelists import load_code_lists

__all__ = ["CATALOG_TABLES", "build_catalog", "isbn_checks"]

#: The tables build_catalog creates, parents before children.
CATALOG_TABLES = ("bib", "bib_isbn", "agent", "bib_agent", "subject", "bib_subject")


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="catalog", unit="step", disable=not enabled, leave=False)


def isbn_checks(values) -> pd.DataFrame:
    """Validate ISBNs as written (``0-19-...``, ``156006692X``) with python-stdnum.

    Returns a frame with ``isbn``, ``is_valid`` and ``isbn13`` (compact ISBN-13, or None when
    the ISBN is not valid).
    """
    rows = []
    for value in values:
        number = stdnum_isbn.compact(value) if value else ""
        valid = bool(number) and stdnum_isbn.is_valid(number)
        isbn13 = None
        if valid:
            isbn13 = number if len(number) == 13 else stdnum_isbn.to_isbn13(number)
        rows.append((value, valid, isbn13))
    return pd.DataFrame(rows, columns=["isbn", "is_valid", "isbn13"]).astype(
        {"isbn": "object", "is_valid": "bool", "isbn13": "object"}
    )


def _has_primary_key(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ? AND constraint_type = 'PRIMARY KEY'",
        [table],
    ).fetchone()
    return bool(row and row[0])


def _drop_catalog(con: duckdb.DuckDBPyConnection) -> None:
    for table in reversed(CATALOG_TABLES):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _fill_isbns(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(sql.ISBN_PARTS)
    distinct = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT isbn FROM cat_isbn WHERE isbn IS NOT NULL ORDER BY isbn"
        ).fetchall()
    ]
    checks = isbn_checks(distinct)
    con.register("cat_isbn_check_df", checks)
    try:
        con.execute("CREATE TEMP TABLE cat_isbn_check AS SELECT * FROM cat_isbn_check_df")
    finally:
        con.unregister("cat_isbn_check_df")
    con.execute(sql.BIB_ISBN_INSERT)


def _fill_agents(con: duckdb.DuckDBPyConnection) -> None:
    for statement in (hsql.AGENT_PARTS, hsql.AGENT_INSERT, hsql.BIB_AGENT_INSERT):
        con.execute(statement)


def _fill_subjects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(hsql.SUBJECT_PARTS)
    max_depth = con.execute("SELECT coalesce(max(depth), -1) FROM cat_subject").fetchone()[0]
    # The self-referencing foreign key is checked against rows already stored, so parents go
    # in before their children: one INSERT per depth.
    for depth in range(max_depth + 1):
        con.execute(hsql.SUBJECT_INSERT, [depth])
    con.execute(hsql.BIB_SUBJECT_INSERT)


def build_catalog(con: duckdb.DuckDBPyConnection, *, progress: bool = True) -> None:
    """Create (replacing) the catalog tables in ``con`` from its ``marc_*`` tables.

    Run it before ``generate_library``: the library tables' foreign keys point at ``bib``.
    ``bib`` references ``marc_record`` when that table has its primary key.
    """
    steps = [
        ("bib", lambda: con.execute(sql.BIB_INSERT)),
        ("bib_isbn", lambda: _fill_isbns(con)),
        ("agent, bib_agent", lambda: _fill_agents(con)),
        ("subject, bib_subject", lambda: _fill_subjects(con)),
        ("code lists", lambda: load_code_lists(con)),  # 008 language and place codes (module 08)
    ]
    bar = _progress(len(steps) + 1, progress)
    try:
        bar.set_postfix_str("preparing")
        _drop_catalog(con)
        con.execute(sql.MACROS)
        con.execute(sql.SUBFIELDS)
        fk = _has_primary_key(con, "marc_record")
        con.execute(sql.create_tables(marc_record_fk=fk))
        bar.update(1)
        for name, step in steps:
            bar.set_postfix_str(name)
            step()
            bar.update(1)
    finally:
        with contextlib.suppress(duckdb.Error):  # never hide the error that got us here
            for temp in sql.TEMP_TABLES:
                con.execute(f"DROP TABLE IF EXISTS temp.{temp}")
            for macro in sql.TEMP_MACROS:
                con.execute(f"DROP MACRO IF EXISTS temp.{macro}")
        bar.close()

"""The MARC code lists for languages and countries, as reference tables in the course database.

008/35-37 (language) and 008/15-17 (place of publication) hold codes from two lists the Library
of Congress maintains: the MARC Code List for Languages and the MARC Code List for Countries
(MARC 21 Bibliographic, 008 - All materials).  The codes are never typed in here: they come from
``marc_lint.code_data`` (the PyPI package ``marc-lint``, a port of the Perl MARC::Lint that
catalogers' tools have used for years), which keeps the current and the obsolete codes of both
lists.  Blanks are not a code: 008/35-37 holds a code or three fill characters (``|||``, no
attempt to code), so MARC::Lint's blank entry is left out.

Two tables, one row per code:

* ``marc_language_code(code, status)``: ``code`` as it stands in 008/35-37 (three letters);
* ``marc_country_code(code, status)``: ``code`` as the code list writes it (two or three letters;
  in 008/15-17 a two-letter code is followed by a blank, ``gw#``).

``status`` is ``current`` or ``obsolete`` (once valid, no longer to be used in new records).  A
code the list marks obsolete that was later given to another place (``ai``) is current: a record
coded with it today means the current place.
"""

from __future__ import annotations

import duckdb
from marc_lint import code_data

__all__ = ["CODE_LIST_TABLES", "code_list_rows", "load_code_lists"]

#: The tables load_code_lists creates.
CODE_LIST_TABLES = ("marc_language_code", "marc_country_code")

_DDL = """
CREATE OR REPLACE TABLE {table} (
    code VARCHAR PRIMARY KEY,
    status VARCHAR NOT NULL CHECK (status IN ('current', 'obsolete'))
)
"""


def code_list_rows(current, obsolete) -> list[tuple[str, str]]:
    """(code, status) rows, sorted; a code in both lists is current (it was given out again)."""
    rows = {code.rstrip(): "current" for code in current if code.strip()}
    for code in obsolete:
        if code.strip():
            rows.setdefault(code.rstrip(), "obsolete")
    return sorted(rows.items())


def load_code_lists(con: duckdb.DuckDBPyConnection) -> None:
    """Create (replacing) ``marc_language_code`` and ``marc_country_code`` in ``con``."""
    lists = {
        "marc_language_code": (code_data.LANGUAGE_CODES, code_data.OBSOLETE_LANGUAGE_CODES),
        "marc_country_code": (code_data.COUNTRY_CODES, code_data.OBSOLETE_COUNTRY_CODES),
    }
    for table, (current, obsolete) in lists.items():
        con.execute(_DDL.format(table=table))
        con.executemany(
            f"INSERT INTO {table} (code, status) VALUES (?, ?)", code_list_rows(current, obsolete)
        )

"""``course import FILE``: your own catalog, in the course's ``bib`` shape, on your own computer.

A learner exports bibliographic records from their library system (ILS) as MARC (ISO 2709),
MARCXML or CSV, and ``import_file`` turns them into the tables the course builds from the
Library of Congress records (``bib``, ``bib_isbn``, ``agent``, ``bib_agent``, ``subject``,
``bib_subject``; for MARC and MARCXML also ``marc_record``, ``marc_field`` and
``marc_subfield``), so the queries of modules 01 and 02 (and module 07's MARC queries) run
on their own catalog.

Where it goes, and why there: a database of its own, ``<workspace>/mydata.duckdb``
(``COURSE_MYDATA_DB``), not the scratch database.  The scratch database holds the learner's
exercise tables (modules 05, 09 and 10 create and change tables there), and a notebook usually
has it open for writing, which DuckDB's one-writer lock would refuse to a second program.
The import is built in a file beside it and moved into place only when it is complete, so a
failed import leaves the previous one as it was, and a notebook reading the old one keeps
working until it next runs a query.  ``db.connect("mine")`` and the sandbox's "My data" switch
open it read-only.  Nothing is sent anywhere: every step runs on this computer.

* **MARC** goes through the course's own loader (``load_marc``): a record that cannot be read
  costs only itself, and its byte offset and reason go to the rejects report.  MARC-8 records
  (Leader/09 blank) are converted to Unicode with pymarc's MARC-8 table, as the course's build
  does; the summary says how many there were.
* **MARCXML** is read with lxml, a record at a time (MARC 21 slim namespace, or no namespace);
  a record without a leader, with a tag that is not three characters, or with a subfield
  without a code is rejected with its line number.  XML that is broken stops the reading at the
  break: the records before it are kept and the report says where it broke.
* **CSV** (or tab-separated) exports are mapped column by column (:data:`CSV_COLUMNS`) to the
  MARC fields the catalog is built from, so the same SQL builds ``bib`` from them; columns the
  mapping does not know are named in the summary and kept, with every column as written, in the
  table ``source_csv`` (joined to ``bib`` on ``bib_id``).
"""

from __future__ import annotations

from course.importer.columns import CSV_COLUMNS, csv_mapping_text
from course.importer.report import ImportProblem, ImportReport, Reject

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "ImportProblem",
    "ImportReport",
    "Reject",
    "csv_mapping_text",
    "detect_format",
    "import_file",
]

_RUN = ("FORMATS", "detect_format", "import_file")


def __getattr__(name: str):
    # the import itself needs DuckDB, pandas, lxml and pymarc: loaded when first used, so that
    # the `course` command (which shows the CSV mapping in its help) starts quickly
    if name in _RUN:
        from course.importer import run

        return getattr(run, name)
    raise AttributeError(f"module 'course.importer' has no attribute {name!r}")

"""Records of the course catalog as MARC bytes, pymarc records and MARCXML (module 07).

The course database keeps, per record, where it sits in the Library of Congress file it was
loaded from (``marc_record.file_offset``, ``record_length``); these helpers read those bytes back::

    from course import records
    raw = records.raw(1)             # the ISO 2709 bytes of record 1, as LoC sent them
    rec = records.record(1)          # the same record read by pymarc
    xml = records.marcxml(1)         # and as a MARCXML <record> (bytes)

A missing record or file ends in one sentence (:class:`RecordProblem`), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pymarc

from course import config

__all__ = ["RecordProblem", "raw", "record", "marcxml", "marc_file"]

MARC_NAME = "BooksAll.2016.part01.utf8"
MARCXML_NS = "http://www.loc.gov/MARC21/slim"


class RecordProblem(ValueError):
    """A record that cannot be read; ``str(problem)`` is one sentence saying what to try."""

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


def marc_file() -> Path:
    """The Library of Congress MARC file the course data was built from."""
    return config.data_dir() / "cache" / MARC_NAME


def _where(record_id: int, db: str) -> tuple[int, int]:
    path = config.database_path(db)
    if not path.exists():
        raise RecordProblem("The course data is not built yet: run `course data` in a terminal.")
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "SELECT file_offset, record_length FROM marc_record WHERE record_id = ?",
            [int(record_id)],
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise RecordProblem(f"There is no record {record_id} in the catalog: check the number.")
    return int(row[0]), int(row[1])


def raw(record_id: int, db: str = "library") -> bytes:
    """The bytes of one record, exactly as they are in the Library of Congress file."""
    offset, length = _where(record_id, db)
    path = marc_file()
    if not path.exists():
        raise RecordProblem(
            f"The Library of Congress file {MARC_NAME} is not in the course data's cache folder: "
            "run `course data` in a terminal."
        )
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def record(record_id: int, db: str = "library") -> pymarc.Record:
    """One record read by pymarc (a new object each call: change it freely)."""
    return pymarc.Record(data=raw(record_id, db), to_unicode=True, force_utf8=True)


def marcxml(record_id: int, db: str = "library") -> bytes:
    """One record as a MARCXML ``<record>`` element in the MARC 21 slim namespace (UTF-8 bytes)."""
    return pymarc.record_to_xml(record(record_id, db), namespace=True)

"""The raw MARC tables from records read in Python (MARCXML, CSV), written in batches.

The MARC loader fills ``marc_record``, ``marc_field`` and ``marc_subfield`` itself; MARCXML and
CSV records are turned into the slow path's ``DecodedField`` lists and stored here with the same
columns and key, so the catalog SQL reads them exactly as it reads a MARC load.  Rows go to
DuckDB every :data:`BATCH` records: a whole catalog would not fit in memory as Python tuples.
"""

from __future__ import annotations

import pandas as pd

from course.data.marc import db as marc_db
from course.data.marc import sql as marc_sql
from course.data.marc.decode import SlowRows

__all__ = ["BATCH", "RawTables", "progress_bar"]

BATCH = 10_000

# no byte offsets for XML or CSV records: NULL, not a made-up number
_RECORD_TYPES = {
    "record_id": "int32",
    "file_offset": "Int64",
    "record_length": "Int32",
    "leader": "string",
    "control_number": "string",
}


class RawTables:
    """Creates the raw MARC tables in ``con`` and takes records one at a time."""

    def __init__(self, con):
        self.con = con
        self.loaded = 0
        self._rows = SlowRows()
        self._pending = 0
        con.execute(marc_sql.CREATE_TABLES)
        con.execute("DROP TABLE marc_reject")

    def add(self, record_id: int, leader: str, fields) -> None:
        """One record: its id (its number in the file), leader and ``DecodedField`` list."""
        self._rows.add(record_id, None, None, leader, fields)
        self.loaded += 1
        self._pending += 1
        if self._pending >= BATCH:
            self.flush()

    def flush(self) -> None:
        tables = self._rows.tables
        for table in ("marc_record", "marc_field", "marc_subfield"):
            if not tables[table]:
                continue
            if table == "marc_record":
                frame = pd.DataFrame(tables[table], columns=list(_RECORD_TYPES))
                frame = frame.astype(_RECORD_TYPES)
            else:
                frame = marc_db.typed(table, tables[table])
            marc_db.insert_frame(self.con, table, frame)
        self._rows = SlowRows()
        self._pending = 0

    def finish(self, *, key: bool = True) -> None:
        """Store what is left and key ``marc_record`` as the loader does (without the key,
        ``bib`` gets no foreign key to ``marc_record``, which can then be dropped)."""
        self.flush()
        if key:
            self.con.execute(marc_sql.PRIMARY_KEYS["marc_record"])


def progress_bar(total: int, unit: str, desc: str, enabled: bool):
    """A progress bar for reading a file (shown only when reading takes over a second)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, delay=1.0, disable=not enabled)

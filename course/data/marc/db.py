"""The DuckDB side of the MARC loader: frames in, work tables, the split, primary keys.

Helpers for :mod:`course.data.marc.load`; the SQL itself is in :mod:`course.data.marc.sql`.  Work
tables are TEMP tables of the loader's connection; the primary keys are built on a second
connection (a cursor) so that the biggest one overlaps the rest of the work.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from course.data.marc import sql

__all__ = [
    "insert_frame",
    "typed",
    "plain_file",
    "split_file",
    "split_in_background",
    "text_by_python",
]

READ_TEXT_LIMIT = 1 << 30  # DuckDB reads files up to 1 GiB as one text value


def insert_frame(con, table: str, frame: pd.DataFrame, *, create: bool = False) -> None:
    """Append a frame to ``table``, or (``create``) make it a TEMP table of its own."""
    con.register("_marc_frame", frame)
    try:
        if create:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _marc_frame")
        else:
            con.execute(f"INSERT INTO {table} SELECT * FROM _marc_frame")
    finally:
        con.unregister("_marc_frame")


# column types of the slow path's rows, so DuckDB never has to guess from a sample
_TYPES = {
    "marc_record": {
        "record_id": "int32",
        "file_offset": "int64",
        "record_length": "int32",
        "leader": "string",
        "control_number": "string",
    },
    "marc_field": {
        "record_id": "int32",
        "field_seq": "int16",
        "tag": "string",
        "ind1": "string",
        "ind2": "string",
        "value": "string",
    },
    "marc_subfield": {
        "record_id": "int32",
        "field_seq": "int16",
        "subfield_seq": "int16",
        "code": "string",
        "value": "string",
    },
}


def typed(table: str, rows: list[tuple]) -> pd.DataFrame:
    """Rows for one of the raw MARC tables as a frame with that table's column types."""
    types = _TYPES[table]
    return pd.DataFrame(rows, columns=list(types)).astype(types)


def plain_file(source) -> bool:
    """Can DuckDB read this source itself: a file path (not a glob pattern), not huge?"""
    if not isinstance(source, str | Path) or any(ch in str(source) for ch in "*?[]{}"):
        return False
    return Path(source).stat().st_size < READ_TEXT_LIMIT


def split_file(con, path: str, plan: Future) -> bool:
    """Let DuckDB read the file as text, and split the chosen records into fields and
    subfields; False if it cannot (not UTF-8 as a whole) or ``plan`` says not to after all.

    ``plan`` is settled by the main thread once it has found the records: False (our records
    are not DuckDB's), None (keep all) or a frame of the chosen record ids.
    """
    try:
        con.execute(sql.RECORDS_FROM_FILE, [path])
    except duckdb.Error:  # not UTF-8 as a whole (MARC-8 or broken records), or no file access
        return False
    chosen = plan.result()
    if chosen is False:
        return False
    if chosen is not None:
        insert_frame(con, "_marc_chosen", chosen, create=True)
        con.execute(sql.KEEP_CHOSEN)
    con.execute(sql.SPLIT_FIELDS)
    con.execute(sql.INSERT_SUBFIELDS)
    return True


def text_by_python(con, buf: bytes, fast: pd.DataFrame) -> None:
    """Fill ``_marc_rec`` with the text of each fast record; ones that are not UTF-8 are left
    out (load_marc then sends them down the slow path)."""
    ids, texts = [], []
    for rid, s, n in zip(
        fast["record_id"].tolist(),
        fast["file_offset"].tolist(),
        fast["record_length"].tolist(),
        strict=True,
    ):
        try:
            texts.append(buf[s : s + n - 1].decode("utf-8"))
            ids.append(rid)
        except UnicodeDecodeError:
            pass
    frame = pd.DataFrame(
        {"record_id": np.asarray(ids, dtype=np.int32), "rec": pd.array(texts, dtype=object)}
    )
    con.register("_marc_frame", frame)
    try:  # typed, so that an empty frame still makes a VARCHAR column
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _marc_rec AS "
            "SELECT record_id::INTEGER AS record_id, rec::VARCHAR AS rec FROM _marc_frame"
        )
    finally:
        con.unregister("_marc_frame")


def split_in_background(con, path: str, plan: Future, inserted: Future) -> None:
    """The worker thread: :func:`split_file`, then say through ``inserted`` whether
    marc_subfield is filled."""
    try:
        done = split_file(con, path, plan)
    except BaseException as exc:
        inserted.set_exception(exc)
        raise
    inserted.set_result(done)

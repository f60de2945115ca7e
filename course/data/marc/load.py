"""Load a binary MARC 21 file into DuckDB tables, fast, without ever stopping at a bad record.

``load_marc(source, con)`` creates (replacing) four tables in ``con``:

* ``marc_record(record_id, file_offset, record_length, leader, control_number)``
* ``marc_field(record_id, field_seq, tag, ind1, ind2, value)``: ``value`` for control fields
  (001-009) only; data fields have indicators instead
* ``marc_subfield(record_id, field_seq, subfield_seq, code, value)``
* ``marc_reject(file_offset, length, reason)``: every record that could not be loaded, and why

``record_id`` is 1 + the record's position in the file (rejected records count too), so a record
keeps its id whichever sample is loaded.  ``field_seq`` follows the directory and
``subfield_seq`` the field, both from 1.  ``control_number`` is the first 001 as written (LoC
pads it with blanks).  marc_record's primary key is record_id; marc_field and marc_subfield are
unique on (record_id, field_seq[, subfield_seq]) by construction, without declared keys (see
``marc_sql.PRIMARY_KEYS`` for why).

How it is fast (the 250,000-record LoC file loads in a fraction of the time pymarc needs just
to read it):

1. numpy cuts the file into records at every record terminator (``0x1D``), so a broken record
   costs only itself (pymarc stops the whole file at some errors), and
   :mod:`course.data.marc.scan` checks leaders, directories and field terminators of many
   records at once with array arithmetic, sorting them into fast, slow and rejected.
2. Meanwhile, on a second thread, DuckDB does the rest in parallel native code
   (:mod:`course.data.marc.sql`, :mod:`course.data.marc.db`): it reads the file as UTF-8 text
   itself (which checks the encoding), splits records on the field terminator and data fields
   on the subfield delimiter, and the position of a piece in a split is its field or subfield
   number; what came from records numpy did not pass is deleted afterwards.  When DuckDB cannot
   read the file as UTF-8 as a whole, or the source is bytes, Python hands it the text of each
   fast record.
3. Slow records (MARC-8, fields out of order, odd indicators or subfields) go through
   :mod:`course.data.marc.decode` one at a time; it gives what pymarc gives.
4. marc_record's primary key is added after the bulk insert (building an index once costs less
   than keeping it up to date row by row).  Rows from records that failed the checks are
   deleted, and slow-path rows added, at the end.

Choices for broken files (``marc_reject.reason`` says which applied): a UTF-8 record (LDR/09
``a``) with invalid UTF-8 is rejected, not loaded with replacement characters, as pymarc does
by default; a record whose leader length is not its real length (oversize records, lost bytes)
is rejected; so is one whose directory points outside it or whose fields lack terminators.
"""

from __future__ import annotations

import contextlib
import mmap
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from course.data.marc import db, scan, sql
from course.data.marc.decode import decode_records

__all__ = ["MARC_TABLES", "LoadStats", "load_marc"]

#: The tables load_marc creates.
MARC_TABLES = ("marc_record", "marc_field", "marc_subfield", "marc_reject")

_BATCH = 50_000  # records checked per numpy pass: bounds memory, paces the progress bar
_STEPS = {"check": 25, "text": 10, "fields": 20, "subfields": 20, "keys": 25}  # progress weights


@dataclass
class LoadStats:
    """What a load did: counts of records, fields, subfields and rejects, and how long it took."""

    records: int = 0  # records looked at (the selection)
    loaded: int = 0
    rejected: int = 0
    fields: int = 0
    subfields: int = 0
    marc8: int = 0  # loaded records declared MARC-8 (converted to Unicode)
    slow: int = 0  # records decoded one by one in Python (MARC-8 and unusual layouts)
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for people: what was loaded and what was not."""
        text = (
            f"Loaded {self.loaded:,} of {self.records:,} MARC records ({self.fields:,} fields, "
            f"{self.subfields:,} subfields) in {self.seconds:.1f} s"
        )
        if self.rejected:
            worst = max(self.reasons, key=self.reasons.get)
            text += f"; {self.rejected:,} rejected (most often: {worst}), see marc_reject"
        return text + "."

    def __str__(self) -> str:
        return self.summary()


def _progress(enabled: bool):
    from tqdm.auto import tqdm

    # delay: a load that finishes within a second shows no bar at all
    return tqdm(
        total=sum(_STEPS.values()),
        desc="MARC: checking records",
        unit="%",
        delay=1.0,
        disable=not enabled,
        leave=False,
        bar_format="{l_bar}{bar}| {elapsed}",
    )


def _end_to_end(chunks: scan.Chunks) -> bool:
    """Does record k of a plain split on the record terminator start where our record k does
    (no line breaks or blanks between records)?"""
    return not np.any(chunks.start != np.cumsum(chunks.length) - chunks.length)


def _check(a, chunks: scan.Chunks, chosen: np.ndarray, bar):
    """Check the chosen records in batches: the fast ones (a frame), slow ones, rejects."""
    fast_parts, slow, rejects = [], [], []
    for lo in range(0, len(chosen), _BATCH):
        idx = chosen[lo : lo + _BATCH]
        start, length = chunks.start[idx], chunks.length[idx]
        checked = scan.check_records(a, start, length, chunks.terminated[idx])
        keep = checked.status == scan.FAST
        fast_parts.append((idx[keep] + 1, start[keep], length[keep]))
        slow.append(idx[checked.status == scan.SLOW])
        for i in np.flatnonzero(checked.status == scan.REJECT).tolist():
            rejects.append((int(start[i]), int(length[i]), scan.REASONS[checked.reason[i]]))
        bar.update(_STEPS["check"] * len(idx) / max(len(chosen), 1))
    ids, starts, lengths = (
        np.concatenate([p[k] for p in fast_parts]) if fast_parts else np.zeros(0, np.int64)
        for k in range(3)
    )
    fast = pd.DataFrame(
        {
            "record_id": ids.astype(np.int32),
            "file_offset": starts,
            "record_length": lengths.astype(np.int32),
        }
    )
    return fast, (np.concatenate(slow) if slow else np.zeros(0, np.int64)), rejects


def load_marc(
    source, con: duckdb.DuckDBPyConnection, *, records=None, progress: bool = True
) -> LoadStats:
    """Load binary MARC 21 (a file path, or the file's bytes) into ``con``; see the module help.

    ``records`` picks records by their 0-based position in the file: a slice (``slice(0, None,
    5)`` is every 5th) or a sequence of positions (out-of-range ones are ignored); None loads all.
    """
    began = time.perf_counter()
    # DuckDB's own progress bar would print over ours (and into notebooks): off while loading
    shown = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0]
    con.execute(sql.QUIET)
    try:
        with _mapped(source) as buf:
            stats = _load(buf, source, con, records, progress)
    finally:
        con.execute(f"SET enable_progress_bar = {bool(shown)}")
    stats.seconds = time.perf_counter() - began
    return stats


@contextlib.contextmanager
def _mapped(source):
    """The bytes to load: given, or the file mapped into memory (no copy, no read up front)."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
        return
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"There is no MARC file at {source}: check the path and try again.")
    if path.stat().st_size == 0:
        yield b""
        return
    with open(path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        yield mapped
    finally:
        with contextlib.suppress(BufferError):  # still viewed from a traceback: freed later
            mapped.close()


def _load(buf, source, con, records, progress: bool) -> LoadStats:
    con.execute(sql.CREATE_TABLES)
    with _progress(progress) as bar, con.cursor() as cur, ThreadPoolExecutor(1) as pool:
        # A worker thread has DuckDB read and split the file, starting at once, and then build
        # the subfield key, while this thread finds and checks the records with numpy.
        cur.execute(sql.QUIET)
        plan, inserted = Future(), Future()
        key_job = None
        if db.plain_file(source):
            key_job = pool.submit(db.split_in_background, con, str(source), plan, inserted)
        else:
            inserted.set_result(False)
        try:
            a = np.frombuffer(buf, dtype=np.uint8)
            chunks = scan.split_records(a)
            chosen = scan.select(chunks, records)
            keep = None if records is None else pd.DataFrame({"record_id": chosen + 1})
            plan.set_result(keep if _end_to_end(chunks) else False)
        finally:  # the worker waits for the plan: settle it whatever happens
            if not plan.done():
                plan.set_result(False)
        stats = LoadStats(records=len(chosen))
        fast, slow, rejects = _check(a, chunks, chosen, bar)

        bar.set_description("MARC: splitting fields and subfields")
        by_duckdb = inserted.result()  # marc_subfield is filled; the worker is off `con`
        unfit = np.zeros(0, np.int64)
        if by_duckdb:  # drop what DuckDB split from records that did not pass the checks
            unfit = np.setdiff1d(chosen + 1, fast["record_id"].to_numpy())
            db.insert_frame(con, "_marc_unfit", pd.DataFrame({"record_id": unfit}), create=True)
            con.execute(sql.DELETE_UNFIT_FIELDS)
        else:
            if key_job is not None:
                key_job.result()  # it gave up early; make sure it is done
            db.text_by_python(con, buf, fast)
            con.execute(sql.SPLIT_FIELDS)
            con.execute(sql.INSERT_SUBFIELDS)
        db.insert_frame(con, "_marc_fast", fast, create=True)
        missing = con.execute(
            "SELECT record_id FROM _marc_fast ANTI JOIN _marc_leader USING (record_id)"
        ).fetchnumpy()["record_id"]
        bar.update(_STEPS["text"] + _STEPS["subfields"])

        bar.set_description("MARC: fields and keys")
        for query in (sql.INSERT_FIELDS, sql.INSERT_RECORDS, "DROP TABLE _marc_piece"):
            con.execute(query)
        # the slow path: unusual records, and fast ones whose bytes were not UTF-8 after all
        slow = np.sort(np.concatenate([slow, missing.astype(np.int64) - 1]))
        decoded = decode_records(buf, chunks.start, chunks.length, slow.tolist())
        stats.slow, stats.marc8 = len(slow), decoded.marc8
        rejects = sorted(rejects + decoded.rejects)
        for table in ("marc_record", "marc_field"):
            if decoded.tables[table]:
                db.insert_frame(con, table, db.typed(table, decoded.tables[table]))
        if rejects:
            frame = pd.DataFrame(rejects, columns=["file_offset", "length", "reason"])
            db.insert_frame(con, "marc_reject", frame.astype({"length": "int32"}))
        con.execute(sql.PRIMARY_KEYS["marc_record"])
        if key_job is not None:
            key_job.result()  # the worker is done (it finished before `inserted` was set)
        if len(unfit):
            con.execute(sql.DELETE_UNFIT_SUBFIELDS)
        if decoded.tables["marc_subfield"]:
            rows = decoded.tables["marc_subfield"]
            db.insert_frame(con, "marc_subfield", db.typed("marc_subfield", rows))
        con.execute(sql.DROP_WORK_TABLES)
        bar.update(_STEPS["fields"] + _STEPS["keys"])
    counts = con.execute(
        "SELECT (SELECT count(*) FROM marc_record), (SELECT count(*) FROM marc_field), "
        "(SELECT count(*) FROM marc_subfield)"
    ).fetchone()
    stats.loaded, stats.fields, stats.subfields = (int(c) for c in counts)
    stats.rejected = len(rejects)
    for _, _, why in rejects:
        stats.reasons[why] = stats.reasons.get(why, 0) + 1
    return stats

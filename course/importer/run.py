"""The import itself: recognise the format, read the file, build the catalog, swap it in.

See the package's help (``help(course.importer)``) for what each format gives and why the
catalog has a database of its own.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import re
import time
from pathlib import Path

import duckdb

from course import config
from course.importer.csvfile import import_csv
from course.importer.marcxml import import_marcxml
from course.importer.report import ImportProblem, ImportReport, Reject

__all__ = ["FORMATS", "detect_format", "import_file"]

FORMATS = ("marc", "marcxml", "csv")

# -- format --------------------------------------------------------------------------------------

_LEADER_START = re.compile(rb"[0-9]{5}[\x20-\x7e]{19}")


def detect_format(path: Path) -> str:
    """``marc``, ``marcxml`` or ``csv`` from the file's first bytes (a plain sentence if none)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if not body:
        raise ImportProblem(
            f"{path.name} is empty: export the records from your library system again and "
            "import the new file."
        )
    if head.startswith(b"%PDF"):
        raise ImportProblem(
            f"{path.name} is a PDF, not a MARC, MARCXML or CSV file: export the records "
            "themselves from your library system."
        )
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportProblem(
            f"{path.name} is a zip archive or an Excel workbook: unzip it, or save the sheet "
            "as CSV UTF-8 (File > Save As), and import that file."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text: Excel's "Unicode text"
    if body.startswith(b"<"):
        return "marcxml"
    if body.startswith((b"{", b"[")):
        raise ImportProblem(
            f"{path.name} looks like JSON, which the import does not read: export the records "
            "as MARC, MARCXML or CSV instead."
        )
    if _LEADER_START.match(body) and (b"\x1d" in head or b"\x1e" in head):
        return "marc"
    if b"\x1d" in head or b"\x1e" in head or b"\x00" in body[:4096]:
        return "marc"  # broken MARC is still MARC: the loader says which records fail
    return "csv"


# -- the import ----------------------------------------------------------------------------------


def import_file(
    path,
    *,
    name: str | None = None,
    fmt: str | None = None,
    target: Path | None = None,
    encoding: str | None = None,
    progress: bool = True,
) -> ImportReport:
    """Import ``path`` into ``target`` (default: the learner's ``mydata.duckdb``).

    Raises :class:`ImportProblem` with one sentence for anything the learner can fix.
    """
    began = time.perf_counter()
    source = Path(path).expanduser()
    if not source.exists():
        raise ImportProblem(f"There is no file at {path}: check the name and the folder.")
    if source.is_dir():
        raise ImportProblem(f"{path} is a folder: give the export file inside it.")
    fmt = fmt or detect_format(source)
    if fmt not in FORMATS:
        raise ImportProblem(f"{fmt!r} is not a format the import reads: use marc, marcxml or csv.")
    target = Path(target) if target is not None else config.mydata_db_path()
    if target.resolve() in {config.database_path(db).resolve() for db in config.DATABASES}:
        raise ImportProblem(
            f"{target} is a course database, which an import must not replace: point "
            "COURSE_MYDATA_DB at a file in your workspace (or unset it)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    report = ImportReport(
        source=source,
        format=fmt,
        name=name or source.stem,
        database=target,
        rejects_csv=target.with_name(target.stem + "-rejects.csv"),
    )
    building = target.with_name(target.name + ".importing")
    _remove(building)
    con = duckdb.connect(str(building))
    try:
        con.execute("SET enable_progress_bar = false")
        if fmt == "marc":
            _import_marc(source, con, report, progress)
        elif fmt == "marcxml":
            import_marcxml(source, con, report, progress)
        else:
            import_csv(source, con, report, progress, encoding)
        _write_rejects(report)
        if report.loaded == 0:
            raise ImportProblem(_nothing_loaded(report))
        from course.data.marc.catalog import build_catalog

        build_catalog(con, progress=progress)
        if fmt == "csv":  # the MARC was only the way in: keep the catalog and the CSV itself
            con.execute("DROP TABLE marc_subfield; DROP TABLE marc_field; DROP TABLE marc_record")
        report.seconds = time.perf_counter() - began
        _write_info(con, report)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        _remove(building)
        raise
    con.close()
    try:
        os.replace(building, target)
    except PermissionError:
        _remove(building)
        raise ImportProblem(
            f"{target.name} is open in a notebook: restart that notebook's kernel "
            "(Kernel > Restart) and import again."
        ) from None
    return report


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _nothing_loaded(report: ImportReport) -> str:
    if report.records == 0:
        what = {"marc": "MARC records", "marcxml": "MARCXML records", "csv": "rows of records"}
        return (
            f"{report.source.name} holds no {what[report.format]}: check that you exported "
            "bibliographic records, and in which format."
        )
    return (
        f"None of the {report.records:,} records in {report.source.name} could be read "
        f"(first: {report.rejects[0].reason}); the list is in {report.rejects_csv}."
    )


def _write_rejects(report: ImportReport) -> None:
    with open(report.rejects_csv, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["record", "byte_offset", "line", "reason"])
        for r in report.rejects:
            out.writerow(["" if v is None else v for v in (r.record, r.offset, r.line, r.reason)])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_info(con, report: ImportReport) -> None:
    con.execute(
        "CREATE TABLE import_info (name VARCHAR, source_file VARCHAR, source_format VARCHAR, "
        "source_sha256 VARCHAR, imported_at TIMESTAMP, records_read INTEGER, "
        "records_loaded INTEGER, records_rejected INTEGER, marc8_converted INTEGER, "
        "marc8_looks_utf8 INTEGER, unmapped_columns VARCHAR)"
    )
    con.execute(
        "INSERT INTO import_info VALUES (?, ?, ?, ?, current_localtimestamp(), ?, ?, ?, ?, ?, ?)",
        [
            report.name,
            report.source.name,
            report.format,
            _sha256(report.source),
            report.records,
            report.loaded,
            report.rejected,
            report.marc8,
            report.marc8_utf8,
            ", ".join(report.unknown_columns) or None,
        ],
    )
    con.execute(
        "CREATE TABLE import_reject (record INTEGER, byte_offset BIGINT, line INTEGER, "
        "reason VARCHAR)"
    )
    if report.rejects:
        con.executemany(
            "INSERT INTO import_reject VALUES (?, ?, ?, ?)",
            [(r.record, r.offset, r.line, r.reason) for r in report.rejects],
        )


# -- MARC ----------------------------------------------------------------------------------------


def _import_marc(source: Path, con, report: ImportReport, progress: bool) -> None:
    import mmap

    import numpy as np

    from course.data.marc.load import load_marc
    from course.data.marc.scan import split_records

    stats = load_marc(source, con, progress=progress)
    report.records, report.loaded, report.marc8 = stats.records, stats.loaded, stats.marc8
    if report.marc8:
        report.marc8_utf8 = _utf8_lookalikes(source, con)
    rows = con.execute(
        "SELECT file_offset, reason FROM marc_reject ORDER BY file_offset"
    ).fetchall()
    if not rows:
        return
    with open(source, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        starts = split_records(np.frombuffer(buf, dtype=np.uint8)).start.copy()
    numbers = np.searchsorted(starts, [r[0] for r in rows], side="right")
    report.rejects = [
        Reject(int(n), int(offset), None, reason)
        for n, (offset, reason) in zip(numbers.tolist(), rows, strict=True)
    ]


def _utf8_lookalikes(source: Path, con) -> int:
    """How many records declared MARC-8 (Leader/09 not ``a``) are, byte for byte, UTF-8 text
    with letters beyond ASCII: most likely UTF-8 exported with the wrong Leader/09, whose
    accented letters the MARC-8 conversion garbles.  (Real MARC-8 diacritics are not valid
    UTF-8: a combining mark's byte comes before an ASCII letter.)"""
    rows = con.execute(
        "SELECT file_offset, record_length FROM marc_record "
        "WHERE substr(leader, 10, 1) <> 'a' ORDER BY file_offset"
    ).fetchall()
    count = 0
    with open(source, "rb") as fh:
        for offset, length in rows:
            fh.seek(offset)
            data = fh.read(length)
            if data.isascii():
                continue
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            count += 1
    return count

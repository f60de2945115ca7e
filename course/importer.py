"""``course import FILE``: your own catalog, in the course's ``bib`` shape, on your own computer.

A learner exports bibliographic records from their library system (ILS) as MARC (ISO 2709),
MARCXML or CSV, and ``import_file`` turns them into the tables the course builds from the
Library of Congress records (``bib``, ``bib_isbn``, ``agent``, ``bib_agent``, ``subject``,
``bib_subject``; for MARC and MARCXML also ``marc_record``, ``marc_field`` and
``marc_subfield``), so the queries of modules 01-03 and 09 run on their own catalog.

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

import contextlib
import csv
import hashlib
import io
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from course import config

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

FORMATS = ("marc", "marcxml", "csv")
MARC_NS = "http://www.loc.gov/MARC21/slim"

#: What a CSV column becomes: (name, the MARC it is written to, header names accepted).  Header
#: names are compared in lower case with spaces and punctuation read as ``_``.  Columns marked
#: "one per ..." may hold several values separated by ``;`` or ``|``.
CSV_COLUMNS = (
    ("title", "245 $a (required)", ("title", "title_proper", "245", "245a", "245_a")),
    ("subtitle", "245 $b", ("subtitle", "remainder_of_title", "245b", "245_b")),
    ("author", "100 $a (a personal name)", ("author", "creator", "main_entry", "100", "100a")),
    (
        "contributors",
        "700 $a, one per name",
        ("contributor", "contributors", "authors", "added_authors"),
    ),
    ("isbn", "020 $a, one per ISBN", ("isbn", "isbns", "020", "020a", "020_a")),
    (
        "date",
        "008/07-10 when it holds a four-digit year, and 264 $c as written",
        (
            "date",
            "year",
            "pub_date",
            "pub_year",
            "publication_date",
            "publication_year",
            "date1",
            "pubyear",
            "date_of_publication",
        ),
    ),
    ("publisher", "264 $b", ("publisher", "publisher_name", "pub_name")),
    ("place", "264 $a", ("place", "pub_place", "place_of_publication")),
    ("edition", "250 $a", ("edition", "250")),
    ("extent", "300 $a", ("extent", "pages", "physical_description", "300")),
    ("series", "490 $a", ("series", "series_title", "490")),
    ("language", "008/35-37 (a three-letter MARC code)", ("language", "lang", "language_code")),
    ("lccn", "010 $a", ("lccn", "010", "lc_control_number")),
    ("oclc", "035 $a as (OCoLC)number", ("oclc", "oclc_number", "ocn", "oclc_no")),
    (
        "call_number",
        "050 $a",
        ("call_number", "lc_call_number", "callnumber", "call_no", "lc_call_no", "050"),
    ),
    ("dewey", "082 $a", ("dewey", "ddc", "dewey_number", "dewey_class", "082")),
    (
        "subjects",
        "650 (second indicator 4) $a, and $x after each --, one per heading",
        ("subject", "subjects", "subject_headings", "650"),
    ),
    (
        "id",
        "001",
        ("id", "record_id", "control_number", "bib_id", "biblionumber", "mms_id", "001"),
    ),
)
_MULTI = {"contributors", "isbn", "subjects"}
_SPLIT = re.compile(r"\s*[;|]\s*")


class ImportProblem(Exception):
    """The file could not be imported; ``str(exc)`` says why and what to do, in one sentence."""


@dataclass(frozen=True)
class Reject:
    """A record that could not be read: its number in the file, where it is, and why."""

    record: int | None
    offset: int | None  # byte offset (MARC)
    line: int | None  # line number (MARCXML, CSV)
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    source: Path
    format: str
    name: str
    database: Path
    rejects_csv: Path
    records: int = 0
    loaded: int = 0
    rejects: list[Reject] = field(default_factory=list)
    marc8: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def summary(self) -> str:
        """A few plain sentences: what was loaded, what was not, and where to look."""
        kind = {"marc": "MARC", "marcxml": "MARCXML", "csv": "CSV"}[self.format]
        lines = [
            f"Imported {self.loaded:,} of {self.records:,} records from {self.source.name} "
            f"({kind}) into {self.database} in {self.seconds:.1f} s."
        ]
        if self.rejects:
            reasons: dict[str, int] = {}
            for r in self.rejects:
                reasons[r.reason] = reasons.get(r.reason, 0) + 1
            worst = max(reasons, key=reasons.get)
            lines.append(
                f"{self.rejected:,} could not be read (most often: {worst}); "
                f"the list is in {self.rejects_csv}."
            )
        else:
            lines.append("No record was rejected.")
        if self.marc8:
            lines.append(
                f"{self.marc8:,} records were in MARC-8 (Leader/09 blank) and were converted "
                "to Unicode."
            )
        if self.unknown_columns:
            lines.append(
                "Columns the import does not map, kept as written in the table source_csv: "
                + ", ".join(self.unknown_columns)
                + "."
            )
        lines.append(
            'Query it in the sandbox ("My data") or with con = db.connect("mine") in a notebook.'
        )
        return "\n".join(lines)


def csv_mapping_text() -> str:
    """The CSV column mapping as a small table for ``--help`` and the docs."""
    rows = [f"  {name:<13} -> {marc}" for name, marc, _ in CSV_COLUMNS]
    return "\n".join(rows)


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
            _import_marcxml(source, con, report, progress)
        else:
            _import_csv(source, con, report, progress, encoding)
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
        "unmapped_columns VARCHAR)"
    )
    con.execute(
        "INSERT INTO import_info VALUES (?, ?, ?, ?, current_localtimestamp(), ?, ?, ?, ?, ?)",
        [
            report.name,
            report.source.name,
            report.format,
            _sha256(report.source),
            report.records,
            report.loaded,
            report.rejected,
            report.marc8,
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


def _bar(total: int, unit: str, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, delay=1.0, disable=not enabled)


# -- MARC ----------------------------------------------------------------------------------------


def _import_marc(source: Path, con, report: ImportReport, progress: bool) -> None:
    import mmap

    import numpy as np

    from course.data.marc.load import load_marc
    from course.data.marc.scan import split_records

    stats = load_marc(source, con, progress=progress)
    report.records, report.loaded, report.marc8 = stats.records, stats.loaded, stats.marc8
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


# -- raw MARC tables from Python (MARCXML, CSV) --------------------------------------------------


_RECORD_TYPES = {
    "record_id": "int32",
    "file_offset": "Int64",
    "record_length": "Int32",
    "leader": "string",
    "control_number": "string",
}


def _store_rows(con, rows, *, key: bool = True) -> None:
    """The raw MARC tables from decoded records (``SlowRows``), keyed as the loader keys them
    (without the key, ``bib`` gets no foreign key to ``marc_record``, which can then go)."""
    from course.data.marc import db as marc_db
    from course.data.marc import sql as marc_sql

    con.execute(marc_sql.CREATE_TABLES)
    con.execute("DROP TABLE marc_reject")
    for table in ("marc_record", "marc_field", "marc_subfield"):
        if not rows.tables[table]:
            continue
        if table == "marc_record":  # no byte offsets here: NULL, not a made-up number
            frame = pd.DataFrame(rows.tables[table], columns=list(_RECORD_TYPES))
            frame = frame.astype(_RECORD_TYPES)
        else:
            frame = marc_db.typed(table, rows.tables[table])
        marc_db.insert_frame(con, table, frame)
    if key:
        con.execute(marc_sql.PRIMARY_KEYS["marc_record"])


class _Counting(io.RawIOBase):
    """A binary file that moves a progress bar as it is read."""

    def __init__(self, fh, bar):
        self._fh, self._bar = fh, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._fh.readinto(buffer)
        self._bar.update(n or 0)
        return n

    def read(self, size=-1) -> bytes:
        data = self._fh.read(size)
        self._bar.update(len(data))
        return data


def _import_marcxml(source: Path, con, report: ImportReport, progress: bool) -> None:
    from lxml import etree

    from course.data.marc.decode import SlowRows

    rows = SlowRows()
    number = 0
    bar = _bar(source.stat().st_size, "B", "MARCXML", progress)
    with bar, open(source, "rb") as raw:
        events = etree.iterparse(
            _Counting(raw, bar), events=("end",), huge_tree=True, resolve_entities=False
        )
        try:
            for _event, elem in events:
                if not _is_marc_record(elem):
                    continue
                number += 1
                try:
                    leader, fields = _xml_record(elem)
                except _BadRecord as exc:
                    report.rejects.append(Reject(number, None, elem.sourceline, str(exc)))
                else:
                    rows.add(number, None, None, leader, fields)
                elem.clear(keep_tail=True)
                while elem.getprevious() is not None:  # free what was read, for big files
                    del elem.getparent()[0]
        except etree.XMLSyntaxError as exc:
            if number == 0 and not rows.tables["marc_record"]:
                raise ImportProblem(
                    f"{source.name} is not well-formed XML (line {exc.lineno}: {exc.msg}): "
                    "export it again, or open it in a browser to see where it breaks."
                ) from None
            report.rejects.append(
                Reject(
                    None,
                    None,
                    exc.lineno,
                    f"the XML breaks here ({exc.msg}), so the rest of the file was not read",
                )
            )
    if number == 0:
        raise ImportProblem(
            f"{source.name} is XML but holds no MARCXML records (<record> elements with "
            "<leader>, <controlfield> and <datafield>): is it Dublin Core or another format?"
        )
    report.records = number
    report.loaded = len(rows.tables["marc_record"])
    _store_rows(con, rows)


class _BadRecord(ValueError):
    pass


def _local(tag) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments and processing instructions
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _is_marc_record(elem) -> bool:
    ns, name = _local(elem.tag)
    if name != "record":
        return False
    if ns == MARC_NS:
        return True
    return ns == "" and any(
        _local(child.tag) == ("", part)
        for child in elem
        for part in ("leader", "controlfield", "datafield")
    )


def _xml_record(elem):
    """Leader and fields (the slow path's ``DecodedField``) of one MARCXML record."""
    from course.data.marc.decode import DecodedField

    leader, fields = None, []
    for child in elem:
        _ns, kind = _local(child.tag)
        if kind == "leader":
            leader = child.text or ""
        elif kind in ("controlfield", "datafield"):
            tag = (child.get("tag") or "").strip()
            if len(tag) != 3:
                raise _BadRecord(f'a field tag is not three characters (tag="{tag}")')
            if kind == "controlfield" or (tag < "010" and tag.isdigit()):
                fields.append(DecodedField(tag, None, None, child.text or "", ()))
                continue
            subfields = []
            for sub in child:
                if _local(sub.tag)[1] != "subfield":
                    continue
                code = sub.get("code")
                if not code:
                    raise _BadRecord(f"a subfield of the {tag} has no code")
                subfields.append((code[0], sub.text or ""))
            ind1 = (child.get("ind1") or " ")[0]
            ind2 = (child.get("ind2") or " ")[0]
            fields.append(DecodedField(tag, ind1, ind2, None, tuple(subfields)))
    if leader is None:
        raise _BadRecord("the record has no leader")
    if len(leader) != 24:
        raise _BadRecord(f"the leader is {len(leader)} characters long, not 24")
    if not fields:
        raise _BadRecord("the record has no fields")
    return leader, fields


# -- CSV -----------------------------------------------------------------------------------------

_LEADER = "00000nam a2200000uu 4500"  # a book, monograph; encoding level and form unknown
_YEAR = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])")
_HEADER_KEY = re.compile(r"[^0-9a-z]+")


def _header_key(text: str) -> str:
    return _HEADER_KEY.sub("_", text.strip().lower()).strip("_")


def _decode(source: Path, encoding: str | None) -> str:
    data = source.read_bytes()
    enc = encoding or ("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    try:
        return data.decode(enc)
    except LookupError:
        raise ImportProblem(
            f"{encoding!r} is not an encoding Python knows: try utf-8 or cp1252."
        ) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblem(
            f"{source.name} is not {encoding or 'UTF-8'} text (line {line} has bytes that are "
            "not): save it as CSV UTF-8, or run again with --encoding cp1252 if it came from "
            "Excel on Windows."
        ) from None


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _columns(header: list[str], source: Path) -> tuple[dict[str, int], list[str]]:
    """Which CSV column feeds each mapped name, and the columns the mapping does not know."""
    accepted = {alias: name for name, _marc, aliases in CSV_COLUMNS for alias in aliases}
    found: dict[str, int] = {}
    unknown = []
    for i, text in enumerate(header):
        name = accepted.get(_header_key(text))
        if name is None or name in found:
            unknown.append(text.strip() or f"(column {i + 1}, no name)")
        else:
            found[name] = i
    if "title" not in found:
        raise ImportProblem(
            f"{source.name} has no title column (its first row reads "
            f"{', '.join(h.strip() for h in header[:6])}): name the title column 'title' in "
            "the first row and import again (course import --help lists every column name)."
        )
    return found, unknown


def _csv_fields(values: dict[str, str], number: int):
    """MARC fields (``DecodedField``) for one CSV row."""
    from course.data.marc.decode import DecodedField

    def field_(tag, *subs, ind=("", "")):
        kept = tuple((c, v) for c, v in subs if v)
        return DecodedField(tag, ind[0] or " ", ind[1] or " ", None, kept) if kept else None

    def many(name):
        return [v for v in _SPLIT.split(values.get(name, "")) if v]

    date = values.get("date", "")
    year = _YEAR.search(date)
    lang = values.get("language", "").lower()
    f008 = (
        "      "
        + ("s" + year.group(1) if year else "nuuuu")
        + " " * 4
        + " " * 3  # country of publication: not in the CSV
        + " " * 15
        + "u"  # 008/33 literary form: unknown
        + " "
        + (lang if re.fullmatch(r"[a-z]{3}", lang) else "   ")
        + "  "
    )
    fields = [
        DecodedField("001", None, None, values.get("id") or str(number), ()),
        DecodedField("008", None, None, f008, ()),
    ]
    fields += [field_("010", ("a", values.get("lccn", "")))]
    fields += [field_("020", ("a", v)) for v in many("isbn")]
    oclc = re.sub(r"^\(OCoLC\)|^(ocm|ocn|on)", "", values.get("oclc", ""))
    fields += [field_("035", ("a", f"(OCoLC){oclc}" if oclc else ""))]
    fields += [field_("050", ("a", values.get("call_number", "")), ind=(" ", "4"))]
    fields += [field_("082", ("a", values.get("dewey", "")))]
    fields += [field_("100", ("a", values.get("author", "")), ind=("1", " "))]
    fields += [
        field_("245", ("a", values["title"]), ("b", values.get("subtitle", "")), ind=("0", "0"))
    ]
    fields += [field_("250", ("a", values.get("edition", "")))]
    fields += [
        field_(
            "264",
            ("a", values.get("place", "")),
            ("b", values.get("publisher", "")),
            ("c", date),
            ind=(" ", "1"),
        )
    ]
    fields += [field_("300", ("a", values.get("extent", "")))]
    fields += [field_("490", ("a", values.get("series", "")), ind=("0", " "))]
    for heading in many("subjects"):
        main, *subs = [p.strip() for p in heading.split("--")]
        fields.append(field_("650", ("a", main), *(("x", s) for s in subs), ind=(" ", "4")))
    fields += [field_("700", ("a", v), ind=("1", " ")) for v in many("contributors")]
    return [f for f in fields if f is not None]


def _import_csv(source: Path, con, report: ImportReport, progress: bool, encoding) -> None:
    from course.data.marc.decode import SlowRows

    text = _decode(source, encoding)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ImportProblem(f"{source.name} is empty: export the records again.")
    found, report.unknown_columns = _columns(header, source)
    rows, kept = SlowRows(), []
    number, line = 0, reader.line_num
    bar = _bar(text.count("\n") + 1, "lines", "CSV", progress)
    with bar:
        for row in reader:
            start, line = line + 1, reader.line_num
            bar.update(line - start + 1)
            if not any(cell.strip() for cell in row):
                continue  # a blank line is not a record
            number += 1
            if len(row) != len(header):
                report.rejects.append(
                    Reject(
                        number,
                        None,
                        start,
                        f"the row has {len(row)} values where the first row names "
                        f"{len(header)} columns",
                    )
                )
                continue
            values = {name: row[i].strip() for name, i in found.items()}
            if not values["title"]:
                report.rejects.append(Reject(number, None, start, "the title is blank"))
                continue
            rows.add(number, None, None, _LEADER, _csv_fields(values, number))
            kept.append([number, start, *row])
    report.records = number
    report.loaded = len(kept)
    _store_rows(con, rows, key=False)
    _store_source_csv(con, header, kept)


def _store_source_csv(con, header: list[str], kept: list[list]) -> None:
    names, seen = ["bib_id", "line"], {"bib_id", "line"}
    for i, text in enumerate(header):
        base = text.strip() or f"column_{i + 1}"
        name, k = base, 2
        while name.lower() in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name.lower())
        names.append(name)
    frame = pd.DataFrame(kept, columns=range(len(names)), dtype=object)
    con.register("_import_csv_frame", frame)
    try:
        parts = [
            f'CAST("{i}" AS {"INTEGER" if i < 2 else "VARCHAR"}) AS "{n.replace(chr(34), "")}"'
            for i, n in enumerate(names)
        ]
        con.execute(f"CREATE TABLE source_csv AS SELECT {', '.join(parts)} FROM _import_csv_frame")
    finally:
        con.unregister("_import_csv_frame")

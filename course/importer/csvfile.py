"""CSV (or tab-separated) exports, mapped column by column to the MARC the catalog is built from.

:data:`CSV_COLUMNS` is the mapping (shown by ``course import --help`` and in
docs/your-own-data.md).  Each row becomes a record's ``DecodedField`` list, so the course's own
catalog SQL builds ``bib`` from it as from MARC; the raw MARC made on the way is dropped after.
Columns the mapping does not know are named in the report and kept, with every column as
written, in ``source_csv``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from course.data.marc.decode import DecodedField
from course.importer.columns import CSV_COLUMNS
from course.importer.rawtables import RawTables, progress_bar
from course.importer.report import ImportProblem, ImportReport, Reject

__all__ = ["import_csv"]

_SPLIT = re.compile(r"\s*[;|]\s*")


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


def import_csv(source: Path, con, report: ImportReport, progress: bool, encoding) -> None:
    """Read the CSV file ``source`` into the raw MARC tables of ``con``, and ``source_csv``."""
    text = _decode(source, encoding)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ImportProblem(f"{source.name} is empty: export the records again.")
    found, report.unknown_columns = _columns(header, source)
    rows, kept = RawTables(con), []
    number, line = 0, reader.line_num
    bar = progress_bar(text.count("\n") + 1, "lines", "CSV", progress)
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
            rows.add(number, _LEADER, _csv_fields(values, number))
            kept.append([number, start, *row])
    report.records = number
    report.loaded = len(kept)
    rows.finish(key=False)
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

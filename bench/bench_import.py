"""Benchmark: ``course import`` of the 250,000-record LoC MARC file, and of MARCXML and CSV.

    .venv/bin/python bench/bench_import.py [--records N] [--sample N] [--skip-marc]

Imports the cached LoC file (all of it, or its first ``--records``) the way a learner's
``course import FILE`` does, into a temporary ``mydata.duckdb`` on disk: the MARC load, the
catalog tables, the rejects report and the move into place.  Then a sample of ``--sample``
records (default 20,000) written out as MARCXML and as CSV, imported the same way, to show
what the other two routes cost per record.  Prints times, records per second and the file
sizes; it never asserts.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from pymarc import MARCReader, XMLWriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.data.marc.obtain import ensure_marc_file  # noqa: E402
from course.importer import import_file  # noqa: E402


def first_records(path: Path, n: int) -> bytes:
    """The bytes of the file's first ``n`` records."""
    data = bytearray()
    with open(path, "rb") as fh:
        while data.count(b"\x1d") < n:
            block = fh.read(1 << 22)
            if not block:
                return bytes(data)
            data += block
    end = -1
    for _ in range(n):
        end = data.find(b"\x1d", end + 1)
    return bytes(data[: end + 1])


def timed_import(path: Path, folder: Path, label: str) -> None:
    target = folder / f"{label}.duckdb"
    began = time.perf_counter()
    report = import_file(path, target=target, progress=False)
    seconds = time.perf_counter() - began
    con = duckdb.connect(str(target), read_only=True)
    bibs = con.execute("SELECT count(*) FROM bib").fetchone()[0]
    con.close()
    mib = path.stat().st_size / 2**20
    print(
        f"{label:<8} {report.loaded:>8,} of {report.records:>8,} records "
        f"({report.rejected:,} rejected) in {seconds:6.1f} s = "
        f"{report.loaded / seconds:>8,.0f} records/s; file {mib:,.1f} MiB, "
        f"database {target.stat().st_size / 2**20:,.1f} MiB, bib rows {bibs:,}",
        flush=True,
    )


def write_sample(raw: bytes, folder: Path) -> tuple[Path, Path]:
    """The records as MARCXML (pymarc's writer) and as a CSV of the columns an ILS exports."""
    xml_path, csv_path = folder / "sample.xml", folder / "sample.csv"
    writer = XMLWriter(open(xml_path, "wb"))
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["Title", "Author", "ISBN", "Date", "Publisher", "Place", "LCCN", "Subjects"])
        for record in MARCReader(raw, to_unicode=True, permissive=True):
            if record is None:
                continue
            writer.write(record)

            def first(tag: str, code: str, r=record) -> str:
                return next((v for f in r.get_fields(tag) for v in f.get_subfields(code)), "")

            isbns = [v for f in record.get_fields("020") for v in f.get_subfields("a")]
            subjects = [
                "--".join(f.get_subfields("a", "v", "x", "y", "z"))
                for f in record.get_fields("650")
            ]
            out.writerow(
                [
                    first("245", "a"),
                    first("100", "a"),
                    "; ".join(isbns),
                    first("264", "c") or first("260", "c"),
                    first("264", "b") or first("260", "b"),
                    first("264", "a") or first("260", "a"),
                    first("010", "a"),
                    "|".join(subjects),
                ]
            )
    writer.close()
    return xml_path, csv_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=None, help="only the file's first N")
    parser.add_argument("--sample", type=int, default=20_000, help="records for MARCXML and CSV")
    parser.add_argument("--skip-marc", action="store_true", help="only the MARCXML and CSV runs")
    args = parser.parse_args(argv)
    loc = ensure_marc_file(progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_marc:
            path = loc
            if args.records:
                path = folder / "first.mrc"
                path.write_bytes(first_records(loc, args.records))
            timed_import(path, folder, "MARC")
        if args.sample:
            raw = first_records(loc, args.sample)
            began = time.perf_counter()
            xml_path, csv_path = write_sample(raw, folder)
            print(
                f"(wrote the {args.sample:,}-record sample in {time.perf_counter() - began:.1f} s)"
            )
            timed_import(xml_path, folder, "MARCXML")
            timed_import(csv_path, folder, "CSV")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the files the load labs start from, and a manifest of every problem planted in them.

``write_load_files(out_dir, marc_path=..., catalog_con=..., seed=...)`` writes, under ``out_dir``
(the build passes ``data/loadlab/``):

==================================  ==========================================================
file                                what it is (module that makes it)
==================================  ==========================================================
``vendor-delivery.mrc``             a vendor's MARC delivery with planted problems (vendorfile)
``old-system-export.csv``           an item export from the old library system (oldsystem)
``sample.marcxml``                  MARCXML of a sample of catalog records (exports)
``sample-dc.xml``                   the same sample as OAI-PMH oai_dc Dublin Core (exports)
``Heronsgate_Global_..._DATE.txt``  a KBART title list with planted errors (kbartfile)
``manifest.json``                   every planted problem: file, kind, count, rows/positions
==================================  ==========================================================

The vendor's new titles are real LoC records the catalog does not use (found by byte offset in
the LoC file); the overlays and the exports come from records the catalog does use.  The catalog
connection needs ``marc_record(record_id, file_offset, record_length)`` and ``bib(bib_id,
control_number)``; ``bib.lccn`` is used when present.  Same seed and inputs give the same bytes.
"""

from __future__ import annotations

import json
import mmap
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from tqdm.auto import tqdm

from course.data.loadlab import exports, kbartfile, oldsystem, vendorfile
from course.data.loadlab.vendor_records import SourceRecord, control_number, parse_record

__all__ = ["MANIFEST_FILE", "SAMPLE_SIZE", "LoadFilesError", "write_load_files", "normalize_lccn"]

MANIFEST_FILE = "manifest.json"
SAMPLE_SIZE = 100
MANIFEST_VERSION = 1


class LoadFilesError(RuntimeError):
    """The load-lab files cannot be made from these inputs (the message says why and what to do)."""


def normalize_lccn(value: str | None) -> str:
    """An LCCN in its normalised form (blanks removed, '/...' dropped, serial padded to 6)."""
    text = "".join((value or "").split()).split("/")[0]
    if "-" in text:
        head, _, tail = text.partition("-")
        text = head + tail.zfill(6)
    return text


class _MarcFile:
    """The LoC file, memory-mapped, with the byte offset where each record starts."""

    def __init__(self, path: Path) -> None:
        self._handle = open(path, "rb")  # closed in close()
        self.map = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
        self.starts: list[int] = []
        self.ends: dict[int, int] = {}
        start, end = 0, self.map.find(b"\x1d")
        while end != -1:
            self.starts.append(start)
            self.ends[start] = end + 1
            start, end = end + 1, self.map.find(b"\x1d", end + 1)

    def record(self, offset: int, bib_id: int | None = None, length: int = 0) -> SourceRecord:
        end = self.ends.get(offset, offset + length)
        return SourceRecord(offset, self.map[offset:end], bib_id)

    def close(self) -> None:
        self.map.close()
        self._handle.close()


def _read_catalog(con) -> tuple[list[tuple[int, int, int, str]], set[str]]:
    """(bib_id, file_offset, record_length, control_number) per catalog record; the LCCNs."""
    try:
        rows = con.execute(
            """
            SELECT m.record_id, m.file_offset, m.record_length, trim(coalesce(b.control_number, ''))
            FROM marc_record AS m JOIN bib AS b ON b.bib_id = m.record_id
            ORDER BY m.record_id
            """
        ).fetchall()
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'bib'"
            ).fetchall()
        }
        lccns = set()
        if "lccn" in columns:
            lccns = {
                normalize_lccn(r[0])
                for r in con.execute("SELECT lccn FROM bib WHERE lccn IS NOT NULL").fetchall()
            }
    except Exception as exc:  # duckdb.CatalogException and friends
        raise LoadFilesError(
            "The catalog database has no marc_record and bib tables to read; build the catalog "
            f"first (`course data`), then try again. ({exc.__class__.__name__})"
        ) from exc
    if not rows:
        raise LoadFilesError("The catalog database has no records; build the catalog first.")
    return rows, lccns


def _lccn_of(record) -> str:
    fields = record.get_fields("010")
    values = fields[0].get_subfields("a") if fields else []
    return normalize_lccn(values[0]) if values else ""


def write_load_files(
    out_dir: Path, *, marc_path: Path, catalog_con, seed: int, progress: bool = True
) -> dict:
    """Write every load-lab file under ``out_dir``; return the manifest (also written as JSON)."""
    out_dir = Path(out_dir)
    marc_path = Path(marc_path)
    if not marc_path.exists():
        raise LoadFilesError(
            f"The MARC file {marc_path.name} is missing; run `course data` to fetch it, "
            "then try again."
        )
    catalog, catalog_lccns = _read_catalog(catalog_con)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"loadfiles:{seed}")
    when = date(2026, 5, 1) + timedelta(days=rng.randint(0, 45))
    stamp = datetime(
        when.year, when.month, when.day, rng.randint(6, 18), rng.randint(0, 59), rng.randint(0, 59)
    )

    bar = tqdm(total=6, desc="Load-lab files", unit="file", disable=not progress)
    source = _MarcFile(marc_path)
    try:
        catalog_offsets = {offset for _, offset, _, _ in catalog}
        catalog_numbers = {number for *_, number in catalog}

        def new_pool() -> Iterator[SourceRecord]:
            starts = [s for s in source.starts if s not in catalog_offsets]
            random.Random(f"new:{seed}").shuffle(starts)
            for offset in starts:
                src = source.record(offset)
                rec = parse_record(src.data)
                if rec is None or control_number(rec) in catalog_numbers:
                    continue
                if _lccn_of(rec) and _lccn_of(rec) in catalog_lccns:
                    continue
                yield src

        def catalog_order(label: str) -> list[tuple[int, int, int, str]]:
            rows = list(catalog)
            random.Random(f"{label}:{seed}").shuffle(rows)
            return rows

        overlay_pool = (source.record(off, bib, n) for bib, off, n, _ in catalog_order("overlay"))
        try:
            vendor_bytes, vendor_summary, problems = vendorfile.build_vendor_delivery(
                new_pool(), overlay_pool, random.Random(f"vendor:{seed}"), stamp=stamp
            )
        except ValueError as exc:
            raise LoadFilesError(
                f"{exc} Build the load-lab files from the whole LoC file, with a catalog "
                "that leaves some of its records out."
            ) from exc
        _write(out_dir / vendorfile.VENDOR_FILE, vendor_bytes)
        bar.update()

        csv_rng = random.Random(f"csv:{seed}")
        wanted = csv_rng.randint(*oldsystem.BIBS)
        bibs = _parsed(source, catalog_order("csv"), wanted)
        max_bib = max(row[0] for row in catalog)
        csv_bytes, csv_summary, csv_problems = oldsystem.build_old_export(
            bibs, csv_rng, max_bib_id=max_bib
        )
        _write(out_dir / oldsystem.OLD_EXPORT_FILE, csv_bytes)
        problems += csv_problems
        bar.update()

        sample = _parsed(source, catalog_order("sample"), SAMPLE_SIZE, keep=exports.fits_marcxml)
        _write(out_dir / exports.MARCXML_FILE, exports.marcxml_document(rec for _, rec in sample))
        bar.update()
        _write(out_dir / exports.DC_FILE, exports.oai_dc_document(sample, response_date=stamp))
        bar.update()

        name, kbart_bytes, kbart_summary, kbart_problems = kbartfile.build_kbart(
            random.Random(f"kbart:{seed}"), when
        )
        for old in out_dir.glob(f"{kbartfile.PROVIDER}_*.txt"):
            if old.name != name:
                old.unlink()
        _write(out_dir / name, kbart_bytes)
        problems += kbart_problems
        bar.update()

        manifest = {
            "generator": "course.data.loadlab.loadfiles",
            "manifest_version": MANIFEST_VERSION,
            "seed": seed,
            "delivery_date": when.isoformat(),
            "source": {"marc_file": marc_path.name, "catalog_records": len(catalog)},
            "files": {
                "vendor_delivery": vendor_summary,
                "old_system_export": csv_summary,
                "marcxml": {
                    "file": exports.MARCXML_FILE,
                    "namespace": exports.MARC_NS,
                    "records": len(sample),
                    "bib_ids": [bib for bib, _ in sample],
                    "control_numbers": [control_number(rec) for _, rec in sample],
                },
                "dublin_core": {
                    "file": exports.DC_FILE,
                    "format": "OAI-PMH 2.0 ListRecords response, metadataPrefix oai_dc",
                    "records": len(sample),
                    "identifier_prefix": exports.OAI_ID_PREFIX,
                    "crosswalk": "Library of Congress MARC to unqualified Dublin Core",
                },
                "kbart": kbart_summary,
            },
            "problems": problems,
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        _write(out_dir / MANIFEST_FILE, text.encode("utf-8"))
        bar.update()
    finally:
        source.close()
        bar.close()
    return manifest


def _parsed(source: _MarcFile, rows, wanted: int, keep=None) -> list[tuple[int, object]]:
    """The first ``wanted`` catalog records (in ``rows`` order) that parse, sorted by bib_id."""
    out = []
    for bib_id, offset, length, _ in rows:
        rec = parse_record(source.record(offset, bib_id, length).data)
        if rec is not None and rec.get_fields("245") and (keep is None or keep(rec)):
            out.append((bib_id, rec))
            if len(out) == wanted:
                break
    return sorted(out, key=lambda pair: pair[0])


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)

"""The load-lab files: every manifest claim re-checked by reading the files independently.

The catalog is a small fixture DuckDB made here from real LoC records (the 2,500-record sample
in ``../shared/realdata``, else the first records of the cached LoC file): every other record is
"in the catalog", the rest are free for the vendor's new titles.  Nothing below trusts the
generator's own code: the MARC is split on 0x1D and read with pymarc, the CSV with csv, the
KBART file by splitting tabs, the XML with lxml, identifiers with python-stdnum.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pymarc
import pytest
from lxml import etree
from stdnum import ean, isbn, issn, luhn
from stdnum.exceptions import InvalidChecksum

from course import config
from course.data.loadlab.loadfiles import LoadFilesError, write_load_files

SAMPLE = (
    config.repo_root().parent
    / "shared/realdata/marc21_binary/loc/loc_booksall2016_part01_every100th.utf8.mrc"
)
BIG = config.repo_root() / "data" / "cache" / "BooksAll.2016.part01.utf8"
SEED = 11
MARC_NS = "http://www.loc.gov/MARC21/slim"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"


# --- fixtures ------------------------------------------------------------------------------------


def _chunks(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, bytes) of every record, split on the 0x1D terminator; a tail without one last."""
    out, start = [], 0
    while start < len(data):
        end = data.find(b"\x1d", start)
        end = len(data) if end == -1 else end + 1
        out.append((start, data[start:end]))
        start = end
    return out


def _read(chunk: bytes) -> pymarc.Record:
    return pymarc.Record(data=chunk, to_unicode=True, force_utf8=True)


def _cn(rec: pymarc.Record) -> str:
    return rec["001"].data.strip() if rec.get_fields("001") else ""


def make_catalog(marc: bytes, con, keep) -> None:
    """marc_record and bib tables for the records whose 0-based index passes ``keep``."""
    records, bibs = [], []
    for index, (offset, chunk) in enumerate(_chunks(marc)):
        if not keep(index):
            continue
        rec = _read(chunk)
        lccn = rec["010"].get_subfields("a")[0] if rec.get_fields("010") else None
        records.append((index + 1, offset, len(chunk), str(rec.leader), _cn(rec)))
        bibs.append((index + 1, _cn(rec), "".join((lccn or "").split()) or None))
    columns = ["record_id", "file_offset", "record_length", "leader", "control_number"]
    con.register("records_frame", pd.DataFrame(records, columns=columns))
    con.register("bibs_frame", pd.DataFrame(bibs, columns=["bib_id", "control_number", "lccn"]))
    con.execute("CREATE TABLE marc_record AS SELECT * FROM records_frame")
    con.execute("CREATE TABLE bib AS SELECT * FROM bibs_frame")
    con.unregister("records_frame")
    con.unregister("bibs_frame")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    if SAMPLE.exists():
        return SAMPLE
    if BIG.exists():  # the first 2,500 records of the cached LoC file
        with BIG.open("rb") as handle:
            data = handle.read(3_000_000)
        cut = [o + len(c) for o, c in _chunks(data) if c.endswith(b"\x1d")][2499]
        path = tmp_path_factory.mktemp("marc") / "first2500.mrc"
        path.write_bytes(data[:cut])
        return path
    pytest.skip("no LoC MARC records here (neither ../shared/realdata nor data/cache)")


@pytest.fixture(scope="module")
def catalog(source, tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog") / "catalog.duckdb"
    con = duckdb.connect(str(path))
    make_catalog(source.read_bytes(), con, keep=lambda i: i % 2 == 0)
    con.close()
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def built(source, catalog, tmp_path_factory):
    out = tmp_path_factory.mktemp("loadlab")
    manifest = write_load_files(
        out, marc_path=source, catalog_con=catalog, seed=SEED, progress=False
    )
    return out, manifest


def _problems(manifest: dict, file: str) -> dict[str, dict]:
    return {p["kind"]: p for p in manifest["problems"] if p["file"] == file}


# --- the whole set -------------------------------------------------------------------------------


def test_every_file_is_written_and_named_in_the_manifest(built):
    out, manifest = built
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    names = {f["file"] for f in manifest["files"].values()}
    assert names | {"manifest.json"} == {p.name for p in out.iterdir()}
    kbart = manifest["files"]["kbart"]["file"]
    match = re.fullmatch(
        r"([A-Za-z0-9]+)_(Global|[A-Za-z]+)_([A-Za-z0-9]+)_(\d{4}-\d{2}-\d{2})\.txt", kbart
    )
    assert match and datetime.strptime(match[4], "%Y-%m-%d")
    for problem in manifest["problems"]:
        assert (
            problem["count"] == len(problem["items"]) > 0
            or problem["kind"] == "missing_call_number"
        )
        assert problem["file"] in names


def test_same_seed_same_bytes_other_seed_other_bytes(source, catalog, built, tmp_path):
    out, _ = built
    write_load_files(
        tmp_path / "again", marc_path=source, catalog_con=catalog, seed=SEED, progress=False
    )
    for path in out.iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name
    write_load_files(
        tmp_path / "other", marc_path=source, catalog_con=catalog, seed=SEED + 1, progress=False
    )
    for name in ("vendor-delivery.mrc", "old-system-export.csv", "sample.marcxml"):
        digest = hashlib.sha256((tmp_path / "other" / name).read_bytes()).hexdigest()
        assert digest != hashlib.sha256((out / name).read_bytes()).hexdigest(), name


def test_a_database_without_the_catalog_gets_a_plain_message(source, tmp_path):
    with pytest.raises(LoadFilesError, match="build the catalog first") as caught:
        write_load_files(
            tmp_path, marc_path=source, catalog_con=duckdb.connect(), seed=1, progress=False
        )
    assert "\n" not in str(caught.value)


# --- the vendor's MARC delivery ------------------------------------------------------------------


def vendor_findings(data: bytes, catalog_numbers: set[str]) -> dict:
    """Every problem found in the MARC file by reading it, keyed like the manifest's kinds."""
    chunks = _chunks(data)
    found: dict[str, list] = defaultdict(list)
    readable: dict[int, tuple[bytes, pymarc.Record]] = {}
    for position, (_, chunk) in enumerate(chunks, start=1):
        if not chunk.endswith(b"\x1d"):
            found["truncated_record"].append(position)
            continue
        if not chunk[:5].isdigit():
            found["record_length_not_numeric"].append(position)
            continue
        if int(chunk[12:17]) != chunk.index(b"\x1e") + 1:
            found["wrong_base_address"].append(position)
            continue
        assert int(chunk[:5]) == len(chunk)
        if chunk[9:10] == b" ":
            text = chunk.decode("utf-8")  # really UTF-8 ...
            assert any(ord(c) > 127 for c in text)  # ... with non-ASCII text
            found["wrong_encoding_flag"].append(position)
        readable[position] = (chunk, _read(chunk))
    by_bytes, by_001 = defaultdict(list), defaultdict(list)
    for position, (chunk, rec) in readable.items():
        by_bytes[chunk].append(position)
        by_001[_cn(rec)].append(position)
        if not rec.get_fields("245"):
            found["missing_245"].append(position)
        for f in rec.get_fields("020"):
            for value in f.get_subfields("a"):
                token = value.split()[0]
                try:
                    (ean if len(token) == 13 else isbn).validate(token)
                except InvalidChecksum:
                    found["invalid_isbn_check_digit"].append(position)
        if _cn(rec) in catalog_numbers:
            found["overlay"].append(position)
    found["exact_duplicate"] = sorted(p for p in by_bytes.values() if len(p) > 1)
    found["duplicate_001_different_content"] = sorted(
        p for p in by_001.values() if len(p) > 1 and len({readable[i][0] for i in p}) > 1
    )
    return found


def test_vendor_file_problems_match_the_manifest_exactly(built, catalog):
    out, manifest = built
    data = (out / "vendor-delivery.mrc").read_bytes()
    numbers = {r[0].strip() for r in catalog.execute("SELECT control_number FROM bib").fetchall()}
    found = vendor_findings(data, numbers)
    chunks = _chunks(data)
    summary = manifest["files"]["vendor_delivery"]
    assert summary["records"] == len(chunks) and summary["bytes"] == len(data)
    assert 300 <= len(chunks) <= 2_000
    problems = _problems(manifest, "vendor-delivery.mrc")
    for kind, problem in problems.items():
        items = problem["items"]
        if "positions" in items[0]:
            claimed = sorted(it["positions"] for it in items)
            for it in items:  # offsets and control numbers point at the right records
                for pos, off in zip(it["positions"], it["offsets"], strict=True):
                    assert chunks[pos - 1][0] == off
                    assert _cn(_read(chunks[pos - 1][1])) == it["control_number"]
        else:
            claimed = sorted(it["position"] for it in items)
            for it in items:
                assert chunks[it["position"] - 1][0] == it["offset"]
        assert claimed == sorted(found[kind]), kind
        assert problem["count"] == len(found[kind]) >= 1, kind
    assert set(problems) == {
        "exact_duplicate",
        "duplicate_001_different_content",
        "invalid_isbn_check_digit",
        "missing_245",
        "wrong_encoding_flag",
        "record_length_not_numeric",
        "wrong_base_address",
        "truncated_record",
    }
    # The truncated record really is the end of the file, cut short of its declared length.
    tail = problems["truncated_record"]["items"][0]
    assert tail["position"] == len(chunks)
    assert (
        int(chunks[-1][1][:5])
        == tail["declared_length"]
        > tail["bytes_present"]
        == len(chunks[-1][1])
    )
    # The ISBNs the manifest names are the invalid ones, and the corrections are valid.
    for it in problems["invalid_isbn_check_digit"]["items"]:
        rec = _read(chunks[it["position"] - 1][1])
        assert it["isbn"] in [
            v.split()[0] for f in rec.get_fields("020") for v in f.get_subfields("a")
        ]
        assert not isbn.is_valid(it["isbn"]) and isbn.is_valid(it["corrected_isbn"])
    # The brief record of each 001 pair has fewer fields and says so in LDR/17.
    for it in problems["duplicate_001_different_content"]["items"]:
        brief = _read(chunks[it["brief_position"] - 1][1])
        full = _read(chunks[[p for p in it["positions"] if p != it["brief_position"]][0] - 1][1])
        assert len(brief.fields) < len(full.fields) and brief.leader[17] == "5"


def test_overlays_match_catalog_records_and_change_only_the_listed_fields(built, catalog, source):
    out, manifest = built
    data = (out / "vendor-delivery.mrc").read_bytes()
    chunks = _chunks(data)
    numbers = {r[0].strip() for r in catalog.execute("SELECT control_number FROM bib").fetchall()}
    overlays = manifest["files"]["vendor_delivery"]["overlays"]
    assert sorted(o["position"] for o in overlays) == vendor_findings(data, numbers)["overlay"]
    assert len(overlays) >= 50
    marc = source.read_bytes()
    for o in overlays:
        offset, length, number = catalog.execute(
            "SELECT file_offset, record_length, bib.control_number FROM marc_record JOIN bib "
            "ON bib_id = record_id WHERE bib_id = ?",
            [o["bib_id"]],
        ).fetchone()
        old, new = _read(marc[offset : offset + length]), _read(chunks[o["position"] - 1][1])
        assert _cn(new) == number.strip() == o["control_number"]
        assert [f.value() for f in new.get_fields("010")] == [
            f.value() for f in old.get_fields("010")
        ]
        tags = sorted({f.tag for f in old.fields} | {f.tag for f in new.fields})
        changed = [
            t
            for t in tags
            if [str(f) for f in old.get_fields(t)] != [str(f) for f in new.get_fields(t)]
        ]
        assert changed == o["changed_tags"]
        assert "005" in changed and len(changed) >= 2


def test_new_titles_are_real_records_the_catalog_does_not_have(built, catalog, source):
    out, manifest = built
    data = (out / "vendor-delivery.mrc").read_bytes()
    lccns = {
        r[0] for r in catalog.execute("SELECT lccn FROM bib WHERE lccn IS NOT NULL").fetchall()
    }
    numbers = {r[0].strip() for r in catalog.execute("SELECT control_number FROM bib").fetchall()}
    overlay_positions = {o["position"] for o in manifest["files"]["vendor_delivery"]["overlays"]}
    originals = {_cn(_read(c)): c for _, c in _chunks(source.read_bytes())}
    untouched = 0
    for position, (_, chunk) in enumerate(_chunks(data), start=1):
        if position in overlay_positions or not chunk.endswith(b"\x1d") or not chunk[:5].isdigit():
            continue
        if int(chunk[12:17]) != chunk.index(b"\x1e") + 1:  # a broken base address
            continue
        rec = _read(chunk)
        assert _cn(rec) not in numbers
        for f in rec.get_fields("010"):
            assert "".join(f.get_subfields("a")[0].split()) not in lccns
        assert _cn(rec) in originals  # a real LoC record ...
        untouched += chunk == originals[_cn(rec)]  # ... most of them byte for byte
    assert untouched >= manifest["files"]["vendor_delivery"]["records_by_role"]["new"] - 30


# --- the old system's CSV export -----------------------------------------------------------------


def csv_findings(text: str, bib_ids: set[int]) -> dict:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    found: dict[str, list] = defaultdict(list)
    barcodes = defaultdict(list)
    for n, row in enumerate(body, start=1):
        cell = dict(zip(header, row, strict=True))
        if not any(row):
            found["blank_row"].append(n)
            continue
        if any(v != v.strip() for v in row):
            found["padded_values"].append(n)
        if int(cell["BIB NUM"].strip()) not in bib_ids:
            found["unknown_bib_number"].append(n)
        try:
            assert re.fullmatch(r"\d\d/\d\d/\d{4}", cell["Date Added"])
            datetime.strptime(cell["Date Added"], "%m/%d/%Y")
        except (AssertionError, ValueError):
            found["invalid_date"].append(n)
        if not re.fullmatch(r"\$\d+\.\d\d", cell["Price"]):
            found["price_not_numeric"].append(n)
        code = cell["Item Barcode"].strip()
        assert re.fullmatch(r"3\d{13}", code)
        barcodes[code].append(n)
        if not luhn.is_valid(code):
            found["invalid_barcode_check_digit"].append(n)
        if not cell["Call #"].strip():
            found["missing_call_number"].append(n)
    found["duplicate_barcode"] = sorted(rows for rows in barcodes.values() if len(rows) > 1)
    return found


def test_old_export_problems_match_the_manifest_exactly(built, catalog):
    out, manifest = built
    raw = (out / "old-system-export.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header == manifest["files"]["old_system_export"]["columns"]
    assert {"BIB NUM", "Item Barcode", "Call #", "Date Added"} <= set(header)
    bib_ids = {r[0] for r in catalog.execute("SELECT bib_id FROM bib").fetchall()}
    found = csv_findings(text, bib_ids)
    problems = _problems(manifest, "old-system-export.csv")
    assert set(problems) == set(found) | {"missing_call_number"}
    for kind, problem in problems.items():
        items = problem["items"]
        claimed = sorted(it["rows"] if "rows" in it else it["row"] for it in items)
        assert claimed == sorted(found[kind]), kind
        assert problem["count"] == len(found[kind])
        assert all(it["line"] == it["row"] + 1 for it in items if "row" in it)
    rows = manifest["files"]["old_system_export"]["rows"]
    assert rows == len(text.splitlines()) - 1 >= 500


# --- the KBART title list ------------------------------------------------------------------------

KBART_COLUMNS = (
    "publication_title print_identifier online_identifier date_first_issue_online "
    "num_first_vol_online num_first_issue_online date_last_issue_online num_last_vol_online "
    "num_last_issue_online title_url first_author title_id embargo_info coverage_depth notes "
    "publisher_name publication_type date_monograph_published_print "
    "date_monograph_published_online monograph_volume monograph_edition first_editor "
    "parent_publication_title_id preceding_publication_title_id access_type"
).split()
DATE_COLUMNS = (
    "date_first_issue_online",
    "date_last_issue_online",
    "date_monograph_published_print",
    "date_monograph_published_online",
)


def _iso8601(value: str) -> bool:
    for fmt, shape in (
        ("%Y", r"\d{4}"),
        ("%Y-%m", r"\d{4}-\d\d"),
        ("%Y-%m-%d", r"\d{4}-\d\d-\d\d"),
    ):
        if re.fullmatch(shape, value):
            try:
                datetime.strptime(value, fmt)
                return True
            except ValueError:
                return False
    return False


def test_kbart_file_has_the_phase_ii_columns_and_the_planted_errors(built):
    out, manifest = built
    name = manifest["files"]["kbart"]["file"]
    lines = (out / name).read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == ""
    table = [line.split("\t") for line in lines[:-1]]
    assert table[0] == KBART_COLUMNS and len(KBART_COLUMNS) == 25
    assert all(len(row) == 25 for row in table)
    found: dict[str, list] = defaultdict(list)
    ids = defaultdict(list)
    for n, values in enumerate(table[1:], start=1):
        row = dict(zip(KBART_COLUMNS, values, strict=True))
        if not row["publication_title"].strip():
            found["missing_title"].append(n)
        if row["publication_type"] not in ("serial", "monograph"):
            found["bad_publication_type"].append(n)
        if any(row[c] and not _iso8601(row[c]) for c in DATE_COLUMNS):
            found["date_not_iso8601"].append(n)
        for column in ("print_identifier", "online_identifier"):
            value = row[column]
            if re.fullmatch(r"\d{4}-\d{3}[\dX]", value):
                if not issn.is_valid(value):
                    found["invalid_issn"].append(n)
            elif value:
                assert ean.is_valid(value) and value.startswith("979"), value
        ids[row["title_id"]].append(n)
    found["duplicate_title_id"] = sorted(r for r in ids.values() if len(r) > 1)
    problems = _problems(manifest, name)
    assert set(problems) == set(found)
    for kind, problem in problems.items():
        claimed = sorted(it["rows"] if "rows" in it else it["row"] for it in problem["items"])
        assert claimed == sorted(found[kind]) and problem["count"] == len(found[kind]) >= 1, kind


# --- MARCXML and Dublin Core ---------------------------------------------------------------------

_LEADER = r"[\d ]{5}[\dA-Za-z ][\dA-Za-z][\dA-Za-z ]{3}(2| )(2| )[\d ]{5}[\dA-Za-z ]{3}(4500|    )"
_TAG = r"(0([1-9A-Z][0-9A-Z])|0([1-9a-z][0-9a-z]))|(([1-9A-Z][0-9A-Z]{2})|([1-9a-z][0-9a-z]{2}))"


def slim_schema_errors(root) -> list[str]:
    """What the MARC 21 slim schema (MARC21slim.xsd 1.2) would reject, checked rule by rule."""
    errors = []
    m = f"{{{MARC_NS}}}"
    if root.tag != m + "collection":
        errors.append(f"root is {root.tag}")
    for rec in root:
        kids = [k for k in rec if isinstance(k.tag, str)]
        names = [k.tag.removeprefix(m) for k in kids]
        if rec.tag != m + "record" or names[:1] != ["leader"]:
            errors.append("record without a leader first")
        if names != ["leader"] + sorted(names[1:], key=lambda n: n != "controlfield"):
            errors.append("control fields must come before data fields")
        if set(names) - {"leader", "controlfield", "datafield"}:
            errors.append(f"unexpected elements {set(names)}")
        if rec.get("type") not in (
            None,
            "Bibliographic",
            "Authority",
            "Holdings",
            "Classification",
            "Community",
        ):
            errors.append("bad record type")
        for k in kids:
            if k.tag == m + "leader" and not re.fullmatch(_LEADER, k.text or ""):
                errors.append(f"bad leader {k.text!r}")
            if k.tag == m + "controlfield" and not re.fullmatch(r"00[1-9A-Za-z]", k.get("tag", "")):
                errors.append("bad control tag")
            if k.tag == m + "datafield":
                if not re.fullmatch(_TAG, k.get("tag", "")):
                    errors.append("bad data tag")
                for ind in ("ind1", "ind2"):
                    if not re.fullmatch(r"[\da-z ]", k.get(ind, "?")):
                        errors.append(f"bad {ind} {k.get(ind)!r}")
                subs = list(k)
                if not subs or any(s.tag != m + "subfield" for s in subs):
                    errors.append("data field without subfields")
                for s in subs:
                    if not re.fullmatch(
                        r"[\dA-Za-z!\"#$%&'()*+,\-./:;<=>?{}_^`~\[\]\\]", s.get("code", "")
                    ):
                        errors.append("bad subfield code")
    return errors


def test_marcxml_is_valid_slim_and_holds_the_catalog_records(built, catalog, source):
    out, manifest = built
    root = etree.parse(str(out / "sample.marcxml")).getroot()
    assert slim_schema_errors(root) == []
    info = manifest["files"]["marcxml"]
    assert len(root) == info["records"] == len(info["bib_ids"]) >= 50
    marc = source.read_bytes()
    from_xml = pymarc.parse_xml_to_array(str(out / "sample.marcxml"), strict=True)
    for bib_id, number, rec in zip(info["bib_ids"], info["control_numbers"], from_xml, strict=True):
        offset, length = catalog.execute(
            "SELECT file_offset, record_length FROM marc_record WHERE record_id = ?", [bib_id]
        ).fetchone()
        original = _read(marc[offset : offset + length])
        assert _cn(rec) == number == _cn(original)
        assert rec.as_marc() == original.as_marc()  # nothing lost on the way to XML


def test_dublin_core_follows_the_loc_crosswalk(built, source, catalog):
    out, manifest = built
    root = etree.parse(str(out / "sample-dc.xml")).getroot()
    assert root.tag == f"{{{OAI_NS}}}OAI-PMH"
    records = root.findall(f"{{{OAI_NS}}}ListRecords/{{{OAI_NS}}}record")
    info = manifest["files"]["marcxml"]
    assert len(records) == manifest["files"]["dublin_core"]["records"] == info["records"]
    marc = source.read_bytes()
    allowed = set(
        "contributor coverage creator date description format identifier language publisher "
        "relation rights source subject title type".split()
    )
    counts = Counter()
    for record, bib_id in zip(records, info["bib_ids"], strict=True):
        ident = record.findtext(f"{{{OAI_NS}}}header/{{{OAI_NS}}}identifier")
        assert ident == f"{manifest['files']['dublin_core']['identifier_prefix']}{bib_id}"
        dc = record.find(f"{{{OAI_NS}}}metadata/{{{OAI_DC_NS}}}dc")
        values = defaultdict(list)
        for el in dc:
            assert el.tag.startswith(f"{{{DC_NS}}}") and el.text and el.text == el.text.strip()
            values[el.tag.removeprefix(f"{{{DC_NS}}}")].append(el.text)
        assert set(values) <= allowed and "creator" not in values  # the crosswalk uses contributor
        offset, length = catalog.execute(
            "SELECT file_offset, record_length FROM marc_record WHERE record_id = ?", [bib_id]
        ).fetchone()
        rec = _read(marc[offset : offset + length])
        title = " ".join(rec["245"].get_subfields("a")[0].split()).rstrip(" /:;,.=")
        assert values["title"][0].startswith(title)
        if rec["008"].data[35:38].isalpha():
            assert rec["008"].data[35:38] in values["language"]
        if rec["008"].data[7:11].isdigit():
            assert rec["008"].data[7:11] in values["date"]
        assert values["type"][0] == {"a": "text", "t": "text"}.get(rec.leader[6], values["type"][0])
        for f in rec.get_fields("100", "110", "111", "700", "710", "711"):
            name = " ".join(f.get_subfields("a")[0].split()).rstrip(",. ")
            assert any(v.startswith(name) for v in values["contributor"]), name
        subjects = rec.get_fields("600", "610", "611", "630", "650", "653")
        for f in subjects:
            term = " ".join(f.get_subfields("a")[0].split()).rstrip(" .,;:/")
            assert any(v.startswith(term) for v in values["subject"]), term
        for f in rec.get_fields("020"):
            for v in f.get_subfields("a"):
                assert v.split()[0] in values["identifier"]
        counts.update(values.keys())
    assert counts["title"] == len(records) and counts["subject"] > len(records) // 2


# --- the real file -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_real_loc_file_with_a_50k_catalog(tmp_path):
    if not BIG.exists():
        pytest.skip("the LoC file is not cached in data/cache")
    con = duckdb.connect(str(tmp_path / "cat.duckdb"))
    make_catalog(BIG.read_bytes(), con, keep=lambda i: i % 5 == 0)
    manifest = write_load_files(
        tmp_path / "out", marc_path=BIG, catalog_con=con, seed=2026, progress=False
    )
    numbers = {r[0] for r in con.execute("SELECT control_number FROM bib").fetchall()}
    data = (tmp_path / "out" / "vendor-delivery.mrc").read_bytes()
    found = vendor_findings(data, numbers)
    for problem in _problems(manifest, "vendor-delivery.mrc").values():
        assert problem["count"] == len(found[problem["kind"]]), problem["kind"]
    roles = manifest["files"]["vendor_delivery"]["records_by_role"]
    assert 700 <= roles["new"] <= 900 and 120 <= roles["overlay"] <= 180

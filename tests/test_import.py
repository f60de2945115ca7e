"""`course import`: a learner's own MARC, MARCXML or CSV export in the course's bib shape.

Real records: a few hundred of the LoC file the course is built from (every 5th, the course's
sample), written out as MARC, MARCXML and CSV with a broken record in the middle; the bib rows
are compared with the course's own build of the same records.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from pymarc import Field, MARCReader, Record, Subfield, XMLWriter

from course import cli, config
from course.importer import CSV_COLUMNS, ImportProblem, detect_format, import_file

LOC = config.data_dir() / "cache" / "BooksAll.2016.part01.utf8"
LIBRARY = config.database_path("library")
N = 300  # records in the sample: positions 0, 5, 10 ... of the LoC file (bib_id 1, 6, 11 ...)
BROKEN = 150  # the record (0-based, in the sample) broken in the middle


def course_bib_id(k: int) -> int:
    """The course's bib_id of the sample's record k (1-based)."""
    return 5 * (k - 1) + 1


@pytest.fixture(scope="module")
def loc_records() -> list[bytes]:
    """The raw bytes of the sample's records, as LoC wrote them."""
    if not LOC.exists():
        pytest.skip("the LoC MARC file is not cached here (course data builds it)")
    with open(LOC, "rb") as fh:
        head = fh.read(5 * N * 3000)
    records = [r + b"\x1d" for r in head.split(b"\x1d")[:-1]]
    assert len(records) >= 5 * N
    return records[0 : 5 * N : 5]


@pytest.fixture(scope="module")
def files(loc_records, tmp_path_factory) -> dict[str, Path]:
    """The sample as .mrc (record BROKEN with a wrong length in its leader), .xml and .csv."""
    folder = tmp_path_factory.mktemp("import-files")
    raw = list(loc_records)
    raw[BROKEN] = b"99999" + raw[BROKEN][5:]
    (folder / "catalog.mrc").write_bytes(b"".join(raw))
    (folder / "clean.mrc").write_bytes(b"".join(loc_records))
    records = list(MARCReader(b"".join(loc_records), to_unicode=True))
    writer = XMLWriter(open(folder / "catalog.xml", "wb"))
    for r in records:
        writer.write(r)
    writer.close()
    return {
        "mrc": folder / "catalog.mrc",
        "clean": folder / "clean.mrc",
        "xml": folder / "catalog.xml",
    }


def run_import(path, tmp_path, **kw):
    target = tmp_path / "mydata.duckdb"
    report = import_file(path, target=target, progress=False, **kw)
    return report, duckdb.connect(str(target), read_only=True)


def bib_rows(con, where: str = "") -> list[tuple]:
    return con.execute(f"SELECT * FROM bib {where} ORDER BY bib_id").fetchall()


# -- MARC ------------------------------------------------------------------------------------------


def test_marc_import_matches_the_course_build(files, tmp_path):
    if not LIBRARY.exists():
        pytest.skip("the course database is not built here")
    report, con = run_import(files["mrc"], tmp_path)
    assert (report.records, report.loaded, report.rejected) == (N, N - 1, 1)
    assert report.format == "marc"
    lib = duckdb.connect(str(LIBRARY), read_only=True)
    ids = ", ".join(str(course_bib_id(k)) for k in range(1, N + 1) if k != BROKEN + 1)
    theirs = lib.execute(
        f"SELECT (bib_id - 1) // 5 + 1, * EXCLUDE (bib_id) FROM bib WHERE bib_id IN ({ids}) "
        "ORDER BY bib_id"
    ).fetchall()
    mine = bib_rows(con)
    assert len(mine) == N - 1 and mine == theirs
    # the ISBNs too, and the names and subjects by their text (ids are numbered per catalog)
    isbn = (
        "SELECT {b}, position, isbn, isbn13, qualifier, is_valid, subfield FROM bib_isbn {w} "
        "ORDER BY 1, 2"
    )
    assert (
        con.execute(isbn.format(b="bib_id", w="")).fetchall()
        == lib.execute(
            isbn.format(b="(bib_id - 1) // 5 + 1", w=f"WHERE bib_id IN ({ids})")
        ).fetchall()
    )
    names = (
        "SELECT {b}, a.name, ba.role, ba.position FROM bib_agent ba JOIN agent a USING (agent_id) "
        "{w} ORDER BY 1, 4"
    )
    assert (
        con.execute(names.format(b="bib_id", w="")).fetchall()
        == lib.execute(
            names.format(b="(bib_id - 1) // 5 + 1", w=f"WHERE bib_id IN ({ids})")
        ).fetchall()
    )
    heads = (
        "SELECT {b}, s.heading, s.vocabulary FROM bib_subject bs JOIN subject s "
        "USING (subject_id) {w} ORDER BY 1, bs.position"
    )
    assert (
        con.execute(heads.format(b="bib_id", w="")).fetchall()
        == lib.execute(
            heads.format(b="(bib_id - 1) // 5 + 1", w=f"WHERE bib_id IN ({ids})")
        ).fetchall()
    )


def test_marc_rejects_report_names_the_record_its_offset_and_why(files, tmp_path):
    report, con = run_import(files["mrc"], tmp_path)
    offset = sum(len(r) for r in list(_raw(files["mrc"]))[:BROKEN])
    rows = list(csv.DictReader(io.StringIO(report.rejects_csv.read_text(encoding="utf-8"))))
    assert rows == [
        {
            "record": str(BROKEN + 1),
            "byte_offset": str(offset),
            "line": "",
            "reason": "record length in leader does not match the record",
        }
    ]
    assert con.execute("SELECT record, byte_offset, reason FROM import_reject").fetchall() == [
        (BROKEN + 1, offset, rows[0]["reason"])
    ]
    assert BROKEN + 1 not in {r[0] for r in bib_rows(con)}
    line = report.summary().splitlines()[1]
    assert line.startswith("1 could not be read (most often: record length in leader")
    assert str(report.rejects_csv) in line
    info = con.execute("SELECT name, source_format, records_loaded FROM import_info").fetchone()
    assert info == ("catalog", "marc", N - 1)


def _raw(path: Path):
    data = path.read_bytes()
    return [r + b"\x1d" for r in data.split(b"\x1d")[:-1]]


def test_marc8_records_are_converted_to_unicode(tmp_path):
    """A MARC-8 record (Leader/09 blank): the combining diaeresis comes before its letter in
    MARC-8 (0xE8); converted, the title reads as pymarc reads it (u and the mark composed)."""
    record = Record(leader="00000nam  2200000   4500", force_utf8=False)
    record.add_field(Field(tag="001", data="marc8-1"))
    record.add_field(Field(tag="008", data="991231s1999    gw            000 0 ger d"))
    title = Subfield("a", "Die M#uller-Briefe /")
    record.add_field(Field(tag="245", indicators=["1", "4"], subfields=[title]))
    data = record.as_marc().replace(b"#", b"\xe8")  # 0xE8: MARC-8's combining umlaut
    data = data[:9] + b" " + data[10:]  # pymarc writes Leader/09 a; MARC-8 is blank
    assert b"M\xe8uller" in data and data[9:10] == b" "
    path = tmp_path / "marc8.mrc"
    path.write_bytes(data)
    expected = next(iter(MARCReader(data, to_unicode=True)))["245"]["a"]
    report, con = run_import(path, tmp_path)
    assert (report.marc8, report.marc8_utf8, report.loaded) == (1, 0, 1)
    assert "1 record was in MARC-8 (Leader/09 blank) and converted" in report.summary()
    assert "look like UTF-8" not in report.summary()
    assert expected == "Die M\xfcller-Briefe /"
    assert con.execute("SELECT title FROM bib").fetchone()[0] == "Die M\xfcller-Briefe"


def test_utf8_under_a_marc8_leader_is_pointed_out(tmp_path):
    """UTF-8 bytes with Leader/09 blank: converted as MARC-8 (as pymarc does), but the summary
    says they look like UTF-8, so the learner knows why the accents read wrongly."""
    record = Record(leader="00000nam  2200000   4500")
    record.add_field(Field(tag="001", data="utf8-1"))
    title = Subfield("a", "Die M\xfcller-Briefe /")
    record.add_field(Field(tag="245", indicators=["1", "4"], subfields=[title]))
    data = record.as_marc()  # UTF-8 bytes
    data = data[:9] + b" " + data[10:]
    assert "M\xfcller".encode() in data
    path = tmp_path / "wrong-leader.mrc"
    path.write_bytes(data)
    report, con = run_import(path, tmp_path)
    assert (report.marc8, report.marc8_utf8) == (1, 1)
    assert "1 of them look like UTF-8 text under a Leader/09 that says MARC-8" in report.summary()
    assert con.execute("SELECT marc8_looks_utf8 FROM import_info").fetchone()[0] == 1


# -- MARCXML ---------------------------------------------------------------------------------------


def test_marcxml_gives_the_same_bib_rows_as_marc(files, tmp_path, monkeypatch):
    monkeypatch.setattr("course.importer.rawtables.BATCH", 7)  # many batches, one short at the end
    _, marc = run_import(files["clean"], tmp_path / "a")
    report, xml = run_import(files["xml"], tmp_path / "b")
    assert (report.format, report.records, report.loaded, report.rejected) == ("marcxml", N, N, 0)
    assert bib_rows(xml) == bib_rows(marc) and len(bib_rows(xml)) == N
    for table in ("bib_isbn", "agent", "bib_agent", "subject", "bib_subject", "marc_subfield"):
        assert (
            xml.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            == marc.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        ), table


def test_a_bad_marcxml_record_is_rejected_with_its_line(files, tmp_path):
    text = files["xml"].read_text(encoding="utf-8")
    parts = text.split("<marc:record>") if "<marc:record>" in text else text.split("<record>")
    assert len(parts) == N + 1
    sep = "<marc:record>" if "<marc:record>" in text else "<record>"
    # record 3 gets a subfield without a code, record 5 a two-digit tag
    parts[3] = parts[3].replace(' code="a"', "", 1)
    parts[5] = parts[5].replace('tag="245"', 'tag="45"', 1)
    path = tmp_path / "bad.xml"
    path.write_text(sep.join(parts), encoding="utf-8")
    report, con = run_import(path, tmp_path)
    assert (report.records, report.loaded) == (N, N - 2)
    reasons = [(r.record, r.reason) for r in report.rejects]
    assert reasons[0][0] == 3 and "has no code" in reasons[0][1]
    assert reasons[1] == (5, 'a field tag is not three characters (tag="45")')
    line = sep.join(parts)[: sep.join(parts).index(parts[3])].count("\n") + 1
    assert report.rejects[0].line == line
    assert {3, 5}.isdisjoint(r[0] for r in bib_rows(con))


def test_broken_xml_keeps_the_records_before_the_break(files, tmp_path):
    text = files["xml"].read_text(encoding="utf-8")
    cut = text.index("</", len(text) // 2)
    path = tmp_path / "cut.xml"
    path.write_text(text[:cut] + "<</oops>" + text[cut:], encoding="utf-8")
    report, con = run_import(path, tmp_path)
    assert 0 < report.loaded < N and report.rejected == 1
    last = report.rejects[-1]
    assert last.line and "the XML breaks here" in last.reason and "rest of the file" in last.reason


# -- CSV -------------------------------------------------------------------------------------------


def csv_from(con, path: Path, *, sep=",") -> None:
    """A CSV export of the imported catalog, with the header names an ILS report might use."""
    rows = con.execute(
        "SELECT b.bib_id, b.title, b.main_entry, "
        "(SELECT string_agg(isbn, '; ' ORDER BY position) FROM bib_isbn i "
        " WHERE i.bib_id = b.bib_id AND subfield = 'a'), "
        "b.date1, b.publisher, b.place, b.lccn, b.edition, b.language "
        "FROM bib b ORDER BY bib_id"
    ).fetchall()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter=sep)
        header = ["Record ID", "Title", "Author", "ISBN", "Pub Year", "Publisher", "Place"]
        out.writerow([*header, "LCCN", "Edition", "Language", "Barcode"])
        for i, r in enumerate(rows):
            out.writerow([("" if v is None else v) for v in r] + [f"3100{i:05d}"])


def test_csv_import_gives_the_mapped_bib_columns(files, tmp_path):
    _, marc = run_import(files["clean"], tmp_path / "a")
    path = tmp_path / "export.csv"
    csv_from(marc, path)
    report, mine = run_import(path, tmp_path / "b")
    assert (report.format, report.records, report.loaded, report.rejected) == ("csv", N, N, 0)
    assert report.unknown_columns == ["Barcode"]
    cols = "title, main_entry, date1, publisher, place, lccn, edition, language"
    assert (
        mine.execute(f"SELECT {cols} FROM bib ORDER BY bib_id").fetchall()
        == marc.execute(f"SELECT {cols} FROM bib ORDER BY bib_id").fetchall()
    )
    isbns = "SELECT isbn, isbn13, is_valid FROM bib_isbn WHERE subfield = 'a' ORDER BY ALL"
    assert mine.execute(isbns).fetchall() == marc.execute(isbns).fetchall()
    assert (
        mine.execute("SELECT count(*) FROM source_csv WHERE Barcode LIKE '3100%'").fetchone()[0]
        == N
    )
    # the control number is the CSV's own record id; the raw MARC made on the way is gone
    assert mine.execute("SELECT min(control_number) FROM bib").fetchone()[0] == "1"
    tables = {r[0] for r in mine.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "marc_field" not in tables and {"bib", "source_csv", "import_reject"} <= tables


def test_csv_rows_that_cannot_be_read_are_reported_by_line(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text(
        "Title\tAuthor\tISBN\tSubjects\tShelf\n"
        "Moby Dick\tMelville, Herman\t0142437247 (pbk.)\tWhales--Fiction|Sea stories\tA1\n"
        "\tNobody\t\t\tA2\n"
        "Too\tmany\tvalues\there\tA3\textra\n"
        "\n"
        '"Two\nlines"\tDoe, Jane\t9780306406157;0306406152\t\tA4\n',
        encoding="utf-8",
    )
    report, con = run_import(path, tmp_path)
    assert (report.records, report.loaded) == (4, 2)
    assert [(r.record, r.line, r.reason) for r in report.rejects] == [
        (2, 3, "the title is blank"),
        (3, 4, "the row has 6 values where the first row names 5 columns"),
    ]
    assert con.execute("SELECT bib_id, title FROM bib ORDER BY 1").fetchall() == [
        (1, "Moby Dick"),
        (4, "Two\nlines"),
    ]
    assert con.execute("SELECT line FROM source_csv ORDER BY 1").fetchall() == [(2,), (6,)]
    assert con.execute(
        "SELECT heading FROM subject s JOIN bib_subject USING (subject_id) ORDER BY 1"
    ).fetchall() == [("Sea stories",), ("Whales--Fiction",)]
    assert con.execute("SELECT isbn, qualifier FROM bib_isbn WHERE bib_id = 1").fetchall() == [
        ("0142437247", "pbk.")
    ]
    assert con.execute("SELECT count(*) FROM bib_isbn WHERE bib_id = 4").fetchone()[0] == 2


def test_csv_that_is_not_utf8_says_how_to_save_it(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("Title,Author\nCaf\xe9 society,Smith\n".encode("cp1252"))
    with pytest.raises(ImportProblem, match=r"not UTF-8 text \(line 2.*--encoding cp1252"):
        run_import(path, tmp_path)
    report, con = run_import(path, tmp_path, encoding="cp1252")
    assert con.execute("SELECT title FROM bib").fetchone()[0] == "Café society"


# -- what a learner can get wrong: one sentence, non-zero exit, the old import kept -------------


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (None, "There is no file at"),
        (b"", "is empty: export the records"),
        (b"  \n\n", "is empty"),
        (b"%PDF-1.7 ...", "is a PDF, not a MARC, MARCXML or CSV file"),
        (b"PK\x03\x04rest", "Excel workbook: unzip it, or save the sheet as CSV UTF-8"),
        (b'[{"title": "A"}]', "looks like JSON, which the import does not read"),
        (b"Name,Barcode\nA,1\n", "has no title column (its first row reads Name, Barcode)"),
        (b"Title,Author\n", "holds no rows of records"),
        (b'<?xml version="1.0"?><html><body>hi</body></html>', "holds no MARCXML records"),
        (b"<collection><record>", "is not well-formed XML (line 1"),
        (b"00026nam a2200025   4500\x1e\x1d" * 3, "None of the 3 records"),
    ],
)
def test_learner_mistakes_are_one_sentence(content, sentence, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "ws"))
    path = tmp_path / "export.dat"
    if content is not None:
        path.write_bytes(content)
    old = config.mydata_db_path()
    old.parent.mkdir(parents=True)
    duckdb.connect(str(old)).execute("CREATE TABLE bib AS SELECT 'mine before' AS title").close()
    assert cli.main(["import", str(path), "--quiet"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and sentence in out.err
    assert out.err.startswith("course import: ") and out.err.count("\n") == 1
    assert "Traceback" not in out.err
    con = duckdb.connect(str(old), read_only=True)
    assert con.execute("SELECT title FROM bib").fetchall() == [("mine before",)]
    assert not list(old.parent.glob("*.importing*"))


def test_cli_imports_into_the_workspace_and_prints_the_summary(
    files, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "ws"))
    assert cli.main(["import", str(files["mrc"]), "--name", "Branch 3", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Imported {N - 1:,} of {N:,} records from catalog.mrc (MARC) into ")
    assert "mydata-rejects.csv" in out
    target = tmp_path / "ws" / "mydata.duckdb"
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT name FROM import_info").fetchone()[0] == "Branch 3"
    con.close()
    # a second import replaces the first; the rejects report is rewritten
    assert cli.main(["import", str(files["clean"]), "--quiet"]) == 0
    assert "No record was rejected." in capsys.readouterr().out
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT count(*), min(bib_id) FROM bib").fetchone() == (N, 1)
    rejects = (tmp_path / "ws" / "mydata-rejects.csv").read_text().splitlines()
    assert rejects == ["record,byte_offset,line,reason"]


def test_a_catalog_open_on_windows_is_one_sentence(files, tmp_path, monkeypatch):
    """Windows cannot replace a database file a notebook has open: os.replace raises."""

    def refuse(src, dst):
        raise PermissionError(13, "The process cannot access the file", str(dst))

    monkeypatch.setattr("course.importer.run.os.replace", refuse)
    with pytest.raises(ImportProblem, match="open in a notebook: restart that notebook's kernel"):
        run_import(files["clean"], tmp_path)
    assert not list(tmp_path.glob("*.importing*"))


def test_the_course_data_is_never_the_target(files, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_MYDATA_DB", str(tmp_path / "data" / "library.duckdb"))
    with pytest.raises(ImportProblem, match="is a course database, which an import must not"):
        import_file(files["clean"], progress=False)
    assert not (tmp_path / "data").exists()


def test_help_lists_the_csv_mapping(capsys):
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    text = capsys.readouterr().out
    for name, marc, _aliases in CSV_COLUMNS:
        assert f"{name:<13} -> {marc}" in text
    assert "a title column is required" in text


def test_format_is_told_from_the_bytes_not_the_name(files, tmp_path):
    assert detect_format(files["mrc"]) == "marc"
    assert detect_format(files["xml"]) == "marcxml"
    odd = tmp_path / "records.txt"
    odd.write_bytes(files["xml"].read_bytes())
    assert detect_format(odd) == "marcxml"
    sheet = tmp_path / "list.mrc"
    sheet.write_text("\ufefftitle,author\nA,B\n", encoding="utf-8")
    assert detect_format(sheet) == "csv"


def test_real_misdeclared_marc8_is_refused_in_one_sentence(realdata, tmp_path):
    """MARC-8 bytes in a record whose Leader/09 says UTF-8: rejected, not loaded garbled."""
    path = realdata / "marc21_binary" / "ruby-marc" / "marc8_accented_chars.marc"
    with pytest.raises(ImportProblem, match="None of the 1 records .*invalid UTF-8"):
        run_import(path, tmp_path)


# -- real exports from other libraries (skipped where ../shared/realdata is absent) -------------


def test_real_loc_sample_matches_the_course_build(realdata, tmp_path):
    if not LIBRARY.exists():
        pytest.skip("the course database is not built here")
    path = realdata / "marc21_binary" / "loc" / "loc_booksall2016_part01_every100th.utf8.mrc"
    report, con = run_import(path, tmp_path)
    assert (report.records, report.loaded, report.rejected) == (2500, 2500, 0)
    lib = duckdb.connect(str(LIBRARY), read_only=True)
    theirs = lib.execute(
        "SELECT (bib_id - 1) // 100 + 1, * EXCLUDE (bib_id) FROM bib "
        "WHERE bib_id % 100 = 1 ORDER BY bib_id"
    ).fetchall()
    assert bib_rows(con) == theirs


@pytest.mark.parametrize(
    ("name", "loaded", "rejected", "marc8"),
    [
        ("marc21_binary/pymarc/marc8.dat", 1, 0, 1),
        ("marc21_binary/pymarc/utf8_without_leader_flag.dat", 1, 0, 1),
        ("marc21_binary/traject/one-marc8.mrc", 1, 0, 1),
        ("marc21_binary/qa-catalogue/000-line-seperated.mrc", 20, 0, 0),
        ("marc21_binary/pymarc/bad_records.mrc", 2, 7, 2),
        ("marc21_binary/library-carpentry/marc_sample_data.mrc", 536, 0, 0),
    ],
)
def test_real_marc_files(realdata, tmp_path, name, loaded, rejected, marc8):
    """(marc8: records in MARC-8 that were converted, counted among those loaded)"""
    report, con = run_import(realdata / name, tmp_path)
    assert (report.loaded, report.rejected, report.marc8) == (loaded, rejected, marc8)
    assert report.marc8_utf8 == ("without_leader_flag" in name)
    assert con.execute("SELECT count(*) FROM bib WHERE title IS NOT NULL").fetchone()[0] > 0


@pytest.mark.parametrize(
    ("name", "loaded", "rejected"),
    [
        ("marcxml/lc-marc2bibframe2/princeton.xml", 99, 0),
        ("marcxml/lc-marc2bibframe2/dnb.xml", 99, 0),
        ("marcxml/nls/Tay-Bridge-Enquiry-dataset-MARC.xml", None, 0),
        ("marcxml/ruby-marc/three-records-second-bad.xml", 1, 1),
        ("marcxml/marc4j/chabon-missing-subfield-code.xml", 0, 1),
        ("marcxml/pymarc/bad_tag.xml", 0, 1),
        ("authority/kbr/kbr_authority.sample.xml", None, 0),
    ],
)
def test_real_marcxml_files(realdata, tmp_path, name, loaded, rejected):
    try:
        report, _con = run_import(realdata / name, tmp_path)
    except ImportProblem as exc:  # nothing readable: one sentence, naming the reason
        assert loaded == 0 and "None of the" in str(exc), exc
        return
    assert report.loaded > 0
    if loaded is not None:
        assert report.loaded == loaded
    if rejected is not None:
        assert report.rejected == rejected
    for r in report.rejects:
        assert r.line and r.reason


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("csv/doaj-article-sample.csv", ["DOI", "URL", "ISSNs", "Citation", "Licence"]),
        ("circulation/shakespeare_and_co/SCoData_books_v1.2_2022-01.csv", None),
    ],
)
def test_real_csv_files(realdata, tmp_path, name, columns):
    report, con = run_import(realdata / name, tmp_path)
    assert report.loaded > 0.9 * report.records
    if columns is not None:
        assert report.unknown_columns == columns
    rows = con.execute("SELECT count(*) FROM source_csv").fetchone()[0]
    assert rows == report.loaded == con.execute("SELECT count(*) FROM bib").fetchone()[0]
    assert con.execute("SELECT count(*) FROM bib WHERE date1 IS NOT NULL").fetchone()[0] > 0

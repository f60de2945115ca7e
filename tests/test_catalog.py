"""The catalog tables built from raw MARC: cleaning rules on made-up records, and the real LoC
sample (2,500 records, every 100th of BooksAll.2016 part01) checked against pymarc and against
the counts in REFERENCE.md."""

from __future__ import annotations

import re

import duckdb
import pymarc
import pytest
from pymarc import Field, Indicators, Record, Subfield

from course.data.build import table_checksums
from course.data.marc.catalog import CATALOG_TABLES, build_catalog
from course.data.marc.load import load_marc

SAMPLE = "marc21_binary/loc/loc_booksall2016_part01_every100th.utf8.mrc"


# --- made-up records: each cleaning rule on a case we chose -------------------------------------


def _record(control: str, f008: str, fields: list[Field]) -> Record:
    record = Record(leader="00000cam a2200000 a 4500", force_utf8=True)
    record.add_field(Field(tag="001", data=control), Field(tag="008", data=f008))
    record.add_field(*fields)
    return record


def _df(tag, ind, *pairs) -> Field:
    subs = [Subfield(code=pairs[i], value=pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return Field(tag=tag, indicators=Indicators(*ind), subfields=subs)


def _made_up_records() -> bytes:
    one = _record(
        "n78089035",
        "780101s19uu    enk           000 0 eng d",
        [
            _df("010", "  ", "a", "n78-89035"),
            _df("020", "  ", "a", "0631217290 (pbk. : alk. paper)"),
            _df("020", "  ", "z", "0631217291"),
            _df("020", "  ", "a", "9780803723573 :", "c", "$15.00"),
            _df("035", "  ", "a", "(OCoLC)ocm41255713"),
            _df("050", "00", "a", "PZ3.T444", "b", "M", "a", "PS3066"),
            _df("100", "1 ", "a", "Smith, J. R.,", "d", "1950-", "e", "author."),
            _df("245", "14", "a", "The art of war /", "c", "by Sun Tzu ; tr. by J. R. Smith."),
            _df("250", "  ", "a", "2nd ed."),
            _df("260", "  ", "a", "London :", "b", "Home Office,", "c", "1995."),
            _df("300", "  ", "a", "197 p. :", "b", "ill. ;", "c", "25 cm."),
            _df("650", " 0", "a", "Kazakh language", "v", "Dictionaries", "x", "Russian."),
            _df("650", " 0", "a", "Social sciences", "x", "Research--Methodology."),
            _df("651", " 7", "a", "Paris (France)", "2", "fast"),
            _df("700", "1 ", "a", "Smith, J.R.,", "d", "1950-", "e", "ill."),
            _df("700", "12", "a", "Shakespeare, William,", "d", "1564-1616.", "t", "Hamlet."),
            _df("710", "2 ", "a", "United States.", "b", "Congress.", "b", "Senate.", "4", "pbl"),
        ],
    )
    two = _record(
        "   02007603 ",
        "020101s2005    xx            000 0 fre d",
        [
            _df("010", "  ", "a", "   02007603 //r78"),
            _df("050", "00", "a", "MLCS 2005/03199 (B)"),
            _df("245", "00", "a", "Who is it? /", "c", "written by Sally Grindley."),
            _df("650", " 0", "a", "Kazakh language", "v", "Dictionaries."),
            _df("650", " 0", "a", "Courts", "x", "Legal status, laws, etc."),
        ],
    )
    three = _record(
        "2004012345",
        "040101s2004    nyu           000 0 eng  ",
        [
            _df("245", "00", "a", "Learn C++."),
            _df("300", "  ", "a", "1 v. +", "e", "1 CD-ROM."),
        ],
    )
    return one.as_marc() + two.as_marc() + three.as_marc()


@pytest.fixture(scope="module")
def made_up() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_marc(_made_up_records(), con, progress=False)
    build_catalog(con, progress=False)
    yield con
    con.close()


def _row(con, sql, params=()) -> dict:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None, sql
    return dict(zip(names, row, strict=True))


def test_bib_cleaning_rules(made_up):
    one = _row(made_up, "SELECT * FROM bib WHERE bib_id = 1")
    assert one["lccn"] == "n78089035"  # hyphen removed, serial padded to six digits
    assert one["oclc_number"] == "41255713"
    assert one["title"] == "The art of war"
    assert one["sort_title"] == "art of war"  # 245 ind2 = 4 nonfiling characters
    assert one["responsibility"] == "by Sun Tzu ; tr. by J. R. Smith"
    assert one["edition"] == "2nd ed."  # an abbreviation keeps its full stop
    assert (one["place"], one["publisher"], one["pub_date_text"]) == (
        "London",
        "Home Office",
        "1995",
    )
    assert one["extent"] == "197 p."
    assert one["date1"] is None  # 19uu is not four digits
    assert (one["date_type"], one["country"], one["language"]) == ("s", "enk", "eng")
    assert one["lc_call_number"] == "PZ3.T444 M"  # the $b that follows the first $a
    assert (one["lc_class"], one["lc_class_letters"]) == ("PZ3.T444", "PZ")
    assert one["main_entry"] == "Smith, J. R."  # an initial keeps its full stop

    two = _row(made_up, "SELECT * FROM bib WHERE bib_id = 2")
    assert two["control_number"] == "02007603"
    assert two["lccn"] == "02007603"  # blanks and the '//r78' revision suffix dropped
    assert two["title"] == "Who is it?"
    assert two["sort_title"] == "Who is it?"
    assert two["date1"] == 2005 and two["country"] == "xx"
    assert two["lc_call_number"] == "MLCS 2005/03199 (B)"
    assert two["lc_class"] is None and two["lc_class_letters"] is None

    three = _row(made_up, "SELECT * FROM bib WHERE bib_id = 3")
    assert three["title"] == "Learn C++"  # a '+' that belongs to the title stays
    assert three["extent"] == "1 v."  # the ' +' before 300 $e goes
    assert three["lccn"] is None and three["control_number"] == "2004012345"


def test_isbn_split_and_checked(made_up):
    rows = made_up.execute(
        "SELECT position, isbn, isbn13, qualifier, is_valid, subfield FROM bib_isbn "
        "WHERE bib_id = 1 ORDER BY position"
    ).fetchall()
    assert rows == [
        (1, "0631217290", "9780631217299", "pbk. : alk. paper", True, "a"),
        (2, "0631217291", None, None, False, "z"),
        (3, "9780803723573", "9780803723573", None, True, "a"),
    ]


def test_agents_deduplicated_with_roles(made_up):
    rows = made_up.execute(
        "SELECT ba.position, ba.tag, ba.role, ba.relator, a.name, a.dates, a.agent_type, "
        "a.agent_id FROM bib_agent ba JOIN agent a USING (agent_id) WHERE ba.bib_id = 1 "
        "ORDER BY ba.position"
    ).fetchall()
    assert [r[:7] for r in rows] == [
        (1, "100", "creator", "author", "Smith, J. R.", "1950-", "person"),
        (2, "700", "contributor", "ill.", "Smith, J. R.", "1950-", "person"),
        (3, "700", "contributor", None, "Shakespeare, William", "1564-1616", "person"),
        (4, "710", "contributor", "pbl", "United States. Congress. Senate", None, "organization"),
    ]
    assert rows[0][7] == rows[1][7]  # "Smith, J.R." and "Smith, J. R." are one agent
    assert made_up.execute("SELECT count(*) FROM agent").fetchone()[0] == 3


def test_subject_hierarchy_on_made_up_records(made_up):
    rows = made_up.execute(
        "SELECT heading, term, subdivision_type, depth, vocabulary FROM subject ORDER BY subject_id"
    ).fetchall()
    assert rows == [
        ("Paris (France)", "Paris (France)", None, 0, "fast"),
        ("Courts", "Courts", None, 0, "lcsh"),
        ("Courts--Legal status, laws, etc.", "Legal status, laws, etc.", "topical", 1, "lcsh"),
        ("Kazakh language", "Kazakh language", None, 0, "lcsh"),
        ("Kazakh language--Dictionaries", "Dictionaries", "form", 1, "lcsh"),
        ("Kazakh language--Dictionaries--Russian", "Russian", "topical", 2, "lcsh"),
        ("Social sciences", "Social sciences", None, 0, "lcsh"),
        # a '--' inside one subfield is not a subdivision of its own
        ("Social sciences--Research-Methodology", "Research-Methodology", "topical", 1, "lcsh"),
    ]
    walk = made_up.execute(
        """
        WITH RECURSIVE up AS (
            SELECT subject_id, parent_id, term FROM subject
            WHERE heading = 'Kazakh language--Dictionaries--Russian'
            UNION ALL
            SELECT s.subject_id, s.parent_id, s.term
            FROM subject s JOIN up ON s.subject_id = up.parent_id
        )
        SELECT term FROM up
        """
    ).fetchall()
    assert sorted(t for (t,) in walk) == ["Dictionaries", "Kazakh language", "Russian"]
    # both records point at their full headings only; the shared parent is one row
    assigned = made_up.execute(
        "SELECT bib_id, heading FROM bib_subject JOIN subject USING (subject_id) ORDER BY ALL"
    ).fetchall()
    assert (2, "Kazakh language--Dictionaries") in assigned
    assert (1, "Kazakh language--Dictionaries") not in assigned
    assert len(assigned) == 5


def test_rebuild_replaces_and_leaves_no_temp_objects(made_up):
    before = table_checksums(made_up)
    build_catalog(made_up, progress=False)
    assert table_checksums(made_up) == before
    temps = made_up.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name LIKE 'cat_%'"
    ).fetchone()[0]
    macros = made_up.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name LIKE 'cat_%'"
    ).fetchone()[0]
    assert (temps, macros) == (0, 0)


# --- the real LoC sample -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_path(realdata):
    path = realdata / SAMPLE
    if not path.exists():
        pytest.skip(f"{SAMPLE} is not in ../shared/realdata")
    return path


@pytest.fixture(scope="module")
def loc(sample_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_marc(sample_path, con, progress=False)
    build_catalog(con, progress=False)
    yield con
    con.close()


@pytest.fixture(scope="module")
def pymarc_records(sample_path) -> list[Record]:
    with open(sample_path, "rb") as handle:
        return list(pymarc.MARCReader(handle, to_unicode=True, force_utf8=False, permissive=True))


def _lccn(value: str) -> str:
    """The LC normalisation, written independently of the SQL (REFERENCE.md section 2)."""
    value = "".join(value.split()).split("/")[0]
    if "-" in value:
        head, tail = value.split("-", 1)
        value = head + tail.rjust(6, "0")
    return value


def _strip(text: str) -> str:
    return re.sub(r"[\s:;/,=.]+$", "", text)


@pytest.mark.realdata
def test_every_record_matches_pymarc(loc, pymarc_records):
    assert len(pymarc_records) == 2500
    rows = loc.execute(
        "SELECT bib_id, control_number, lccn, date1, language, record_type, bib_level, "
        "encoding_level, title FROM bib ORDER BY bib_id"
    ).fetchall()
    assert len(rows) == 2500
    for row, rec in zip(rows, pymarc_records, strict=True):
        f008 = rec["008"].data
        expected_date1 = int(f008[7:11]) if f008[7:11].isdigit() else None
        lccn = rec["010"]["a"] if rec["010"] and rec["010"]["a"] else None
        title = rec["245"]["a"] if rec["245"] else None
        assert row[1] == rec["001"].data.strip(), row[0]
        assert row[2] == (_lccn(lccn) if lccn else None), row[0]
        assert row[3] == expected_date1, row[0]
        assert row[4] == (f008[35:38].strip() or None), row[0]
        assert row[5:8] == (rec.leader[6], rec.leader[7], rec.leader[17]), row[0]
        if title and not rec["245"].get_subfields("n", "p"):
            # title proper = 245 $a without its closing punctuation, except the full stop of an
            # initial or abbreviation ("1998 g.", "F.R.S.", "&c.") or an ellipsis
            expected = _strip(title)
            if row[8] != expected:
                assert row[8].startswith(expected), row[0]
                assert re.search(r"(\b\w\.|\.\.\.|&c\.)$", row[8]), row[0]


@pytest.mark.realdata
def test_known_records_field_by_field(loc):
    papers = _row(loc, "SELECT * FROM bib WHERE title = 'The Pentagon Papers'")
    assert papers["sort_title"] == "Pentagon Papers"
    assert papers["title_remainder"] == "national security versus the public's right to know"
    assert papers["responsibility"] == "by Geoffrey A. Campbell"
    wheels = _row(loc, "SELECT * FROM bib WHERE title = 'Three men on wheels'")
    assert wheels["responsibility"] == (
        "by Jerome K. Jerome ; with illustrations by Harrison Fisher"
    )
    first = _row(loc, "SELECT * FROM bib WHERE bib_id = 1")
    assert (first["control_number"], first["lccn"], first["date1"]) == (
        "00000002",
        "00000002",
        1899,
    )
    assert first["title"] == "Botanical materia medica and pharmacology"
    assert first["lc_call_number"] == "RX671 .A92" and first["lc_class_letters"] == "RX"


@pytest.mark.realdata
def test_lc_class_counts_from_reference(loc):
    shelf = loc.execute(
        "SELECT count(*) FROM bib WHERE lc_call_number IS NOT NULL AND lc_class IS NULL "
        "AND lc_call_number <> '*'"
    ).fetchone()[0]
    assert shelf == 210  # REFERENCE.md: 210 of the sample's 050s are shelf numbers
    mlcs = loc.execute("SELECT count(*) FROM bib WHERE lc_call_number LIKE 'MLC%'").fetchone()[0]
    assert mlcs > 150
    top = loc.execute(
        "SELECT lc_class_letters[1], count(*) FROM bib WHERE lc_class IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
    ).fetchall()
    assert top == [("P", 449), ("H", 295), ("D", 253), ("B", 207), ("K", 171)]


@pytest.mark.realdata
def test_isbn_counts_from_reference(loc):
    rows = loc.execute(
        "SELECT length(replace(isbn, '-', '')) AS digits, is_valid, count(*) FROM bib_isbn "
        "WHERE subfield = 'a' GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    # REFERENCE.md: 1,856 ISBN-10 (2 with bad check digits) and 11 ISBN-13 in 020 $a
    assert rows == [(10, False, 2), (10, True, 1854), (13, True, 11)]
    inside = loc.execute(
        "SELECT count(*) FROM bib_isbn WHERE subfield = 'a' AND qualifier IS NOT NULL"
    ).fetchone()[0]
    assert inside == 578
    for isbn, isbn13 in loc.execute(
        "SELECT isbn, isbn13 FROM bib_isbn WHERE is_valid AND length(isbn) = 10"
    ).fetchall():
        digits = "978" + isbn[:9]
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
        assert isbn13 == digits + str((10 - total % 10) % 10)


@pytest.mark.realdata
def test_agents_and_relators_from_reference(loc):
    per_tag = dict(
        loc.execute(
            "SELECT tag, count(*) FILTER (relator IS NOT NULL) FROM bib_agent GROUP BY tag"
        ).fetchall()
    )
    assert per_tag["700"] == 81  # REFERENCE.md: $e in 81 of 1,321 700s
    fields = loc.execute(
        "SELECT tag, count(*) FROM bib_agent WHERE tag IN ('100', '700') GROUP BY tag ORDER BY tag"
    ).fetchall()
    assert fields == [("100", 1821), ("700", 1321)]
    # one agent per normalised heading (no two rows that differ only in punctuation or case)
    names = loc.execute("SELECT agent_type, name, dates FROM agent").fetchall()
    keys = {(t, re.sub(r"\W+", " ", f"{n} {d or ''}".upper()).strip()) for t, n, d in names}
    assert len(keys) == len(names)


@pytest.mark.realdata
def test_subject_hierarchy_walkable(loc):
    bad = loc.execute(
        """
        SELECT count(*) FROM subject c LEFT JOIN subject p ON p.subject_id = c.parent_id
        WHERE (c.parent_id IS NULL) <> (c.depth = 0)
           OR (c.parent_id IS NOT NULL AND p.subject_id IS NULL)
           OR p.depth <> c.depth - 1
           OR p.vocabulary <> c.vocabulary
           OR c.heading <> coalesce(p.heading || '--', '') || c.term
           OR (c.depth = 0) <> (c.subdivision_type IS NULL)
        """
    ).fetchone()[0]
    assert bad == 0
    depths = loc.execute(
        """
        WITH RECURSIVE walk AS (
            SELECT subject_id, 0 AS level FROM subject WHERE parent_id IS NULL
            UNION ALL
            SELECT s.subject_id, w.level + 1
            FROM subject s JOIN walk w ON s.parent_id = w.subject_id
        )
        SELECT count(*), count(*) FILTER (w.level = s.depth)
        FROM walk w JOIN subject s USING (subject_id)
        """
    ).fetchone()
    total = loc.execute("SELECT count(*) FROM subject").fetchone()[0]
    assert depths == (total, total)  # every heading is reached once, at its own depth
    per_tag = dict(loc.execute("SELECT tag, count(*) FROM bib_subject GROUP BY tag").fetchall())
    assert per_tag["650"] == 3971  # REFERENCE.md: 3,971 650 fields
    lcsh_650 = loc.execute(
        "SELECT count(*) FROM marc_field WHERE tag = '650' AND ind2 = '0'"
    ).fetchone()[0]
    blank_0 = loc.execute(
        "SELECT count(*) FROM marc_field WHERE tag = '650' AND ind1 = ' ' AND ind2 = '0'"
    ).fetchone()[0]
    assert blank_0 == 3702  # REFERENCE.md: 3,702 of 3,971 650s are #0
    vocab = loc.execute(
        "SELECT count(*) FROM bib_subject JOIN subject USING (subject_id) "
        "WHERE tag = '650' AND vocabulary = 'lcsh'"
    ).fetchone()[0]
    assert vocab >= lcsh_650 > blank_0  # ind2 0 fields, plus ind2 7 fields whose $2 says lcsh


@pytest.mark.realdata
def test_catalog_keys_hold(loc):
    for table in CATALOG_TABLES:
        assert loc.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    orphans = loc.execute(
        "SELECT (SELECT count(*) FROM bib_isbn WHERE bib_id NOT IN (SELECT bib_id FROM bib)) + "
        "(SELECT count(*) FROM bib_agent WHERE agent_id NOT IN (SELECT agent_id FROM agent)) + "
        "(SELECT count(*) FROM bib_subject "
        " WHERE subject_id NOT IN (SELECT subject_id FROM subject))"
    ).fetchone()[0]
    assert orphans == 0
    with pytest.raises(duckdb.ConstraintException):
        loc.execute("INSERT INTO bib_subject VALUES (1, -5, '650', 99)")


# --- the errata of issue 9, on records copied from the LoC file ---------------------------------


def _errata_records() -> bytes:
    world = _record(  # bib 3881: $p after $b, ISBD punctuation closing each subfield
        "   95012345 ",
        "950101s1995    caua          000 0 eng  ",
        [
            _df("100", "1 ", "a", "Allman, Barbara,", "e", "ed."),
            _df(
                "245",
                "12",
                "a",
                "A world in focus :",
                "b",
                "a unique text for social studies.",
                "p",
                "Central and South America /",
                "c",
                "text, Barbara Allman ; editorial advisor, John-Paul Bianchi.",
            ),
            _df("700", "1 ", "a", "Bianchi, John-Paul,", "e", "joint author."),
            _df("711", "2 ", "a", "Social Studies Forum", "d", "(1994)", "j", "author."),
        ],
    )
    dday = _record(  # bib 10996: a miscoded $c and two $z in one 650, then a second 650
        "   99054321 ",
        "990101s1999    nyu           000 1 eng  ",
        [
            _df("245", "10", "a", "Disaster at D-Day :", "b", "the Germans defeat the Allies."),
            _df(
                "650",
                " 0",
                "a",
                "World War, 1939-1945",
                "c",
                "Campaigns",
                "z",
                "France",
                "z",
                "Normandy.",
            ),
            _df("650", " 0", "a", "Imaginary wars and battles."),
            _df("650", " 0", "a", "Ships", "a", "Boats", "x", "Models."),
            _df(
                "651", " 0", "a", "Paris (France)", "x", "History", "c", "Siege", "y", "1870-1871."
            ),
            _df("245", "00", "a", "Annual report.", "n", "Part 2,", "p", "Finance."),
        ],
    )
    report = _record(
        "   99054322 ",
        "990101s1999    nyu           000 0 eng  ",
        [_df("245", "00", "a", "Annual report.", "n", "Part 2,", "p", "Finance.")],
    )
    episode = _record(
        "   99054323 ",
        "990101s1999    nyu           000 1 eng  ",
        [_df("245", "10", "a", "Star Wars,", "n", "Episode I.", "p", "Darth Maul's revenge.")],
    )
    return world.as_marc() + dday.as_marc() + report.as_marc() + episode.as_marc()


@pytest.fixture(scope="module")
def errata() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_marc(_errata_records(), con, progress=False)
    build_catalog(con, progress=False)
    yield con
    con.close()


def test_title_strips_isbd_punctuation_from_every_part(errata):
    titles = errata.execute("SELECT title, title_remainder FROM bib ORDER BY bib_id").fetchall()
    assert titles == [
        ("A world in focus. Central and South America", "a unique text for social studies"),
        ("Disaster at D-Day", "the Germans defeat the Allies"),  # only the first 245 counts
        ("Annual report. Part 2, Finance", None),
        ("Star Wars. Episode I, Darth Maul's revenge", None),
    ]
    assert not errata.execute("SELECT count(*) FROM bib WHERE title LIKE '% :%'").fetchone()[0]


def test_role_is_the_kind_of_field_and_relator_what_the_agent_did(errata):
    rows = errata.execute(
        "SELECT tag, role, relator FROM bib_agent WHERE bib_id = 1 ORDER BY position"
    ).fetchall()
    assert rows == [
        ("100", "creator", "ed."),  # a main entry under an editor: still the 1XX
        ("700", "contributor", "joint author"),  # an added entry for an author
        ("711", "contributor", "author"),  # X11 fields carry the relator in $j
    ]


def test_subject_headings_keep_every_subfield_in_order(errata):
    headings = [
        h
        for (h,) in errata.execute(
            "SELECT s.heading FROM bib_subject b JOIN subject s USING (subject_id) "
            "WHERE b.bib_id = 2 ORDER BY b.position"
        ).fetchall()
    ]
    # bib 10996: $c (MARC 21: location of event; here a miscoded $x) stays in the main heading,
    # as coded; both $z follow as subdivisions; a repeated $a is kept.
    assert headings == [
        "World War, 1939-1945 Campaigns--France--Normandy",
        "Imaginary wars and battles",
        "Ships Boats--Models",
        "Paris (France)--History Siege--1870-1871",  # a subfield after a subdivision stays there
    ]
    values = errata.execute(
        "SELECT s.value FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq) "
        "WHERE s.record_id = 2 AND f.tag LIKE '65_'"
    ).fetchall()
    joined = " ".join(headings)
    assert all(v.rstrip(".") in joined for (v,) in values)  # no subfield lost


# --- witness rows in the shadow database (course.data.witness) ----------------------------------


def _library_titles() -> bytes:
    out = b""
    for n, title in enumerate(("The Library of the mind.", "library hours", "Libraries today")):
        out += _record(
            f"9{n}000001",
            "990101s1999    nyu           000 0 eng  ",
            [_df("245", "00", "a", title)],
        ).as_marc()
    return out


def test_a_witness_edit_makes_the_two_like_answer_to_1_4_fail():
    from course.data import witness

    reference = "SELECT bib_id, title FROM bib WHERE title ILIKE '%library%' ORDER BY ALL"
    two_likes = (
        "SELECT bib_id, title FROM bib WHERE title LIKE '%library%' OR title LIKE '%Library%' "
        "ORDER BY ALL"
    )
    con = duckdb.connect()
    load_marc(_library_titles(), con, progress=False)
    build_catalog(con, progress=False)
    assert "library_in_capitals" in witness.missing_witnesses(con, "marc")
    assert con.execute(reference).fetchall() == con.execute(two_likes).fetchall()  # the defect

    assert "library_in_capitals" in witness.apply_witnesses(con, "marc")
    build_catalog(con, progress=False)
    assert "library_in_capitals" not in witness.missing_witnesses(con, "marc")
    assert con.execute("SELECT title FROM bib ORDER BY bib_id").fetchall() == [
        ("THE LIBRARY OF THE MIND",),
        ("library hours",),
        ("Libraries today",),
    ]
    assert con.execute(reference).fetchall() != con.execute(two_likes).fetchall()
    with pytest.raises(ValueError, match="no witness stage"):
        witness.apply_witnesses(con, "later")
    con.close()


def test_a_witness_pair_differs_only_in_punctuation_so_6_7s_key_must_strip_it():
    from course.data import witness

    key = "lower(strip_accents(concat_ws(' ', title, main_entry, date1)))"
    stripped = f"regexp_replace({key}, '[^a-z0-9]', '', 'g')"
    dupes = "SELECT count(*) - count(DISTINCT {}) FROM bib"
    out = b""
    for n, (date, name, title) in enumerate(
        (
            ("1899", "Guiney, Louise Imogen,", "The martyrs' idyl,"),
            ("1900", "Gallaher, G.", "Vassar"),
        )
    ):
        out += _record(
            f"8{n}000001",
            f"750929s{date}    mau           000 1 eng  ",
            [_df("100", "1 ", "a", name), _df("245", "14", "a", title)],
        ).as_marc()
    con = duckdb.connect()
    load_marc(out, con, progress=False)
    build_catalog(con, progress=False)
    assert "duplicate_differing_in_punctuation" in witness.missing_witnesses(con, "marc")
    assert con.execute(dupes.format(stripped)).fetchone()[0] == 0

    witness.apply_witnesses(con, "marc")
    build_catalog(con, progress=False)
    assert "duplicate_differing_in_punctuation" not in witness.missing_witnesses(con, "marc")
    assert con.execute("SELECT title FROM bib ORDER BY bib_id").fetchall()[1] == (
        'The "martyrs\'" idyl',
    )
    # a key that strips punctuation finds the pair; one that keeps it does not
    assert con.execute(dupes.format(stripped)).fetchone()[0] == 1
    assert con.execute(dupes.format(key)).fetchone()[0] == 0
    con.close()


def test_every_witness_names_its_exercise_and_a_known_stage():
    from course.data import witness

    names = [w.name for w in witness.WITNESSES]
    assert len(names) == len(set(names))
    for w in witness.WITNESSES:
        assert w.stage in witness.STAGES and w.exercises and w.why.endswith(".")


def test_the_built_shadow_database_holds_every_witness():
    from course import config
    from course.data import witness
    from course.data.build import is_built

    path = config.database_path("shadow")
    if not is_built():
        pytest.skip("shadow.duckdb is not built with the current recipe (run `course data`)")
    with duckdb.connect(str(path), read_only=True) as shadow:
        assert witness.missing_witnesses(shadow) == []
        assert shadow.execute(
            "SELECT count(*) FROM bib WHERE title ILIKE '%library%' "
            "AND NOT (title LIKE '%library%' OR title LIKE '%Library%')"
        ).fetchone()[0]

"""Module 08's code lists and checks are honest: the MARC code lists come from marc-lint (never
typed in), the built tables hold them, every listed mistake loses its point on the hidden data as
well as on the visible, a typed-in answer fails hidden, and the KBART check finds exactly the
problems the load-lab generator planted."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
from marc_lint import code_data

from course import check, config
from course.check import python_checks
from course.check.bank import banks_dir, load_bank
from course.data.marc.codelists import CODE_LIST_TABLES, code_list_rows, load_code_lists

BANK = banks_dir() / "08-crosswalks-and-quality.yml"
COURSE_DATA = config.data_dir()  # as the environment names it before any test changes it


# -- the code lists, without built data -------------------------------------------------------


def test_code_list_rows_keep_current_codes_current_and_leave_out_blanks():
    rows = dict(code_list_rows({"eng": 1, "   ": 1, "gw ": 1, "ai": 1}, {"esk": 1, "ai": 1}))
    assert rows == {"eng": "current", "gw": "current", "ai": "current", "esk": "obsolete"}
    assert list(rows) == sorted(rows)


def test_the_tables_hold_exactly_marc_lints_lists():
    con = duckdb.connect(":memory:")
    load_code_lists(con)
    for table, current, obsolete in (
        ("marc_language_code", code_data.LANGUAGE_CODES, code_data.OBSOLETE_LANGUAGE_CODES),
        ("marc_country_code", code_data.COUNTRY_CODES, code_data.OBSOLETE_COUNTRY_CODES),
    ):
        rows = dict(con.execute(f"SELECT code, status FROM {table}").fetchall())
        want_current = {c.strip() for c in current if c.strip()}
        assert {c for c, s in rows.items() if s == "current"} == want_current
        assert {c for c, s in rows.items() if s == "obsolete"} == (
            {c.strip() for c in obsolete} - want_current
        )
    assert con.execute("SELECT status FROM marc_country_code WHERE code = 'yu'").fetchone() == (
        "obsolete",
    )
    assert (
        con.execute("SELECT count(*) FROM marc_language_code WHERE trim(code) = ''").fetchone()[0]
        == 0
    )
    load_code_lists(con)  # a second build replaces the tables
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO marc_country_code VALUES ('zz', 'retired')")


# -- on the built course data -----------------------------------------------------------------


@pytest.fixture
def course_data(monkeypatch, tmp_path):
    if not all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES):
        pytest.skip("the course databases are not built (run `course data`)")
    monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.clear_cache()
    python_checks.clear_cache()
    return COURSE_DATA


def test_both_databases_hold_the_code_lists(course_data):
    for db in config.DATABASES:
        con = duckdb.connect(str(course_data / f"{db}.duckdb"), read_only=True)
        try:
            for table in CODE_LIST_TABLES:
                assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 300
        finally:
            con.close()


def test_the_module_has_at_least_eight_graded_exercises():
    bank = load_bank(BANK)
    assert len(bank) >= 9
    assert sum(1 for ex in bank.values() if ex.kind == "python") >= 3


def _answer(ex, source):
    if ex.kind != "python":
        return source
    namespace: dict = {}
    exec(compile(source, f"<{ex.qid}>", "exec"), namespace)
    return namespace[ex.function]


#: Mistakes the shadow data cannot show: it has no place code in no list at all, and no LCSH
#: "Aliens." or "Illegal aliens." with its period.
VISIBLE_ONLY = {("q8_4", "inner_join"), ("q8_9", "period_kept"), ("q8_9", "heading_with_period")}


@pytest.mark.parametrize("qid", sorted(load_bank(BANK)))
def test_every_listed_mistake_fails_visible_and_hidden_with_its_sentence(course_data, qid):
    ex = load_bank(BANK)[qid]
    for hidden in (False, True):
        assert check.evaluate(_answer(ex, ex.reference), qid, module=BANK, hidden=hidden).passed
    for mistake in ex.mistakes:
        source = mistake.python if ex.kind == "python" else mistake.sql
        for hidden in (False, True):
            if hidden and (qid, mistake.tag) in VISIBLE_ONLY:
                continue
            result = check.evaluate(_answer(ex, source), qid, module=BANK, hidden=hidden)
            assert not result.passed, f"{qid} {mistake.tag} passed (hidden={hidden})"
            assert result.tag == mistake.tag, result.line()
            assert "\n" not in result.sentence and "Traceback" not in result.sentence


def test_a_typed_in_code_status_passes_visible_but_fails_hidden(course_data):
    ex = load_bank(BANK)["q8_5"]
    cases = python_checks._cases(ex, "library")
    known = {}
    for (record_id,) in cases:
        record = check_record(record_id)
        known[record["001"].data] = _answer(ex, ex.reference)(record)

    def code_status(record):
        return known[record["001"].data]

    assert check.evaluate(code_status, "q8_5", module=BANK).passed
    hidden = check.evaluate(code_status, "q8_5", module=BANK, hidden=True)
    assert not hidden.passed and "On other records of the catalog" in hidden.sentence


def check_record(record_id):
    from course import records

    return records.record(record_id)


def test_the_kbart_check_finds_exactly_the_planted_problems(course_data):
    loadlab = course_data / "loadlab"
    manifest = json.loads((loadlab / "manifest.json").read_text(encoding="utf-8"))
    kbart = manifest["files"]["kbart"]["file"]
    planted: dict[int, set[str]] = {}
    names = {
        "invalid_issn": "invalid ISSN",
        "date_not_iso8601": "date not ISO 8601",
        "missing_title": "missing title",
        "bad_publication_type": "publication type",
    }
    for problem in manifest["problems"]:
        if problem["file"] == kbart and problem["kind"] in names:
            for item in problem["items"]:
                planted.setdefault(item["row"], set()).add(names[problem["kind"]])
    assert planted, "the manifest lists no KBART problems"
    ex = load_bank(BANK)["q8_8"]
    kbart_problems = _answer(ex, ex.reference)
    columns = (
        "publication_title",
        "print_identifier",
        "online_identifier",
        "date_first_issue_online",
        "publication_type",
    )
    with open(loadlab / kbart, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    found = {
        n: set(problems)
        for n, row in enumerate(rows, start=1)
        if (problems := kbart_problems(*(row[c] for c in columns)))
    }
    assert found == planted


def test_a_code_status_that_never_reads_the_language_fails_hidden(course_data):
    # The learners' catalog has no language code outside the list; the shadow data has one
    # (three blanks), so only the hidden check can catch a function that skips 008/35-37.
    from course.data.marc.codelists import code_list_rows as rows

    places = dict(rows(code_data.COUNTRY_CODES, code_data.OBSOLETE_COUNTRY_CODES))

    def code_status(record):
        return {
            "language": "current",
            "place": places.get(record["008"].data[15:18].rstrip(), "not in list"),
        }

    assert check.evaluate(code_status, "q8_5", module=BANK).passed
    hidden = check.evaluate(code_status, "q8_5", module=BANK, hidden=True)
    assert not hidden.passed and "'language': 'not in list'" in hidden.sentence, hidden.line()


def test_the_old_system_profile_counts_exactly_the_planted_rows(course_data):
    # The notebook's profile cell, run as it is: each count is the manifest's for that problem.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat

    from course import db

    notebook = config.repo_root() / "source" / "08-crosswalks-and-quality"
    nb = nbformat.read(notebook / "08-crosswalks-and-quality.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.get("id") == "c055c-oldsystem")
    con = db.connect()
    namespace = {"con": con, "config": config, "plt": plt}
    try:
        exec(compile(source, "<c055c-oldsystem>", "exec"), namespace)
    finally:
        con.close()
        plt.close("all")
    profile = namespace["profile"]
    manifest = json.loads((course_data / "loadlab" / "manifest.json").read_text(encoding="utf-8"))
    planted = {
        p["kind"]: p["count"]
        for p in manifest["problems"]
        if p["file"] == manifest["files"]["old_system_export"]["file"]
    }
    assert int(profile["blank row"]) == planted["blank_row"]
    assert int(profile["BIB NUM not in the catalog"]) == planted["unknown_bib_number"]
    assert int(profile["Date Added not MM/DD/YYYY"]) == planted["invalid_date"]
    assert int(profile["Price not an amount"]) == planted["price_not_numeric"]
    assert int(profile["blanks around a value"]) == planted["padded_values"]
    assert int(profile["no call number"]) == planted["missing_call_number"]
    assert int(profile["barcode on a second row"]) == planted["duplicate_barcode"]

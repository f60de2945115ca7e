"""Designs graded by behaviour (course.check.design_checks): drawn rows, good rows first, lossless
and stored-once normalization, the scratch helpers, and tampering a learner could try.

q5_4 and q5_5 need no course data (their probes make their own rows); q5_6, q5_7 and q5_8 read
the built course data and are skipped when it is not built.
"""

from __future__ import annotations

import duckdb
import pytest
import yaml

from course import check, config
from course.check import design_checks
from course.check.bank import banks_dir, find_exercise
from course.check.feedback import CheckFailed

FIXTURES = yaml.safe_load(
    (
        banks_dir().parent.parent / "tests" / "fixtures" / "answers" / "05-database-design.yml"
    ).read_text(encoding="utf-8")
)["answers"]
COURSE_DATA = config.data_dir()
HAS_DATA = all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES)
needs_data = pytest.mark.skipif(not HAS_DATA, reason="the course databases are not built")

ITEMS = FIXTURES["q5_4"]["correct"][0]["sql"]
LOANS = FIXTURES["q5_5"]["correct"][0]["sql"]
ORDERS = FIXTURES["q5_6"]["correct"][0]["sql"]


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("COURSE_SCRATCH_DB", str(tmp_path / "workspace" / "scratch.duckdb"))
    check.clear_cache()
    return tmp_path


# --- drawn rows ------------------------------------------------------------------------------


def test_drawn_values_are_repeatable_and_differ_for_the_hidden_check():
    ex = find_exercise("q5_4")
    visible = design_checks.draw_values(ex, False)
    assert visible == design_checks.draw_values(ex, False)
    hidden = design_checks.draw_values(ex, True)
    assert set(visible) == set(hidden) == {name for name, _kind in ex.draw}
    assert all(visible[k] != hidden[k] for k in ("barcode", "negative", "bib", "isbn"))
    assert float(visible["negative"]) < 0 and float(visible["price"]) > 0


def test_drawn_barcodes_and_isbns_are_well_formed():
    from stdnum import isbn, luhn

    ex = find_exercise("q5_4")
    for hidden in (False, True):
        values = design_checks.draw_values(ex, hidden)
        assert len(values["barcode"]) == 14 and luhn.is_valid(values["barcode"])
        assert isbn.is_valid(values["isbn"]) and len(values["isbn"]) == 13


def test_fill_touches_only_drawn_names():
    assert design_checks.fill("'{a}' {b} {{x}}", {"a": "1"}) == "'1' {b} {{x}}"
    assert design_checks.fill("", {"a": "1"}) == ""


def test_feedback_names_the_drawn_row():
    wrong = ITEMS.replace("NOT NULL UNIQUE", "NOT NULL")
    result = check.evaluate(wrong, "q5_4")
    barcode = design_checks.draw_values(find_exercise("q5_4"), False)["barcode"]
    assert result.tag == "duplicate_barcode"
    assert f"A second item with barcode {barcode} was accepted" in result.sentence
    hidden = check.evaluate(wrong, "q5_4", hidden=True)
    assert hidden.tag == "duplicate_barcode" and barcode not in hidden.sentence


def test_a_design_tuned_to_the_visible_rows_fails_the_hidden_check():
    negative = design_checks.draw_values(find_exercise("q5_4"), False)["negative"]
    tuned = ITEMS.replace("CHECK (price >= 0)", f"CHECK (price <> {negative})")
    assert check.evaluate(tuned, "q5_4").passed
    result = check.evaluate(tuned, "q5_4", hidden=True)
    assert not result.passed and result.tag == "negative_price"


# --- honest: refusing everything, accepting everything, names ---------------------------------


@pytest.mark.parametrize(
    ("qid", "script"),
    [
        (
            "q5_4",
            "CREATE TABLE title_record (bib_id INTEGER, title VARCHAR, isbn VARCHAR,"
            " CHECK (false)); CREATE TABLE item (item_id INTEGER, barcode VARCHAR,"
            " bib_id INTEGER, price DECIMAL(8,2), acquired_date DATE, CHECK (false));",
        ),
        (
            "q5_5",
            "CREATE TABLE loan (loan_id INTEGER, item_id INTEGER, checkout_date DATE,"
            " due_date DATE, return_date DATE, CHECK (false));",
        ),
    ],
)
def test_a_design_that_refuses_every_row_fails(qid, script):
    result = check.evaluate(script, qid)
    assert not result.passed and result.stage == "constraints"
    assert "refused" in result.sentence


def test_tables_without_rules_fail():
    bare = (
        "CREATE TABLE title_record (bib_id INTEGER, title VARCHAR, isbn VARCHAR);"
        "CREATE TABLE item (item_id INTEGER, barcode VARCHAR, bib_id INTEGER,"
        " price DECIMAL(8,2), acquired_date DATE);"
    )
    result = check.evaluate(bare, "q5_4")
    assert not result.passed and result.stage == "constraints"


def test_blank_and_empty_answers_fail():
    for answer in (None, "", "   "):
        assert not check.evaluate(answer, "q5_4").passed


def test_column_names_are_the_contract_and_extra_columns_are_fine():
    renamed = ITEMS.replace("acquired_date DATE", "date_added DATE")
    result = check.evaluate(renamed, "q5_4")
    assert result.tag == "schema" and "acquired_date" in result.sentence
    extra = ITEMS.replace("acquired_date DATE", "acquired_date DATE, call_number VARCHAR")
    assert check.evaluate(extra, "q5_4").passed


def test_accept_probes_run_before_reject_probes_for_designs():
    # isbn UNIQUE refuses a good row (two records sharing an ISBN): said before anything else
    result = check.evaluate(ITEMS.replace("isbn VARCHAR\n", "isbn VARCHAR UNIQUE\n"), "q5_4")
    assert result.tag == "shared_isbn"


def test_the_check_passes_a_same_day_return_and_a_loan_still_out():
    assert check.evaluate(LOANS, "q5_5").passed
    strict = LOANS.replace("return_date >= checkout_date", "return_date > checkout_date")
    assert check.evaluate(strict, "q5_5").tag == "same_day_return"


# --- tampering ---------------------------------------------------------------------------------


def test_the_checks_modules_refuse_reassignment():
    from course.check import state_checks

    with pytest.raises(AttributeError):
        design_checks.draw_values = lambda ex, hidden: {}
    with pytest.raises(AttributeError):
        state_checks._probe = lambda *a, **k: False
    assert check.evaluate(ITEMS.replace(" CHECK (price >= 0)", ""), "q5_4").tag == "negative_price"


@pytest.mark.parametrize(
    "extra",
    [
        "ATTACH ':memory:' AS other",
        "SET search_path = 'temp.main'",
        "PRAGMA disable_checkpoint_on_shutdown",
        "CALL pragma_version()",
    ],
)
def test_a_script_cannot_reach_outside_its_statements(extra):
    result = check.evaluate(ITEMS + extra + ";", "q5_4")
    assert not result.passed and result.tag == "statement"


def test_a_transaction_left_open_or_rolled_back_changes_nothing():
    wrong = ITEMS.replace(" CHECK (price >= 0)", "")
    assert check.evaluate("BEGIN TRANSACTION;" + ITEMS, "q5_4").passed
    assert check.evaluate("BEGIN TRANSACTION;" + wrong, "q5_4").tag == "negative_price"
    # tables made and rolled back are simply not there
    result = check.evaluate("BEGIN TRANSACTION;" + ITEMS + "ROLLBACK;", "q5_4")
    assert not result.passed and result.stage == "schema"


def test_a_str_subclass_answer_is_read_as_plain_text():
    class Sly(str):
        def __eq__(self, other):
            return True

        def __hash__(self):
            return 0

        def strip(self, *a):
            return ITEMS

    wrong = Sly(ITEMS.replace(" CHECK (price >= 0)", ""))
    assert check.evaluate(wrong, "q5_4").tag == "negative_price"


def test_the_learners_scratch_database_does_not_count(env):
    check.build(ITEMS, "q5_4")  # a good design in scratch...
    wrong = ITEMS.replace("NOT NULL UNIQUE", "NOT NULL")
    assert check.evaluate(wrong, "q5_4").tag == "duplicate_barcode"  # ...the answer is graded
    with pytest.raises(CheckFailed):
        check.state(wrong, "q5_4")


def test_a_failing_check_raises_one_line(capsys):
    with pytest.raises(CheckFailed) as caught:
        check.state(ITEMS.replace(" CHECK (price >= 0)", ""), "q5_4")
    assert "\n" not in str(caught.value).strip()
    assert capsys.readouterr().err == ""


@needs_data
def test_a_script_that_replaces_the_sheet_cannot_pass():
    # a smaller "sheet" of the learner's own, and a view that just reads it
    fake = (
        ORDERS
        + "DROP VIEW order_sheet_again; DROP TABLE order_sheet;"
        + "CREATE TABLE order_sheet AS SELECT * FROM order_line LIMIT 0;"
        + "CREATE VIEW order_sheet_again AS SELECT * FROM order_sheet;"
    )
    result = check.evaluate(fake, "q5_6")
    assert not result.passed and result.tag == "lossless"


@needs_data
def test_a_view_reading_the_old_sheet_is_not_lossless():
    lazy = ORDERS + "CREATE OR REPLACE VIEW order_sheet_again AS SELECT * FROM order_sheet;"
    assert check.evaluate(lazy, "q5_6").tag == "lossless"


@needs_data
def test_the_course_data_is_never_changed():
    before = {
        p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in COURSE_DATA.glob("*.duckdb")
    }
    assert check.evaluate(ORDERS, "q5_6").passed
    assert check.evaluate("DELETE FROM library.vendor;", "q5_8").tag == "readonly"
    after = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in COURSE_DATA.glob("*.duckdb")}
    assert before == after


@needs_data
def test_each_fact_once_counts_every_table():
    copy = ORDERS + "CREATE TABLE vendor_backup AS SELECT * FROM vendor;"
    result = check.evaluate(copy, "q5_6")
    assert result.tag == "stored_once" and "stored in 2 rows" in result.sentence


# --- the notebook helpers ------------------------------------------------------------------------


def _scratch_rows(sql):
    con = duckdb.connect(str(config.scratch_db_path()))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_build_can_be_run_again_and_attempt_undoes_its_change(capsys):
    check.build(ITEMS, "q5_4")
    check.build(ITEMS, "q5_4")  # again, from the top: no "already exists"
    out = capsys.readouterr().out
    assert out.count("✓ Built") == 2 and "already exists" not in out
    check.attempt(
        "INSERT INTO title_record (bib_id, title) VALUES (1, 'Cataloging for kids')", "q5_4"
    )
    assert "Accepted" in capsys.readouterr().out
    assert _scratch_rows("SELECT count(*) FROM q5_4.title_record") == [(0,)]
    check.attempt("INSERT INTO item (item_id, barcode, bib_id) VALUES (1, 'x', 99)", "q5_4")
    said = capsys.readouterr().out.strip()
    assert said.startswith("Refused:") and "FOREIGN KEY" in said and "\n" not in said


@pytest.mark.parametrize(
    ("script", "qid", "words"),
    [
        ("CREATE TABLE t (a INTEGER", "q5_4", "could not read"),
        (None, "q5_4", "nothing to build"),
        ("CREATE TABLE t (a INTEGER)", "not an id", "Could not open"),
        ("CREATE TABLE t (a INTEGER REFERENCES nowhere (a))", "q5_4", "Statement 1"),
    ],
)
def test_build_says_one_sentence_and_never_raises(script, qid, words, capsys):
    check.build(script, qid)
    captured = capsys.readouterr()
    assert words in captured.out and captured.err == ""


def test_attempt_before_build_says_what_to_do(capsys):
    check.attempt("SELECT 1", "q5_5")
    assert "Build q5_5 first" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ('Constraint Error: Duplicate key "barcode: 1" violates unique constraint.', "UNIQUE"),
        ("Constraint Error: NOT NULL constraint failed: item.barcode", "NOT NULL"),
        ('CHECK constraint failed on table "item" with expression CHECK((price >= 0))', "rule"),
        (
            'Violates foreign key constraint because key "bib_id: 9" does not exist in the '
            "referenced table",
            "FOREIGN",
        ),
        ("FOREIGN KEY constraints cannot use CASCADE, SET NULL or SET DEFAULT", "CASCADE"),
        ("TransactionContext Error: Current transaction is aborted (please ROLLBACK)", "ROLLBACK"),
    ],
)
def test_refusals_are_said_in_one_sentence(message, words):
    said = design_checks.explain_refusal(message)
    assert words in said and "\n" not in said and said.endswith(".")


@needs_data
def test_build_puts_the_old_sheet_in_its_own_schema(capsys):
    check.build(None, "q5_6")
    assert "order_sheet:" in capsys.readouterr().out
    assert _scratch_rows("SELECT count(*) > 0 FROM q5_6.order_sheet") == [(True,)]
    check.build(ORDERS, "q5_6")
    rows = _scratch_rows("SELECT count(*) FROM q5_6.vendor")[0][0]
    assert rows == _scratch_rows("SELECT count(DISTINCT vendor_code) FROM q5_6.order_sheet")[0][0]


def test_attempt_on_the_demo_shelf_needs_no_build_and_shows_a_select(capsys):
    check.attempt("CREATE TABLE t (a VARCHAR(3)); INSERT INTO t VALUES ('abcdef')", "demo")
    assert "Accepted" in capsys.readouterr().out  # DuckDB ignores the 3 in VARCHAR(3)
    check.attempt("SELECT 41 + 1 AS answer", "demo")
    out = capsys.readouterr().out
    assert "answer" in out and "42" in out and "1 row" in out


def test_attempt_names_a_missing_table_on_the_learners_shelf(capsys):
    check.build(ITEMS, "q5_4")
    capsys.readouterr()
    check.attempt("SELECT * FROM vendor", "q5_4")
    said = capsys.readouterr().out.strip()
    assert "on your shelf q5_4" in said and "course database" not in said and "\n" not in said


def test_replacing_duckdbs_functions_from_the_answer_cell_changes_nothing(monkeypatch):
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the check used the learner's duckdb.connect")

    monkeypatch.setattr(duckdb, "connect", fake)
    monkeypatch.setattr(duckdb, "extract_statements", fake)
    wrong = ITEMS.replace(" CHECK (price >= 0)", "")
    assert check.evaluate(wrong, "q5_4").tag == "negative_price"
    assert check.evaluate(ITEMS, "q5_4", hidden=True).passed
    assert calls == []


def test_the_bank_schema_knows_the_design_fields(tmp_path):
    from course.check import validate_bank

    bank = tmp_path / "95-design-lab.yml"
    entry = {
        "title": "A shelf",
        "kind": "state",
        "design": True,
        "reference": "CREATE TABLE shelf (shelf_id INTEGER PRIMARY KEY, label VARCHAR NOT NULL);",
        "draw": {"shelf": "id"},
        "reject": [
            {
                "tag": "twice",
                "given": "INSERT INTO shelf VALUES ({shelf}, 'A')",
                "sql": "INSERT INTO shelf VALUES ({shelf}, 'B')",
                "message": "Shelf {shelf} was accepted twice: which constraint says once?",
            }
        ],
    }
    bank.write_text(yaml.safe_dump({"module": "95-design-lab", "exercises": {"q95_1": entry}}))
    assert validate_bank(bank) == []
    assert check.evaluate(
        "CREATE TABLE shelf (shelf_id INTEGER PRIMARY KEY, label VARCHAR);", "q95_1", module=bank
    ).passed
    result = check.evaluate(
        "CREATE TABLE shelf (shelf_id INTEGER, label VARCHAR);", "q95_1", module=bank
    )
    assert result.tag == "twice" and "{shelf}" not in result.sentence
    entry["draw"] = {"shelf": "a shelf mark"}
    bank.write_text(yaml.safe_dump({"module": "95-design-lab", "exercises": {"q95_1": entry}}))
    assert validate_bank(bank)  # an unknown kind of drawn value is an authoring error
    check.clear_cache()
    result = check.evaluate("CREATE TABLE shelf (shelf_id INTEGER);", "q95_1", module=bank)
    assert not result.passed and result.stage == "setup"

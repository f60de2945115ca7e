"""The learner build's state checks (issue 14): the same verdicts and sentences as the full build.

Every course bank with state exercises is staged as the learner build holds it
(``course.grading.learner.stage_bank``: the bank without references and mistake SQL, beside its
``expected/`` entries), and every visible fixture answer of every state exercise is checked twice:
by the full build (``module=`` the course bank) and by the learner path (``module=`` the staged
bank), while the learner path is kept from the reference, the mistakes' SQL and the shadow
database.  The test bank ``90-check-lab`` (strict types, column names, row counts on the small
fixture data) is staged the same way.  Answers the fixtures do not hold cover the other paths
of the stored comparison (columns matched by content, keys, foreign keys, one wrong column).
Then what the staged banks hold: no exercise's reference or mistake script (module 09's later
setups get the earlier answers' tables as rows), no text of the reference's rows outside the
setup, the draws made at release; and ``check.build`` makes the same shelf from the stored setup.
Skipped for the course banks when the course data is not built, as
tests/test_check_fixtures_course_data.py is.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import test_check_fixtures as fx
import yaml

from course import check, config
from course.check import database, design_checks, state_checks, stored
from course.check.bank import bank_paths, load_bank
from course.check.state_checks import HIDDEN_ELSEWHERE
from course.grading import learner

TEST_BANK = (fx.FIXTURES / "banks" / "90-check-lab.yml").resolve()
HAS_DATA = all((fx.COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES)
STATE_BANKS = [p for p in bank_paths() if any(e.kind == "state" for e in load_bank(p).values())]
needs_data = pytest.mark.skipif(not HAS_DATA, reason="the course data is not built")


def _stage(bank: Path, out: Path) -> Path:
    # only the state exercises: the other kinds' learner paths have their own tests
    return learner.stage_bank(bank, out, kinds=("state",))


@pytest.fixture(scope="module")
def staged(tmp_path_factory, data_dir) -> dict:
    """``{bank path: staged bank path}``: the test bank, and the course banks when built."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_WORKSPACE", str(tmp_path_factory.mktemp("workspace")))
        mp.setenv("COURSE_DATA_DIR", str(data_dir))
        check.clear_cache()
        out[TEST_BANK] = _stage(TEST_BANK, tmp_path_factory.mktemp("learner-test-bank"))
        if HAS_DATA:
            mp.setenv("COURSE_DATA_DIR", str(fx.COURSE_DATA))
            check.clear_cache()
            for bank in STATE_BANKS:
                out[bank] = _stage(bank, tmp_path_factory.mktemp(f"learner-{bank.stem}"))
        check.clear_cache()
    return out


@pytest.fixture(autouse=True)
def _environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("COURSE_SCRATCH_DB", str(tmp_path / "workspace" / "scratch.duckdb"))
    yield
    stored.clear_cache()


def _use_data(bank: Path, monkeypatch, data_dir) -> None:
    if bank == TEST_BANK:
        monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
        return
    if not HAS_DATA:
        pytest.skip("the course data is not built: run `course data` first")
    monkeypatch.setenv("COURSE_DATA_DIR", str(fx.COURSE_DATA))


def _refuse(*_args, **_kwargs):
    raise AssertionError("the learner path read what only the full build holds")


@contextlib.contextmanager
def _learner_only():
    """Make the reference, the mistakes' states, the design facts and the shadow data fail."""
    course_path = database.course_path

    def _course_path(db="library"):
        if db == "shadow":
            _refuse()
        return course_path(db)

    # the check modules refuse reassignment (course.check._safe): their namespaces are edited
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(vars(state_checks), "_reference", _refuse)
        mp.setitem(vars(state_checks), "_mistake_states", _refuse)
        mp.setitem(vars(design_checks), "facts", _refuse)
        mp.setitem(vars(database), "course_path", _course_path)
        yield


def _both(answer, qid: str, bank: Path, staged_bank: Path, **kwargs):
    full = check.evaluate(answer, qid, module=bank, **kwargs)
    with _learner_only():
        mine = check.evaluate(answer, qid, module=staged_bank, **kwargs)
    return full, mine


def _same(full, mine) -> None:
    assert (mine.passed, mine.tag, mine.line()) == (full.passed, full.tag, full.line())


def _state_cases():
    banks = {*STATE_BANKS, TEST_BANK}
    for case in fx._cases():
        bank, qid, kind, variant, _course_data = case.values
        if bank not in banks or load_bank(bank)[qid].kind != "state":
            continue
        if variant.get("check", "visible") == "hidden":
            continue  # the learner build has no hidden check (see the test below)
        yield pytest.param(bank, qid, kind, variant, id=case.id)


STATE_CASES = list(_state_cases())


@pytest.mark.parametrize(("bank", "qid", "kind", "variant"), STATE_CASES)
def test_the_learner_path_says_what_the_full_build_says(
    bank, qid, kind, variant, staged, data_dir, monkeypatch
):
    _use_data(bank, monkeypatch, data_dir)
    answer = fx._answer(variant, bank, qid)
    full, mine = _both(answer, qid, bank, staged[bank])
    assert full.passed == (kind == "correct"), full.line()
    _same(full, mine)


def test_every_state_exercise_has_answers_compared():
    compared = {(c.values[0], c.values[1], c.values[2]) for c in STATE_CASES}
    for bank in (*STATE_BANKS, TEST_BANK):
        for qid, ex in load_bank(bank).items():
            if ex.kind == "state":
                assert (bank, qid, "correct") in compared, qid
                assert (bank, qid, "wrong") in compared, qid
    assert len(STATE_CASES) >= 150


# --- answers the fixtures do not hold: the other paths of the stored comparison ---------------


def _fixture_sql(bank: Path, qid: str) -> str:
    path = fx.FIXTURES / bank.name
    return yaml.safe_load(path.read_text(encoding="utf-8"))["answers"][qid]["correct"][0]["sql"]


def _orders_view(columns: str) -> str:
    return (
        "CREATE OR REPLACE VIEW order_sheet_again AS SELECT "
        + columns
        + " FROM order_line l JOIN purchase_order o ON o.order_no = l.order_no"
        " JOIN vendor v ON v.vendor_code = o.vendor_code JOIN fund f ON f.fund_code = l.fund_code;"
    )


_SHEET = (
    "o.order_no, l.line_no, o.order_date, v.vendor_code, v.vendor_name, v.vendor_address, "
    "f.fund_code, f.fund_name, l.title, l.quantity, l.unit_price"
)
#: (bank stem, qid, edit of the exercise's first correct fixture answer, expected stage or None)
EDGES = [
    # lossless: columns renamed (matched by their contents) or reordered (by name) still pass
    (
        "05-database-design",
        "q5_6",
        lambda s: (
            s + _orders_view(", ".join(f"{c} AS c{i}" for i, c in enumerate(_SHEET.split(", "))))
        ),
        None,
    ),
    (
        "05-database-design",
        "q5_6",
        lambda s: s + _orders_view(", ".join(_SHEET.split(", ")[::-1])),
        None,
    ),
    (
        "05-database-design",
        "q5_6",
        lambda s: s + _orders_view(_SHEET.replace(", l.unit_price", "")),
        "lossless",
    ),
    (
        "05-database-design",
        "q5_6",
        lambda s: s + _orders_view(_SHEET.replace("l.title", "upper(l.title)")),
        "lossless",
    ),
    (
        "05-database-design",
        "q5_6",
        lambda s: s + _orders_view(_SHEET) + "INSERT INTO fund VALUES ('ZZZ', 'Spare');",
        None,
    ),
    (
        "05-database-design",
        "q5_6",
        lambda s: s + "CREATE TABLE vendor_backup AS SELECT * FROM vendor;",
        "stored_once",
    ),
    # open designs: the columns are the contract, their kinds too
    (
        "05-database-design",
        "q5_4",
        lambda s: s.replace("acquired_date DATE", "date_added DATE"),
        "schema",
    ),
    (
        "05-database-design",
        "q5_4",
        lambda s: s.replace("acquired_date DATE", "acquired_date VARCHAR"),
        "schema",
    ),
    (
        "05-database-design",
        "q5_4",
        lambda s: s.replace("acquired_date DATE", "acquired_date DATE, note VARCHAR"),
        None,
    ),
    # closed: keys, foreign keys, extra columns, values in one column, row counts
    (
        "10-storage-and-backup",
        "q10_5",
        lambda s: (
            "DROP TABLE juvenile_item; CREATE TABLE juvenile_item (item_id INTEGER,"
            " barcode VARCHAR PRIMARY KEY, status VARCHAR NOT NULL);"
            " INSERT INTO juvenile_item SELECT * FROM juvenile_item_backup;"
        ),
        "schema",
    ),
    (
        "10-storage-and-backup",
        "q10_5",
        lambda s: s + "ALTER TABLE juvenile_item ADD COLUMN note VARCHAR;",
        "schema",
    ),
    (
        "10-storage-and-backup",
        "q10_5",
        lambda s: s + "UPDATE juvenile_item SET barcode = barcode || 'x' WHERE item_id % 2 = 0;",
        "contents",
    ),
    (
        "10-storage-and-backup",
        "q10_3",
        lambda s: s + "DELETE FROM withdrawal_log WHERE item_id % 2 = 0;",
        "contents",
    ),
    (
        "05-database-design",
        "q5_8",
        lambda s: (
            "DROP TABLE order_line; DROP TABLE purchase_order; CREATE TABLE purchase_order"
            " (order_id INTEGER PRIMARY KEY, vendor_id INTEGER NOT NULL, order_date DATE NOT NULL);"
            " INSERT INTO purchase_order"
            " SELECT order_id, vendor_id, order_date FROM library.purchase_order;"
            " CREATE TABLE order_line (order_line_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL"
            " REFERENCES purchase_order (order_id), unit_price DECIMAL(10, 2));"
            " INSERT INTO order_line"
            " SELECT order_line_id, order_id, unit_price FROM library.order_line;" + s
        ),
        "schema",
    ),
]


@needs_data
@pytest.mark.parametrize(
    ("stem", "qid", "edit", "stage"), EDGES, ids=[f"{e[1]}-{i}" for i, e in enumerate(EDGES)]
)
def test_answers_off_the_fixtures_get_the_same_sentence(
    stem, qid, edit, stage, staged, monkeypatch
):
    monkeypatch.setenv("COURSE_DATA_DIR", str(fx.COURSE_DATA))
    bank = next(b for b in STATE_BANKS if b.stem == stem)
    full, mine = _both(edit(_fixture_sql(bank, qid)), qid, bank, staged[bank])
    assert full.stage == stage, full.line()
    _same(full, mine)


def test_the_scratch_database_is_checked_the_same_way(staged, data_dir, monkeypatch, tmp_path):
    import duckdb

    _use_data(TEST_BANK, monkeypatch, data_dir)
    scratch = tmp_path / "workspace" / "scratch.duckdb"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    sql = _fixture_sql(TEST_BANK, "q90_13")
    for script in (sql, sql + "DELETE FROM reading_list;", "CREATE TABLE other (a INTEGER);"):
        con = duckdb.connect(str(scratch))
        con.execute("DROP TABLE IF EXISTS reading_list; DROP TABLE IF EXISTS other;")
        con.execute(script)
        con.close()
        full, mine = _both(None, "q90_13", TEST_BANK, staged[TEST_BANK], scratch=True)
        _same(full, mine)


# --- what the learner build holds -------------------------------------------------------------


def _texts(target: Path) -> list[str]:
    """Every text of the staged folder: the raw files, and each string of the parsed data."""
    out = []

    def walk(obj):
        if isinstance(obj, str):
            out.append(" ".join(obj.split()))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(k)
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    for path in sorted(target.parent.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_text(encoding="utf-8")
        out.append(" ".join(raw.split()))
        walk(json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw))
    return out


def _secrets(bank: Path):
    """``(qid, what, normalized SQL)``: each state exercise's reference and mistake scripts."""
    for qid, ex in load_bank(bank).items():
        if ex.kind != "state":
            continue
        yield qid, "reference", ex.reference
        for mistake in ex.mistakes:
            if mistake.sql:
                yield qid, mistake.tag, mistake.sql


def _norm(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";").strip()


def _where(bank: Path, text: str) -> set:
    """The fields of the staged ``bank`` and its stored entries whose text holds ``text``."""
    found = set()
    exercises = yaml.safe_load(bank.read_text(encoding="utf-8"))["exercises"]
    entries = json.loads(stored.expected_path(bank).read_text(encoding="utf-8"))["exercises"]
    for source in (exercises, entries):
        for qid, entry in source.items():
            for field, value in entry.items():
                if text in " ".join(str(value).split()):
                    found.add((qid, field))
    return found


#: Scripts the learner build holds by design: the exercise's own statement shows them.
BY_DESIGN = {
    # the restore drill's setup makes the table with its rules and drops it: the learner writes
    # them again (the mistake is the CREATE TABLE alone, without copying the rows back)
    ("q10_7", "rows_lost"): {("q10_7", "setup")},
    # the last hint of an exercise spells out its answer (a learner asks for it, hint by hint)
    ("q10_4", "nothing_loaded"): {("q10_4", "hints")},
    ("q10_8", "reference"): {("q10_8", "hints")},
}


def _staged_params():
    for bank in (*STATE_BANKS, TEST_BANK):
        marks = [] if bank == TEST_BANK else [needs_data]
        yield pytest.param(bank, id=bank.stem, marks=marks)


@pytest.mark.parametrize("bank", list(_staged_params()))
def test_the_staged_bank_holds_no_reference_or_mistake_sql(bank, staged):
    texts = _texts(staged[bank])
    assert texts and any("expected" in str(p) for p in staged[bank].parent.rglob("*.json"))
    leaks = {}
    for qid, what, sql in _secrets(bank):
        secret = _norm(sql)
        assert secret, (qid, what)
        if any(secret in text for text in texts):
            places = _where(staged[bank], secret)
            if places != BY_DESIGN.get((qid, what)):
                leaks[(qid, what)] = sorted(places)
    assert leaks == {}


@needs_data
def test_later_setups_get_the_earlier_answers_as_rows(staged, monkeypatch):
    # Module 09's later setups rebuild the tables of the earlier exercises (q9_3 to q9_9) from
    # their reference SQL, and q10_9's makes q10_8's manifest with q10_8's reference: the
    # learner build's setup makes those tables from their rows instead.
    monkeypatch.setenv("COURSE_DATA_DIR", str(fx.COURSE_DATA))
    replaced = set()
    for bank in STATE_BANKS:
        full = load_bank(bank)
        for qid, ex in load_bank(staged[bank]).items():
            if ex.kind != "state":
                continue
            assert ex.setup == ""  # the setup moved into the stored entry
            setup = stored.entry(ex)["setup"]
            assert design_checks._setup_of(ex) == setup
            if setup != full[qid].setup:
                replaced.add(qid)
                assert "INSERT INTO" in setup and "VALUES" in setup
    assert {"q9_7", "q9_9", "q9_10", "q10_9"} <= replaced


@needs_data
@pytest.mark.parametrize("qid", ["q9_10", "q10_9", "q5_6"])
def test_build_makes_the_same_shelf_in_the_learner_build(qid, staged, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DATA_DIR", str(fx.COURSE_DATA))
    bank = next(b for b in STATE_BANKS if b.stem.startswith(qid[1:].split("_")[0].zfill(2)))
    script = _fixture_sql(bank, qid)
    design_checks.build(script, qid)
    full = capsys.readouterr().out
    assert full.startswith("✓ Built")
    mine = load_bank(staged[bank])[qid]
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(vars(design_checks), "_exercise", lambda _qid: mine)
        design_checks.build(script, qid)
    assert capsys.readouterr().out == full


@needs_data
def test_the_stored_entries_hold_no_rows_of_the_reference(staged, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(fx.COURSE_DATA))
    check.clear_cache()
    checked = 0
    for bank in STATE_BANKS:
        raw = stored.expected_path(staged[bank]).read_text(encoding="utf-8")
        entries = json.loads(raw)["exercises"]
        for qid, ex in load_bank(bank).items():
            if ex.kind != "state" or ex.design:
                continue
            values = design_checks.draw_values(ex, False) if ex.draw else {}
            _tables, shapes = state_checks._reference(ex, "library", values)
            # the setup's own tables are on the learner's shelf (check.build) anyway
            rest = {k: v for k, v in entries[qid].items() if k != "setup"}
            entry = json.dumps(rest, ensure_ascii=False)
            for shape in shapes.values():
                for row in shape.data.rows[:200]:
                    for rank, value in row:
                        if rank == 4 and len(value) >= 8:
                            assert value not in entry, (qid, value)
                            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("bank", list(_staged_params()))
def test_a_blank_answer_fails_and_a_correct_one_passes(bank, staged, data_dir, monkeypatch):
    _use_data(bank, monkeypatch, data_dir)
    answers = yaml.safe_load((fx.FIXTURES / bank.name).read_text(encoding="utf-8"))["answers"]
    for qid, ex in load_bank(staged[bank]).items():
        if ex.kind != "state":
            continue
        assert stored.entry(ex) is not None and ex.reference == ""
        with _learner_only():
            for blank in (None, "", "   ", "-- nothing yet"):
                result = check.evaluate(blank, qid, module=staged[bank])
                assert not result.passed, (qid, blank)
            result = check.evaluate(answers[qid]["correct"][0]["sql"], qid, module=staged[bank])
            assert result.passed, result.line()
            hidden = check.evaluate(
                answers[qid]["correct"][0]["sql"], qid, module=staged[bank], hidden=True
            )
            assert not hidden.passed and hidden.tag == "setup"
            assert hidden.sentence == HIDDEN_ELSEWHERE
            direct = state_checks.evaluate_state(ex, "SELECT 1", hidden=True)
            assert direct.sentence == HIDDEN_ELSEWHERE and not direct.passed


def test_the_hidden_sentence_is_the_one_the_api_gives():
    assert HIDDEN_ELSEWHERE == stored.HIDDEN_ELSEWHERE
    assert HIDDEN_ELSEWHERE.startswith("Hidden checks run when your instructor grades")


@needs_data
def test_designs_use_the_draws_made_at_release(staged, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(fx.COURSE_DATA))
    bank = next(b for b in STATE_BANKS if b.stem == "05-database-design")
    ex = load_bank(staged[bank])["q5_4"]
    st = stored.entry(ex)
    assert st["draw"] == design_checks.draw_values(load_bank(bank)["q5_4"], False)
    # a design tuned to the stored negative price passes the visible check, as in the full build
    negative = st["draw"]["negative"]
    tuned = _fixture_sql(bank, "q5_4").replace("CHECK (price >= 0)", f"CHECK (price <> {negative})")
    full, mine = _both(tuned, "q5_4", bank, staged[bank])
    assert full.passed and mine.passed
    # and the learner path reads its values from the stored entry, not from a new draw
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(vars(design_checks), "draw_values", _refuse)
        _same(full, check.evaluate(tuned, "q5_4", module=staged[bank]))

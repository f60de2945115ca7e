"""The public check API: what a learner sees, what it accepts, what it records."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import course
from course import check
from course.check import messages, progress
from course.check.bank import label_for

TEST_BANK = Path(__file__).parent / "fixtures" / "answers" / "banks" / "90-check-lab.yml"
GOOD = "SELECT code, name FROM branch ORDER BY name"
BAD = "SELECT code, name FROM branch ORDER BY code"


@pytest.fixture(autouse=True)
def env(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    check.clear_cache()
    yield tmp_path / "workspace"


def branch_names(data_dir) -> list[str]:
    con = duckdb.connect(str(data_dir / "library.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT name FROM branch").fetchall()]
    finally:
        con.close()


# -- what a learner sees ------------------------------------------------------------------------


def test_success_prints_one_line_to_stdout_and_returns_none(capsys):
    assert check.query(GOOD, "q90_10", module=TEST_BANK) is None
    out, err = capsys.readouterr()
    assert out == "✓ Question 90.10: correct (6 rows, 2 columns).\n"
    assert err == ""


def test_failure_raises_checkfailed_that_renders_as_one_cross_line(capsys):
    with pytest.raises(check.CheckFailed) as info:
        check.query(BAD, "q90_10", module=TEST_BANK)
    out, err = capsys.readouterr()
    assert out == "" and err == ""  # the sentence is shown once, by the exception's rendering
    assert isinstance(info.value, AssertionError)
    assert info.value.result.tag == "sorted_by_code"
    lines = info.value._render_traceback_()
    assert lines == ["✗ Question 90.10: " + str(info.value)]
    assert "\n" not in lines[0] and str(info.value).endswith((".", "?"))


def test_visible_feedback_reveals_no_expected_values(data_dir, capsys):
    names = branch_names(data_dir)
    wrong = [
        "SELECT code, name FROM branch WHERE branch_id > 2 ORDER BY name",
        "SELECT code, upper(name) FROM branch ORDER BY name",
        "SELECT code, name, branch_type FROM branch",
    ]
    for sql in wrong:
        result = check.evaluate(sql, "q90_10", module=TEST_BANK)
        assert not result.passed
        for name in names:
            assert name not in result.sentence and name not in repr(result)


def test_an_order_error_names_the_learners_own_first_row_out_of_place(data_dir):
    # The rows are right, only their order is not: the sentence points at the learner's own row
    # (already on their screen), never at the row that should be there instead.
    sql = "SELECT name, code FROM branch ORDER BY code DESC"
    con = duckdb.connect(str(data_dir / "library.duckdb"), read_only=True)
    mine = con.execute(sql).fetchall()
    want = con.execute("SELECT name, code FROM branch ORDER BY name").fetchall()
    con.close()
    first = next(i for i, (a, b) in enumerate(zip(mine, want, strict=True)) if a != b)
    result = check.evaluate(sql, "q90_10", module=TEST_BANK)
    assert result.tag == "order"
    assert f"your row {first + 1}, ('{mine[first][0]}', '{mine[first][1]}')" in result.sentence
    assert want[first][0] not in result.sentence


def test_a_named_row_shows_years_and_ids_without_separators():
    from course.check.cells import cell
    from course.check.explain import row_text

    assert row_text((cell(2001), cell(88054), cell("Poems"), cell(None))) == (
        "(2001, 88054, 'Poems', NULL)"
    )


def test_labels():
    assert label_for("q1_2") == "Question 1.2"
    assert label_for("q10_3b") == "Question 10.3b"
    assert label_for("r7") == "Question r7"


# -- answers of every kind ----------------------------------------------------------------------


def test_dataframe_passes_visible_but_not_hidden(data_dir):
    con = duckdb.connect(str(data_dir / "library.duckdb"), read_only=True)
    frame = con.execute(GOOD).df()
    con.close()
    assert check.evaluate(frame, "q90_10", module=TEST_BANK).passed
    hidden = check.evaluate(frame, "q90_10", module=TEST_BANK, hidden=True)
    assert not hidden.passed and hidden.tag == "literal"
    assert "must be a SQL query" in hidden.sentence


def test_dataframe_index_becomes_a_column(data_dir):
    con = duckdb.connect(str(data_dir / "library.duckdb"), read_only=True)
    frame = con.execute(
        "SELECT b.name, count(*) AS items FROM item JOIN branch b USING (branch_id) GROUP BY 1"
    ).df()
    con.close()
    assert check.evaluate(frame.set_index("name"), "q90_12", module=TEST_BANK).passed
    assert check.evaluate(frame.set_index("name")["items"], "q90_12", module=TEST_BANK).passed


def test_str_subclass_is_read_by_its_characters_not_its_methods():
    class Sneaky(str):
        def __str__(self):
            return GOOD

        def strip(self, *args):
            return GOOD

        def __eq__(self, other):
            return True

        def __hash__(self):
            return 0

        def lower(self):
            return GOOD.lower()

        def split(self, *args, **kwargs):
            return GOOD.split(*args, **kwargs)

    result = check.evaluate(Sneaky(BAD), "q90_10", module=TEST_BANK)
    assert not result.passed and result.tag == "sorted_by_code"
    assert check.evaluate(Sneaky(GOOD), "q90_10", module=TEST_BANK).passed


def test_value_answers():
    assert check.evaluate(6, "q90_11", module=TEST_BANK).passed
    assert check.evaluate(6.0, "q90_11", module=TEST_BANK).passed
    assert check.evaluate("6", "q90_11", module=TEST_BANK).passed
    assert check.evaluate("SELECT count(*) FROM branch", "q90_11", module=TEST_BANK).passed
    assert not check.evaluate(True, "q90_11", module=TEST_BANK).passed
    result = check.evaluate("SELECT name FROM branch", "q90_11", module=TEST_BANK)
    assert "single value" in result.sentence
    result = check.evaluate([6], "q90_11", module=TEST_BANK)
    assert result.tag == "answer" and "list" in result.sentence


def test_missing_and_empty_answers():
    assert check.evaluate(None, "q90_10", module=TEST_BANK).tag == "answer"
    assert check.evaluate(..., "q90_10", module=TEST_BANK).tag == "answer"
    assert check.evaluate("   ", "q90_10", module=TEST_BANK).tag == "empty"
    assert check.evaluate("\n-- your query here\n", "q90_10", module=TEST_BANK).tag == "empty"


# -- SQL problems ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "tag", "words"),
    [
        ("SELECT code, name FORM branch", "parse", ['"FORM" meant to be FROM']),
        ("\nSELECT code, name\nFROM branch\nWHRE code = 'MAIN'", "parse", ["line 3", "WHERE"]),
        ("SELECT code, nam FROM branch", "sql", ["no column called nam", "did you mean"]),
        ("SELECT code, name FROM branches", "sql", ["no table called branches", "branch"]),
        ("SELECT name, count(*) FROM branch", "sql", ["GROUP BY"]),
        (
            "SELECT code, name FROM branch b JOIN item i ON i.branch_id = b.branch_id "
            "WHERE branch_id = 1",
            "sql",
            ["more than one"],
        ),
        ("SELECT code FROM branch WHERE code = 'MAIN", "parse", ["closing quote"]),
        ("SELECT code FROM branch WHERE branch_id = 'one'", "sql", ["quotes around text"]),
        ("SELECT code FROM branch WHERE count(*) > 1", "sql", ["HAVING"]),
        (
            "INSERT INTO branch VALUES (9, 'X', 'X', 'branch', NULL)",
            "readonly",
            ["read-only", "scratch"],
        ),
        ("CREATE TABLE mine AS SELECT * FROM branch", "readonly", ["read-only"]),
        ("SELECT 1; SELECT 2", "statement", ["2 SQL statements"]),
        ("PRAGMA version", "statement", ["PRAGMA"]),
    ],
)
def test_sql_problems_give_one_plain_sentence(sql, tag, words):
    result = check.evaluate(sql, "q90_10", module=TEST_BANK)
    assert not result.passed and result.tag == tag, result.line()
    assert "\n" not in result.sentence and "Error:" not in result.sentence
    for word in words:
        assert word in result.sentence, result.sentence


def test_typo_hint_only_for_near_keywords():
    tag, sentence = messages.sql_error(
        'Parser Error: syntax error at or near "x"', "SELECT literary_form x"
    )
    assert tag == "parse" and "meant to be" not in sentence
    tag, sentence = messages.sql_error(
        'Parser Error: syntax error at or near "bib"\n\nLINE 1: SELCT title FROM bib',
        "SELCT title FROM bib",
    )
    assert '"SELCT" meant to be SELECT' in sentence


def test_slow_query_is_stopped(monkeypatch):
    monkeypatch.setenv("COURSE_CHECK_TIMEOUT", "0.3")
    sql = "SELECT count(*) FROM branch, item a, item b, item c, loan"
    result = check.evaluate(sql, "q90_11", module=TEST_BANK)
    assert result.tag == "timeout" and "0.3 seconds" in result.sentence


def test_learner_sql_cannot_leak_temp_objects_between_checks():
    # a fresh cursor per query: nothing a query does survives into the reference run
    assert check.evaluate(GOOD, "q90_10", module=TEST_BANK).passed
    assert check.evaluate(
        "SELECT code, name FROM branch ORDER BY name", "q90_10", module=TEST_BANK
    ).passed


def test_missing_course_data_is_one_sentence(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "nowhere"))
    check.clear_cache()
    result = check.evaluate(GOOD, "q90_10", module=TEST_BANK)
    assert not result.passed and result.tag == "data"
    assert "not built yet" in result.sentence


def test_unknown_exercise_is_a_setup_sentence(capsys):
    with pytest.raises(check.CheckFailed) as info:
        check.query(GOOD, "q90_99", module=TEST_BANK)
    out, err = capsys.readouterr()
    assert "q90_99" in info.value._render_traceback_()[0] and err == ""


# -- hints, progress ----------------------------------------------------------------------------


def test_hints_one_at_a_time(capsys, env):
    check.hint("q90_10", module=TEST_BANK)
    check.hint("q90_10", module=TEST_BANK)
    check.hint("q90_10", module=TEST_BANK)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Hint 1 of 2 for Question 90.10: ")
    assert lines[1].startswith("Hint 2 of 2 for Question 90.10 (that is the last one): ")
    assert lines[2] == lines[1]
    assert progress.load()["hints"]["q90_10"] == 2


def test_checks_record_progress_in_the_workspace(env):
    check.evaluate(GOOD, "q90_10", module=TEST_BANK)  # evaluate alone records nothing
    assert not (env / ".course-progress.json").exists()
    with pytest.raises(check.CheckFailed):
        check.query(BAD, "q90_10", module=TEST_BANK)
    check.query(GOOD, "q90_10", module=TEST_BANK)
    data = json.loads((env / ".course-progress.json").read_text())
    entry = data["exercises"]["q90_10"]
    assert entry["attempts"] == 2 and entry["passed"] is True
    assert entry["module"] == "90-check-lab"


def test_progress_failures_never_break_a_check(env, capsys):
    env.parent.mkdir(parents=True, exist_ok=True)
    env.write_text("a file where the workspace folder should be")
    check.query(GOOD, "q90_10", module=TEST_BANK)
    assert capsys.readouterr().out.startswith("✓")


def test_nothing_recorded_under_nbgrader(env, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    check.query(GOOD, "q90_10", module=TEST_BANK)
    assert not (env / ".course-progress.json").exists()


# -- show -----------------------------------------------------------------------------------------


def test_show_prints_a_table_with_its_row_count(capsys):
    check.show("SELECT code, name FROM branch ORDER BY code", limit=3)
    out = capsys.readouterr().out
    assert "code" in out and "6 rows (showing the first 3)" in out


def test_show_never_raises(capsys):
    check.show("SELECT nope FROM branch")
    check.show(object())
    check.show(None)
    check.show(pd.DataFrame({"a": [1, None]}))
    out, err = capsys.readouterr()
    assert "no column called nope" in out and "2 rows" in out and err == ""


# -- the module cannot be replaced from a notebook ------------------------------------------------


def test_checks_cannot_be_reassigned():
    with pytest.raises(AttributeError, match="cannot be replaced"):
        check.query = lambda *a, **k: None
    with pytest.raises(AttributeError):
        del check.hidden
    with pytest.raises(AttributeError):
        course.check = object()
    from course.check import query

    assert query is check.query and course.check is check
    import course.check.results as results

    with pytest.raises(AttributeError):
        results.compare = lambda *a: None


def test_test_bank_is_found_by_path():
    result = check.evaluate(
        "SELECT code, name FROM vendor ORDER BY code", "q90_9", module=TEST_BANK
    )
    assert result.passed, result.line()
    assert os.fspath(TEST_BANK).endswith(".yml")


def test_course_data_open_for_writing_is_one_sentence(data_dir, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "data"
    copy.mkdir()
    for name in ("library.duckdb", "shadow.duckdb"):
        shutil.copy(data_dir / name, copy / name)
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    check.clear_cache()
    writer = duckdb.connect(str(copy / "library.duckdb"))
    try:
        result = check.evaluate(GOOD, "q90_10", module=TEST_BANK)
    finally:
        writer.close()
    assert result.tag == "data" and "read_only=True" in result.sentence


def test_double_quoted_text_is_explained_as_single_quotes():
    import duckdb

    from course.check import messages

    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE bib (title VARCHAR, language VARCHAR)")
    sql = 'SELECT title FROM bib WHERE language = "fre"'
    with pytest.raises(duckdb.Error) as err:
        con.execute(sql)
    tag, sentence = messages.sql_error(str(err.value), sql)
    assert tag == "sql"
    assert "text values go in single quotes, so write 'fre'" in sentence
    # A real misspelt column still gets the ordinary suggestion.
    bad = "SELECT titel FROM bib"
    with pytest.raises(duckdb.Error) as err:
        con.execute(bad)
    assert "There is no column called titel" in messages.sql_error(str(err.value), bad)[1]


def test_a_hard_coded_answer_right_here_but_wrong_elsewhere_is_named_as_such(data_dir):
    import duckdb

    from course.check.bank import load_bank

    ref = load_bank(TEST_BANK)["q90_10"].reference
    with duckdb.connect(str(data_dir / "library.duckdb"), read_only=True) as con:
        rows = con.execute(ref).fetchall()
    literal = " UNION ALL ".join(
        "SELECT " + ", ".join(repr(v) if v is not None else "NULL" for v in row) for row in rows
    )
    # A query that reads a table but only to return typed-in rows: right here, wrong on the shadow.
    names = ", ".join(f"c{i}" for i in range(len(rows[0])))
    pasted = f"SELECT * FROM ({literal}) AS t({names}) WHERE EXISTS (SELECT 1 FROM branch)"
    assert check.evaluate(pasted, "q90_10", module=TEST_BANK).passed
    hidden = check.evaluate(pasted, "q90_10", module=TEST_BANK, hidden=True)
    assert not hidden.passed and hidden.tag == "overfit"
    assert "values typed in" in hidden.sentence

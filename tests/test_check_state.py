"""State checks: throwaway databases, probes rolled back, the scratch database only when asked."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from course import check

TEST_BANK = Path(__file__).parent / "fixtures" / "answers" / "banks" / "90-check-lab.yml"
READING_LIST = """
CREATE TABLE reading_list (entry_id INTEGER PRIMARY KEY, title VARCHAR NOT NULL, added DATE);
INSERT INTO reading_list VALUES (1, 'Cataloging for beginners', '2024-01-15'),
                                (2, 'SQL for librarians', NULL);
"""


@pytest.fixture(autouse=True)
def env(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("COURSE_SCRATCH_DB", str(tmp_path / "workspace" / "scratch.duckdb"))
    check.clear_cache()
    return tmp_path


def test_course_data_is_never_changed(data_dir):
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in data_dir.iterdir()}
    sql = "CREATE TABLE french_titles AS SELECT bib_id, title FROM bib WHERE language = 'fre'"
    assert check.evaluate(sql, "q90_8", module=TEST_BANK).passed
    assert check.evaluate(sql, "q90_8", module=TEST_BANK, hidden=True).passed
    result = check.evaluate("DROP TABLE library.bib", "q90_8", module=TEST_BANK)
    assert result.tag == "readonly"
    after = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in data_dir.iterdir()}
    assert before == after


def test_the_failing_statement_is_named():
    sql = READING_LIST + "\nINSERT INTO reading_list VALUES (3, 'x', 'not a date');"
    result = check.evaluate(sql, "q90_13", module=TEST_BANK)
    assert result.stage == "runs" and result.sentence.startswith("Statement 3 of 3 (`INSERT")


def test_a_transaction_left_open_is_committed():
    assert check.evaluate("BEGIN TRANSACTION;" + READING_LIST, "q90_13", module=TEST_BANK).passed


def test_scratch_database_checked_only_when_asked(env):
    scratch = env / "workspace" / "scratch.duckdb"
    scratch.parent.mkdir(parents=True)
    con = duckdb.connect(str(scratch))
    con.execute(READING_LIST)
    con.close()
    assert check.evaluate(None, "q90_13", module=TEST_BANK, scratch=True).passed
    assert not check.evaluate(
        None, "q90_13", module=TEST_BANK
    ).passed  # without scratch=True, an answer is needed
    con = duckdb.connect(str(scratch))
    try:
        # the probes ran in transactions that were rolled back
        assert con.execute("SELECT count(*) FROM reading_list").fetchone()[0] == 2
    finally:
        con.close()


def test_scratch_database_with_a_weak_table(env):
    scratch = env / "workspace" / "scratch.duckdb"
    scratch.parent.mkdir(parents=True)
    con = duckdb.connect(str(scratch))
    con.execute(READING_LIST.replace(" NOT NULL", ""))
    con.close()
    result = check.evaluate(None, "q90_13", module=TEST_BANK, scratch=True)
    assert result.tag == "missing_title"


def test_the_learner_script_never_sees_the_scratch_database(env):
    scratch = env / "workspace" / "scratch.duckdb"
    scratch.parent.mkdir(parents=True)
    con = duckdb.connect(str(scratch))
    con.execute(READING_LIST)
    con.close()
    # the throwaway database starts empty: the scratch table is not there to satisfy the check
    result = check.evaluate("SELECT 1", "q90_13", module=TEST_BANK)
    assert result.stage == "schema" and "no table called reading_list" in result.sentence
    assert os.path.getsize(scratch) > 0


def test_statements_outside_the_allowed_list():
    result = check.evaluate(
        "COPY (SELECT 1) TO 'x.csv';" + READING_LIST, "q90_13", module=TEST_BANK
    )
    assert result.tag == "statement" and "COPY" in result.sentence
    assert not Path("x.csv").exists()


def test_state_answer_must_be_text(data_dir):
    import pandas as pd

    result = check.evaluate(pd.DataFrame({"a": [1]}), "q90_13", module=TEST_BANK)
    assert result.tag == "answer"


def test_mistakes_lists_tags():
    assert check.mistakes("q0_2") == ["listed_not_counted", "counted_all", "no_match"]
    assert check.mistakes("q90_10", module=TEST_BANK) == ["sorted_by_code", "reverse_order"]
    assert check.mistakes("q90_13", module=TEST_BANK) == []

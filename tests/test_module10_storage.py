"""Module 10's checks are honest on the built course data: each step's tables are not empty, the
hidden check's data really differ, and an answer that changes nothing fails every exercise."""

from __future__ import annotations

import pytest

from course import check, config
from course.check import state_checks
from course.check.bank import banks_dir, load_bank

BANK = banks_dir() / "10-storage-and-backup.yml"
COURSE_DATA = config.data_dir()  # as the environment names it before any test changes it


@pytest.fixture(autouse=True)
def _course_data(monkeypatch, tmp_path):
    if not all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES):
        pytest.skip("the course databases are not built (run `course data`)")
    monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.clear_cache()


STATE = [qid for qid, ex in load_bank(BANK).items() if ex.kind == "state"]


def test_the_module_has_at_least_eight_graded_state_and_value_exercises():
    assert len(load_bank(BANK)) >= 8 and len(STATE) >= 7


@pytest.mark.parametrize("qid", STATE)
def test_reference_tables_are_filled_and_differ_on_the_shadow_data(qid):
    ex = load_bank(BANK)[qid]
    tables, library = state_checks._reference(ex, "library")
    _tables, shadow = state_checks._reference(ex, "shadow")
    for name in tables:
        mine, theirs = library[name.casefold()].data, shadow[name.casefold()].data
        assert mine.nrows > 0 and theirs.nrows > 0, f"{qid}: {name} is empty"
        assert sorted(map(repr, mine.rows)) != sorted(map(repr, theirs.rows)), (
            f"{qid}: {name} is the same on both copies, so the hidden check adds nothing"
        )


@pytest.mark.parametrize("qid", STATE)
def test_an_answer_that_changes_nothing_fails(qid):
    # a script that only looks: the accident (or the starting tables) stay as they were
    for hidden in (False, True):
        result = check.evaluate("SELECT 1", qid, module=BANK, hidden=hidden)
        assert not result.passed, result.line()
        assert "\n" not in result.sentence and "Traceback" not in result.sentence

"""The course modules' fixture answers again, on the real built course data.

tests/test_check_fixtures.py runs them on small fixture databases (always available); this file
runs the same answers on data/library.duckdb and data/shadow.duckdb, which `make test` builds
first, so an exercise that only works on the small tables cannot slip through.  Skipped when the
course data is not built.
"""

from __future__ import annotations

import pytest
import test_check_fixtures as fx

from course import check, config
from course.check.bank import banks_dir


def _course_cases():
    for case in fx._cases():
        bank, course_data = case.values[0], case.values[4]
        # Files marked `data: course` already run on the course data in test_check_fixtures.
        if bank.parent == banks_dir() and not fx._has_demo(bank) and not course_data:
            yield case


@pytest.fixture(autouse=True)
def _course_data(monkeypatch, tmp_path):
    if not all(config.database_path(n).exists() for n in config.DATABASES):
        pytest.skip("the course data is not built: run `course data` first")
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.clear_cache()
    yield
    check.clear_cache()


@pytest.mark.parametrize(("bank", "qid", "kind", "variant", "course_data"), list(_course_cases()))
def test_fixture_answer_on_course_data(bank, qid, kind, variant, course_data, monkeypatch):
    fx.test_fixture_answer(bank, qid, kind, variant, course_data, monkeypatch)


def test_every_course_module_has_fixtures_here():
    banks = {case.values[0].stem for case in _course_cases()}
    assert {"01-querying-the-catalog", "02-summarizing-collections"} <= banks


def test_a_logic_error_that_only_other_data_shows_is_not_called_typed_in():
    # Issue 9.17: counting 008/33 `j` (short stories) as fiction in 1.9 passes on the learner data
    # and fails on the shadow data; no value in the answer was typed in from the data, so the
    # sentence names the first row that differs instead of blaming typed-in values.
    reference = check.exercise("q1_9").reference
    assert "IN ('1', 'f')" in reference
    answer = reference.replace("IN ('1', 'f')", "IN ('1', 'f', 'j')")
    assert check.evaluate(answer, "q1_9").passed
    hidden = check.evaluate(answer, "q1_9", hidden=True)
    assert not hidden.passed and hidden.tag == "other_data", hidden.line()
    assert "typed in" not in hidden.sentence
    assert "gives a different result on a second copy with different records: there," in (
        hidden.sentence
    )

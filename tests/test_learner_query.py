"""The learner build's query and value checks give the full build's verdicts and sentences.

Every course bank with query or value exercises is staged as the learner build stages it (no
references, no mistake SQL; stored fingerprints instead: ``course.grading.learner.stage_bank``),
and every visible fixture answer of those exercises is checked both ways on the built course
data.  Skipped when the course data is not built.
"""

from __future__ import annotations

import pytest
import test_check_fixtures as fx
import yaml

from course import check, config
from course.check import stored
from course.check.bank import bank_paths, load_bank
from course.grading.learner import stage_bank

KINDS = ("query", "value")


def _built() -> bool:
    return all(config.database_path(n).exists() for n in config.DATABASES)


def _banks():
    return [p for p in bank_paths() if any(e.kind in KINDS for e in load_bank(p).values())]


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    if not _built():
        pytest.skip("the course data is not built: run `course data` first")
    out = tmp_path_factory.mktemp("learner-banks")
    check.clear_cache()
    banks = {bank.stem: stage_bank(bank, out, kinds=KINDS) for bank in _banks()}
    check.clear_cache()
    return banks


# Every visible fixture answer of every course bank (query and value ones among them) is
# compared across the two builds end to end in tests/test_learner_build.py: the learner build
# installed in a fresh venv against the full build here.  This file tests the stripped banks and
# the learner path's edges in-process, where a difference is quickest to read.


@pytest.fixture(autouse=True)
def _environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    yield
    check.use_demo(None)


def _both(answer, qid: str, staged_bank):
    full = check.evaluate(answer, qid)
    learner = check.evaluate(answer, qid, module=staged_bank)
    return (full.passed, full.tag, full.line()), (learner.passed, learner.tag, learner.line())


def _swap(old: str, new: str):
    return lambda reference: reference.replace(old, new)


EDGES = {
    # numbers within a tolerance (0.006): unrounded averages pass, rounded to 1 decimal do not
    "q2_3 unrounded": ("02", "q2_3", _swap("round(avg(price), 2)", "avg(price)"), True),
    "q2_3 one decimal": (
        "02",
        "q2_3",
        _swap("round(avg(price), 2)", "round(avg(price), 1)"),
        False,
    ),
    # an ordered result with a tolerance: the order stage compares the stored keys
    "q3_9 one decimal": (
        "03",
        "q3_9",
        _swap(", 2) AS cost_per_use", ", 1) AS cost_per_use"),
        False,
    ),
    "q3_9 reversed": ("03", "q3_9", _swap("cost_per_use DESC", "cost_per_use"), False),
    # columns named otherwise are matched by their contents
    "q1_1 renamed": (
        "01",
        "q1_1",
        lambda r: "SELECT title AS t, bib_id AS n FROM bib WHERE language = 'fre'",
        True,
    ),
    # an ordered result with its first row out of place
    "q1_2 descending": ("01", "q1_2", _swap("ORDER BY date1", "ORDER BY date1 DESC"), False),
    # a number typed in as text
    "q4_6 text": ("04", "q4_6", lambda r: "'12'", False),
}


@pytest.mark.parametrize("edge", sorted(EDGES))
def test_edges_of_the_stored_comparison(staged, edge):
    number, qid, make, passes = EDGES[edge]
    bank = next(name for name in staged if name.startswith(number + "-"))
    answer = make(check.exercise(qid).reference)
    full, learner = _both(answer, qid, staged[bank])
    assert full[0] is passes, full
    assert learner == full


def test_the_staged_banks_hold_no_reference_or_mistake_sql(staged):
    for name, path in staged.items():
        text = path.read_text(encoding="utf-8") + stored.expected_path(path).read_text("utf-8")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for qid, ex in load_bank(fx.banks_dir() / f"{name}.yml").items():
            entry = data["exercises"][qid]
            assert "reference" not in entry
            assert all("sql" not in m and "value" not in m for m in entry.get("mistakes", []))
            # What learners may read anyway: hints and messages (a last hint may show a query).
            shown = " ".join((*ex.hints, *(m.message for m in ex.mistakes), ex.title))
            secrets = [ex.reference] if ex.kind in KINDS else []
            secrets += [m.sql for m in ex.mistakes if m.sql]
            for secret in secrets:
                secret = secret.strip()
                if secret not in shown:
                    assert secret not in text, f"{qid}: {secret[:40]!r} is in the learner build"


def test_a_hidden_check_in_the_learner_build_says_where_it_runs(staged):
    reference = check.exercise("q1_2").reference
    bank = staged["01-querying-the-catalog"]
    result = check.evaluate(reference, "q1_2", module=bank, hidden=True)
    assert not result.passed and result.tag == "setup"
    assert "when your instructor grades" in result.sentence
    assert check.evaluate(reference, "q1_2", module=bank).passed
    blank = check.evaluate("", "q1_2", module=bank)
    assert not blank.passed

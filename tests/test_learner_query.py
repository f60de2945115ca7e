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


def _cases():
    for case in fx._cases():
        bank, qid, kind, variant, _course_data = case.values
        if bank.parent != fx.banks_dir() or variant.get("check", "visible") == "hidden":
            continue
        if load_bank(bank)[qid].kind in KINDS:
            yield case


@pytest.fixture(autouse=True)
def _environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    yield
    check.use_demo(None)


@pytest.mark.parametrize(("bank", "qid", "kind", "variant", "course_data"), list(_cases()))
def test_learner_build_gives_the_same_verdict_and_sentence(
    staged, bank, qid, kind, variant, course_data
):
    if fx._has_demo(bank):
        check.use_demo(bank)
    answer = fx._answer(variant, bank, qid)
    full = check.evaluate(answer, qid)
    learner = check.evaluate(answer, qid, module=staged[bank.stem])
    assert (learner.passed, learner.tag, learner.line()) == (full.passed, full.tag, full.line())


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

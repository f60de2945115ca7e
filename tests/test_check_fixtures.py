"""Every fixture answer file, run against its exercise bank on the fixture databases.

``tests/fixtures/answers/<module>.yml`` lists, per exercise, answers that must pass and wrong
answers tagged with the mistake (or generic stage) they must produce.  A file whose top level
has ``bank: <path>`` uses that bank (relative to the file); otherwise the course bank of the
same name in ``course/exercises/``.  A file with ``data: course`` at the top is run on the built
course databases instead of the small fixture ones (its exercises use tables or values only the
course data has); it is skipped when the course data is not built.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml
from fixture_answers import answer_of

from course import check, config
from course.check.bank import banks_dir, load_bank

FIXTURES = Path(__file__).parent / "fixtures" / "answers"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The built course data, as the environment names it before any test changes it.
COURSE_DATA = config.data_dir()


def _files():
    return sorted(FIXTURES.glob("*.yml"))


@functools.cache
def _has_demo(bank: Path) -> bool:
    # Asked once per fixture answer (a thousand and more): parse each bank once, not each time.
    return "demo" in yaml.load(bank.read_text(encoding="utf-8"), Loader=_LOADER)


def _bank_of(path: Path) -> Path:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "bank" in data:
        return (path.parent / data["bank"]).resolve()
    return banks_dir() / path.name


def _cases():
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        bank = _bank_of(path)
        course_data = data.get("data") == "course"
        for qid, entry in data["answers"].items():
            for kind in ("correct", "wrong"):
                for i, variant in enumerate(entry.get(kind, [])):
                    yield pytest.param(
                        bank, qid, kind, variant, course_data, id=f"{path.stem}-{qid}-{kind}{i}"
                    )


@pytest.fixture(autouse=True)
def _environment(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    yield
    check.use_demo(None)


_answer = answer_of  # the one way fixture answers become answers (tests/fixture_answers.py)


def _one_sentence(result) -> None:
    assert "\n" not in result.sentence
    assert result.sentence.rstrip().endswith((".", "?")), result.sentence
    assert "Traceback" not in result.sentence


@pytest.mark.parametrize(("bank", "qid", "kind", "variant", "course_data"), list(_cases()))
def test_fixture_answer(bank, qid, kind, variant, course_data, monkeypatch):
    if course_data:
        if not all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES):
            pytest.skip("the course databases are not built (run `course data`)")
        monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    if _has_demo(bank):
        check.use_demo(bank)
    answer = _answer(variant, bank, qid)
    if kind == "correct":
        result = check.evaluate(answer, qid, module=bank)
        assert result.passed, result.line()
        if "sql" in variant or "python" in variant:
            hidden = check.evaluate(answer, qid, module=bank, hidden=True)
            assert hidden.passed, hidden.line()
        return
    hidden = variant.get("check", "visible") == "hidden"
    result = check.evaluate(answer, qid, module=bank, hidden=hidden)
    assert not result.passed, f"wrong answer passed: {variant}"
    assert result.tag == variant["tag"], result.line()
    if "says" in variant:  # the sentence a learner reads, not only its tag
        assert variant["says"] in result.sentence, result.line()
    _one_sentence(result)


def test_fixture_files_cover_every_exercise():
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        exercises = load_bank(_bank_of(path))
        assert set(data["answers"]) == set(exercises), path.name
        for qid, entry in data["answers"].items():
            assert entry.get("correct"), f"{path.name} {qid}: no correct answer"
            assert entry.get("wrong"), f"{path.name} {qid}: no wrong answer"


def test_enough_variants_and_every_listed_mistake_is_exercised():
    correct = wrong = 0
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        exercises = load_bank(_bank_of(path))
        for qid, entry in data["answers"].items():
            correct += len(entry.get("correct", []))
            wrong += len(entry.get("wrong", []))
            tags = {w["tag"] for w in entry.get("wrong", [])}
            ex = exercises[qid]
            expected = {m.tag for m in ex.mistakes} | {p.tag for p in ex.reject + ex.accept}
            expected -= {"good_row", "good_contact"}  # accept probes a correct answer passes
            assert expected <= tags, f"{path.name} {qid}: untested mistakes {expected - tags}"
    assert correct >= 10 and wrong >= 10

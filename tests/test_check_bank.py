"""Exercise banks: valid against the JSON Schema, and their SQL makes sense on the data."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from course import check, config
from course.check import database
from course.check.bank import bank_paths, banks_dir, load_bank, schema_path, validate_bank
from course.check.results import Spec, compare

#: The built course data, as the environment names it before any test changes it.
COURSE_DATA = config.data_dir()
ANSWERS = Path(__file__).parent / "fixtures" / "answers"
TEST_BANKS = sorted((Path(__file__).parent / "fixtures" / "answers" / "banks").glob("*.yml"))
ALL_BANKS = bank_paths() + TEST_BANKS

#: A graded check call in a notebook, and the exercise id it checks.
CHECK_OF_EXERCISE = r"check\.(?:query|hidden|value|state|model|function)\(\s*\w+\s*,\s*\"(q[\w]+)\""


def test_schema_is_a_valid_json_schema():
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_there_is_a_course_bank_for_module_00():
    assert [p.name for p in bank_paths()][:1] == ["00-start-here.yml"]


@pytest.mark.parametrize("path", ALL_BANKS, ids=lambda p: p.name)
def test_bank_is_valid(path):
    assert validate_bank(path) == []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if path.parent.name == "exercises":
        assert data["module"] == path.stem


def _write(tmp_path, data) -> Path:
    path = tmp_path / "99-broken.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("exercise", "words"),
    [
        ({"title": "No kind", "reference": "SELECT 1"}, "'kind' is a required property"),
        ({"title": "Bad kind", "kind": "essay", "reference": "SELECT 1"}, "essay"),
        ({"title": "No ref", "kind": "query"}, "'reference' is a required property"),
        (
            {
                "title": "Mistake",
                "kind": "query",
                "reference": "SELECT 1",
                "mistakes": [{"tag": "x", "message": "A sentence about it."}],
            },
            "mistakes/0",
        ),
        (
            {"title": "Probe", "kind": "query", "reference": "SELECT 1", "reject": []},
            "should not be valid",
        ),
        (
            {"title": "Order", "kind": "query", "reference": "SELECT 1", "order_by": ["a"]},
            "ordered",
        ),
        ({"title": "Typo", "kind": "query", "reference": "SELECT 1", "odered": True}, "odered"),
    ],
)
def test_malformed_banks_are_reported(tmp_path, exercise, words):
    problems = validate_bank(
        _write(tmp_path, {"module": "99-broken", "exercises": {"q99_1": exercise}})
    )
    assert problems and any(words in p for p in problems), problems


def test_bad_exercise_ids_and_module_names_are_reported(tmp_path):
    ok = {"title": "Fine", "kind": "value", "reference": "SELECT 1"}
    problems = validate_bank(_write(tmp_path, {"module": "Module 99", "exercises": {"Q1": ok}}))
    assert any("module" in p for p in problems) and any("Q1" in p for p in problems)


def has_demo(path: Path) -> bool:
    return "demo" in yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def on_course_data(path: Path) -> bool:
    """Whether the bank's fixture answers say ``data: course`` (see test_check_fixtures)."""
    answers = ANSWERS / Path(path).name
    if Path(path).parent != banks_dir() or not answers.exists():
        return False
    return yaml.safe_load(answers.read_text(encoding="utf-8")).get("data") == "course"


@pytest.fixture
def data_for(data_dir, monkeypatch):
    """Point the checks at a bank's demo data, or at the fixture databases."""

    def use(bank_path: Path) -> None:
        monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
        if has_demo(bank_path):
            check.use_demo(bank_path)
        elif on_course_data(bank_path):
            if not all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES):
                pytest.skip("the course databases are not built (run `course data`)")
            monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))

    yield use
    check.use_demo(None)


def _query_exercises(paths, *, hidden_only=False):
    """The exercises whose reference is SQL (``hidden_only``: not marked ``hidden: false``)."""
    for path in paths:
        for qid, ex in load_bank(path).items():
            if ex.kind in ("query", "value") and (ex.hidden or not hidden_only):
                yield pytest.param(ex, id=f"{path.stem}-{qid}")


@pytest.mark.parametrize("ex", list(_query_exercises(ALL_BANKS, hidden_only=True)))
def test_reference_differs_between_library_and_shadow(ex, data_for):
    """Otherwise a typed-in result would pass the hidden check."""
    data_for(ex.bank_path)
    library = database.cached_select(ex.reference, "library")
    shadow = database.cached_select(ex.reference, "shadow")
    assert not compare(library, shadow, Spec(ordered=ex.spec.ordered)).ok


@pytest.mark.parametrize("ex", list(_query_exercises(ALL_BANKS)))
def test_every_mistake_runs_and_differs_from_the_reference(ex, data_for):
    data_for(ex.bank_path)
    reference = database.cached_select(ex.reference, "library")
    for mistake in ex.mistakes:
        if mistake.sql is None:
            continue
        result = database.cached_select(mistake.sql, "library")
        spec = Spec(ordered=ex.spec.ordered, tolerance=ex.spec.tolerance)
        assert not compare(result, reference, spec).ok, f"{ex.qid}: {mistake.tag} is right"


@pytest.mark.parametrize("path", ALL_BANKS, ids=lambda p: p.name)
def test_state_references_satisfy_their_own_probes(path, data_for):
    data_for(path)
    for qid, ex in load_bank(path).items():
        if ex.kind == "state":
            result = check.evaluate(ex.reference, qid, module=path)
            assert result.passed, result.line()


def test_course_banks_run_on_the_built_course_data(monkeypatch):
    """On the real course databases: every reference runs, and differs between the two
    databases unless the bank says ``hidden: false``."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    if not all(config.database_path(db).exists() for db in config.DATABASES):
        pytest.skip("the course databases are not built (run `course data`)")
    check.clear_cache()
    for path in bank_paths():
        if has_demo(path):
            continue  # runs on its own demo data (the tests above)
        for qid, ex in load_bank(path).items():
            if ex.kind == "state":
                for hidden in (False, True):
                    result = check.evaluate(ex.reference, qid, module=path, hidden=hidden)
                    assert result.passed, result.line()
                continue
            if ex.kind == "model":  # erDiagram text, checked by tests/test_check_model.py
                continue
            if ex.kind == "python":  # a function's source: its fixtures run it, visible and hidden
                continue
            library = database.cached_select(ex.reference, "library")
            shadow = database.cached_select(ex.reference, "shadow")
            same = compare(library, shadow, Spec(ordered=ex.spec.ordered)).ok
            assert same is not ex.hidden, (
                f"{qid}: hidden is {ex.hidden} but the results are same={same}"
            )
    check.clear_cache()


def _notebook_sources():
    root = config.repo_root() / "source"
    for path in sorted(root.glob("*/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        yield path, code


def test_ids_used_by_the_notebooks_exist_in_the_banks():
    """Every exercise, hint, quiz and demo a source notebook names is in a bank, and every
    exercise of a module's bank is used by its notebook (so progress can reach 100%)."""
    import re

    from course.widgets.quiz import quiz_bank

    sources = list(_notebook_sources())
    if not sources:
        pytest.skip("no source notebooks yet")
    for path, code in sources:
        module = path.parent.name
        used = set(re.findall(CHECK_OF_EXERCISE, code))
        used |= set(re.findall(r"widgets\.(?:hints|sandbox)\(\s*\"(q[\w]+)\"", code))
        bank = banks_dir() / f"{module}.yml"
        if used or bank.exists():
            assert bank.exists(), f"{path.name} calls checks but there is no bank {bank.name}"
            exercises = load_bank(bank)
            assert used <= set(exercises), f"{path.name}: not in the bank: {used - set(exercises)}"
            graded = set(re.findall(CHECK_OF_EXERCISE, code))
            assert set(exercises) <= graded, (
                f"{bank.name}: unused by the notebook: {set(exercises) - graded}"
            )
        for quiz_module, question in re.findall(
            r"widgets\.quiz\(\s*\"([\w-]+)\"\s*,\s*\"([\w-]+)\"", code
        ):
            assert question in quiz_bank(quiz_module)["questions"], (path.name, question)
        for demo in re.findall(r"check\.use_demo\(\s*\"([\w-]+)\"", code):
            assert "demo" in yaml.safe_load(
                (banks_dir() / f"{demo}.yml").read_text(encoding="utf-8")
            )

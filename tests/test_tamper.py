"""Regression tests: a notebook that tries to fool the checks must not gain the points.

The fast tests call the checks in this process.  The ``slow`` ones run small notebooks in a fresh
kernel through nbgrader's own Execute preprocessor and score them with nbgrader's
``determine_grade`` (zero on an error or on any stderr output), exactly as autograding would.

The pattern the notebooks follow (see ``course.check``): the locked setup cell does
``%xmode Minimal`` and ``from course import check``; every test cell starts with
``from course import check`` and calls ``check.query(...)`` / ``check.hidden(...)``.
"""

from __future__ import annotations

import builtins
from pathlib import Path

import pandas as pd
import pytest

from course import check
from course.check.nbrun import SETUP, execute, notebook, scores, test_cell

# Module 00's first exercise, on its demo shelf, set up exactly as its notebook does.
SETUP_00 = SETUP + '\ncheck.use_demo("00-start-here")'
GOOD = "SELECT title, date1 FROM shelf WHERE date1 >= 2000"
BAD = "SELECT title, date1 FROM shelf WHERE date1 >= 1990"
TEST = 'from course import check\ncheck.query(q0_1, "q0_1")'
TEST_BOTH = TEST + '\ncheck.hidden(q0_1, "q0_1")'


@pytest.fixture(autouse=True)
def env(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.use_demo("00-start-here")
    yield tmp_path
    check.use_demo(None)


# -- in this process --------------------------------------------------------------------------


def good_frame() -> pd.DataFrame:
    import duckdb

    from course.check import database

    con = duckdb.connect(str(database.course_path("library")), read_only=True)
    try:
        return con.execute(GOOD).df()
    finally:
        con.close()


def test_dataframe_subclass_whose_eq_is_always_true():
    class Agreeable(pd.DataFrame):
        def __eq__(self, other):
            return True

        def equals(self, other):
            return True

    assert check.evaluate(Agreeable(good_frame()), "q0_1").passed  # its values are right
    wrong = Agreeable(good_frame().iloc[::-1].assign(title="x"))
    assert not check.evaluate(wrong, "q0_1").passed
    assert not check.evaluate(Agreeable({"a": [1]}), "q0_1").passed


def test_pandas_equals_monkeypatched(monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "equals", lambda self, other: True)
    monkeypatch.setattr(pd.DataFrame, "__eq__", lambda self, other: True)
    wrong = good_frame().assign(title="x")
    assert not check.evaluate(wrong, "q0_1").passed


def test_rebound_builtins_module(monkeypatch):
    """Even ``builtins.sorted`` / ``len`` / ``all`` rebound after import change nothing."""
    real_len = builtins.len
    monkeypatch.setattr(builtins, "sorted", lambda it, key=None, reverse=False: list(it))
    monkeypatch.setattr(builtins, "all", lambda it: True)
    monkeypatch.setattr(builtins, "len", lambda x: 0 if type(x) is tuple else real_len(x))
    result = check.evaluate(BAD, "q0_1")
    monkeypatch.undo()
    assert not result.passed and result.tag == "rows"


def test_str_subclass_pretending_to_be_the_answer():
    class Pretender(str):
        def __str__(self):
            return GOOD

        def __eq__(self, other):
            return True

        def __hash__(self):
            return 1

        def encode(self, *args, **kwargs):
            return GOOD.encode(*args, **kwargs)

    assert not check.evaluate(Pretender("SELECT 1 AS x, 2 AS y"), "q0_1").passed
    assert not check.evaluate(Pretender(BAD), "q0_1").passed


def test_result_objects_carry_no_values():
    result = check.evaluate(BAD, "q0_1")
    assert set(vars(result)) <= {
        "qid",
        "label",
        "passed",
        "sentence",
        "stage",
        "tag",
        "hidden",
        "module",
        "kind",
    }


# -- notebooks in a fresh kernel, scored like nbgrader ---------------------------------------


def run(env, *cells) -> dict[str, float]:
    return scores(execute(notebook([SETUP_00, *cells]), env))


@pytest.mark.slow
def test_clean_notebook_scores_as_expected(env):
    got = run(
        env,
        f"q0_1 = {BAD!r}",
        test_cell(TEST, "wrong"),
        f"q0_1 = {GOOD!r}",
        test_cell(TEST_BOTH, "right"),
    )
    assert got == {"wrong": 0.0, "right": 1.0}


@pytest.mark.slow
def test_namespace_builtins_rebound(env):
    attack = (
        "len = lambda *a: 0\nsorted = lambda *a, **k: []\nlist = tuple\n"
        "print = lambda *a, **k: None\nisinstance = lambda *a: True\nstr = lambda *a, **k: ''"
    )
    got = run(
        env,
        f"q0_1 = {BAD!r}",
        attack,
        test_cell(TEST, "wrong"),
        f"q0_1 = {GOOD!r}",
        test_cell(TEST_BOTH, "right"),
    )
    assert got == {"wrong": 0.0, "right": 1.0}


@pytest.mark.slow
def test_builtins_module_rebound(env):
    attack = (
        "import builtins\n_len = builtins.len\n"
        "builtins.sorted = lambda it, key=None, reverse=False: [x for x in it]\n"
        "builtins.all = lambda it: True\nbuiltins.any = lambda it: False\n"
        "builtins.len = lambda x: 0 if type(x) is tuple else _len(x)"
    )
    got = run(env, f"q0_1 = {BAD!r}", attack, test_cell(TEST, "wrong"))
    assert got == {"wrong": 0.0}


@pytest.mark.slow
def test_pandas_equality_patched_in_the_notebook(env):
    attack = (
        "import pandas as pd\npd.DataFrame.equals = lambda self, other: True\n"
        "pd.DataFrame.__eq__ = lambda self, other: True\n"
        "q0_1 = pd.DataFrame({'title': ['X'], 'date1': [2001]})"
    )
    assert run(env, attack, test_cell(TEST, "wrong")) == {"wrong": 0.0}


@pytest.mark.slow
def test_replacing_the_check_functions(env):
    fake = "types.SimpleNamespace(query=lambda *a, **k: None, hidden=lambda *a, **k: None)"
    got = run(
        env,
        f"q0_1 = {BAD!r}",
        "check.query = lambda *a, **k: None",
        test_cell(TEST, "assign"),
        f"import types\ncheck = {fake}",
        test_cell(TEST, "rebind"),
        f"import course, sys, types\nsys.modules['course.check'] = {fake}\ncourse.check = {fake}",
        test_cell(TEST, "module"),
    )
    assert got == {"assign": 0.0, "rebind": 0.0, "module": 0.0}


@pytest.mark.slow
def test_objects_that_pretend(env):
    subclass = (
        "import pandas as pd\nclass Agreeable(pd.DataFrame):\n"
        "    def __eq__(self, other): return True\n"
        "    def equals(self, other): return True\n"
        "q0_1 = Agreeable({'title': ['X'], 'date1': [2001]})"
    )
    pretender = (
        "class Pretender(str):\n"
        f"    def __str__(self): return {GOOD!r}\n"
        "    def __eq__(self, other): return True\n"
        "    def __hash__(self): return 1\n"
        f"q0_1 = Pretender({BAD!r})"
    )
    quoted = [
        ("'" + t.replace("'", "''") + "'", y) for t, y in good_frame().itertuples(index=False)
    ]
    rows = ", ".join(f"({t}, {y})" for t, y in quoted)
    pasted = f'q0_1 = "SELECT * FROM (VALUES {rows}) AS t(title, date1)"'
    hard_coded = 'q0_1 = "SELECT title, date1 FROM shelf WHERE book_id BETWEEN 7 AND 12"'
    got = run(
        env,
        subclass,
        test_cell(TEST, "frame"),
        pretender,
        test_cell(TEST, "str"),
        pasted,
        test_cell(TEST, "pasted"),
        hard_coded,
        test_cell(TEST_BOTH, "hard_coded"),
        test_cell(TEST, "hard_coded_visible_only"),
    )
    assert got == {
        "frame": 0.0,
        "str": 0.0,
        "pasted": 0.0,
        "hard_coded": 0.0,
        "hard_coded_visible_only": 1.0,  # the visible check alone cannot tell; hidden can
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "attack",
    [
        "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: [])",
        "get_ipython().showtraceback = lambda *a, **k: None",
        "ip = get_ipython()\n"
        "ip.input_transformers_cleanup.append("
        "lambda lines: ['pass\\n'] if any('check.' in x for x in lines) else lines)",
        "import ast\nclass Swallow(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        handler = ast.ExceptHandler(type=None, name=None, body=[ast.Pass()])\n"
        "        wrapped = ast.Try(body=node.body, handlers=[handler], orelse=[], finalbody=[])\n"
        "        return ast.fix_missing_locations(ast.Module(body=[wrapped], type_ignores=[]))\n"
        "get_ipython().ast_transformers.append(Swallow())",
    ],
    ids=["custom_exc", "showtraceback", "input_transformer", "ast_transformer"],
)
def test_silencing_the_error(env, attack):
    assert run(env, f"q0_1 = {BAD!r}", attack, test_cell(TEST, "wrong")) == {"wrong": 0.0}


@pytest.mark.slow
def test_stdout_pointed_at_stderr_does_not_zero_a_right_answer(env):
    got = run(env, f"q0_1 = {GOOD!r}", "import sys\nsys.stdout = sys.stderr", test_cell(TEST, "ok"))
    assert got == {"ok": 1.0}


def test_guard_flags_test_cells_whose_checks_did_not_run(monkeypatch):
    import io
    from types import SimpleNamespace

    from course.check import guard

    buffer = io.StringIO()
    monkeypatch.setattr(guard, "_stderr", buffer)

    def cell(source, success=True, reports=()):
        guard._before(SimpleNamespace(raw_cell=source))
        for passed in reports:
            guard.note_report(passed)
        guard._after(SimpleNamespace(success=success, info=SimpleNamespace(raw_cell=source)))
        flagged = buffer.getvalue() == guard.MESSAGE + "\n"
        buffer.seek(0)
        buffer.truncate()
        return flagged

    test = 'from course import check\ncheck.query(q0_2, "q0_2")'
    assert cell(test) is True  # succeeded, but no check reported: it was skipped
    assert cell(test, reports=[True]) is False
    assert cell(test, reports=[False]) is True  # a failure was swallowed
    assert cell(test, success=False, reports=[False]) is False
    assert cell("# later: check.query(q0_2, 'q0_2')") is False
    assert cell("x = 1") is False


def test_demo_data_cannot_stand_in_for_the_course_data(tmp_path):
    bank = Path(__file__).parent / "fixtures" / "answers" / "banks" / "90-check-lab.yml"
    # demo on (the fixture env): another module's check refuses to run on it
    result = check.evaluate("SELECT code, name FROM branch ORDER BY name", "q90_10", module=bank)
    assert result.tag == "setup" and "demo data of 00-start-here" in result.sentence
    # a bank of one's own cannot provide demo data
    own = tmp_path / "00-start-here.yml"
    own.write_text(Path(check.exercise("q0_1").bank_path).read_text(encoding="utf-8"))
    with pytest.raises(check.BankError):
        check.use_demo(own)
    check.use_demo(None)
    assert check.evaluate(
        "SELECT code, name FROM branch ORDER BY name", "q90_10", module=bank
    ).passed

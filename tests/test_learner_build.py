"""The learner distribution (issue 14), installed into a fresh virtual environment.

``course build-learner`` is run once (module fixture) on the built course data; its wheel goes
into a new ``python -m venv``.  Installing the pinned stack from PyPI there on every ``make test``
would take minutes and need the network, so the fresh environment gets the dependencies from this
environment instead: a ``.pth`` file in its site-packages names this environment's site-packages
(a path in a ``.pth`` is only appended to ``sys.path``; the ``.pth`` files *there*, among them the
editable install of the repository's ``course``, are not run), and the wheel is installed with
``pip install --no-deps --no-index``.  Every command in it runs with ``python -I`` (no
PYTHONPATH, no script or current folder on the path) from a temporary folder, and the test
asserts that ``course`` is imported from the fresh environment, not from the repository.

Then, in that environment (one subprocess running every case and writing JSON):

* every visible fixture answer (``tests/fixtures/answers/<course bank>.yml``: right ones and
  wrong ones) gives the same verdict, tag and sentence (``Result.line()``) as the full build
  gives in this process, on the same course data (``library.duckdb`` only: the learner's data
  folder holds no shadow database); a hidden check there says it runs when the instructor grades;
* nothing installed (the course package, ``DIR/notebooks``) holds an exercise's reference or a
  listed mistake's SQL, value, design or function, nbgrader's solution and hidden-test markers,
  the solution and hidden-test text of ``source/``, the shadow database or the witness code;
* every module's release notebook, its answer cells filled with right and wrong fixture answers
  in turn (the last left blank), runs whole in a kernel of the fresh environment and in one of
  this environment, and every check cell shows the same output in both;
* the instructor's commands answer in one sentence that this is the learner build, ``course
  workspace`` finds the release notebooks, ``config.DATABASES`` is ``("library",)``, and ``course
  data`` there builds ``library.duckdb`` alone, with the full build's table checksums.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
import yaml

from course import check, config
from course.check.bank import bank_paths, banks_dir, load_bank
from course.check.stored import HIDDEN_ELSEWHERE

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "answers"
#: The built course data, as the environment names it before any test changes it.
COURSE_DATA = config.data_dir()
#: This environment's site-packages: the fresh one borrows its dependencies from here.
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
#: Shorter than this, a secret text found in an installed file is reported, not a failure: such
#: texts (``2000``, ``SELECT count(*) FROM bib``) are the words of the notebooks too.
SHORT = 25

# The same code evaluates the cases in this process (the full build) and in the fresh
# environment (the learner build): only the installed course it imports differs.
RUNNER = r"""
import json, os, sys
from pathlib import Path

import yaml

try:  # this process (the tests' folder is on the path), or beside the runner in another one
    from fixture_answers import answer_of
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
    from fixture_answers import answer_of


def run(cases, fixtures, workdir):
    from course import check
    from course.check.bank import banks_dir

    files, results, demos = {}, [], {}
    showing = None  # a demo in use; turning none off would clear the checks' caches for nothing
    saved = os.environ.get("COURSE_WORKSPACE")
    for i, case in enumerate(cases):
        os.environ["COURSE_WORKSPACE"] = str(Path(workdir) / f"w{i}")  # a fresh scratch database
        path = Path(fixtures) / f"{case['bank']}.yml"
        if path not in files:
            files[path] = yaml.safe_load(path.read_text(encoding="utf-8"))
        bank = banks_dir() / f"{case['bank']}.yml"
        if bank not in demos:  # parse each bank once (a pure-Python parse is slow)
            demos[bank] = "demo" in yaml.safe_load(bank.read_text(encoding="utf-8"))
        demo = demos[bank]
        if demo or showing is not None:
            showing = bank if demo else None
            check.use_demo(showing)  # module 00 checks on its demo shelf
        variant = files[path]["answers"][case["qid"]][case["kind"]][case["index"]]
        try:
            answer = answer_of(variant, bank, case["qid"])
            result = check.evaluate(answer, case["qid"], module=bank, hidden=case["hidden"])
            results.append({"passed": result.passed, "tag": result.tag, "line": result.line()})
        except Exception as exc:  # reported as a difference, not a crash of the whole run
            results.append({"error": f"{type(exc).__name__}: {exc}"})
        finally:
            check.use_demo(None)
    if saved is None:
        os.environ.pop("COURSE_WORKSPACE", None)
    else:
        os.environ["COURSE_WORKSPACE"] = saved
    return results


if __name__ == "__main__":
    import course
    from course import config

    cases = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = {
        "course_file": course.__file__,
        "databases": list(config.DATABASES),
        "results": run(cases, sys.argv[2], sys.argv[3]),
    }
    Path(sys.argv[4]).write_text(json.dumps(out), encoding="utf-8")
"""


def _course_data_built() -> bool:
    return all((COURSE_DATA / f"{db}.duckdb").exists() for db in ("library", "shadow"))


def _cases(hidden: bool = False) -> list[dict]:
    """Every visible fixture answer of every course bank (``hidden``: one right answer per
    exercise, asked of the hidden check instead)."""
    cases = []
    for bank in bank_paths():
        data = yaml.safe_load((FIXTURES / bank.name).read_text(encoding="utf-8"))
        assert "bank" not in data, f"{bank.name}: fixtures of a course bank use that bank"
        for qid, entry in data["answers"].items():
            for kind in ("correct", "wrong"):
                for index, variant in enumerate(entry.get(kind, [])):
                    if kind == "wrong" and variant.get("check", "visible") == "hidden":
                        continue
                    case = {"bank": bank.stem, "qid": qid, "kind": kind, "index": index}
                    cases.append({**case, "hidden": hidden})
                    if hidden:
                        break
                if hidden:
                    break
    return cases


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """``course build-learner`` into a temporary folder: ``(DIR, wheel)``.

    Built once per test run: pytest-xdist workers share the folder (the first one builds it
    under a lock, the others wait for it), as the build takes half a minute."""
    if not _course_data_built():
        pytest.skip("the course data is not built: run `course data` first")
    import fcntl

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "learner-dist"
    outcome = shared / "learner-dist.outcome"
    with open(shared / "learner-dist.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not outcome.exists():
            outcome.write_text(_build(out), encoding="utf-8")
    problem = outcome.read_text(encoding="utf-8")
    if problem:
        pytest.fail(f"course build-learner failed: {problem}")
    return out, next(out.glob("*.whl"))


def _build(out: Path) -> str:
    """Build the distribution into ``out``; return '' or what went wrong."""
    from course.grading.learner_build import LearnerBuildError, build_learner

    saved = os.environ.get("COURSE_DATA_DIR")
    os.environ["COURSE_DATA_DIR"] = str(COURSE_DATA)
    try:
        build_learner(out, progress=False)
    except LearnerBuildError as exc:
        return str(exc) or "LearnerBuildError"
    finally:
        if saved is None:
            os.environ.pop("COURSE_DATA_DIR", None)
        else:
            os.environ["COURSE_DATA_DIR"] = saved
        check.clear_cache()
    return ""


class Venv:
    """A fresh virtual environment with the learner wheel installed (see the module docstring)."""

    def __init__(self, home: Path, wheel: Path):
        self.home = home
        self.dir = home / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(self.dir)], check=True)
        self.python = self.dir / "bin" / "python"
        self.site = Path(
            self.run_python("import sysconfig; print(sysconfig.get_paths()['purelib'])")
        )
        (self.site / "_course_dependencies.pth").write_text(f"{SITE_PACKAGES}\n", encoding="utf-8")
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(self.python), "install", "--quiet"]
            + ["--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)],
            check=True,
            env=self.env(),
        )
        # The learner's data folder as `course data` leaves it in a learner build: the course
        # database, the load-lab files and the LoC file (the Python checks read records from
        # it); no shadow database.
        self.data = home / "data"
        self.data.mkdir()
        for name in ("library.duckdb", "loadlab", "cache"):
            (self.data / name).symlink_to(COURSE_DATA / name)
        self.package = self.site / "course"

    def env(self, **extra) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("COURSE_", "PYTHON", "VIRTUAL_ENV", "PYTEST_"))
        }
        env["PATH"] = f"{self.dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["COURSE_DATA_DIR"] = str(self.home / "data")
        env["COURSE_WORKSPACE"] = str(self.home / "workspace")
        env.update(extra)
        return env

    def run_python(self, code: str) -> str:
        done = subprocess.run(
            [str(self.python), "-I", "-c", code],
            cwd=self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def course(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.dir / "bin" / "course"), *args],
            cwd=self.home,
            env=self.env(),
            capture_output=True,
            text=True,
        )


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory):
    return Venv(tmp_path_factory.mktemp("learner-venv"), dist[1])


def _full_build(cases: list[dict], workdir: Path, monkeypatch) -> list[dict]:
    namespace: dict = {}
    exec(compile(RUNNER, "<runner>", "exec"), namespace)
    monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    check.clear_cache()
    try:
        return namespace["run"](cases, str(FIXTURES), str(workdir))
    finally:
        check.clear_cache()


def _start_learner_build(venv: Venv, cases: list[dict], name: str):
    """Start the cases in the fresh environment; the returned function waits for the results."""
    work = venv.home / name
    work.mkdir()
    (work / "runner.py").write_text(RUNNER, encoding="utf-8")
    shutil.copy(Path(__file__).parent / "fixture_answers.py", work / "fixture_answers.py")
    (work / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    process = subprocess.Popen(
        [str(venv.python), "-I", str(work / "runner.py"), str(work / "cases.json")]
        + [str(FIXTURES), str(work), str(work / "results.json")],
        cwd=venv.home,
        env=venv.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def results() -> dict:
        _out, err = process.communicate()
        assert process.returncode == 0, err[-3000:]
        return json.loads((work / "results.json").read_text(encoding="utf-8"))

    return results


def _learner_build(venv: Venv, cases: list[dict], name: str) -> dict:
    return _start_learner_build(venv, cases, name)()


def test_the_course_in_the_fresh_environment_is_the_installed_learner_build(venv):
    found = venv.run_python(
        "import json, course; from course import config; from course.check import stored; "
        "from importlib.metadata import requires, version; "
        "print(json.dumps([course.__file__, list(config.DATABASES), stored.is_learner_build(), "
        "version('course'), requires('course')]))"
    )
    course_file, databases, learner, version, requires = json.loads(found)
    assert Path(course_file).is_relative_to(venv.site), course_file
    assert not Path(course_file).is_relative_to(ROOT)
    assert databases == ["library"] and learner is True
    # The wheel's metadata: its own version, the pinned stack, all of it satisfied here.
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert version.endswith("+learner") and set(pins["dependencies"]) <= set(requires)
    check_deps = [sys.executable, "-m", "pip", "--python", str(venv.python), "check"]
    done = subprocess.run(check_deps, env=venv.env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # What builds the shadow database is not there to import.
    missing = venv.run_python(
        "import importlib.util as u; "
        "print([m for m in ('course.data.shadow', 'course.data.witness', 'course.grading.grade', "
        "'course.grading.learner', 'course.grading.mutants') if u.find_spec(m)])"
    )
    assert missing == "[]"


def test_visible_checks_give_the_full_builds_verdicts_and_sentences(venv, tmp_path, monkeypatch):
    cases = _cases()
    assert len(cases) > 500
    # The two builds run side by side: the learner build in its subprocess, the full build here.
    learner_results = _start_learner_build(venv, cases, "visible")
    full = _full_build(cases, tmp_path, monkeypatch)
    learner = learner_results()
    assert Path(learner["course_file"]).is_relative_to(venv.site)
    differences = [
        f"{c['bank']} {c['qid']} {c['kind']}[{c['index']}]:\n  full:    {f}\n  learner: {ln}"
        for c, f, ln in zip(cases, full, learner["results"], strict=True)
        if f != ln
    ]
    assert not differences, f"{len(differences)} of {len(cases)} differ:\n" + "\n".join(
        differences[:20]
    )
    # Sanity: the comparison covered answers of both verdicts.
    verdicts = {(c["kind"], r.get("passed")) for c, r in zip(cases, full, strict=True)}
    assert {("correct", True), ("wrong", False)} <= verdicts


def test_hidden_checks_say_they_run_when_the_instructor_grades(venv):
    cases = _cases(hidden=True)
    assert len(cases) == sum(len(load_bank(b)) for b in bank_paths())
    results = _learner_build(venv, cases, "hidden")["results"]
    wrong = [(c["qid"], r) for c, r in zip(cases, results, strict=True) if r.get("tag") != "setup"]
    assert not wrong, wrong[:5]
    assert all(HIDDEN_ELSEWHERE in r["line"] and not r["passed"] for r in results)


# --- nothing to copy marks from ---------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _strings(value)


def _installed_texts(venv: Venv, dist_dir: Path) -> dict[str, str]:
    """Every installed file's text, whitespace normalised: notebooks by their cells, JSON with
    its strings decoded too (an escaped quote must not hide a text)."""
    texts = {}
    roots = [venv.package, *venv.site.glob("course-*.dist-info"), dist_dir / "notebooks"]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            parts = [text]
            if path.suffix in (".json", ".ipynb"):
                data = json.loads(text)
                cells = data.get("cells") if isinstance(data, dict) else None
                parts += ["".join(c.get("source", "")) for c in cells or []]
                parts += list(_strings(data))
            texts[str(path)] = _normal("\n".join(parts))
    readme = dist_dir / "README.txt"
    texts[str(readme)] = _normal(readme.read_text(encoding="utf-8"))
    return texts


#: Hidden-test regions that only call a check name it and nothing more: the same call is in
#: ``course/check/__init__.py``'s documentation.
_ONLY_CALLS = re.compile(r"^(\s*check\.hidden\([^()]*\)\s*)+$")
#: A listed mistake this short is a common query (``SELECT count(*) FROM item``) that quizzes,
#: drills, hints and notebooks show too; found, it is reported rather than failed.
SHORT_MISTAKE = 40


def _secrets() -> list[tuple[str, str, str]]:
    """``(what, kind, text)`` for every text only the full build may hold; ``kind`` is
    ``answer`` (a reference, another accepted answer, a solution or hidden test of source/) or
    ``mistake`` (a listed mistake's SQL, value, design or function)."""
    secrets = []
    for bank in bank_paths():
        data = yaml.safe_load(bank.read_text(encoding="utf-8"))
        for qid, ex in data["exercises"].items():
            for field in ("reference", "alternatives"):
                for text in _strings(ex.get(field)):
                    secrets.append((f"{qid} {field}", "answer", text))
            for mistake in ex.get("mistakes") or []:
                for field in ("sql", "value", "model", "python"):
                    if field in mistake:
                        what = f"{qid} mistake {mistake.get('tag')} {field}"
                        secrets.append((what, "mistake", str(mistake[field])))
        for text in _strings((data.get("demo") or {}).get("shadow")):
            secrets.append((f"{bank.stem} demo shadow data", "answer", text))
    pattern = r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1"
    for notebook in sorted((ROOT / "source").glob("*/*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for marker, region in re.findall(pattern, "".join(cell["source"]), flags=re.S):
                if not _ONLY_CALLS.match(region):
                    secrets.append((f"{notebook.stem} {marker.lower()} region", "answer", region))
    return [(what, kind, _normal(text)) for what, kind, text in secrets if _normal(text)]


def _leaks(venv: Venv, dist_dir: Path) -> tuple[dict, dict, int]:
    """``({what: (file, text)}`` of secrets found, ``{what: text}`` of short ones let through
    (with where), number of texts searched)."""
    texts = _installed_texts(venv, dist_dir)
    assert any(p.endswith(".ipynb") for p in texts) and any("exercises" in p for p in texts)
    released = {p: t for p, t in texts.items() if p.endswith(".ipynb")}
    secrets = _secrets()
    found, ignored = {}, {}
    for what, kind, secret in secrets:
        where = [p for p, text in texts.items() if secret in text]
        if not where:
            continue
        if len(secret) < SHORT or (kind == "mistake" and len(secret) <= SHORT_MISTAKE):
            ignored[what] = secret
        elif kind == "mistake" and any(secret in text for text in released.values()):
            ignored[what] = secret  # the release notebook shows it (a worked wrong answer)
        else:
            found[what] = (where[0], secret)
    return found, ignored, len(secrets)


def _relative(path: str, venv: Venv) -> str:
    return Path(path).relative_to(venv.site).as_posix() if venv.site.as_posix() in path else path


def test_nothing_installed_holds_a_reference_a_mistake_a_solution_or_the_shadow_data(
    venv, dist, capsys
):
    dist_dir, _wheel = dist
    found, ignored, searched = _leaks(venv, dist_dir)
    assert searched > 400
    leaks = [
        f"{what}: {text[:80]!r} in {_relative(path, venv)}"
        for what, (path, text) in sorted(found.items())
    ]
    assert not leaks, f"{len(leaks)} secret text(s) installed:\n" + "\n".join(leaks[:20])
    with capsys.disabled():  # what was let through, for the reader of the log
        print(
            f"\nlearner build: {searched} secret texts searched; short or shown in a release "
            f"notebook, let through: {sorted(set(ignored.values()))}"
        )
    assert len(ignored) < 60, sorted(ignored)
    markers = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    texts = _installed_texts(venv, dist_dir)
    for path, text in texts.items():
        if path.endswith(".ipynb"):
            assert not [m for m in markers if m in text], path
    # The shadow database and what makes it: neither files nor code.
    names = {p.name for root in (venv.dir, dist_dir) for p in root.rglob("*")}
    assert not names & {"shadow.duckdb", "witness.py", "shadow.py"}
    for path, text in texts.items():
        assert "apply_witnesses" not in text and "SHADOW_SEED = 2109" not in text, path


def test_instructor_commands_answer_in_one_sentence(venv):
    for args in (
        ["grade", "01-querying-the-catalog"],
        ["report", "01-querying-the-catalog"],
        ["mutants"],
        ["check"],
        ["release"],
        ["team"],
        ["build-learner", "out"],
    ):
        done = venv.course(*args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        lines = (done.stdout + done.stderr).strip().splitlines()
        assert len(lines) == 1 and "this is the learner build;" in lines[0], (args, lines)
        assert "Traceback" not in done.stderr


def test_course_workspace_finds_the_release_notebooks(venv, dist):
    done = venv.course("workspace")
    assert done.returncode == 0, done.stderr
    workspace = venv.home / "workspace"
    copied = sorted(p.relative_to(workspace) for p in workspace.glob("*/*.ipynb"))
    released = sorted(p.relative_to(ROOT / "release") for p in (ROOT / "release").glob("*/*.ipynb"))
    assert copied == released
    shipped = sorted(p.relative_to(dist[0] / "notebooks") for p in dist[0].glob("notebooks/*/*"))
    assert shipped == released
    assert (dist[0] / "README.txt").read_text(encoding="utf-8").count(dist[1].name) >= 2


def test_course_data_in_the_learner_build_makes_the_library_database_alone(venv):
    # The stored results were computed on this environment's library.duckdb: the learner's own
    # `course data` must make the same rows, and no shadow database.
    data = venv.home / "learner-data"
    (data / "cache").mkdir(parents=True)
    for path in (COURSE_DATA / "cache").iterdir():
        (data / "cache" / path.name).symlink_to(path)
    done = subprocess.run(
        [str(venv.dir / "bin" / "course"), "data", "--quiet"],
        cwd=venv.home,
        env=venv.env(COURSE_DATA_DIR=str(data)),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Built library.duckdb: 50,000 records"), done.stdout
    assert "shadow" not in done.stdout and not (data / "shadow.duckdb").exists()
    stamp = json.loads((data / "build-stamp.json").read_text(encoding="utf-8"))
    ours = json.loads((COURSE_DATA / "build-stamp.json").read_text(encoding="utf-8"))
    assert list(stamp["databases"]) == ["library"]
    assert stamp["recipe"]["samples"] == {"library": ours["recipe"]["samples"]["library"]}
    assert stamp["databases"]["library"] == ours["databases"]["library"]


# --- release notebooks run in a kernel of each build ------------------------------------------

NOTEBOOK_RUNNER = r"""
import json, sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def text_of(cell):
    parts = []  # [label, text]; a stream may come in several messages: they are joined
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            if parts and parts[-1][0] == out.name:
                parts[-1][1] += out.text
            else:
                parts.append([out.name, out.text])
        elif out.output_type == "error":
            parts.append(["error", f"{out.ename}: {out.evalue}"])
        else:
            parts.append(["data", out.get("data", {}).get("text/plain", "")])
    return " ".join(f"[{label}] {text.strip()}" for label, text in parts if text.strip())


source, answers, out, work = sys.argv[1:5]
nb = nbformat.read(source, as_version=4)
answers = json.loads(Path(answers).read_text(encoding="utf-8"))
for cell in nb.cells:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    if grade_id.endswith("_answer") and grade_id[: -len("_answer")] in answers:
        cell.source = answers[grade_id[: -len("_answer")]]
nb.cells.append(nbformat.v4.new_code_cell("import course\nprint(course.__file__)"))
options = {"timeout": 600, "kernel_name": "python3", "allow_errors": True}
NotebookClient(nb, resources={"metadata": {"path": work}}, **options).execute()
ids = [cell.metadata.get("nbgrader", {}).get("grade_id", "") for cell in nb.cells]
checks = {i: text_of(cell) for i, cell in zip(ids, nb.cells) if i.endswith("_check")}
setup = next(cell for i, cell in zip(ids, nb.cells) if i.endswith("_setup"))
Path(out).write_text(
    json.dumps({"checks": checks, "setup": text_of(setup), "course_file": text_of(nb.cells[-1])}),
    encoding="utf-8",
)
"""
#: Every module's release notebook, run whole in a kernel of each build.
NOTEBOOKS = tuple(bank.stem for bank in bank_paths())


def _notebook_answers(module: str) -> dict[str, str]:
    """Answer cells: a right fixture answer, a wrong one, in turn; the last exercise blank."""
    bank = {qid: ex for qid, ex in load_bank(banks_dir() / f"{module}.yml").items()}
    fixtures = yaml.safe_load((FIXTURES / f"{module}.yml").read_text(encoding="utf-8"))["answers"]
    answers = {}
    for n, qid in enumerate(list(bank)[:-1]):
        kind = "correct" if n % 2 == 0 else "wrong"
        usable = [
            v
            for v in fixtures[qid][kind]
            if v.get("check", "visible") == "visible" and {"sql", "value", "python"} & set(v)
        ]
        if not usable:
            continue
        variant = usable[0]
        if "python" in variant:
            answers[qid] = f"{variant['python']}\n{qid} = {bank[qid].function}\n"
        else:
            answers[qid] = f"{qid} = {variant.get('sql', variant.get('value'))!r}\n"
    return answers


def _start_notebook(python: Path, module: str, work: Path, env: dict) -> callable:
    work.mkdir(parents=True)
    (work / "runner.py").write_text(NOTEBOOK_RUNNER, encoding="utf-8")
    (work / "answers.json").write_text(json.dumps(_notebook_answers(module)), encoding="utf-8")
    source = ROOT / "release" / module / f"{module}.ipynb"
    process = subprocess.Popen(
        [str(python), "-I", str(work / "runner.py"), str(source), str(work / "answers.json")]
        + [str(work / "out.json"), str(work)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def outcome() -> dict:
        _out, err = process.communicate()
        assert process.returncode == 0, err[-3000:]
        return json.loads((work / "out.json").read_text(encoding="utf-8"))

    return outcome


@pytest.mark.parametrize("module", NOTEBOOKS)
def test_a_release_notebook_gives_the_same_check_outputs_in_both_builds(venv, module, tmp_path):
    full_env = venv.env(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        COURSE_DATA_DIR=str(COURSE_DATA),
        COURSE_WORKSPACE=str(tmp_path / "full-workspace"),
    )
    learner_env = venv.env(COURSE_WORKSPACE=str(tmp_path / "learner-workspace"))
    learner = _start_notebook(venv.python, module, tmp_path / "learner", learner_env)
    full = _start_notebook(Path(sys.executable), module, tmp_path / "full", full_env)()
    learner = learner()
    for run in (learner, full):  # the kernel's own answer: which course it imported
        run["course_file"] = Path(run["course_file"].removeprefix("[stdout]").strip())
    assert learner["course_file"].is_relative_to(venv.site), learner["course_file"]
    assert not full["course_file"].is_relative_to(venv.dir), full["course_file"]
    assert learner["setup"] == full["setup"] and "[error]" not in learner["setup"]
    assert learner["checks"] == full["checks"]
    answers = _notebook_answers(module)
    outputs = learner["checks"]
    assert len(outputs) == len(load_bank(banks_dir() / f"{module}.yml"))
    for n, qid in enumerate(answers):
        text = outputs[f"{qid}_check"]
        assert "[stderr]" not in text and "Traceback" not in text, text
        # A failed check raises CheckFailed with its sentence (nbgrader scores the cell 0).
        expected = "[stdout] ✓ " if n % 2 == 0 else "[error] CheckFailed: "
        assert text.startswith(expected) and "\n" not in text, (qid, text)


def test_build_learner_without_course_data_says_so_in_one_sentence(tmp_path, monkeypatch, capsys):
    from course.cli import main

    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "no-data"))
    assert main(["build-learner", str(tmp_path / "out")]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    assert err.startswith("course build-learner: The course data is not built in "), err
    assert "run `course data` first" in err
    assert not (tmp_path / "out").exists()


def test_course_setup_prepares_jupyterlab_and_nbgrader_in_the_learner_build(dist, tmp_path):
    venv = Venv(tmp_path, dist[1])  # its own: setup changes the kernels the others start
    done = venv.course("setup")
    assert done.returncode == 0, done.stderr
    config_file = venv.dir / "etc" / "jupyter" / "nbgrader_config.py"
    assert config_file.exists()
    # nbgrader runs that file in every learner's Assignment List and Validate: what it imports
    # from course.grading (feedback) is in the learner build.
    code = (
        "from traitlets.config import Config; c = Config(); "
        f"path = {str(config_file)!r}; "
        "exec(open(path).read(), {'get_config': lambda: c, '__file__': path}); "
        "print(c.CourseDirectory.course_id)"
    )
    assert venv.run_python(code) == "tsdl"

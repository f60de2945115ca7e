"""Issue 20: the instructor's cycle as docs/instructor-guide.md tells it, with two learners.

Each learner is a Unix account of their own (created by the test, removed after it: nbgrader knows a
learner by the account's name, so two people on one account are one learner; the guide says so),
with a HOME of their own, and runs nbgrader with no exchange option: the exchange comes from the
course's settings, which `course setup --exchange` records in the environment's Jupyter config
path. The instructor releases module 01, both learners
fetch and submit (one all right, one with a wrong answer), the instructor collects, autogrades,
generates and releases feedback and exports grades under `grades/` (which git ignores); each
learner fetches feedback and receives only their own.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from course import config
from course.lab import install_nbgrader_config

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-querying-the-catalog"
WRONG = ("q1_1", 'q1_1 = """\nSELECT bib_id, title FROM bib WHERE language = \'FRE\'\n"""')
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)


def _nbgrader(args, cwd, env):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _answer(fetched: Path, source: Path, replace: dict[str, str]) -> None:
    """Write the source's solutions into the learner's copy, with some answers replaced."""
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: _MARKER.sub("", c.source)
        for c in nbformat.read(source, 4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = nbformat.read(fetched, 4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions:
            cell.source = solutions[gid]
            qid = gid.removesuffix("_answer")
            if qid in replace:
                cell.source = f"{replace[qid]}\ncheck.show({qid})"
    nbformat.write(nb, fetched)


def _others_can_run(path: Path) -> bool:
    """True when an account other than ours can execute ``path`` (every folder above it too)."""
    path = path.resolve()
    if not path.stat().st_mode & 0o001:
        return False
    return all(p.stat().st_mode & 0o001 for p in path.parents)


def _learner_nbgrader() -> list[str]:
    """The command a learner's account runs nbgrader with: this environment's own, or, when its
    Python lives where other accounts cannot reach (pyenv under /root), the system's Python of
    the same version reading this environment's packages (the very same nbgrader and course)."""
    own = Path(sys.executable).parent / "nbgrader"
    if _others_can_run(Path(sys.executable)):
        return [str(own)]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/local/bin:/usr/bin:/bin")
    if not system or not _others_can_run(Path(system)):
        pytest.skip(
            f"other accounts cannot run this environment's Python, and there is no {version}"
        )
    site = next(p for p in sys.path if p.endswith("site-packages"))
    boot = (
        f"import site, sys; site.addsitedir({site!r}); "
        "from nbgrader.apps.nbgraderapp import main; sys.exit(main())"
    )
    return [system, "-c", boot]


def _run_as(user: str | None):
    """Run nbgrader as ``user`` (a learner's account) or as ourselves (the instructor)."""

    def run(args, cwd, env):
        if user is None:
            return _nbgrader(args, cwd, env)
        result = subprocess.run(
            [*_learner_nbgrader(), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            user=user,
            group=user,
        )
        assert result.returncode == 0, f"{user}: nbgrader {' '.join(args)}:\n{result.stderr}"
        return result.stdout + result.stderr

    return run


@pytest.fixture
def cohort():
    """A course folder, an exchange recorded in a throwaway environment prefix, two learner
    accounts with their own HOME; everything removed afterwards."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("two learner accounts need root to create them (CI runs as root)")
    base = Path(tempfile.mkdtemp(prefix="tsdl-cohort-", dir="/tmp"))
    base.chmod(0o755)  # the learners must reach their homes and the exchange
    suffix = secrets.token_hex(3)
    names = [f"tsdl{n}-{suffix}" for n in (1, 2)]
    made = []
    try:
        root = config.repo_root()
        course = base / "course"
        course.mkdir()
        shutil.copy2(root / "nbgrader_config.py", course)
        shutil.copy2(root / ".gitignore", course)
        shutil.copytree(root / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
        exchange = base / "exchange"
        exchange.mkdir()
        exchange.chmod(0o777)
        prefix = base / "env"
        install_nbgrader_config(prefix, exchange=exchange)  # what `course setup --exchange` does
        skip = ("COURSE_EXCHANGE", "JUPYTER", "HOME", "USER", "LOGNAME", "XDG_")
        common = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        common["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
        common["JUPYTER_CONFIG_PATH"] = str(prefix / "etc" / "jupyter")
        learners = {}
        for name in names:
            home = base / name
            subprocess.run(["useradd", "-m", "-d", str(home), "-U", name], check=True)
            made.append(name)
            work = home / "work"
            work.mkdir()
            shutil.chown(work, name, name)
            learners[name] = (work, {**common, "HOME": str(home), "USER": name, "LOGNAME": name})
        instructor_home = base / "instructor"
        instructor_home.mkdir()
        yield course, exchange, {**common, "HOME": str(instructor_home)}, learners
    finally:
        for name in made:
            subprocess.run(["userdel", name], check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_two_learners_each_receive_only_their_own_feedback(cohort):
    course, exchange, instructor, learners = cohort
    first, second = learners
    source_nb = next((course / "source" / ASSIGNMENT).glob("*.ipynb"))

    # Instructor (the guide's "Release"): students, generate, release.
    for name in learners:
        _nbgrader(["db", "student", "add", name, f"--last-name={name}"], course, instructor)
    _nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course, instructor)
    _nbgrader(["release_assignment", ASSIGNMENT], course, instructor)
    assert (exchange / "tsdl" / "outbound" / ASSIGNMENT).is_dir()

    # Learners: fetch with no exchange option (the course's settings say where), answer, submit.
    for name, (work, env) in learners.items():
        _run_as(name)(["fetch_assignment", ASSIGNMENT], work, env)
        fetched = work / ASSIGNMENT / source_nb.name
        _answer(fetched, source_nb, dict([WRONG]) if name == second else {})
        _run_as(name)(["submit", ASSIGNMENT], work, env)

    # Instructor: collect, autograde, feedback, export under grades/.
    _nbgrader(["collect", ASSIGNMENT], course, instructor)
    for name in learners:
        assert (course / "submitted" / name / ASSIGNMENT / source_nb.name).exists()
    _nbgrader(["autograde", ASSIGNMENT], course, instructor)
    _nbgrader(["generate_feedback", ASSIGNMENT], course, instructor)
    _nbgrader(["release_feedback", ASSIGNMENT], course, instructor)
    (course / "grades").mkdir()
    _nbgrader(["export", "--to", "grades/grades.csv"], course, instructor)

    rows = {
        r["student_id"]: r
        for r in csv.DictReader((course / "grades" / "grades.csv").read_text().splitlines())
    }
    full = float(rows[first]["max_score"])
    assert float(rows[first]["score"]) == full
    assert float(rows[second]["score"]) < full
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q"], cwd=course, check=True)
        ignored = subprocess.run(["git", "check-ignore", "-q", "grades/grades.csv"], cwd=course)
        assert ignored.returncode == 0, "grades/ (names and emails) must be ignored by git"

    # Learners: each fetches feedback and gets their own, with their own one-sentence result.
    pages = {}
    for name, (work, env) in learners.items():
        _run_as(name)(["fetch_feedback", ASSIGNMENT], work, env)
        found = list((work / ASSIGNMENT / "feedback").rglob("*.html"))
        assert len(found) == 1, f"{name} received {len(found)} feedback files"
        pages[name] = found[0].read_text(encoding="utf-8")
    score = re.compile(r"\(Score: ([\d.]+) / ([\d.]+)\)")
    assert score.search(pages[first]).groups() == (f"{full:.1f}", f"{full:.1f}")
    assert float(score.search(pages[second]).group(1)) == float(rows[second]["score"])
    assert "Traceback (most recent call last)" not in pages[second]
    assert "HIDDEN TESTS" not in pages[second] and "check.hidden" not in pages[second]
    assert pages[first] != pages[second]

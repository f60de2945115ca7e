"""`course grade` against serial `nbgrader autograde` (issue 16 goals: >= 1.6x faster for 20
submissions of module 01 on 2 cores; per submission <= 1.5x nbgrader's time on a trivial notebook).

Two throwaway course folders with the same submissions. Each is graded once, from the command
line, as an instructor would: `course grade ASSIGNMENT --quiet` in one, `nbgrader autograde
ASSIGNMENT` (one call, all submissions one after another) in the other. Then the same for a
trivial assignment (one answer `x = 1`, one test `assert x == 1`) with `course grade --workers 1`,
which shows what course grade adds per submission (copies, gradebook snapshot, merge). One run
each; the machine's load is printed beside the figures. It prints figures; it never fails on them.

    .venv/bin/python bench/bench_grade.py [--submissions 20] [--trivial 5]
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
A = "01-querying-the-catalog"
TRIVIAL = "99-trivial"
MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)
BIN = Path(sys.executable).parent


def _env() -> dict:
    return {**os.environ, "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}


def _course(folder: Path, assignment: str, source_nb=None) -> None:
    from course.grading.nbapi import generate_release

    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", folder)
    if source_nb is None:
        shutil.copytree(ROOT / "source" / assignment, folder / "source" / assignment)
    else:
        (folder / "source" / assignment).mkdir(parents=True)
        nbformat.write(source_nb, folder / "source" / assignment / f"{assignment}.ipynb")
    error = generate_release(folder, assignment)
    if error:
        raise SystemExit(f"could not generate {assignment}: {error}")


def _submit(folder: Path, assignment: str, count: int) -> None:
    """``count`` learners: the solutions, each with one answer left blank in turn."""
    release = nbformat.read(folder / "release" / assignment / f"{assignment}.ipynb", 4)
    source = nbformat.read(folder / "source" / assignment / f"{assignment}.ipynb", 4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: MARKER.sub("", c.source)
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    ids = sorted(answers)
    for i in range(count):
        nb = copy.deepcopy(release)
        skip = ids[i % len(ids)] if i else None
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers and gid != skip:
                cell.source = answers[gid]
        out = folder / "submitted" / f"learner{i:02d}" / assignment
        out.mkdir(parents=True)
        nbformat.write(nb, out / f"{assignment}.ipynb")


def _trivial_source():
    answer = new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    answer.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "grade_id": "t_answer",
        "schema_version": 3,
    }
    test = new_code_cell("assert x == 1")
    test.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "t_check",
        "schema_version": 3,
    }
    return new_notebook(
        cells=[answer, test],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )


def _timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:  # say which submissions were not graded, and why
        lines = proc.stdout.splitlines()
        shown = [ln for ln in lines if re.search(r"\s(timed out|kernel died|grader error)\s", ln)]
        shown += [ln for ln in lines if "submission(s) of" in ln]
        print("\n".join(f"  | {ln}" for ln in shown) or proc.stderr[-500:])
    return seconds, proc.returncode


def _pair(work: Path, assignment: str, count: int, source_nb=None, workers=None):
    ours, theirs = work / f"{assignment}-course-grade", work / f"{assignment}-nbgrader"
    _course(ours, assignment, source_nb)
    _submit(ours, assignment, count)
    shutil.copytree(ours, theirs)
    cmd = [str(BIN / "course"), "grade", assignment, "--root", str(ours), "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    t_ours, rc_ours = _timed(cmd, ours)
    t_theirs, rc_theirs = _timed([str(BIN / "nbgrader"), "autograde", assignment], theirs)
    graded = len(list((theirs / "autograded").glob(f"*/{assignment}/*.ipynb")))
    ours_graded = len(list((ours / "autograded").glob(f"*/{assignment}/*.ipynb")))
    if graded != count or ours_graded != count:
        print(f"  (!) graded {ours_graded} and {graded} of {count}; exit {rc_ours}, {rc_theirs}")
    return t_ours, t_theirs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--trivial", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}; load before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        work = Path(tmp)
        t_ours, t_theirs = _pair(work, A, args.submissions)
        n = args.submissions
        print(
            f"{A}, {n} submissions: course grade {t_ours:.1f} s ({t_ours / n:.2f} s each), "
            f"serial nbgrader autograde {t_theirs:.1f} s ({t_theirs / n:.2f} s each)"
        )
        ratio = t_theirs / t_ours
        print(f"  speed-up {ratio:.2f}x (goal >= 1.6x): {'ok' if ratio >= 1.6 else 'UNDER GOAL'}")
        print(f"  load after: {os.getloadavg()[0]:.2f}")
        k = args.trivial
        t_ours, t_theirs = _pair(work, TRIVIAL, k, _trivial_source(), workers=1)
        per = (t_ours / k) / (t_theirs / k)
        print(
            f"trivial notebook, {k} submissions, one worker: course grade {t_ours / k:.2f} s "
            f"each, nbgrader autograde {t_theirs / k:.2f} s each"
        )
        print(f"  per submission {per:.2f}x nbgrader (goal <= 1.5x): ", end="")
        print("ok" if per <= 1.5 else "OVER GOAL")
        print(f"  load after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""How long a visible check takes in the learner build (issue 14 goal: at most 150 ms warm).

Run:  .venv/bin/python bench/bench_learner_check.py [DIR] [--runs 20] [--all]

Needs the built course data (``course data``).  Builds the learner distribution into a temporary
folder (``course build-learner``; or reuses the one in ``DIR``), installs its wheel into a fresh
virtual environment the way ``tests/test_learner_build.py`` does (no pip download: the
dependencies are this environment's, through a ``.pth`` file; the course is the wheel's), gives
it a data folder with ``library.duckdb`` alone, and times there one visible check of each kind --
query (right, and a listed mistake), value, state (a design, a batch load), python, model --
with the first right (or wrong) fixture answer of ``tests/fixtures/answers/``: cold (the first
check of the process) and warm (median of ``--runs`` checks after it).  The same code then runs
in this environment, the full build, for comparison.  ``--all`` adds the warm median (5 runs) of
every course exercise's first right answer in both builds, and the slowest of them.  Each build
runs in its own fresh process.  Prints figures, the load average, and ratios only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / "tests" / "fixtures" / "answers"
GOAL_MS = 150.0

#: (label, bank, exercise, fixture list, index in it)
CASES = [
    ("query: right", "01-querying-the-catalog", "q1_2", "correct", 0),
    ("query: listed mistake", "01-querying-the-catalog", "q1_2", "wrong", 0),
    ("value: SQL", "04-data-modeling", "q4_6", "correct", 0),
    ("state: design (5.4)", "05-database-design", "q5_4", "correct", 0),
    ("state: batch load (9.3)", "09-batch-loads", "q9_3", "correct", 0),
    ("python: function (7.1)", "07-metadata-as-data", "q7_1", "correct", 0),
    ("model: ER diagram (4.1)", "04-data-modeling", "q4_1", "correct", 0),
]

# Runs in a fresh process of either build: only the installed course it imports differs.
RUNNER = r"""
import json, os, statistics, sys, time
from pathlib import Path

import yaml

try:  # this process (the tests' folder is on the path), or beside the runner in another one
    from fixture_answers import answer_of
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
    from fixture_answers import answer_of


def main(cases_file, fixtures, workdir, out_file):
    started = time.perf_counter()
    from course import check
    from course.check import stored
    from course.check.bank import banks_dir

    imported = time.perf_counter() - started
    cases = json.loads(Path(cases_file).read_text(encoding="utf-8"))
    files, rows, demos = {}, [], {}
    showing = None  # a demo in use; turning none off would clear the checks' caches for nothing
    for i, case in enumerate(cases):
        os.environ["COURSE_WORKSPACE"] = str(Path(workdir) / f"w{i}")
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
        variant = files[path]["answers"][case["qid"]][case["list"]][case["index"]]
        answer = answer_of(variant, bank, case["qid"])
        start = time.perf_counter()
        result = check.evaluate(answer, case["qid"], module=bank)
        cold = time.perf_counter() - start
        lines, warm = {result.line()}, []
        for _ in range(case["runs"]):
            start = time.perf_counter()
            lines.add(check.evaluate(answer, case["qid"], module=bank).line())
            warm.append(time.perf_counter() - start)
        rows.append(
            {
                "cold": cold,
                "warm": statistics.median(warm),
                "passed": result.passed,
                "line": result.line(),
                "same_every_time": len(lines) == 1,
            }
        )
    out = {"learner": stored.is_learner_build(), "import": imported, "rows": rows}
    Path(out_file).write_text(json.dumps(out), encoding="utf-8")


main(*sys.argv[1:5])
"""


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _clean_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COURSE_", "PYTHON", "VIRTUAL_ENV", "PYTEST_"))
    }
    env["COURSE_PROGRESS"] = "off"
    env.update(extra)
    return env


def learner_venv(home: Path, wheel: Path) -> Path:
    """A fresh venv with the learner wheel, its dependencies borrowed from this environment."""
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    here = sysconfig.get_paths()["purelib"]
    (Path(site) / "_course_dependencies.pth").write_text(f"{here}\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)],
        check=True,
        env=_clean_env(),
    )
    return python


def run_cases(python: Path, data_dir: Path, cases: list[dict], work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    (work / "runner.py").write_text(RUNNER, encoding="utf-8")
    shutil.copy(ROOT / "tests" / "fixture_answers.py", work / "fixture_answers.py")
    (work / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [str(python), "-I", str(work / "runner.py"), str(work / "cases.json")]
        + [str(FIXTURES), str(work), str(work / "out.json")],
        cwd=work,
        env=_clean_env(COURSE_DATA_DIR=str(data_dir), COURSE_WORKSPACE=str(work / "ws")),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the check runner failed in {python}:\n{done.stderr[-2000:]}")
    return json.loads((work / "out.json").read_text(encoding="utf-8"))


def every_exercise(runs: int) -> list[dict]:
    import yaml

    from course.check.bank import bank_paths, load_bank

    cases = []
    for bank in bank_paths():
        kinds = {qid: ex.kind for qid, ex in load_bank(bank).items()}
        answers = yaml.safe_load((FIXTURES / bank.name).read_text(encoding="utf-8"))["answers"]
        for qid, entry in answers.items():
            if entry.get("correct"):
                cases.append(
                    {"label": kinds[qid], "bank": bank.stem, "qid": qid, "list": "correct"}
                    | {"index": 0, "runs": runs}
                )
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, help="a learner distribution to reuse")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--all", action="store_true", help="also every exercise (5 runs each)")
    args = parser.parse_args()

    from course import config

    data = config.data_dir()
    if not all((data / f"{db}.duckdb").exists() for db in ("library", "shadow")):
        print("The course data is not built: run `course data` first.")
        return 0
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-learner-") as tmp:
        tmp = Path(tmp)
        wheels = sorted(args.dir.glob("*.whl")) if args.dir else []
        if wheels:
            wheel = wheels[-1]
            print(f"learner distribution reused: {wheel}")
        else:
            from course.grading.learner_build import build_learner

            start = time.perf_counter()
            wheel = build_learner(args.dir or tmp / "dist", progress=False)
            print(f"course build-learner: {time.perf_counter() - start:.1f} s, {wheel.name}")
        start = time.perf_counter()
        python = learner_venv(tmp, wheel)
        print(f"fresh venv with the learner wheel: {time.perf_counter() - start:.1f} s")
        # The learner's data folder as their `course data` makes it: the course database, the
        # load-lab files and the downloaded LoC file (module 07's checks read raw records from
        # it), and no shadow database.
        learner_data = tmp / "learner-data"
        learner_data.mkdir()
        for name in ("library.duckdb", "loadlab", "cache"):
            (learner_data / name).symlink_to(data / name)

        cases = [
            {"label": c[0], "bank": c[1], "qid": c[2], "list": c[3], "index": c[4]}
            | {"runs": args.runs}
            for c in CASES
        ]
        learner = run_cases(python, learner_data, cases, tmp / "learner")
        full = run_cases(Path(sys.executable), data, cases, tmp / "full")
        if not learner["learner"] or full["learner"]:
            raise SystemExit("the builds are mixed up: the learner venv is not a learner build")
        print(
            f"import course.check: learner build {_ms(learner['import']):.0f} ms, "
            f"full build {_ms(full['import']):.0f} ms"
        )
        print(f"\nvisible checks, warm = median of {args.runs} after the first (cold) call")
        print(
            f"  {'check':26} {'exercise':6} {'full cold':>9} {'full warm':>9} "
            f"{'lrn cold':>9} {'lrn warm':>9} {'lrn/goal':>8} {'lrn/full':>8}  same"
        )
        for case, f, ln in zip(cases, full["rows"], learner["rows"], strict=True):
            same = f["line"] == ln["line"] and f["same_every_time"] and ln["same_every_time"]
            print(
                f"  {case['label']:26} {case['qid']:6} {_ms(f['cold']):9.1f} {_ms(f['warm']):9.1f}"
                f" {_ms(ln['cold']):9.1f} {_ms(ln['warm']):9.1f} {_ms(ln['warm']) / GOAL_MS:8.2f}"
                f" {ln['warm'] / f['warm']:8.2f}  {'yes' if same else 'NO'}"
            )
            if not same:
                print(f"      full:    {f['line'][:150]}\n      learner: {ln['line'][:150]}")
        worst = max(r["warm"] for r in learner["rows"])
        print(
            f"  slowest warm learner check: {_ms(worst):.1f} ms = "
            f"{_ms(worst) / GOAL_MS:.2f} x the {GOAL_MS:.0f} ms goal"
        )
        if args.all:
            every = every_exercise(5)
            learner_all = run_cases(python, learner_data, every, tmp / "learner-all")["rows"]
            full_all = run_cases(Path(sys.executable), data, every, tmp / "full-all")["rows"]
            warm = sorted(
                (
                    (ln["warm"], f["warm"], c["qid"], c["label"])
                    for c, f, ln in zip(every, full_all, learner_all, strict=True)
                ),
                reverse=True,
            )
            over = [w for w in warm if _ms(w[0]) > GOAL_MS]
            over_full = [w for w in warm if _ms(w[1]) > GOAL_MS]
            print(
                f"\nevery exercise's first right answer ({len(every)}), warm median of 5: "
                f"learner build median {_ms(statistics.median(w[0] for w in warm)):.1f} ms, "
                f"full build median {_ms(statistics.median(w[1] for w in warm)):.1f} ms; "
                f"over the goal: {len(over)} in the learner build, {len(over_full)} in the full"
            )
            for lw, fw, qid, kind in warm[:8]:
                print(
                    f"  slowest: {qid:7} {kind:7} learner {_ms(lw):7.1f} ms"
                    f"   full {_ms(fw):7.1f} ms"
                )
            differ = [
                c["qid"]
                for c, f, ln in zip(every, full_all, learner_all, strict=True)
                if f["line"] != ln["line"]
            ]
            print(f"  sentences that differ between the builds: {differ or 'none'}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

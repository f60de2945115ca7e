"""How long a learner waits between answer and feedback (goal: at most 150 ms).

Run:  .venv/bin/python bench/bench_check.py [--scale 1 50] [--runs 20]

Builds the fixture databases of ``course.check.testing`` at each scale in a temporary folder
(scale 50: ~12,000 records, ~20,000 items, ~40,000 loans) and times checks of the test bank
there, cold (first check: connection + reference query) and warm (median of repeated checks,
reference cached); module 00's checks on its demo shelf; and, when the real course databases
exist (``course data``), the test bank's checks on them.  Prints figures and ratios only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_BANK = ROOT / "tests" / "fixtures" / "answers" / "banks" / "90-check-lab.yml"
GOAL_MS = 150.0

DEMO_CASES = [
    ("module 00: right", "q0_1", None, None, False),
    (
        "module 00: too many rows",
        "q0_1",
        "SELECT title, date1 FROM shelf WHERE date1 >= 1990",
        None,
        False,
    ),
    (
        "module 00: listed mistake",
        "q0_2",
        "SELECT title FROM shelf WHERE language = 'fre'",
        None,
        False,
    ),
    ("module 00: syntax error", "q0_1", "SELECT title FORM shelf", None, False),
    ("module 00: hidden, right", "q0_1", None, None, True),
]
CASES = [
    ("value, typed-in number", "q90_11", 6, TEST_BANK, False),
    ("value, SQL", "q90_11", "SELECT count(*) FROM branch", TEST_BANK, False),
    ("query, right (join+group)", "q90_12", None, TEST_BANK, False),
    (
        "query, listed mistake",
        "q90_12",
        "SELECT branch_id, count(*) FROM item GROUP BY 1",
        TEST_BANK,
        False,
    ),
    ("hidden, right", "q90_12", None, TEST_BANK, True),
    ("state, right (CREATE+INSERT)", "q90_13", None, TEST_BANK, False),
    ("query, 3-table join ordered", "q90_3", None, TEST_BANK, False),
    ("query, anti-join", "q90_1", None, TEST_BANK, False),
    ("state, FK+CHECK probes", "q90_6", None, TEST_BANK, False),
    ("state from catalog (attach)", "q90_8", None, TEST_BANK, False),
]


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def import_time() -> float:
    code = (
        "import time; t = time.perf_counter(); import course.check; print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return _ms(float(out.stdout.strip()))


def time_cases(cases, runs: int, *, show: bool = True) -> list[tuple[str, float, float]]:
    from course import check
    from course.check.bank import find_exercise

    rows = []
    for label, qid, answer, bank, hidden in cases:
        ex = find_exercise(qid, bank)
        answer = ex.reference if answer is None else answer
        check.clear_cache()
        start = time.perf_counter()
        check.evaluate(answer, qid, module=bank, hidden=hidden)
        cold = time.perf_counter() - start
        warm = []
        for _ in range(runs):
            start = time.perf_counter()
            check.evaluate(answer, qid, module=bank, hidden=hidden)
            warm.append(time.perf_counter() - start)
        rows.append((label, _ms(cold), _ms(statistics.median(warm))))
    if not show:
        return rows
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        for _ in range(runs):
            check.show("SELECT title, date1 FROM bib ORDER BY title")
        rows.append(
            (
                "show, whole bib table sorted",
                float("nan"),
                _ms((time.perf_counter() - start) / runs),
            )
        )
    return rows


def report(title: str, rows) -> None:
    print(f"\n{title}")
    print(f"  {'check':32} {'cold ms':>9} {'warm ms':>9} {'warm/goal':>10}")
    for label, cold, warm in rows:
        print(f"  {label:32} {cold:9.1f} {warm:9.1f} {warm / GOAL_MS:10.2f}")
    worst = max(r[2] for r in rows)
    print(f"  worst warm: {worst:.1f} ms = {worst / GOAL_MS:.2f} x the {GOAL_MS:.0f} ms goal")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("COURSE_PROGRESS", "off")
    print(f"import course.check in a fresh process: {import_time():.0f} ms")
    from course import check, config
    from course.check.testing import build_fixture_databases

    start = time.perf_counter()
    check.use_demo("00-start-here")
    built = _ms(time.perf_counter() - start)
    report(
        f"module 00 on its demo shelf (check.use_demo: {built:.0f} ms)",
        time_cases(DEMO_CASES, args.runs, show=False),
    )
    check.use_demo(None)

    real = all(config.database_path(db).exists() for db in config.DATABASES)
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scale:
            folder = Path(tmp) / f"scale{scale}"
            start = time.perf_counter()
            build_fixture_databases(folder, scale=scale)
            built = time.perf_counter() - start
            os.environ["COURSE_DATA_DIR"] = str(folder)
            import duckdb

            con = duckdb.connect(str(folder / "library.duckdb"), read_only=True)
            sizes = {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("bib", "item", "loan")
            }
            con.close()
            title = f"fixture databases, scale {scale} ({sizes}; built in {built:.1f} s)"
            report(title, time_cases(CASES, args.runs))
    if real:
        os.environ.pop("COURSE_DATA_DIR", None)
        print("\n(real course databases found)")
        report(f"course databases in {config.data_dir()}", time_cases(CASES, args.runs))
    else:
        print("\n(no built course databases: run `course data` to time the real ones)")


if __name__ == "__main__":
    main()

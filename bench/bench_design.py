"""How long a design (DDL) check takes to answer (issue goal: at most 300 ms warm).

Run:  .venv/bin/python bench/bench_design.py [--runs 15]

Times module 05's design checks on the built course data (``course data``): cold (first check of
the process: the reference design built and probed) and warm (median of repeated checks, the
reference cached), visible and hidden, for a right design and a wrong one, and for the
normalization exercise (sheet, lossless view, stored-once scan).  Answers come from
``tests/fixtures/answers/05-database-design.yml``.  Prints figures only; never fails on them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from course import check, config

    if not all(config.database_path(db).exists() for db in config.DATABASES):
        print("The course databases are not built: run `course data` first.")
        return 1
    fixtures = ROOT / "tests" / "fixtures" / "answers" / "05-database-design.yml"
    answers = yaml.safe_load(fixtures.read_text(encoding="utf-8"))["answers"]
    cases = [
        ("5.4 items: right design", "q5_4", answers["q5_4"]["correct"][1]["sql"], False),
        ("5.4 items: right design, hidden", "q5_4", answers["q5_4"]["correct"][1]["sql"], True),
        ("5.4 items: no UNIQUE barcode", "q5_4", answers["q5_4"]["wrong"][0]["sql"], False),
        ("5.5 loans: right design", "q5_5", answers["q5_5"]["correct"][0]["sql"], False),
        ("5.6 order sheet: right", "q5_6", answers["q5_6"]["correct"][0]["sql"], False),
        ("5.6 order sheet: right, hidden", "q5_6", answers["q5_6"]["correct"][0]["sql"], True),
        ("5.6 order sheet: address twice", "q5_6", answers["q5_6"]["wrong"][6]["sql"], False),
        ("5.8 withdraw a vendor: right", "q5_8", answers["q5_8"]["correct"][0]["sql"], False),
    ]
    print(
        f"{'check':36} {'cold ms':>8} {'warm ms':>8} {'worst':>8} {'cpu ms':>8}  "
        f"goal {GOAL_MS:.0f} ms warm (cpu: this process's CPU time, steadier on a busy machine)"
    )
    worst_warm = 0.0
    for label, qid, sql, hidden in cases:
        check.clear_cache()
        start = time.perf_counter()
        result = check.evaluate(sql, qid, hidden=hidden)
        cold = (time.perf_counter() - start) * 1000
        times, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            check.evaluate(sql, qid, hidden=hidden)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        warm = statistics.median(times)
        worst_warm = max(worst_warm, warm)
        mark = "✓" if result.passed else "✗"
        print(
            f"{label:36} {cold:8.0f} {warm:8.0f} {max(times):8.0f} "
            f"{statistics.median(cpu):8.0f}  {mark} {result.tag or ''}"
        )
    print(f"slowest warm median: {worst_warm:.0f} ms ({worst_warm / GOAL_MS:.2f} of the goal)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

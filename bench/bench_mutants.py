"""How long `course mutants` takes over every module (goal: at most 2 minutes on 2 cores).

Run:  .venv/bin/python bench/bench_mutants.py [--workers 2] [MODULE ...]

Needs the built course data (`course data`).  Prints, per module, the mutants made and the
seconds they took, then the total wall-clock and CPU time and the ratio to the goal.  Figures
only: a busy machine (other processes on the same cores) shows in the CPU/wall ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_S = 120.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="*")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from course import config
    from course.grading.mutants import module_banks, run_module

    if not all(config.database_path(db).exists() for db in config.DATABASES):
        print("The course data is not built: run `course data` first.")
        return 0
    wall0, cpu0 = time.perf_counter(), os.times()
    made = 0
    for bank in module_banks(args.module or None):
        start = time.perf_counter()
        report = run_module(bank, workers=args.workers)
        made += report.made
        print(
            f"{report.module:32s} {report.made:4d} mutants  {time.perf_counter() - start:6.1f} s"
            f"  score {'n/a' if report.score is None else f'{100 * report.score:.1f}%'}"
        )
    wall = time.perf_counter() - wall0
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    print(
        f"all modules: {made} mutants in {wall:.1f} s wall, {cpu:.1f} s CPU "
        f"({os.cpu_count()} cores; {cpu / wall:.2f} cores busy); "
        f"{wall / GOAL_S:.2f} x the {GOAL_S:.0f} s goal"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

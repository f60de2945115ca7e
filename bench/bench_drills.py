"""How long a refresher drill takes to make and check (goal: at most 300 ms warm).

Run:  .venv/bin/python bench/bench_drills.py [--runs 5]

For every drill template, on the built course data: cold (the first drill of a template: its
params query, the reference and the learner's query run for the first time) and warm (a new
instance drawn and checked, wrong then right, once the template's params are cached; median of
``--runs``). Prints figures and ratios only; the schedule is written to a throwaway workspace.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["COURSE_WORKSPACE"] = tempfile.mkdtemp(prefix="bench-drills-")

    from course import config
    from course.drills import drill

    if not all(config.database_path(n).exists() for n in config.DATABASES):
        print("The course data is not built: run `course data` first.")
        return 0
    print(
        f"bench_drills: a drill made and checked, wrong then right (goal warm <= {GOAL_MS:.0f} ms)"
    )
    print(f"{'template':28} {'cold ms':>8} {'warm ms':>8}  instances")
    warm_all = []
    for tid, template in drill.templates().items():
        t0 = time.perf_counter()
        d = drill.make_drill(template, index=0)
        drill.check_drill(d, "SELECT 1 AS x FROM bib LIMIT 1")
        drill.check_drill(d, d.reference)
        cold = (time.perf_counter() - t0) * 1000
        times = []
        n = len(drill.instances(template))
        for run in range(args.runs):
            t0 = time.perf_counter()
            d = drill.make_drill(template, index=(run + 1) * 7919)
            wrong = d.exercise.mistakes[0].sql if d.exercise.mistakes else "SELECT 1"
            drill.check_drill(d, wrong)
            drill.check_drill(d, d.reference)
            times.append((time.perf_counter() - t0) * 1000)
        warm = statistics.median(times)
        warm_all.append(warm)
        print(f"{tid:28} {cold:8.1f} {warm:8.1f}  {n}")
    worst = max(warm_all)
    print(
        f"warm: median {statistics.median(warm_all):.1f} ms, worst {worst:.1f} ms; "
        f"worst / goal = {worst / GOAL_MS:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

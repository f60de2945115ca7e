"""How long a learner waits for a model check's sentence (goal: at most 300 ms warm).

Run:  .venv/bin/python bench/bench_modeling.py [--runs 50]

Times module 04's model exercises (``course/exercises/04-data-modeling.yml``) in this process:
the first check of each exercise (cold), then the median of repeated checks (warm) for a right
model, a wrong one caught at each stage of the comparison, a listed mistake and unreadable text,
and the diagram shown in the answer cell.  Model checks need no database.  Prints figures only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_MS = 300.0


def _cases():
    from course.check.bank import find_exercise

    serials = find_exercise("q4_1").reference
    bridge = find_exercise("q4_4")
    return [
        ("4.1 right model", "q4_1", serials, False),
        ("4.1 right model, hidden", "q4_1", serials, True),
        (
            "4.1 line end wrong",
            "q4_1",
            serials.replace("issue ||--o{ claim", "issue ||--o| claim"),
            False,
        ),
        ("4.1 unreadable line", "q4_1", "erDiagram\n  subscription ||--o{ issue\n", False),
        ("4.2 listed mistake", "q4_2", find_exercise("q4_2").mistakes[0].model, False),
        (
            "4.4 second design (alt. key)",
            "q4_4",
            bridge.reference.replace("PK, FK", "FK").replace(
                "record_heading {", "record_heading {\n        int record_heading_id PK"
            ),
            False,
        ),
        ("4.5 alternative design", "q4_5", find_exercise("q4_5").alternatives[0], False),
    ]


def _time(fn, runs: int) -> tuple[float, float]:
    start = time.perf_counter()
    fn()
    cold = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return cold, statistics.median(times)


def main() -> int:
    # progress is recorded as in a learner's kernel, but not into anyone's real workspace
    os.environ.setdefault("COURSE_WORKSPACE", tempfile.mkdtemp(prefix="bench-modeling-"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    start = time.perf_counter()
    from course import check
    from course.widgets import diagram

    print(f"import course.check + widgets: {(time.perf_counter() - start) * 1000:.0f} ms")
    print(f"{'case':34} {'cold ms':>8} {'warm ms':>8}  outcome")
    worst = 0.0
    for name, qid, answer, hidden in _cases():
        start = time.perf_counter()
        result = check.evaluate(answer, qid, hidden=hidden)
        cold = (time.perf_counter() - start) * 1000
        _, warm = _time(lambda a=answer, q=qid, h=hidden: check.evaluate(a, q, hidden=h), args.runs)
        worst = max(worst, warm)
        outcome = "pass" if result.passed else f"fail ({result.tag})"
        print(f"{name:34} {cold:8.2f} {warm:8.2f}  {outcome}")
    serials = _cases()[0][2]

    def shown():
        with contextlib.redirect_stdout(io.StringIO()):
            diagram(serials)._repr_mimebundle_()

    cold, warm = _time(shown, args.runs)
    print(f"{'diagram of the 4.1 model':34} {cold:8.2f} {warm:8.2f}")
    print(f"worst warm check: {worst:.2f} ms (goal <= {GOAL_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

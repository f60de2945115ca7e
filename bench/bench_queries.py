"""How long every reference query of the exercise banks takes on the course data (goal <= 1 s).

Runs each query exercise's reference on the built learner database (read-only), a few times,
and prints the median and slowest run per exercise, and the slowest overall.  It prints
figures; it never fails on them.  The data directory follows ``COURSE_DATA_DIR`` as everywhere.

    .venv/bin/python bench/bench_queries.py [--runs 3] [module ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb
import yaml

from course import config

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 1.0


def time_query(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    start = time.perf_counter()
    con.execute(sql).fetchall()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("module", nargs="*", help="modules to time (default: all course banks)")
    args = parser.parse_args(argv)
    database = config.database_path("library")
    if not database.exists():
        print(f"No course data at {database}: run `course data` first.")
        return 1
    banks = sorted((ROOT / "course" / "exercises").glob("[0-9][0-9]-*.yml"))
    if args.module:
        banks = [b for b in banks if any(m in b.stem for m in args.module)]
    con = duckdb.connect(str(database), read_only=True)
    print(f"{database}\n{'exercise':28} {'median s':>9} {'max s':>7}  goal <= {GOAL_SECONDS:g} s")
    slowest = (0.0, "")
    for bank in banks:
        data = yaml.safe_load(bank.read_text(encoding="utf-8"))
        if "demo" in data:
            print(f"{bank.stem[:2]} (runs on its own demo tables, not the course data)")
            continue
        for qid, ex in data["exercises"].items():
            if ex["kind"] not in ("query", "value"):
                continue  # a DDL script or a model, checked by behaviour, not a SELECT
            try:
                times = [time_query(con, ex["reference"]) for _ in range(args.runs)]
            except duckdb.Error as exc:
                print(f"{bank.stem[:2]} {qid:24} does not run: {str(exc).splitlines()[0]}")
                continue
            median = statistics.median(times)
            verdict = "ok" if median <= GOAL_SECONDS else "OVER GOAL"
            print(f"{bank.stem[:2]} {qid:24} {median:9.3f} {max(times):7.3f}  {verdict}")
            slowest = max(slowest, (median, f"{bank.stem} {qid}"))
    print(
        f"slowest median: {slowest[0]:.3f} s ({slowest[1]}), ratio {slowest[0] / GOAL_SECONDS:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

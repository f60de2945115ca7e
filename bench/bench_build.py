"""Benchmark the whole course-data build from the cached LoC file, against the goals.

    .venv/bin/python bench/bench_build.py            # build into a throwaway data folder
    .venv/bin/python bench/bench_build.py --in-place # rebuild the real data folder

Goals: the whole build <= 60 s on a 2-core machine, and library.duckdb <= 300 MB.  Also times a
few typical course queries on the built learner database.  Prints figures and ratios; asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_SECONDS = 60.0
GOAL_BYTES = 300e6

QUERIES = {
    "titles by LC class": "SELECT lc_class_letters, count(*) FROM bib GROUP BY ALL ORDER BY 2 DESC",
    "loans per title (join)": """
        SELECT b.title, count(*) AS loans FROM loan l JOIN item i USING (item_id)
        JOIN bib b ON b.bib_id = i.bib_id GROUP BY ALL ORDER BY loans DESC LIMIT 10""",
    "never-loaned items (anti join)": """
        SELECT count(*) FROM item i LEFT JOIN loan l USING (item_id) WHERE l.loan_id IS NULL""",
    "subject tree (recursive)": """
        WITH RECURSIVE walk AS (
            SELECT subject_id, heading, 0 AS level FROM subject WHERE parent_id IS NULL
            UNION ALL
            SELECT s.subject_id, s.heading, w.level + 1 FROM subject s
            JOIN walk w ON s.parent_id = w.subject_id)
        SELECT level, count(*) FROM walk GROUP BY level ORDER BY level""",
    "MARC as data (650 $a)": """
        SELECT s.value, count(*) FROM marc_field f JOIN marc_subfield s USING (record_id, field_seq)
        WHERE f.tag = '650' AND s.code = 'a' GROUP BY ALL ORDER BY 2 DESC LIMIT 10""",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="rebuild the real data folder")
    args = parser.parse_args()

    from course import config

    cached = config.data_dir() / "cache" / "BooksAll.2016.part01.utf8"
    if not cached.exists():
        print("The LoC file is not cached yet: run `course data` once, then this benchmark.")
        return 1
    temp = None
    if not args.in_place:
        temp = tempfile.TemporaryDirectory(prefix="bench-build-", dir=config.data_dir())
        os.environ["COURSE_DATA_DIR"] = temp.name
    try:
        return _run(cached if temp else None)
    finally:
        if temp is not None:
            temp.cleanup()


def _run(marc_file) -> int:
    import duckdb

    from course import config
    from course.data.build import build

    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    report = build(marc_file=marc_file, force=True, progress=False)
    seconds = time.perf_counter() - began
    print(report.summary())
    print(
        f"cores: {os.cpu_count()}; 1-min load average before {load_before:.1f}, "
        f"after {os.getloadavg()[0]:.1f} (other work on the machine slows the build)"
    )
    for step, took in report.steps.items():
        print(f"  {step:32s} {took:6.2f} s")
    size = config.database_path("library").stat().st_size
    shadow = config.database_path("shadow").stat().st_size
    print(
        f"whole build: {seconds:.1f} s (goal <= {GOAL_SECONDS:.0f} s), "
        f"ratio {seconds / GOAL_SECONDS:.2f}"
    )
    print(
        f"library.duckdb: {size / 1e6:.0f} MB (goal <= {GOAL_BYTES / 1e6:.0f} MB), "
        f"ratio {size / GOAL_BYTES:.2f}; shadow.duckdb: {shadow / 1e6:.0f} MB"
    )
    for name, info in report.databases.items():
        biggest = sorted(info["tables"].items(), key=lambda kv: -kv[1])[:6]
        print(f"  {name}: " + ", ".join(f"{t} {n:,}" for t, n in biggest))
    con = duckdb.connect(str(config.database_path("library")), read_only=True)
    try:
        for label, sql in QUERIES.items():
            con.execute(sql).fetchall()  # warm
            t = time.perf_counter()
            con.execute(sql).fetchall()
            print(f"  query {label:32s} {1000 * (time.perf_counter() - t):7.1f} ms")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: module 09's whole batch-load pipeline on the 250,000-record LoC file.

    .venv/bin/python bench/bench_batch_load.py [--records N] [--in-memory] [--repeat N]

In one run: pymarc merely reads the cached file (``for record in MARCReader(...)``), then
``course.loads.pipeline.run`` stages it with the course's MARC loader, validates it (required
fields, ISBN check digits, encoding level, duplicate 001s), matches it against the course catalog
(LCCN, OCLC number, ISBN, scored with a threshold) and overlays or adds every record in one
transaction, into a DuckDB file on disk as the learner's scratch database is (``--in-memory``:
in memory).  Prints the time of each step, the counts per outcome, the pipeline's total next to
pymarc's reading time, and their ratio.  The goal is 30 s or less for the whole file on 2 cores.
It prints; it never asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from pymarc import MARCReader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course import config  # noqa: E402
from course.data.marc.obtain import ensure_marc_file  # noqa: E402
from course.loads import pipeline  # noqa: E402

GOAL_SECONDS = 30.0


def time_pymarc(path: Path, limit: int | None) -> tuple[float, int]:
    began = time.perf_counter()
    count = 0
    with open(path, "rb") as fh:
        for _record in MARCReader(fh, to_unicode=True, force_utf8=False, permissive=True):
            count += 1
            if limit is not None and count >= limit:
                break
    return time.perf_counter() - began, count


def _source(path: Path, limit: int | None, tmp: Path) -> Path:
    """The file to load: the whole file, or its first ``limit`` records (cut on 0x1D)."""
    if limit is None:
        return path
    data = path.read_bytes()
    end = 0
    for _ in range(limit):
        nxt = data.find(b"\x1d", end)
        if nxt < 0:
            break
        end = nxt + 1
    part = tmp / "part.mrc"
    part.write_bytes(data[:end])
    return part


def time_pipeline(path: Path, limit: int | None, in_memory: bool):
    with tempfile.TemporaryDirectory() as tmp:
        source = _source(path, limit, Path(tmp))
        con = duckdb.connect(":memory:" if in_memory else str(Path(tmp) / "scratch.duckdb"))
        try:
            pipeline.use_catalog(con, config.database_path("library"))
            began = time.perf_counter()
            stats = pipeline.run(source, con, "big", progress=False)
            return time.perf_counter() - began, stats
        finally:
            con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=None, help="only the first N records")
    parser.add_argument("--in-memory", action="store_true", help="load into memory, not a file")
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each side N times and compare the best"
    )
    args = parser.parse_args(argv)
    if not config.database_path("library").exists():
        print("The course data is not built: run `course data` first.")
        return 1

    path = ensure_marc_file(progress=True)
    print(
        f"file: {path.name} ({path.stat().st_size / 1e6:,.1f} MB); records: {args.records or 'all'}"
    )

    runs = [time_pipeline(path, args.records, args.in_memory) for _ in range(args.repeat)]
    t_pipe, stats = min(runs, key=lambda run: run[0])
    where = "in memory" if args.in_memory else "DuckDB file on disk"
    for t, st in runs:
        print(
            f"pipeline ({where}): {t:7.2f} s  {st.records:>9,} records  "
            f"{st.records / t:>9,.0f} records/s"
        )
    for step, seconds in stats.seconds.items():
        print(f"  {step:<15} {seconds:7.2f} s")
    print(f"  {stats.summary()}")

    reads = [time_pymarc(path, args.records) for _ in range(args.repeat)]
    t_pymarc, n_pymarc = min(reads)
    for t, n in reads:
        print(
            f"pymarc MARCReader, reading only: {t:7.2f} s  {n:>9,} records  "
            f"{n / t:>9,.0f} records/s"
        )

    best = " (best of each)" if args.repeat > 1 else ""
    goal = (
        f"goal <= {GOAL_SECONDS:.0f} s for the whole file"
        if args.records is None
        else "part of the file"
    )
    print(f"pipeline {t_pipe:.1f} s ({goal}); pymarc reading {t_pymarc:.1f} s")
    print(f"ratio pipeline/pymarc-read = {t_pipe / t_pymarc:.2f}{best}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

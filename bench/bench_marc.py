"""Benchmark: loading the LoC MARC file into DuckDB, against pymarc merely reading it.

    .venv/bin/python bench/bench_marc.py [--records N] [--on-disk] [--repeat N]

In one run: pymarc iterates the cached file (``for record in MARCReader(...)``, nothing else),
then ``course.data.marc.load.load_marc`` parses, decodes and inserts the same records into a fresh
DuckDB (in memory, or a temporary file with ``--on-disk``), primary keys included.  Prints both
times, records per second and the ratio.  The goal is a ratio of 0.25 or less.  On a shared
machine, ``--repeat 3`` compares the best of three runs of each.  It prints; it never asserts.
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

from course.data.marc.load import load_marc  # noqa: E402
from course.data.marc.obtain import ensure_marc_file  # noqa: E402

GOAL = 0.25


def time_pymarc(path: Path, limit: int | None) -> tuple[float, int]:
    began = time.perf_counter()
    count = 0
    with open(path, "rb") as fh:
        for _record in MARCReader(fh, to_unicode=True, force_utf8=False, permissive=True):
            count += 1
            if limit is not None and count >= limit:
                break
    return time.perf_counter() - began, count


def time_loader(path: Path, limit: int | None, on_disk: bool):
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb") if on_disk else ":memory:")
        try:
            began = time.perf_counter()
            stats = load_marc(path, con, records=slice(0, limit), progress=False)
            return time.perf_counter() - began, stats
        finally:
            con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=None, help="only the first N records")
    parser.add_argument("--on-disk", action="store_true", help="load into a temporary file")
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each side N times and compare the best"
    )
    args = parser.parse_args(argv)

    path = ensure_marc_file(progress=True)
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path.name} ({size_mb:,.1f} MB); records: {args.records or 'all'}")

    runs = [time_pymarc(path, args.records) for _ in range(args.repeat)]
    t_pymarc, n_pymarc = min(runs)
    for t, n in runs:
        print(f"pymarc MARCReader iterate : {t:7.2f} s  {n:>9,} records  {n / t:>9,.0f} records/s")

    where = "temp file" if args.on_disk else "in memory"
    loads = [time_loader(path, args.records, args.on_disk) for _ in range(args.repeat)]
    t_load, stats = min(loads, key=lambda run: run[0])
    for t, st in loads:
        print(
            f"load_marc into DuckDB ({where}): {t:7.2f} s  {st.loaded:>9,} records  "
            f"{st.loaded / t:>9,.0f} records/s"
        )
    print(
        f"  fields {stats.fields:,}  subfields {stats.subfields:,}  rejected {stats.rejected:,}  "
        f"slow path {stats.slow:,}"
    )
    best = " (best of each)" if args.repeat > 1 else ""
    print(f"ratio loader/pymarc = {t_load / t_pymarc:.2f} (goal <= {GOAL}){best}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

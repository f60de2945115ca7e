"""How long each solution notebook takes to run top to bottom (issue goal: <= 20 s median).

Runs every source notebook (solutions included) in a fresh kernel with nbclient, a few times, and
prints the median and the slowest run per module.  It prints figures; it never fails on them.

    .venv/bin/python bench/bench_notebooks.py [--runs 3] [module ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 20.0


def run_once(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("module", nargs="*")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "source").glob("*/*.ipynb"))
    if args.module:
        notebooks = [nb for nb in notebooks if any(m in nb.parent.name for m in args.module)]
    print(f"{'module':38} {'median s':>9} {'max s':>7}  goal <= {GOAL_SECONDS:g} s")
    for path in notebooks:
        times = [run_once(path) for _ in range(args.runs)]
        median = statistics.median(times)
        verdict = "ok" if median <= GOAL_SECONDS else "OVER GOAL"
        print(
            f"{path.parent.name:38} {median:9.2f} {max(times):7.2f}  "
            f"ratio {median / GOAL_SECONDS:.2f} {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

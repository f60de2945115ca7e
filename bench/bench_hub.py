"""Load check of the cohort hub (issue 17): N simulated learners on one JupyterHub.

No browsers: each simulated learner is a real Unix account whose server the hub starts
(deploy/jupyterhub/jupyterhub_config.py, LocalProcessSpawner), with one kernel driven through
the hub's REST API and websocket, like JupyterLab drives it. All N learners run module 01's
checks at the same time on the shared read-only course data: the setup cell, then for each of
the ten exercises the answer cell (the reference solution) and the check cell, timed from the
request to the kernel's reply. Loopback only; N = 1, 5, 10; accounts removed at the end.

Prints, for each N: the time the N servers took to start, p50/p95 check latency, checks per
second, and memory per learner (PSS of the learner's server and kernel: shared pages split
fairly); then what that means for a server: learners per core and per GB.
Needs root (it makes accounts) and the shared environment (`course hub env`, made on first use
at TSDL_HUB_TEST_ENV, default /opt/tsdl-hub-test/env, like the hub test).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

from course import config

ASSIGNMENT = "01-querying-the-catalog"
SIZES = (1, 5, 10)
#: A learner working through a module runs a check every minute or two; in a burst (everyone
#: running the same exercise after a pause point) about one every 30 s. Capacity is counted
#: for the burst.
CHECKS_PER_LEARNER_PER_MINUTE = 2
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


def _cells() -> tuple[str, list[tuple[str, str, str]]]:
    """The setup cell, and (exercise, answer, visible check) for each exercise of module 01."""
    nb = nbformat.read(config.repo_root() / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    setup, answers, checks = "", {}, {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid == "m01_setup":
            setup = cell.source
        elif gid.endswith("_answer"):
            answers[gid.removesuffix("_answer")] = _MARKER.sub("", cell.source)
        elif gid.endswith("_check"):
            checks[gid.removesuffix("_check")] = _HIDDEN.sub("", cell.source)
    return setup, [(q, answers[q], checks[q]) for q in checks if q in answers]


def _pss_mb(user: str) -> float:
    total = 0
    for proc in psutil.process_iter(["username"]):
        if proc.info["username"] == user:
            try:
                total += proc.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
    return total / 2**20


def _learner(hub, name, setup, exercises, results, answers, ends, errors, barrier):
    from course.hub import HubKernel

    try:
        kernel = HubKernel(hub, name)
        try:
            run = kernel.run(setup)
            assert run.status == "ok", run
            barrier.wait()  # everyone checks at the same time
            for _qid, answer, check in exercises:
                run = kernel.run(answer)
                assert run.status == "ok", (name, run)
                answers.append(run.seconds)
                run = kernel.run(check)
                assert run.status == "ok" and "✓" in run.stdout, (name, run)
                results.append(run.seconds)
            ends.append(time.perf_counter())
        finally:
            kernel.close()
    except BaseException as exc:  # reported by the main thread
        errors.append(f"{name}: {exc!r}")
        barrier.abort()


def _round(hub, names, setup, exercises) -> dict:
    start = time.perf_counter()
    threads = [threading.Thread(target=hub.start_server, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    started = time.perf_counter() - start
    results, answers, ends, errors, released = [], [], [], [], []
    barrier = threading.Barrier(len(names), action=lambda: released.append(time.perf_counter()))
    shared = (results, answers, ends, errors, barrier)
    threads = [
        threading.Thread(target=_learner, args=(hub, n, setup, exercises, *shared)) for n in names
    ]
    for t in threads:
        t.start()
    # memory: each learner's highest PSS while the round runs, sampled every second or so
    peak = {}
    while any(t.is_alive() for t in threads):
        for n in names:
            peak[n] = max(peak.get(n, 0.0), _pss_mb(n))
        time.sleep(1)
    if errors:
        raise SystemExit("bench_hub: " + "; ".join(errors))
    for n in names:
        hub.api(f"/hub/api/users/{n}/server", "DELETE")
    wall = max(ends) - released[0]  # from the moment everyone began to the last one's end
    qs = statistics.quantiles(results, n=20)
    return {
        "n": len(names),
        "start_s": started,
        "p50": statistics.median(results),
        "p95": qs[18],
        "answer_p50": statistics.median(answers),
        "answer_p95": statistics.quantiles(answers, n=20)[18],
        # exercises (answer cell and check cell) a second
        "checks_per_s": len(results) / wall,
        "mem_mb": statistics.mean(peak.values()),
    }


def main() -> int:
    if os.geteuid() != 0 or not shutil.which("useradd"):
        print("bench_hub: needs root (it makes Unix accounts for the simulated learners); skipped.")
        return 0
    data = config.data_dir()
    if not (data / "library.duckdb").exists():
        print(f"bench_hub: the course data is not built in {data}; skipped.")
        return 0
    from course.hub import TrialHub, install_proxy, shared_environment, trial_accounts

    env = Path(os.environ.get("TSDL_HUB_TEST_ENV", "/opt/tsdl-hub-test/env"))
    print(shared_environment(env).summary())
    setup, exercises = _cells()
    base = Path(tempfile.mkdtemp(prefix="tsdl-hub-bench-", dir="/tmp"))
    base.chmod(0o755)
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    suffix = secrets.token_hex(2)
    names = [f"tsdlb{i:02d}-{suffix}" for i in range(max(SIZES))]
    rows = []
    try:
        with trial_accounts(names, base / "home"):
            with TrialHub(
                env=env,
                learners=names,
                instructors=[],
                data_dir=data,
                exchange=exchange,
                state=base / "hub",
                proxy=install_proxy(),
            ) as hub:
                for n in SIZES:
                    rows.append(_round(hub, names[:n], setup, exercises))
                    print(
                        f"N={n:>2}: servers up in {rows[-1]['start_s']:5.1f} s; check latency "
                        f"p50 {rows[-1]['p50']:.2f} s, p95 {rows[-1]['p95']:.2f} s; "
                        f"answer cell p50 {rows[-1]['answer_p50']:.2f} s, "
                        f"p95 {rows[-1]['answer_p95']:.2f} s; "
                        f"{rows[-1]['checks_per_s']:.1f} exercises/s; "
                        f"{rows[-1]['mem_mb']:.0f} MB per learner",
                        flush=True,
                    )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    cores = os.cpu_count() or 1
    top = max(rows, key=lambda r: r["checks_per_s"])
    per_minute = top["checks_per_s"] * 60
    learners_cpu = per_minute / CHECKS_PER_LEARNER_PER_MINUTE
    mem = max(r["mem_mb"] for r in rows)
    print(
        f"On {cores} cores: at most {top['checks_per_s']:.1f} exercises (answer and check) "
        f"a second ({per_minute:.0f} a minute) with {top['n']} learners; at "
        f"{CHECKS_PER_LEARNER_PER_MINUTE} exercises a minute each (a burst) that is "
        f"{learners_cpu:.0f} learners, {learners_cpu / cores:.0f} learners per core; "
        f"memory {mem:.0f} MB per learner ({1024 / mem:.1f} learners per GB)."
    )
    first = rows[0]
    for r in rows[1:]:
        print(
            f"N={r['n']:>2} against N=1: p50 x{r['p50'] / first['p50']:.2f}, "
            f"p95 x{r['p95'] / first['p50']:.2f} (p95 over p50 at N=1)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

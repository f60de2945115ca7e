"""Run every mutant of every query check through the real checks, visible then hidden.

A mutant **survives** when the exercise's visible check (course database) passes it and so does
its hidden check (shadow database; an exercise whose notebook has no hidden check needs only the
visible one).  Mutants that do not run (DuckDB cannot read or execute them) are not counted; one
that runs past the time limit fails the check like any other answer, so it counts as killed.

Every survivor must be either killed by witness rows in the shadow data (``course/data/witness.py``,
whose :attr:`Witness.mutants` name the mutants they are there for) or listed in the bank under the
exercise's ``equivalent_mutants`` (``{mutant: <ident>, why: <one line a reviewer can verify>}``).
A listing that names no mutant, or one the checks kill, is reported too: a reason that is no longer
true must not stay in the bank.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from course import config
from course.check import api, database, demo
from course.check.bank import bank_paths, load_bank
from course.grading.mutants.operators import Mutant, MutationError, Schema, make_mutants

__all__ = [
    "Outcome",
    "ExerciseReport",
    "ModuleReport",
    "run_module",
    "run_modules",
    "module_banks",
    "hidden_checked",
]

#: Seconds a mutant may run before the check stops it (it then counts as killed).
MUTANT_TIMEOUT = 10.0
_NOT_RUN = {"parse", "sql", "readonly", "statement", "empty", "answer"}


@dataclass(frozen=True)
class Outcome:
    """What the checks did with one mutant."""

    qid: str
    mutant: Mutant
    verdict: str  # killed_visible, killed_hidden, timeout, survived, not_run
    witness: str = ""  # the witness that names it (killed by the hidden check)
    why: str = ""  # the bank's reason, for a listed equivalent

    @property
    def counted(self) -> bool:
        return self.verdict != "not_run"

    @property
    def killed(self) -> bool:
        return self.verdict in ("killed_visible", "killed_hidden", "timeout")


@dataclass
class ExerciseReport:
    qid: str
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ModuleReport:
    """The mutation figures of one module's bank."""

    module: str
    exercises: list[ExerciseReport] = field(default_factory=list)

    def _all(self) -> list[Outcome]:
        return [o for ex in self.exercises for o in ex.outcomes if o.counted]

    @property
    def made(self) -> int:
        return len(self._all())

    @property
    def killed(self) -> int:
        return sum(o.killed for o in self._all())

    @property
    def witnessed(self) -> int:
        return sum(1 for o in self._all() if o.verdict == "killed_hidden" and o.witness)

    @property
    def equivalent(self) -> int:
        return sum(1 for o in self._all() if o.verdict == "survived" and o.why)

    @property
    def unlisted(self) -> list[Outcome]:
        return [o for o in self._all() if o.verdict == "survived" and not o.why]

    @property
    def problems(self) -> list[str]:
        out = [f"{ex.qid}: {p}" for ex in self.exercises for p in ex.problems]
        out += [
            f"{o.qid}: mutant {o.mutant.ident!r} survives both checks: add witness rows to the "
            "shadow data that tell it apart, or list it under equivalent_mutants with a reason"
            for o in self.unlisted
        ]
        return out

    @property
    def score(self) -> float | None:
        denominator = self.made - self.equivalent
        return self.killed / denominator if denominator else None

    def summary(self) -> str:
        score = "n/a" if self.score is None else f"{100 * self.score:.1f}%"
        return (
            f"{self.module}: {self.made} mutants, {self.killed} killed "
            f"({self.witnessed} by witness rows), {self.equivalent} listed equivalent, "
            f"{len(self.unlisted)} unlisted survivor(s); mutation score {score}"
        )


def module_banks(modules: list[str] | None = None) -> list[Path]:
    """The course banks to mutate: all, or those whose name starts with one of ``modules``."""
    paths = bank_paths()
    if not modules:
        return paths
    chosen = [p for p in paths if any(p.stem.startswith(m.rstrip("/")) for m in modules)]
    unknown = [m for m in modules if not any(p.stem.startswith(m.rstrip("/")) for p in paths)]
    if unknown:
        raise ValueError(
            f"There is no module {unknown[0]!r}: use a folder name such as 01 or "
            "01-querying-the-catalog."
        )
    return chosen


def hidden_checked(module: str, root: Path | None = None) -> Callable[[str], bool]:
    """Whether a module's source notebook runs a hidden check for an exercise (True for all
    when the module has no source folder, as for a test's own bank)."""
    folder = Path(root or config.repo_root()) / "source" / module
    if not folder.is_dir():
        return lambda qid: True
    text = ""
    for path in sorted(folder.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        text += "\n".join("".join(c.get("source", "")) for c in cells if c["cell_type"] == "code")
    found = set(re.findall(r"check\.hidden\([^)]*?[\"'](q\d+_\d+[a-z]?)[\"']", text))
    return lambda qid: qid in found


def _listings(bank: Path) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(bank.read_text(encoding="utf-8")) or {}
    out: dict[str, dict[str, str]] = {}
    for qid, entry in (data.get("exercises") or {}).items():
        listed: dict[str, str] = {}
        for item in (entry or {}).get("equivalent_mutants") or []:
            names = item["mutant"] if isinstance(item["mutant"], list) else [item["mutant"]]
            listed.update({str(name): str(item["why"]) for name in names})
        out[str(qid)] = listed
    return out


def _witness_names() -> dict[tuple[str, str], str]:
    from course.data import witness

    return {
        (qid, ident): w.name for w in witness.WITNESSES for qid, ident in getattr(w, "mutants", ())
    }


def read_schema(db: str = "library") -> Schema:
    """The keys and NOT NULL columns the course database declares (the same in both)."""
    con, _ = database.connection(db)
    cur = con.cursor()
    try:
        keys: dict = {}
        for table, columns in cur.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE database_name = 'library' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
        ).fetchall():
            keys.setdefault(table.lower(), []).append(tuple(c.lower() for c in columns))
        not_null: dict = {}
        for table, column in cur.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = 'library' AND NOT is_nullable"
        ).fetchall():
            not_null.setdefault(table.lower(), set()).add(column.lower())
        foreign: dict = {}
        for table, columns, target, targets in cur.execute(
            "SELECT table_name, constraint_column_names, referenced_table, "
            "referenced_column_names FROM duckdb_constraints() "
            "WHERE database_name = 'library' AND constraint_type = 'FOREIGN KEY'"
        ).fetchall():
            if len(columns) == 1 and len(targets) == 1:
                foreign[(table.lower(), columns[0].lower())] = (target.lower(), targets[0].lower())
    finally:
        cur.close()
    return Schema(keys=keys, not_null=not_null, foreign=foreign)


def _rows_of(sql: str) -> int | None:
    """How many rows a query gives on the course database, counted inside DuckDB (every
    column computed, so a query that fails on some row fails here too); None if it fails."""
    con, _ = database.connection("library")
    cur = con.cursor()
    try:
        cur.execute("USE library")
        database.execute_limited(
            cur, f"SELECT count(*), max(hash(_m)) FROM ({sql}) AS _m", MUTANT_TIMEOUT
        )
        return cur.fetchone()[0]
    except Exception:  # noqa: BLE001 - the check itself will say what is wrong
        return None
    finally:
        cur.close()


def _judge(bank: Path, qid: str, mutant: Mutant, hidden: bool, want_rows: int) -> str:
    # A result with another number of rows fails the visible check at its row-count step
    # (course.check.results.compare): counting in DuckDB saves fetching millions of rows.
    rows = _rows_of(mutant.sql)
    if rows is not None and rows != want_rows:
        return "killed_visible"
    visible = api.evaluate(mutant.sql, qid, module=bank)
    if not visible.passed:
        if visible.stage == "runs" and visible.tag in _NOT_RUN:
            return "not_run"
        return "timeout" if visible.tag == "timeout" else "killed_visible"
    if not hidden:
        return "survived"
    second = api.evaluate(mutant.sql, qid, module=bank, hidden=True)
    if second.passed:
        return "survived"
    if second.stage == "runs" and second.tag in _NOT_RUN:
        return "not_run"
    return "timeout" if second.tag == "timeout" else "killed_hidden"


def _baseline_problem(bank: Path, qid: str, baseline: str, hidden: bool) -> str | None:
    for on_shadow in (False, True) if hidden else (False,):
        result = api.evaluate(baseline, qid, module=bank, hidden=on_shadow)
        if not result.passed:
            return (
                "the reference as sqlglot prints it does not pass its own check, so its mutants "
                f"would mean nothing: {result.line()}"
            )
    return None


def run_module(
    bank: Path,
    *,
    workers: int = 2,
    hidden: Callable[[str], bool] | None = None,
    log: Callable[[str], None] | None = None,
) -> ModuleReport:
    """Make and judge the mutants of every query and value exercise of one bank."""
    exercises = load_bank(bank)
    module = next(iter(exercises.values())).module if exercises else bank.stem
    hidden = hidden or hidden_checked(module)
    listings = _listings(bank)
    witnesses = _witness_names()
    report = ModuleReport(module)
    has_demo = "demo" in (yaml.safe_load(bank.read_text(encoding="utf-8")) or {})
    old_timeout = os.environ.get("COURSE_CHECK_TIMEOUT")
    os.environ["COURSE_CHECK_TIMEOUT"] = str(MUTANT_TIMEOUT)
    if has_demo:
        demo.use_demo(bank)
    try:
        schema = read_schema()
        jobs = []
        for qid, ex in exercises.items():
            if ex.kind not in ("query", "value"):
                continue
            entry = ExerciseReport(qid)
            report.exercises.append(entry)
            try:
                baseline, mutants = make_mutants(
                    ex.reference,
                    skip_top_order=not ex.spec.ordered,
                    graded_order=ex.order_by,
                    schema=schema,
                )
            except MutationError as exc:
                if ex.kind == "query":
                    entry.problems.append(f"no mutants: {exc}")
                continue
            problem = _baseline_problem(bank, qid, baseline, hidden(qid))
            if problem:
                entry.problems.append(problem)
                continue
            want = (
                1 if ex.kind == "value" else database.cached_select(ex.reference, "library").nrows
            )
            jobs += [(entry, qid, m, hidden(qid), want) for m in mutants]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            verdicts = list(pool.map(lambda job: _judge(bank, *job[1:]), jobs))
        for (entry, qid, mutant, _h, _w), verdict in zip(jobs, verdicts, strict=True):
            why = listings.get(qid, {}).get(mutant.ident, "")
            witness = witnesses.get((qid, mutant.ident), "")
            entry.outcomes.append(Outcome(qid, mutant, verdict, witness=witness, why=why))
        for entry in report.exercises:
            _check_listings(entry, listings.get(entry.qid, {}), witnesses)
    finally:
        if has_demo:
            demo.use_demo(None)
        if old_timeout is None:
            os.environ.pop("COURSE_CHECK_TIMEOUT", None)
        else:
            os.environ["COURSE_CHECK_TIMEOUT"] = old_timeout
    if log:
        log(report.summary())
    return report


def _check_listings(entry: ExerciseReport, listed: dict, witnesses: dict) -> None:
    if entry.problems and not entry.outcomes:
        return
    by_ident = {o.mutant.ident: o for o in entry.outcomes}
    for ident in listed:
        outcome = by_ident.get(ident)
        if outcome is None:
            entry.problems.append(
                f"equivalent_mutants lists {ident!r}, which is no longer a mutant of the "
                "reference: remove it"
            )
        elif outcome.killed:
            entry.problems.append(
                f"equivalent_mutants lists {ident!r}, but the checks kill it: remove the listing"
            )
    for (qid, ident), name in witnesses.items():
        if qid == entry.qid and ident not in by_ident:
            entry.problems.append(
                f"witness {name} names mutant {ident!r}, which is no longer a mutant of the "
                "reference"
            )


def run_modules(modules: list[str] | None = None, *, workers: int = 2, log=print):
    """Mutation-test the named modules (default: all); one :class:`ModuleReport` each."""
    return [run_module(bank, workers=workers, log=log) for bank in module_banks(modules)]

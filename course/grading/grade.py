"""``course grade``: autograde a cohort with nbgrader, in parallel, and name every outcome.

nbgrader autogrades one submission after another, and its gradebook is one SQLite file that it
opens, writes and commits from the process that grades (concurrent writers get "database is
locked"; upstream nbgrader#174 asks for parallel autograding since 2015). So the work is split in
two:

* **In parallel** (one worker process per core, each started once and reused): every submission
  is autograded by nbgrader's own ``Autograde`` converter in a *throwaway course root* of its own
  -- a copy of ``nbgrader_config.py``, of ``source/<assignment>``, of the gradebook (so the
  assignment, its notebooks and cells carry the same ids) and of the one submission. Kernels,
  ports and gradebooks never meet.
* **One at a time** (in this process): each autograded notebook is copied into ``autograded/``
  and its grades are written into the real gradebook by nbgrader's own ``SaveAutoGrades`` and
  ``AssignLatePenalties`` preprocessors -- the very steps ``nbgrader autograde`` ends with, so
  the gradebook holds what a serial ``nbgrader autograde`` would have written.

Before a kernel starts, each submission is read as a file (is it there, is it JSON, is it a
notebook, were test cells changed or removed, does code reach into ``course.check``), and after
it ran, its outputs are read (did the kernel die and in which cell, did a cell time out, did a
check's watch report a skipped check). Every submission ends in exactly one named outcome (see
:data:`OUTCOMES`); a crash, a timeout or an unreadable file is never written down as a zero.

The outcomes go to ``grades/<assignment>/outcomes.csv`` and each check's result (score, the
one sentence, the listed mistake it names) to ``grades/<assignment>/checks.csv``; every grading
also appends to ``grades/<assignment>/history.csv``, from which ``course report`` tells who got
an exercise right the first time they were graded. ``grades/`` is ignored by git.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "OUTCOMES",
    "FINE",
    "Outcome",
    "GradeRun",
    "grade",
    "grades_dir",
    "inspect_submission",
    "mistake_tag",
]

#: Every outcome a submission can have, in the order the table lists them.
OUTCOMES = (
    "graded",
    "blank",
    "tampered",
    "timed out",
    "kernel died",
    "malformed JSON",
    "not a notebook",
    "missing",
    "grader error",
)
#: Outcomes that need nothing from the instructor (the exit status is 0 only with these).
FINE = frozenset({"graded", "blank"})
#: Outcomes whose grades are written into the gradebook (the others keep nothing there).
_RECORDED = frozenset({"graded", "blank", "tampered"})

#: Code that reaches into the checks' internals, rebinds them, or rewrites cells before they run.
_INTERNALS = re.compile(
    r"(\bcourse\s*\.\s*check\s*\.\s*[A-Za-z_]\w*"
    r"|\bfrom\s+course\s*\.\s*check\b"
    r"|\bimport\s+course\s*\.\s*check\s*\."
    r"|\bsys\s*\.\s*modules\b"
    r"|__code__|__globals__|__dict__|__builtins__"
    r"|\bbuiltins\s*\.\s*\w+\s*="
    r"|\bcheck\s*\.\s*\w+\s*=(?!=)"
    r"|\bcourse\s*\.\s*check\s*=(?!=)"
    r"|\b(input_transformers\w*|ast_transformers)\b"
    r"|\.events\s*\.\s*(register|unregister)\b)"
)
_CHECK_WATCH = "The checks in this cell did not run as written"
_TIMEOUT_ENAMES = ("CellTimeoutError", "TimeoutError")


@dataclass
class Outcome:
    """What happened to one learner's submission."""

    student: str
    outcome: str
    score: float | None = None
    max_score: float | None = None
    cell: str = ""
    detail: str = ""
    seconds: float = 0.0
    checks: list = field(default_factory=list)  # one dict per test cell (see _cell_results)

    def score_text(self) -> str:
        if self.score is None or self.outcome not in _RECORDED:
            return "—"
        return f"{self.score:g}/{self.max_score:g}"


@dataclass
class GradeRun:
    """The outcome of every submission, and where the tables were written."""

    assignment: str
    outcomes: list
    csv_path: Path
    checks_path: Path
    expected_notes: dict
    other_messages: list
    seconds: float
    workers: int
    feedback: list = field(default_factory=list)
    feedback_failed: bool = False

    @property
    def ok(self) -> bool:
        return not self.feedback_failed and all(o.outcome in FINE for o in self.outcomes)

    def counts(self) -> dict:
        out = {}
        for o in self.outcomes:
            out[o.outcome] = out.get(o.outcome, 0) + 1
        return {k: out[k] for k in OUTCOMES if k in out}

    def table(self) -> str:
        rows = [("learner", "outcome", "score", "cell", "detail")]
        for o in self.outcomes:
            rows.append((o.student, o.outcome, o.score_text(), o.cell, o.detail))
        widths = [min(max(len(r[i]) for r in rows), 40) for i in range(4)]
        lines = []
        for r in rows:
            head = "  ".join(r[i].ljust(widths[i]) for i in range(4))
            lines.append(f"{head}  {r[4]}".rstrip())
        lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 6)
        return "\n".join(lines)

    def summary(self) -> str:
        parts = [self.table(), ""]
        counts = ", ".join(f"{n} {k}" for k, n in self.counts().items())
        parts.append(
            f"{len(self.outcomes)} submission(s) of {self.assignment} in {self.seconds:.1f} s "
            f"with {self.workers} worker(s): {counts}."
        )
        notes = self.expected_notes
        if notes.get("restored"):
            parts.append(
                f"Not shown (expected): nbgrader's \"Attribute 'checksum' … has changed!\" for "
                f"{notes['restored']} test cell(s), because autograding puts back each check "
                "cell's hidden tests."
            )
        if notes.get("sawarnings"):
            parts.append(
                f"Not shown (expected): {notes['sawarnings']} SQLAlchemy SAWarning(s) from "
                "nbgrader's gradebook code (harmless)."
            )
        if notes.get("kernel"):
            parts.append(
                f"Not shown (expected): {notes['kernel']} kernel start-up notice(s) "
                '("Kernel is running over TCP without encryption": kernels on this computer).'
            )
        if self.other_messages:
            parts.append("Other messages from nbgrader (worth reading):")
            parts.extend(f"  {who}: {text}" for who, text in self.other_messages)
        for line in self.feedback:
            parts.append(line)
        parts.append(
            f"Table written to {self.csv_path}; each check's result to {self.checks_path}."
        )
        if not self.ok:
            parts.append(
                "Some submissions need you: see the outcome column. Nothing was written into the "
                "gradebook for a submission that timed out, crashed or could not be read."
            )
        return "\n".join(parts)


# -- paths and configuration -----------------------------------------------------------------


def grades_dir(root: Path, assignment: str) -> Path:
    """Where ``course grade`` and ``course report`` write (``grades/`` is ignored by git)."""
    return Path(root) / "grades" / assignment


def course_root(root: Path | None = None) -> Path:
    """The course folder: ``root``; else this folder when it has an nbgrader_config.py (where
    nbgrader itself would run); else the repository."""
    from course import config

    if root is not None:
        return Path(root).resolve()
    here = Path.cwd()
    if (here / "nbgrader_config.py").exists():
        return here.resolve()
    return config.repo_root().resolve()


def _coursedir(root: Path):
    from nbgrader.coursedir import CourseDirectory

    from course.grading.nbapi import load_config

    return CourseDirectory(config=load_config(root))


def _course_id(root: Path) -> str:
    from course.grading.nbapi import load_config

    cfg = load_config(root)
    return str(cfg.CourseDirectory.get("course_id", "") or "course")


# -- reading a submission as a file ----------------------------------------------------------


@dataclass
class Inspection:
    outcome: str | None  # set when the file settles the outcome (missing, not a notebook, ...)
    detail: str = ""
    cell: str = ""
    tamper: list = field(default_factory=list)
    blank: bool = False


def _reference_cells(release_nb) -> dict:
    out = {}
    for cell in release_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id"):
            out[meta["grade_id"]] = cell
    return out


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def inspect_submission(folder: Path, release_folder: Path) -> Inspection:
    """Read a submission folder as files: whether it can be graded, is blank, or was tampered."""
    import nbformat
    from nbgrader.utils import compute_checksum

    names = sorted(p.name for p in release_folder.glob("*.ipynb"))
    if not folder.is_dir():
        return Inspection("missing", "no submission was collected")
    present = sorted(
        p.name for p in folder.iterdir() if p.is_file() and p.name not in ("timestamp.txt",)
    )
    tamper: list[str] = []
    blank = True
    for name in names:
        path = folder / name
        if not path.exists():
            if present:
                found = ", ".join(present[:3])
                return Inspection(
                    "not a notebook", f"{name} is not there; the folder holds {found}", name
                )
            return Inspection("missing", f"the submission folder has no {name}", name)
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Inspection("not a notebook", f"{name} is not text (a binary file?)", name)
        if not text.lstrip().startswith("{"):
            first = text.strip().splitlines()[:1]
            what = repr(first[0][:40]) if first else "nothing"
            return Inspection("not a notebook", f"{name} starts with {what}, not a notebook", name)
        try:
            data = json.loads(text)
        except ValueError as exc:
            return Inspection(
                "malformed JSON",
                f"{name}: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                name,
            )
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            return Inspection("not a notebook", f"{name} is JSON but has no notebook cells", name)
        try:
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # nbformat's ValidationError, or a very old notebook
            sentence = str(exc).strip().splitlines()[0][:120]
            return Inspection("not a notebook", f"{name} is not a valid notebook: {sentence}", name)
        release = nbformat.read(release_folder / name, as_version=4)
        tamper += _tampering(nb, release, name, compute_checksum)
        blank = blank and _unanswered(nb, release)
    return Inspection(None, tamper=tamper, blank=blank)


def _tampering(nb, release, name: str, compute_checksum) -> list[str]:
    ref = _reference_cells(release)
    seen = {}
    found = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid:
            seen[gid] = cell
        if cell.cell_type == "code" and not (gid in ref and meta.get("locked")):
            hit = _INTERNALS.search(cell.source)
            if hit:
                where = gid or f"cell {index + 1}"
                start = cell.source.rfind("\n", 0, hit.start()) + 1
                end = cell.source.find("\n", hit.end())
                line = cell.source[start : end if end >= 0 else None].strip()[:70]
                found.append(f"{where} reaches into the checks: {line}")
    for gid, want in ref.items():
        wmeta = want.metadata["nbgrader"]
        if not (wmeta.get("grade") or wmeta.get("locked")) or wmeta.get("solution"):
            continue
        have = seen.get(gid)
        kind = "test cell" if wmeta.get("grade") else "read-only cell"
        if have is None:
            found.append(f"{kind} {gid} was removed")
            continue
        hmeta = have.metadata.get("nbgrader", {})
        if _norm(have.source) != _norm(want.source):
            found.append(f"{kind} {gid} was changed")
        elif any(hmeta.get(k) != wmeta.get(k) for k in ("grade", "locked", "points", "solution")):
            found.append(f"{kind} {gid} had its grading settings changed")
        elif hmeta.get("checksum") and hmeta.get("checksum") != compute_checksum(have):
            found.append(f"{kind} {gid} does not match its checksum")
    return found


def _unanswered(nb, release) -> bool:
    ref = {
        gid: c
        for gid, c in _reference_cells(release).items()
        if c.metadata["nbgrader"].get("solution")
    }
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in ref and _norm(cell.source) != _norm(ref[gid].source):
            return False
    return True


# -- one submission in a worker ---------------------------------------------------------------

_CURRENT: dict = {}


class CellTimedOut(Exception):
    """A cell ran past the time limit: the rest of the notebook is not run."""


def _has_timeout(cell) -> bool:
    return any(
        o.get("output_type") == "error" and o.get("ename") in _TIMEOUT_ENAMES
        for o in cell.get("outputs", []) or []
    )


def _watched_execute():
    """nbgrader's Execute preprocessor, noting the cell it runs (to name where a kernel died)."""
    from nbgrader.preprocessors import Execute

    class WatchedExecute(Execute):
        def preprocess_cell(self, cell, resources, index):
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            first = (cell.source.strip().splitlines() or [""])[0][:50]
            _CURRENT["cell"] = gid or f"cell {index + 1} ({first})"
            try:
                cell, resources = super().preprocess_cell(cell, resources, index)
            except Exception as exc:  # e.g. no idle message after an ignored interrupt
                name = type(exc).__name__
                if _has_timeout(cell) or "Timeout" in name or "timed out" in str(exc).lower():
                    _CURRENT["timed_out"] = _CURRENT["cell"]
                    raise CellTimedOut(_CURRENT["cell"]) from exc
                raise
            if _has_timeout(cell):
                # nbgrader 0.9.6 goes on after an interrupt, and a cell that ignores it makes
                # every later cell wait out the limit too: stop here (the outcome is `timed out`)
                _CURRENT["timed_out"] = _CURRENT["cell"]
                raise CellTimedOut(_CURRENT["cell"])
            return cell, resources

    return WatchedExecute


@contextlib.contextmanager
def _fd_stderr(path: Path):
    """Send this process's file descriptor 2 (where kernels started from here write their own
    notices) to ``path`` while the block runs; yields the path."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "wb") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield path
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _worker_init() -> None:
    from course.grading.nbapi import _tools_on_path

    _tools_on_path()
    os.environ.setdefault("COURSE_PROGRESS", "off")
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def _autograde_one(job: dict) -> dict:
    """Autograde one submission in a throwaway course root (runs in a worker process)."""
    started = time.perf_counter()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import Execute

    from course.grading.nbapi import load_config

    root, tmp = Path(job["root"]), Path(job["tmp"])
    aid, sid = job["assignment"], job["student"]
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copy2(root / "nbgrader_config.py", tmp / "nbgrader_config.py")
    for extra in ("autotests.yml",):
        if (root / extra).exists():
            shutil.copy2(root / extra, tmp / extra)
    shutil.copytree(Path(job["source"]), tmp / "source" / aid)
    shutil.copy2(job["template_db"], tmp / "gradebook.db")
    shutil.copytree(Path(job["submitted"]), tmp / "submitted" / sid / aid)

    cfg = load_config(tmp)
    if job.get("timeout"):
        cfg.Execute.timeout = int(job["timeout"])
        cfg.ExecutePreprocessor.timeout = int(job["timeout"])
    from nbgrader.converters import Autograde

    steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
    cfg.Autograde.autograde_preprocessors = [
        _watched_execute() if step is Execute else step for step in steps
    ]
    _CURRENT.clear()
    stderr = io.StringIO()
    with (
        _fd_stderr(tmp / "stderr.txt") as kernel_stderr,
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stderr(stderr),
    ):
        warnings.simplefilter("always")
        result = NbGraderAPI(config=cfg).autograde(aid, sid, force=True, create=True)
    out_dir = tmp / "autograded" / sid / aid
    return {
        "student": sid,
        "success": bool(result.get("success")) and out_dir.is_dir(),
        "error": result.get("error") or "",
        "log": result.get("log") or "",
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
        "stderr": stderr.getvalue() + kernel_stderr.read_text(encoding="utf-8", errors="replace"),
        "cell": _CURRENT.get("cell", ""),
        "timed_out": _CURRENT.get("timed_out", ""),
        "autograded": str(out_dir),
        "seconds": time.perf_counter() - started,
    }


# -- reading the autograded notebook ----------------------------------------------------------


def _text_of(outputs, name: str) -> str:
    return "".join(
        o.get("text", "")
        for o in outputs
        if o.get("output_type") == "stream" and o.get("name") == name
    )


def _cell_results(nb) -> list[dict]:
    """Per test cell: grade id, score, the one sentence it printed or raised."""
    from nbgrader.utils import determine_grade

    out = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or cell.cell_type != "code":
            continue
        score, max_score = determine_grade(cell)
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        stdout, stderr = _text_of(outputs, "stdout"), _text_of(outputs, "stderr")
        sentence, ename = "", ""
        if errors:
            ename = errors[0].get("ename", "")
            sentence = (errors[0].get("evalue") or ename).strip().splitlines()[0] if ename else ""
            if ename == "CheckFailed":
                sentence = (errors[0].get("evalue") or "").strip()
        elif stdout.strip():
            sentence = stdout.strip().splitlines()[-1]
        out.append(
            {
                "grade_id": meta["grade_id"],
                "qid": re.sub(r"_check$", "", meta["grade_id"]),
                "index": index,
                "score": float(score or 0),
                "max_score": float(max_score or 0),
                "ename": ename,
                "sentence": sentence,
                "hidden": "(hidden check)"
                in "".join("".join(e.get("traceback", [])) for e in errors),
                "watch": _CHECK_WATCH in stderr,
            }
        )
    return out


def _timed_out_cell(nb) -> str:
    for index, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []) or []:
            if o.get("output_type") == "error" and o.get("ename") in _TIMEOUT_ENAMES:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                first = (cell.source.strip().splitlines() or [""])[0][:50]
                return gid or f"cell {index + 1} ({first})"
    return ""


# -- the noise nbgrader makes ------------------------------------------------------------------

_RECORD = re.compile(r"^\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ?", re.MULTILINE)
_CHECKSUM = re.compile(r"Attribute 'checksum' for cell (\S+) has changed!")
_EXPECTED_LOG = (
    re.compile(r"Overwriting files with master versions"),
    re.compile(r"^Missing grade cell \S+ encountered, adding to notebook"),
    re.compile(r"^Removing failed (assignment|notebook)"),
    re.compile(r"^There was an error processing assignment"),
    re.compile(r"^Please see the( the)? above traceback"),
    re.compile(r"^Timeout waiting for execute reply"),
    re.compile(r"^Interrupting kernel"),
    re.compile(r"^Kernel died while waiting for execute reply"),
    re.compile(r"^Traceback \(most recent call last\)", re.MULTILINE),
    re.compile(r"^\S+ submitted at "),
)


def _log_records(log: str) -> list[tuple[str, str]]:
    starts = list(_RECORD.finditer(log))
    out = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(log)
        out.append((m.group(1), log[m.end() : end].strip()))
    return out


def _sort_noise(
    res: dict, test_cells: set, changed: set, notes: dict, others: list, restored: bool
) -> None:
    for level, text in _log_records(res["log"]):
        if level in ("DEBUG", "INFO"):
            continue
        m = _CHECKSUM.search(text)
        if m and m.group(1) in test_cells and m.group(1) not in changed:
            notes["restored"] = notes.get("restored", 0) + 1
            continue
        if any(p.search(text) for p in _EXPECTED_LOG):
            continue
        others.append((res["student"], text.splitlines()[0][:200]))
    for w in res["warnings"]:
        if w.startswith("SAWarning"):
            notes["sawarnings"] = notes.get("sawarnings", 0) + 1
        elif restored and w.startswith("MissingIDFieldWarning"):
            continue  # nbgrader puts a removed cell back without an id (the outcome says so)
        elif not w.startswith(("DeprecationWarning", "PendingDeprecationWarning")):
            others.append((res["student"], w.splitlines()[0][:200]))
    for line in res["stderr"].splitlines():
        if "SAWarning" in line:
            notes["sawarnings"] = notes.get("sawarnings", 0) + 1
        elif "Kernel is running over TCP without encryption" in line:
            notes["kernel"] = notes.get("kernel", 0) + 1
        elif line.strip() and not line.startswith(" ") and "warnings.warn" not in line:
            others.append((res["student"], line.strip()[:200]))


# -- the mistake a sentence names --------------------------------------------------------------

_MESSAGE_CACHE: dict = {}


def _message_patterns(qid: str) -> list:
    if qid in _MESSAGE_CACHE:
        return _MESSAGE_CACHE[qid]
    from course.check.bank import BankError, find_exercise

    try:
        ex = find_exercise(qid)
    except BankError:
        _MESSAGE_CACHE[qid] = []
        return []
    pats = []
    for m in ex.mistakes:
        pieces = re.split(r"\{[A-Za-z_][A-Za-z0-9_]*\}", m.message)
        regex = "(?:.+?)".join(re.escape(p) for p in pieces)
        pats.append((m.tag, re.compile(regex, re.DOTALL)))
    _MESSAGE_CACHE[qid] = pats
    return pats


def mistake_tag(qid: str, sentence: str) -> str:
    """The tag of the listed mistake whose message ``sentence`` is (``""`` when none is).

    A check prints a listed mistake's message with its placeholders ({rows}, ...) filled in; the
    message is matched whole, placeholders standing for any text, so a generic sentence never
    counts as a listed mistake.
    """
    sentence = sentence.strip()
    if not sentence:
        return ""
    for tag, pat in _message_patterns(qid):
        if pat.fullmatch(sentence):
            return tag
    return ""


# -- the parent: collect, grade, merge, write ---------------------------------------------------


def _students(root: Path, assignment: str, coursedir) -> list[str]:
    from nbgrader.api import Gradebook

    found = set()
    with contextlib.suppress(Exception), Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        found |= {s.id for s in gb.students}
    submitted = root / coursedir.submitted_directory
    if submitted.is_dir():
        found |= {p.name for p in submitted.iterdir() if p.is_dir()}
    return sorted(found)


def _has_assignment(coursedir, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            gb.find_assignment(assignment)
            return True
    except MissingEntry:
        return False


def _collect(root: Path, assignment: str) -> str:
    """Collect submissions when an exchange is configured and has this course's inbound folder."""
    from course.grading.nbapi import _api

    api = _api(root)
    exchange = getattr(api.config, "Exchange", {}).get("root", "")
    if not exchange:
        return ""
    inbound = Path(exchange) / api.course_id / "inbound"
    if not inbound.is_dir():
        return ""
    result = api.collect(assignment, update=True)
    if result and not result.get("success"):
        text = (result.get("error") or result.get("log") or "").strip().splitlines()[-1:]
        raise GradeProblem(f"Collecting from the exchange failed: {' '.join(text)}")
    return f"Collected new submissions from the exchange ({exchange})."


def _snapshot(db_path: Path, dest: Path) -> None:
    """A consistent copy of the gradebook (SQLite's backup API, not a file copy)."""
    src = sqlite3.connect(str(db_path))
    try:
        dst = sqlite3.connect(str(dest))
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()


def _merge(root: Path, coursedir, cfg, assignment: str, student: str, res: dict) -> tuple:
    """Copy an autograded submission home and record its grades in the real gradebook."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = _record(root, coursedir, cfg, assignment, student, res)
    for w in caught:
        res["warnings"].append(f"{w.category.__name__}: {w.message}")
    return scores


def _record(root: Path, coursedir, cfg, assignment: str, student: str, res: dict) -> tuple:
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    dest = root / coursedir.autograded_directory / student / assignment
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(res["autograded"], dest)
    submitted = root / coursedir.submitted_directory / student / assignment
    stamp = coursedir.get_existing_timestamp(str(submitted))
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        if stamp:
            gb.update_or_create_submission(assignment, student, timestamp=stamp)
        else:
            gb.update_or_create_submission(assignment, student)
    for path in sorted(dest.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        resources = {
            "nbgrader": {
                "notebook": path.stem,
                "assignment": assignment,
                "student": student,
                "db_url": coursedir.db_url,
            }
        }
        nb, resources = SaveAutoGrades(config=cfg).preprocess(nb, resources)
        AssignLatePenalties(config=cfg).preprocess(nb, resources)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        sub = gb.find_submission(assignment, student)
        return float(sub.score), float(sub.max_score)


def _max_score(coursedir, assignment: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        return float(gb.find_assignment(assignment).max_score)


def _sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    if folder.is_dir():
        for p in sorted(folder.glob("*.ipynb")):
            digest.update(p.name.encode())
            digest.update(p.read_bytes())
    return digest.hexdigest()[:16]


def _decide(ins: Inspection, res: dict, nb_checks: list, timed_out: str) -> tuple[str, str, str]:
    """(outcome, cell, detail) for a submission that reached a kernel."""
    if not res["success"] and res.get("timed_out"):
        cell = res["timed_out"]
        return (
            "timed out",
            cell,
            "this cell ran past the per-cell time limit; grading stopped there",
        )
    if not res["success"]:
        text = res["error"] + res["log"]
        if "UnresponsiveKernelError" in text or "became unresponsive" in text:
            return "timed out", res["cell"], "the kernel did not answer after being interrupted"
        if "DeadKernelError" in text or "Kernel died" in text:
            return "kernel died", res["cell"], "the kernel stopped while this cell ran"
        lines = [ln for ln in res["error"].strip().splitlines() if ln.strip()]
        return "grader error", res["cell"], (lines[-1] if lines else "nbgrader failed")[:160]
    if timed_out:
        return "timed out", timed_out, "this cell ran past the per-cell time limit"
    watch = [c["grade_id"] for c in nb_checks if c["watch"]]
    reasons = list(ins.tamper) + [f"{g}: its check was skipped or silenced" for g in watch]
    if reasons:
        return "tampered", "", "; ".join(reasons)
    if ins.blank:
        return "blank", "", "no answer cell was changed"
    return "graded", "", ""


def grade(
    assignment: str,
    *,
    root: Path | None = None,
    workers: int | None = None,
    feedback: bool = False,
    timeout: int | None = None,
    progress: bool = True,
) -> GradeRun:
    """Collect (when an exchange is configured), autograde every submission in parallel, merge
    into the gradebook, write the tables; optionally generate and release feedback."""
    import nbformat
    from tqdm import tqdm

    from course.grading.nbapi import _tools_on_path, generate_release, load_config

    started = time.perf_counter()
    root = course_root(root)
    _tools_on_path()
    if not (root / "source" / assignment).is_dir():
        raise GradeProblem(
            f"There is no assignment {assignment!r} in {root / 'source'}: check its name."
        )
    messages = []
    collected = _collect(root, assignment)
    if collected:
        messages.append(collected)
    coursedir = _coursedir(root)
    cfg = load_config(root)
    if not (root / "gradebook.db").exists() or not _has_assignment(coursedir, assignment):
        error = generate_release(root, assignment)  # registers the assignment in the gradebook
        if error:
            raise GradeProblem(f"Could not register {assignment} in the gradebook: {error}")
    release = root / coursedir.release_directory / assignment
    if not release.is_dir():
        error = generate_release(root, assignment)
        if error:
            raise GradeProblem(f"Could not generate release/{assignment}: {error}")
    max_score = _max_score(coursedir, assignment)
    test_cells = set()
    for path in release.glob("*.ipynb"):
        for gid, cell in _reference_cells(nbformat.read(path, as_version=4)).items():
            if cell.metadata["nbgrader"].get("grade") and not cell.metadata["nbgrader"].get(
                "solution"
            ):
                test_cells.add(gid)

    students = _students(root, assignment, coursedir)
    outcomes: dict[str, Outcome] = {}
    inspections: dict[str, Inspection] = {}
    jobs = []
    work = Path(tempfile.mkdtemp(prefix="course-grade-"))
    try:
        template = work / "template.db"
        _snapshot(root / "gradebook.db", template)
        for sid in students:
            folder = root / coursedir.submitted_directory / sid / assignment
            ins = inspect_submission(folder, release)
            inspections[sid] = ins
            if ins.outcome:
                outcomes[sid] = Outcome(sid, ins.outcome, cell=ins.cell, detail=ins.detail)
                continue
            jobs.append(
                {
                    "root": str(root),
                    "tmp": str(work / f"s-{len(jobs)}"),
                    "assignment": assignment,
                    "student": sid,
                    "source": str(root / coursedir.source_directory / assignment),
                    "submitted": str(folder),
                    "template_db": str(template),
                    "timeout": timeout,
                }
            )
        n_workers = max(1, min(workers or os.cpu_count() or 1, max(1, len(jobs))))
        notes: dict = {}
        others: list = []
        tqdm.monitor_interval = 0  # no monitor thread in a process that forks its workers
        bar = tqdm(
            total=len(jobs), desc=f"Grading {assignment}", unit="notebook", disable=not progress
        )
        for res in _run(jobs, n_workers):
            sid = res["student"]
            ins = inspections[sid]
            checks, timed_out = [], ""
            if res["success"]:
                for path in sorted(Path(res["autograded"]).glob("*.ipynb")):
                    nb = nbformat.read(path, as_version=4)
                    checks += _cell_results(nb)
                    timed_out = timed_out or _timed_out_cell(nb)
            outcome, cell, detail = _decide(ins, res, checks, timed_out)
            item = Outcome(sid, outcome, cell=cell, detail=detail, seconds=res["seconds"])
            item.checks = checks
            if outcome in _RECORDED:
                item.score, item.max_score = _merge(root, coursedir, cfg, assignment, sid, res)
            else:
                item.max_score = max_score
            outcomes[sid] = item
            changed = {t.split()[2] for t in ins.tamper if " was changed" in t}
            restored = any(" was removed" in t for t in ins.tamper)
            _sort_noise(res, test_cells, changed, notes, others, restored)
            bar.update(1)
        bar.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ordered = [outcomes[s] for s in students]
    _note_earlier_grades(coursedir, assignment, ordered)
    out_dir = grades_dir(root, assignment)
    csv_path, checks_path = _write_tables(root, out_dir, assignment, ordered, coursedir)
    run = GradeRun(
        assignment=assignment,
        outcomes=ordered,
        csv_path=csv_path,
        checks_path=checks_path,
        expected_notes=notes,
        other_messages=others,
        seconds=time.perf_counter() - started,
        workers=n_workers,
        feedback=messages,
    )
    if feedback:
        try:
            run.feedback.extend(_feedback(root, assignment))
        except GradeProblem as exc:  # the grades stand; say what went wrong with the feedback
            run.feedback.append(f"✗ {exc}")
            run.feedback_failed = True
    return run


def _note_earlier_grades(coursedir, assignment: str, outcomes: list) -> None:
    """A submission that could not be graded this time keeps whatever an earlier grading put in
    the gradebook (nbgrader export shows that): say so in its detail."""
    from nbgrader.api import Gradebook, MissingEntry

    pending = [o for o in outcomes if o.outcome not in _RECORDED]
    if not pending:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            for o in pending:
                try:
                    sub = gb.find_submission(assignment, o.student)
                except MissingEntry:
                    continue
                note = (
                    f"the gradebook still holds an earlier grading ({sub.score:g}/"
                    f"{sub.max_score:g})"
                )
                o.detail = f"{o.detail}; {note}" if o.detail else note


def _pool_context():
    """Workers forked from this process on Linux (nbgrader is imported already, and no kernel,
    event loop or ZeroMQ context exists here yet); started afresh elsewhere (macOS and Windows,
    where forking a process with these libraries loaded is not safe)."""
    if sys.platform.startswith("linux") and os.environ.get("COURSE_GRADE_START") != "spawn":
        import nbgrader.apps  # noqa: F401  (loaded once, shared by the forked workers)

        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _run(jobs: list, n_workers: int):
    """Yield each job's result as it finishes (worker processes, or this one for a single job)."""
    if not jobs:
        return
    if n_workers == 1:
        # In this process: what a worker sets for itself is undone afterwards, or a caller (a
        # notebook, a test run) would keep progress recording off and the warnings filter.
        saved = {k: os.environ.get(k) for k in ("COURSE_PROGRESS", "PATH")}
        with warnings.catch_warnings():
            _worker_init()
            try:
                for job in jobs:
                    yield _autograde_one(job)
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
        return
    with _pool_context().Pool(n_workers, initializer=_worker_init) as pool:
        yield from pool.imap_unordered(_autograde_one, jobs)


def _write_tables(root, out_dir: Path, assignment: str, outcomes: list, coursedir):
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now().isoformat(timespec="seconds")
    csv_path = out_dir / "outcomes.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["learner", "assignment", "outcome", "score", "max_score", "cell", "detail"])
        for o in outcomes:
            recorded = o.outcome in _RECORDED and o.score is not None
            w.writerow(
                [
                    o.student,
                    assignment,
                    o.outcome,
                    f"{o.score:g}" if recorded else "",
                    f"{o.max_score:g}" if o.max_score is not None else "",
                    o.cell,
                    o.detail,
                ]
            )
    fields = ["learner", "assignment", "outcome", "qid", "grade_id", "score", "max_score"]
    fields += ["passed", "mistake", "sentence"]
    checks_path = out_dir / "checks.csv"
    history_path = out_dir / "history.csv"
    new_history = not history_path.exists()
    with (
        open(checks_path, "w", newline="", encoding="utf-8") as handle,
        open(history_path, "a", newline="", encoding="utf-8") as hist,
    ):
        w = csv.writer(handle)
        h = csv.writer(hist)
        w.writerow(fields)
        if new_history:
            h.writerow(["graded_at", "submission", *fields])
        for o in outcomes:
            if o.outcome not in _RECORDED:
                continue
            digest = _sha256(root / coursedir.submitted_directory / o.student / assignment)
            for c in o.checks:
                passed = c["max_score"] > 0 and c["score"] >= c["max_score"]
                row = [
                    o.student,
                    assignment,
                    o.outcome,
                    c["qid"],
                    c["grade_id"],
                    f"{c['score']:g}",
                    f"{c['max_score']:g}",
                    "yes" if passed else "no",
                    "" if passed else mistake_tag(c["qid"], c["sentence"]),
                    c["sentence"],
                ]
                w.writerow(row)
                h.writerow([now, digest, *row])
    return csv_path, checks_path


def _nbgrader(root: Path, *args: str) -> None:
    """Run an nbgrader command in the course folder, as the instructor guide does (the API's
    ``generate_feedback`` replaces the course's feedback template with nbgrader's own)."""
    import subprocess

    from course.grading.nbapi import _tools_on_path

    _tools_on_path()
    exe = Path(sys.executable).parent / "nbgrader"
    proc = subprocess.run(
        [str(exe), *args], cwd=str(root), capture_output=True, text=True, env=os.environ.copy()
    )
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
        raise GradeProblem(f"nbgrader {args[0]} failed: {' '.join(lines[-2:])[:300]}")


def _feedback(root: Path, assignment: str) -> list[str]:
    """Generate feedback HTML for every autograded submission and release it when an exchange is
    configured."""
    from course.grading.nbapi import _api

    api = _api(root)
    _nbgrader(root, "generate_feedback", assignment, "--force")
    folder = root / api.coursedir.feedback_directory
    count = len(list(folder.glob(f"*/{assignment}/*.html")))
    lines = [f"Feedback generated: {count} page(s) under {folder}."]
    exchange = getattr(api.config, "Exchange", {}).get("root", "")
    if exchange and (Path(exchange) / api.course_id).is_dir():
        _nbgrader(root, "release_feedback", assignment)
        lines.append(f"Feedback released to the exchange ({exchange}); learners fetch it.")
    else:
        lines.append("No exchange is configured, so the feedback was not released.")
    return lines


class GradeProblem(Exception):
    """Something the instructor can fix; the message says what."""


def main_summary(run: GradeRun) -> int:
    print(run.summary())
    return 0 if run.ok else 1


if __name__ == "__main__":  # pragma: no cover - use `course grade`
    sys.exit(main_summary(grade(sys.argv[1])))

"""What a learner build's visible checks compare against, stored at release time.

The course ships in two builds.  In the **full build** (the repository, ``make lab``, the
instructor's grading environment) every check runs the exercise's reference -- SQL, a script, a
function, a design -- on the course data and compares.  In the **learner build** (``course
build-learner``, see ``docs/deployment.md``) the banks hold no reference, no mistake SQL and no
solutions; instead ``course/exercises/expected/<bank>.json`` holds, per exercise, what the visible
check needs to give the same verdict and the same sentence: column names, row counts, digests of
whole columns, rows and orders, and plain values only where today's sentence shows them (a
function's expected output for a case, the names a model sentence says are missing) or where a
tolerance makes a digest unusable (numbers with decimals, rounded as the check compares them).

This module only reads and hashes; ``course.grading.learner`` writes the files.  Each check kind
has a ``fingerprint(ex)`` that computes its entry in the full build and a learner path that reads
it back with :func:`entry`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import blake2b

__all__ = [
    "EXPECTED_DIR",
    "HIDDEN_ELSEWHERE",
    "expected_path",
    "entry",
    "is_learner_build",
    "digest",
    "clear_cache",
]

#: Folder (beside the banks) that holds the stored expected results of a learner build.
EXPECTED_DIR = "expected"
#: Bumped when the stored format changes; a file with another version is refused.
FORMAT = 1
_PERSON = b"tsdl-expected"

#: What a hidden check says in a learner build, which holds no hidden data or reference.
HIDDEN_ELSEWHERE = (
    "Hidden checks run when your instructor grades this notebook; the visible check above is "
    "what you can run here."
)

_CACHE: dict[str, tuple[tuple, dict]] = {}


def expected_path(bank_path) -> Path:
    """Where the stored entries of the bank at ``bank_path`` live."""
    bank_path = Path(bank_path)
    return bank_path.parent / EXPECTED_DIR / f"{bank_path.stem}.json"


def _read(path: Path) -> dict | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    key = str(path)
    stamp = (stat.st_mtime_ns, stat.st_size)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    _CACHE[key] = (stamp, data)
    return data


def bank_entries(bank_path) -> dict | None:
    """All stored entries of one bank (``{qid: entry}``), or None in a full build."""
    if bank_path is None:
        return None
    data = _read(expected_path(bank_path))
    if data is None:
        return None
    if data.get("format") != FORMAT:
        from course.check.bank import BankError

        raise BankError(
            f"the stored results of {Path(bank_path).name} are in another format "
            f"({data.get('format')!r}, this course reads {FORMAT}): rebuild the learner build"
        )
    return data.get("exercises", {})


def entry(ex) -> dict | None:
    """The stored entry of exercise ``ex``, or None when its bank is a full one (with references).

    In a learner build an exercise without an entry is an authoring problem (BankError).
    """
    entries = bank_entries(ex.bank_path)
    if entries is None:
        return None
    if ex.qid not in entries:
        from course.check.bank import BankError

        raise BankError(f"the learner build stores no expected result for {ex.qid}")
    return entries[ex.qid]


def is_learner_build() -> bool:
    """True when the installed course is a learner build (its banks carry stored results)."""
    from course.check.bank import banks_dir

    return (banks_dir() / EXPECTED_DIR).is_dir() or bool(os.environ.get("COURSE_LEARNER_BUILD"))


def digest(obj) -> str:
    """A short stable digest of plain data (cell keys, tuples, lists, text, numbers).

    Tuples and lists hash alike (JSON has only lists), so a value read back from the stored
    file digests as it did when stored.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    return blake2b(text.encode("utf-8"), digest_size=12, person=_PERSON).hexdigest()


def clear_cache() -> None:
    """Forget the stored files read so far (tests that write new ones)."""
    _CACHE.clear()

"""Stored expected results and stripped banks for the learner build (issue 14).

:func:`fingerprint_bank` runs, in the full build, each exercise's ``fingerprint`` (one per check
kind, beside its checks in ``course.check``) on the course data and returns the entries
``course.check.stored`` reads back; :func:`strip_bank` removes from a bank what only the full build
may hold (references, mistake SQL and values, other designs, wrong functions); :func:`stage_bank`
writes both for one bank, so a test can run the learner path in-process (``module=`` the staged
bank) and compare it with the full build, answer by answer.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import yaml

from course.check import stored
from course.check.bank import BankError, load_bank

__all__ = ["fingerprint_bank", "strip_bank", "stage_bank", "SECRET_FIELDS", "SECRET_MISTAKE_FIELDS"]

#: Exercise fields only the full build holds (a kind's module may add more: ``LEARNER_STRIP``).
SECRET_FIELDS = ("reference", "alternatives", "equivalent_mutants")
#: Mistake fields only the full build holds: the wrong answer itself (its tag, message and
#: ``text`` pattern stay: the learner build names mistakes by their stored results).
SECRET_MISTAKE_FIELDS = ("sql", "value", "model", "python")


def _kind_module(kind: str):
    from course.check import (
        model_checks,
        python_checks,
        query_checks,
        state_checks,
    )

    return {
        "query": query_checks,
        "value": query_checks,
        "state": state_checks,
        "model": model_checks,
        "python": python_checks,
    }[kind]


def fingerprint_bank(bank_path, *, kinds=None) -> dict:
    """``{qid: entry}`` for every exercise of the bank, computed on the course (or demo) data.

    ``kinds``: only exercises of these kinds (tests of one kind's learner path); default all."""
    from course import check

    bank_path = Path(bank_path)
    data = yaml.safe_load(bank_path.read_text(encoding="utf-8"))
    if data.get("demo"):
        check.use_demo(bank_path)
    try:
        out = {}
        for qid, ex in load_bank(bank_path).items():
            if kinds is not None and ex.kind not in kinds:
                continue
            module = _kind_module(ex.kind)
            make = getattr(module, "fingerprint", None)
            if make is None:
                raise BankError(f"{ex.kind} exercises cannot be stored yet ({qid})")
            out[qid] = {"kind": ex.kind, **make(ex)}
        return out
    finally:
        if data.get("demo"):
            check.use_demo(None)


#: What a learner build shows instead of a hint that spells out (part of) the reference.
HINT_LEFT_OUT = (
    "This hint spells out the answer, so the graded (learner) build leaves it out: ask your "
    "instructor or your group for a pointer."
)


def _plain(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().rstrip(";").strip().casefold()


def answer_statements(reference: str) -> list[str]:
    """The statements of a reference (whitespace and capitals folded), long enough to be an
    answer rather than a phrase: what no hint of the learner build may hold."""
    parts = re.split(r";\s*(?:\n|$)", reference or "")
    plain = [_plain(re.sub(r"(?i)^\s*begin(\s+transaction)?\s*$", "", p)) for p in parts]
    return [p for p in plain if len(p) >= 20 and p not in ("begin transaction", "commit")]


def _answer_hints(entry: dict) -> list:
    statements = answer_statements(str(entry.get("reference", "")))
    hints = entry.get("hints") or []
    return [HINT_LEFT_OUT if any(s in _plain(str(h)) for s in statements) else h for h in hints]


def strip_bank(data: dict) -> dict:
    """A copy of a bank's YAML data without what only the full build may hold.

    Besides the references and the mistakes' answers, a hint that holds a whole statement of the
    reference (the last hint of some exercises is the answer itself) is replaced by
    :data:`HINT_LEFT_OUT`: in a graded course, copying it would pass the hidden check too."""
    data = copy.deepcopy(data)
    demo = data.get("demo")
    if isinstance(demo, dict):
        demo.pop("shadow", None)  # the hidden checks' copy of a notebook's demo data
    for entry in (data.get("exercises") or {}).values():
        if entry.get("hints"):
            entry["hints"] = _answer_hints(entry)
        extra = getattr(_kind_module(entry.get("kind", "query")), "LEARNER_STRIP", ())
        for name in (*SECRET_FIELDS, *extra):
            entry.pop(name, None)
        for mistake in entry.get("mistakes") or []:
            for name in SECRET_MISTAKE_FIELDS:
                mistake.pop(name, None)
    return data


def stage_bank(bank_path, out_dir, *, kinds=None) -> Path:
    """Write the stripped bank and its stored results into ``out_dir``; return the new bank path.

    ``kinds``: store only exercises of these kinds (the others then have no stored entry)."""
    bank_path = Path(bank_path)
    out_dir = Path(out_dir)
    entries = fingerprint_bank(bank_path, kinds=kinds)
    data = yaml.safe_load(bank_path.read_text(encoding="utf-8"))
    target = out_dir / bank_path.name
    out_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(
        yaml.safe_dump(strip_bank(data), allow_unicode=True, sort_keys=False, width=100),
        encoding="utf-8",
    )
    expected = stored.expected_path(target)
    expected.parent.mkdir(parents=True, exist_ok=True)
    expected.write_text(
        json.dumps(
            {"format": stored.FORMAT, "bank": bank_path.name, "exercises": entries},
            ensure_ascii=False,
            indent=0,
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    stored.clear_cache()
    return target

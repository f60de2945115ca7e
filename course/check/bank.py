"""Exercise banks: YAML data files that say what each exercise expects.

A bank lives in ``course/exercises/<module-folder>.yml`` (``01-querying-the-catalog.yml``, say)
and is described by ``course/exercises/exercise-bank.schema.json``.  Exercise ids carry their module
number (``q1_2`` is in module 01), so checks find the bank from the id alone; ``module=`` picks a
bank by folder name or by path (tests use their own banks this way).

Loading is fast and cached per process; it checks the fields the checks rely on.  The full JSON
Schema check (:func:`validate_bank`) runs in the test suite and in authoring tools, not in the
learner's kernel, because importing ``jsonschema`` alone takes most of a second.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from course.check import stored
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.results import Spec

__all__ = [
    "BankError",
    "Exercise",
    "Mistake",
    "Probe",
    "banks_dir",
    "bank_paths",
    "load_bank",
    "find_exercise",
    "label_for",
    "validate_bank",
    "schema_path",
]

KINDS = ("query", "state", "value", "model", "python")
_QID = re.compile(r"^q(\d+)_(\d+)([a-z]?)$")

try:  # the C loader is ~10x faster
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class BankError(ValueError):
    """An exercise bank is missing, malformed, or has no such exercise (an authoring problem)."""


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer: its result (``sql``) or ``value``, and what to tell the learner."""

    tag: str
    message: str
    sql: str | None = None
    value: object = None
    has_value: bool = False
    #: a regex the answer's SQL must match for this mistake to name an answer with no rows
    text: str | None = None
    model: str | None = None  # model exercises: a wrong erDiagram design
    python: str | None = None  # python exercises: a wrong function's source


@dataclass(frozen=True)
class Probe:
    """A statement run against the learner's table: ``reject`` probes must fail, ``accept`` pass."""

    sql: str
    message: str
    tag: str
    given: str = ""  # statements that must succeed first (a first copy before the duplicate)


@dataclass(frozen=True)
class Exercise:
    """One exercise of a bank, with defaults filled in."""

    qid: str
    module: str
    title: str
    kind: str
    reference: str
    label: str
    spec: Spec = field(default_factory=Spec)
    order_by: tuple = ()
    hints: tuple = ()
    mistakes: tuple = ()
    text_match: str = "casefold"
    # model exercises (course.check.model_checks)
    alternatives: tuple = ()  # other valid designs, erDiagram text
    synonyms: tuple = ()  # ((name, (other names, ...)), ...)
    explain: tuple = ()  # ((element, sentence for its first difference), ...)
    optionality: bool = True  # compare zero-or vs one-or ends too
    foreign_keys: bool = False  # the design's FK attributes must be there, marked FK
    identifiers: tuple = ()  # ((entity, ((attr, ...), ...)), ...): other valid PKs
    # state exercises
    setup: str = ""
    attach: bool = False
    tables: tuple = ()
    types: str = "loose"
    reject: tuple = ()
    accept: tuple = ()
    contents: bool = True
    allow_statements: tuple = ()
    # open designs (course.check.design_checks): graded by behaviour, not by the reference's text
    design: bool = False
    draw: tuple = ()  # ((placeholder, kind), ...): values drawn fresh per check
    same_as: tuple = ()  # ((learner query, expected query, message), ...)
    stored_once: tuple = ()  # ((query listing facts, message), ...)
    hidden: bool = True
    # python exercises (course.check.python_checks): a function called on cases from the data
    function: str = ""
    cases: str = ""
    input: str = "value"
    compare: str = "value"
    bank_path: Path | None = None


def banks_dir() -> Path:
    """The folder of the course's exercise banks (``course/exercises``)."""
    return Path(__file__).resolve().parent.parent / "exercises"


def schema_path() -> Path:
    """The JSON Schema every exercise bank follows."""
    return banks_dir() / "exercise-bank.schema.json"


def bank_paths() -> list[Path]:
    """Every exercise bank of the course, sorted by module."""
    return sorted(banks_dir().glob("[0-9][0-9]-*.yml"))


def label_for(qid: str) -> str:
    """``q1_2`` -> ``Question 1.2``."""
    found = _QID.match(qid)
    if not found:
        return f"Question {qid}"
    return f"Question {int(found.group(1))}.{int(found.group(2))}{found.group(3)}"


_CACHE: dict[str, tuple[tuple, dict]] = {}


def _read(path: Path) -> dict:
    try:
        stat = path.stat()
    except OSError as exc:
        raise BankError(f"There is no exercise bank at {path.name}.") from exc
    key = str(path)
    stamp = (stat.st_mtime_ns, stat.st_size)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_Loader)
    exercises = _parse(data, path)
    _CACHE[key] = (stamp, exercises)
    return exercises


def load_bank(path: str | os.PathLike) -> dict[str, Exercise]:
    """All exercises of one bank file, by id."""
    return dict(_read(Path(path)))


def _need(entry: dict, key: str, qid: str, path: Path):
    if key not in entry:
        raise BankError(f"{path.name}: exercise {qid} has no {key!r}.")
    return entry[key]


def _parse(data, path: Path) -> dict[str, Exercise]:
    if not isinstance(data, dict) or "module" not in data or "exercises" not in data:
        raise BankError(f"{path.name} must have 'module' and 'exercises' at the top.")
    module = str(data["module"])
    stripped = stored.expected_path(path).exists()
    out = {}
    for qid, entry in (data["exercises"] or {}).items():
        qid = str(qid)
        if not isinstance(entry, dict):
            raise BankError(f"{path.name}: exercise {qid} must be a mapping.")
        kind = _need(entry, "kind", qid, path)
        if kind not in KINDS:
            raise BankError(f"{path.name}: exercise {qid} has kind {kind!r}; use one of {KINDS}.")
        spec = Spec(
            names=entry.get("names", "loose"),
            column_order=entry.get("column_order", "any"),
            ordered=bool(entry.get("ordered", False)),
            tolerance=float(entry.get("tolerance", 0) or 0),
        )
        mistakes = tuple(
            Mistake(
                tag=str(m["tag"]),
                message=str(m["message"]),
                sql=m.get("sql"),
                value=m.get("value"),
                has_value="value" in m,
                text=m.get("text"),
                model=m.get("model"),
                python=m.get("python"),
            )
            for m in entry.get("mistakes", []) or []
        )
        out[qid] = Exercise(
            qid=qid,
            module=module,
            title=str(_need(entry, "title", qid, path)),
            kind=kind,
            # a learner build's banks hold no reference: its checks read course.check.stored
            reference=""
            if stripped and "reference" not in entry
            else str(_need(entry, "reference", qid, path)),
            label=str(entry.get("label") or label_for(qid)),
            spec=spec,
            order_by=tuple(entry.get("order_by", []) or []),
            hints=tuple(str(h) for h in entry.get("hints", []) or []),
            mistakes=mistakes,
            text_match=entry.get("text_match", "casefold"),
            alternatives=tuple(str(t) for t in entry.get("alternatives", []) or []),
            synonyms=tuple(
                (str(k), tuple(str(n) for n in v)) for k, v in (entry.get("synonyms") or {}).items()
            ),
            explain=tuple((str(k), str(v)) for k, v in (entry.get("explain") or {}).items()),
            optionality=bool(entry.get("optionality", True)),
            foreign_keys=bool(entry.get("foreign_keys", False)),
            identifiers=tuple(
                (str(k), tuple(tuple(str(a) for a in pk) for pk in v))
                for k, v in (entry.get("identifiers") or {}).items()
            ),
            setup=str(entry.get("setup", "") or ""),
            attach=bool(entry.get("attach", False)),
            tables=tuple(entry.get("tables", []) or []),
            types=entry.get("types", "loose"),
            reject=_probes(entry.get("reject"), "reject"),
            accept=_probes(entry.get("accept"), "accept"),
            contents=bool(entry.get("contents", not entry.get("design", False))),
            allow_statements=tuple(s.upper() for s in entry.get("allow_statements", []) or []),
            design=bool(entry.get("design", False)),
            draw=tuple((str(k), str(v)) for k, v in (entry.get("draw") or {}).items()),
            same_as=tuple(
                (str(c["sql"]), str(c["expected"]), str(c["message"]))
                for c in entry.get("same_as", []) or []
            ),
            stored_once=tuple(
                (str(c["sql"]), str(c["message"])) for c in entry.get("stored_once", []) or []
            ),
            hidden=bool(entry.get("hidden", True)),
            function=str(entry.get("function", "") or ""),
            cases=str(entry.get("cases", "") or ""),
            input=str(entry.get("input", "value")),
            compare=str(entry.get("compare", "value")),
            bank_path=path,
        )
    return out


def _probes(items, default_tag: str) -> tuple:
    return tuple(
        Probe(
            sql=str(p["sql"]),
            message=str(p["message"]),
            tag=str(p.get("tag", default_tag)),
            given=str(p.get("given", "") or ""),
        )
        for p in items or []
    )


def _bank_for(qid: str, module) -> Path:
    if module is not None:
        candidate = Path(module)
        if candidate.suffix in (".yml", ".yaml"):
            return candidate
        return banks_dir() / f"{module}.yml"
    found = _QID.match(qid)
    if found:
        matches = sorted(banks_dir().glob(f"{int(found.group(1)):02d}-*.yml"))
        if len(matches) == 1:
            return matches[0]
    for path in bank_paths():
        if qid in _read(path):
            return path
    raise BankError(f"No exercise bank has an exercise called {qid}.")


def find_exercise(qid: str, module=None) -> Exercise:
    """The exercise ``qid``, from the bank its number points to (or ``module``: name or path)."""
    path = _bank_for(qid, module)
    exercises = _read(path)
    if qid not in exercises:
        raise BankError(f"The exercise bank {path.name} has no exercise called {qid}.")
    return exercises[qid]


def validate_bank(path: str | os.PathLike) -> list[str]:
    """Check a bank file against the JSON Schema; returns the problems (empty when valid)."""
    import jsonschema  # slow to import: only authors and tests call this

    with open(schema_path(), encoding="utf-8") as handle:
        schema = json.load(handle)
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_Loader)
    validator = jsonschema.Draft202012Validator(schema)
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(
            validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
        )
    ]
    if not problems:
        try:
            _parse(data, Path(path))
        except (BankError, KeyError, TypeError, ValueError) as exc:
            problems.append(str(exc))
    return problems

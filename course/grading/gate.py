"""The pipeline gate: every check an assignment must pass before it is released.

``nbgrader validate`` always exits 0, so the gate uses nbgrader's Python API instead.  For each
assignment in ``source/`` it checks that

1. source notebooks carry no outputs, every grade id is unique in the course, and every test
   cell is tagged ``raises-exception`` so that Run All goes on past a failing check, and no
   Markdown would render as maths (bare MARC subfields such as ``245 $a … 260 $b``);
2. regenerating the student version reproduces the committed ``release/`` byte for byte;
3. no solution or hidden-test text leaks into ``release/``;
4. every source notebook passes all its tests (nbgrader's Validator);
5. every release notebook fails every graded test (Validator with ``invert``);
6. autograding the source as a submission scores full marks, the release scores 0;
7. every mutant of every query check's reference is killed by the data or listed as equivalent
   in the bank (``course mutants``: ``course.grading.mutants``).

All work happens in a temporary copy of the course, so the instructor's gradebook and folders are
never touched.  ``course check`` runs it and exits non-zero when anything fails.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course import config
from course.grading import nbapi

__all__ = [
    "Finding",
    "assignment_ids",
    "static_findings",
    "markdown_maths",
    "run_gate",
    "GATE_STEPS",
]

# JupyterLab's Run All stops at the first cell that raises unless the cell carries this tag; a
# learner's failing check must not stop the rest of the notebook (widgets, later exercises).
RUN_ALL_TAG = "raises-exception"
GATE_STEPS = ("static", "release", "leaks", "validate", "autograde", "mutants")
_MARKERS = (
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    "### BEGIN HIDDEN TESTS",
    "### END HIDDEN TESTS",
)
_REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.DOTALL)


@dataclass
class Finding:
    """One thing wrong with one assignment."""

    assignment: str
    step: str
    message: str

    def __str__(self) -> str:
        return f"[{self.assignment}] {self.step}: {self.message}"


@dataclass
class GateReport:
    findings: list[Finding] = field(default_factory=list)
    scores: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings


def assignment_ids(root: Path | None = None) -> list[str]:
    root = Path(root or config.repo_root())
    return sorted(
        p.name for p in (root / "source").iterdir() if p.is_dir() and p.name[:2].isdigit()
    )


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def static_findings(root: Path | None = None) -> list[Finding]:
    """Checks that need no kernel: outputs in source, untagged test cells, duplicate grade ids,
    leaks into release/."""
    root = Path(root or config.repo_root())
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    for aid in assignment_ids(root):
        for path in _notebooks(root / "source" / aid):
            nb = nbformat.read(path, as_version=4)
            for i, cell in enumerate(nb.cells):
                findings += [Finding(aid, "static", m) for m in _cell_problems(path, i, cell, seen)]
            findings += _pause_point_findings(aid, path, nb)
            findings += _leak_findings(root, aid, path, nb)
    return findings


def _pause_point_findings(aid: str, path: Path, nb) -> list[Finding]:
    """Pause points in the agreed form (a Markdown cell tagged ``pause-point`` opening with
    ``### ⏸ Pause point N · title``), two or more per module, numbered in order."""
    from course.widgets.projector import pause_point_problems

    return [Finding(aid, "static", f"{path.name}: {m}") for m in pause_point_problems(nb.cells)]


def _cell_problems(path: Path, index: int, cell, seen: dict[str, str]) -> list[str]:
    """What is wrong with one source cell; records its grade id in ``seen``."""
    problems = []
    meta = cell.get("metadata", {})
    grading = meta.get("nbgrader", {})
    if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
        problems.append(f"{path.name} cell {index} has saved outputs")
    if cell.cell_type == "code" and grading.get("grade"):
        if RUN_ALL_TAG not in meta.get("tags", []):
            problems.append(
                f"test cell {grading.get('grade_id')!r} lacks the {RUN_ALL_TAG!r} tag "
                "(Run All would stop at it)"
            )
    if cell.cell_type == "markdown":
        problems += [
            f"{path.name} cell {index} would show {text!r} as mathematics: put MARC subfields in "
            "code spans (`245 $a`) or write a dollar sign as \\$"
            for text in (t if len(t) <= 60 else t[:59] + "…" for t in markdown_maths(cell.source))
        ]
        problems += [
            f"{path.name} cell {index} shows the backticks of {m.group(0)!r}: a code span inside "
            f"double backticks keeps them; write `{m.group(1)}`"
            for m in _QUOTED_SPAN.finditer(_FENCE.sub("", cell.source))
        ]
    gid = grading.get("grade_id")
    if gid:
        if gid in seen:
            problems.append(f"grade id {gid!r} is used again (first in {seen[gid]})")
        seen[gid] = f"{path.parent.name}/{path.name}"
    return problems


# JupyterLab's removeMath (@jupyterlab/rendermime, latex.ts), ported: the pieces of Markdown it
# hands to MathJax.  `$` inside code spans and fenced code is protected; `\$` is a plain dollar
# sign; `\(`/`\[` with one backslash are Markdown escapes that show as plain brackets, while
# `\\(`/`\\[` start maths; a blank line ends an unclosed `$`.
_MATH_SPLIT = re.compile(
    r"(\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|\\[{}$]|[{}]|(?:\n\s*)+|\\\\(?:\(|\)|\[|\]))",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[^`\n]*\n[\s\S]*?^(?P=fence)[`~]*$", re.MULTILINE)
_CODE_SPAN = re.compile(r"(^|[^\\])(`+)([^\n]*?[^`\n])\2(?!`)", re.MULTILINE)
#: `` `245 $a` `` renders as "`245 $a`", backticks and all (a CommonMark double-backtick span).
_QUOTED_SPAN = re.compile(r"`` `([^`\n]+)` ``")


def markdown_maths(text: str) -> list[str]:
    """The parts of a Markdown cell that JupyterLab would render as mathematics (MathJax)."""
    hide = lambda m: m.group(0).replace("$", "\0")  # noqa: E731
    text = _CODE_SPAN.sub(hide, _FENCE.sub(hide, text))
    blocks = _MATH_SPLIT.split(text)
    found: list[str] = []
    start = end = last = None
    braces = 0
    i = 1
    while i < len(blocks):
        block = blocks[i]
        if start is not None:
            if block == end:
                if braces:
                    last = i
                else:
                    found.append("".join(blocks[start : i + 1]))
                    start = end = last = None
            elif re.search(r"\n.*\n", block):
                if last is not None:
                    found.append("".join(blocks[start : last + 1]))
                start = end = last = None
                braces = 0
            elif block == "{":
                braces += 1
            elif block == "}" and braces:
                braces -= 1
        elif block in ("$", "$$"):
            start, end, braces = i, block, 0
        elif block in ("\\\\(", "\\\\["):
            start, end, braces = i, block[:-1] + (")" if block[-1] == "(" else "]"), 0
        elif block[1:6].lower() == "begin":
            start, end, braces = i, "\\end" + block[6:], 0
        i += 2
    if start is not None and last is not None:
        found.append("".join(blocks[start : last + 1]))
    return [" ".join(piece.replace("\0", "$").split()) for piece in found]


def mutant_findings(aids: list[str], banks: dict | None = None, log=print) -> list[Finding]:
    """An unlisted survivor (or a stale listing) of ``course mutants`` for each assignment
    with an exercise bank (``banks``: assignment -> bank file; default the course's)."""
    from course.check import api
    from course.check.bank import bank_paths
    from course.grading.mutants import run_module

    banks = banks if banks is not None else {path.stem: path for path in bank_paths()}
    if not all(config.database_path(db).exists() for db in config.DATABASES):
        return [
            Finding(aid, "mutants", "the course data is not built: run `course data`")
            for aid in aids
            if aid in banks
        ]
    findings = []
    for aid in aids:
        if aid in banks:
            report = run_module(banks[aid], log=lambda line: log(f"mutants: {line}"))
            findings += [Finding(aid, "mutants", problem) for problem in report.problems]
    api.clear_cache()
    return findings


def _leak_findings(root: Path, aid: str, source_path: Path, source_nb) -> list[Finding]:
    released = root / "release" / aid / source_path.name
    if not released.exists():
        return [
            Finding(aid, "leaks", f"{released.relative_to(root)} is missing; regenerate release/")
        ]
    release_nb = nbformat.read(released, as_version=4)
    release_text = "\n".join(cell.source for cell in release_nb.cells)
    findings = [
        Finding(aid, "leaks", f"{released.name} contains the marker {marker!r}")
        for marker in _MARKERS
        if marker in release_text
    ]
    outside = set()
    secret = set()
    for cell in source_nb.cells:
        regions = [m.group(2) for m in _REGION.finditer(cell.source)]
        stripped = _REGION.sub("", cell.source)
        outside.update(line.strip() for line in stripped.splitlines())
        for region in regions:
            secret.update(line.strip() for line in region.splitlines() if len(line.strip()) >= 12)
    release_lines = {line.strip() for line in release_text.splitlines()}
    for line in sorted((secret - outside) & release_lines):
        findings.append(Finding(aid, "leaks", f"{released.name} shows hidden text: {line[:60]!r}"))
    return findings


def _course_copy(root: Path, workdir: Path) -> Path:
    """A throwaway copy of the course (source, release, config) to run nbgrader in."""
    copy = workdir / "course"
    copy.mkdir()
    shutil.copy2(root / "nbgrader_config.py", copy / "nbgrader_config.py")
    for name in ("source", "release"):
        if (root / name).exists():
            shutil.copytree(
                root / name, copy / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
            )
    return copy


def _compare_trees(expected: Path, actual: Path) -> list[str]:
    problems = []
    exp = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file()}
    act = {p.relative_to(actual) for p in actual.rglob("*") if p.is_file()}
    for rel in sorted(exp - act):
        problems.append(f"release/{rel} is committed but no longer generated")
    for rel in sorted(act - exp):
        problems.append(f"release/{rel} is generated but not committed")
    for rel in sorted(exp & act):
        if (expected / rel).read_bytes() != (actual / rel).read_bytes():
            problems.append(f"release/{rel} differs from what source/ generates")
    return problems


def run_gate(
    root: Path | None = None,
    assignments: list[str] | None = None,
    steps: Iterable[str] = GATE_STEPS,
    log=print,
) -> GateReport:
    """Run the gate over the given assignments (default: all); never touches ``root``."""
    root = Path(root or config.repo_root())
    steps = set(steps)
    report = GateReport()
    aids = assignments or assignment_ids(root)
    if "static" in steps or "leaks" in steps:
        report.findings += [f for f in static_findings(root) if f.assignment in aids]
    if "mutants" in steps:
        report.findings += mutant_findings(aids, log=log)
    if not steps & {"release", "validate", "autograde"}:
        return report
    with tempfile.TemporaryDirectory(prefix="course-gate-") as tmp:
        course = _course_copy(root, Path(tmp))
        for aid in aids:
            log(f"gate: {aid}")
            # Always regenerate in the copy: it also registers the assignment in the copy's
            # gradebook, which autograding needs.
            shutil.rmtree(course / "release" / aid, ignore_errors=True)
            error = nbapi.generate_release(course, aid)
            if error:
                report.findings.append(Finding(aid, "release", error))
                continue
            if "release" in steps:
                for problem in _compare_trees(root / "release" / aid, course / "release" / aid):
                    report.findings.append(Finding(aid, "release", problem))
            if "validate" in steps:
                for nb in _notebooks(course / "source" / aid):
                    for problem in nbapi.validate(nb, invert=False):
                        report.findings.append(
                            Finding(aid, "validate", f"source {nb.name}: {problem}")
                        )
                for nb in _notebooks(course / "release" / aid):
                    for problem in nbapi.validate(nb, invert=True):
                        report.findings.append(
                            Finding(aid, "validate", f"release {nb.name}: {problem}")
                        )
            if "autograde" in steps:
                scores = nbapi.autograde_versions(course, aid)
                report.scores[aid] = scores
                for who, (score, maximum) in scores.items():
                    want = maximum if who == "solution" else 0.0
                    if maximum <= 0:
                        report.findings.append(
                            Finding(aid, "autograde", "the assignment has no points")
                        )
                    elif score != want:
                        report.findings.append(
                            Finding(
                                aid,
                                "autograde",
                                f"the {who} scored {score:g}/{maximum:g}, expected {want:g}",
                            )
                        )
    return report

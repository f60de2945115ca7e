"""``course report``: which skills a cohort has, and which idea to revisit in the next session.

Two tables, for one or more graded assignments:

* **learner × skill**: each learner's share of the points of the exercises tagged with a skill
  (``skills:`` in the banks, ids from ``course/skills.yml``), as CSV and as an HTML heat map;
* **exercise**: how many learners got it right the first time they were graded, how many have it
  right now, and the most common *listed* mistake (a bank's ``mistakes:`` entry).

Where the figures come from:

* scores per exercise: nbgrader's gradebook (``gradebook.db``: each test cell's score, manual
  changes in Formgrader included);
* the mistake a learner made: the one sentence the check printed in the autograded notebook
  (``autograded/<learner>/<assignment>/``). A listed mistake's message is fixed text with
  ``{placeholders}``, so the sentence is matched whole against each message of that exercise
  (:func:`course.grading.grade.mistake_tag`); generic sentences match none;
* the first time: ``grades/<assignment>/history.csv``, to which ``course grade`` appends every
  grading of every submission. Without it (graded with plain ``nbgrader autograde``), the first
  time is the grading at hand.
"""

from __future__ import annotations

import csv
import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = [
    "load_skills",
    "skill_problems",
    "exercise_skills",
    "SkillsReport",
    "build_report",
    "write_report",
]


def skills_path() -> Path:
    return Path(__file__).resolve().parent.parent / "skills.yml"


def load_skills(path: Path | None = None) -> dict[str, dict]:
    """The skills list: id -> {title, sentence, planned}."""
    data = yaml.safe_load((path or skills_path()).read_text(encoding="utf-8"))
    return {str(k): dict(v) for k, v in (data or {}).get("skills", {}).items()}


def skill_problems(
    *, skills_file: Path | None = None, bank_files: list[Path] | None = None
) -> list[str]:
    """What is wrong between the skills list and the banks' ``skills:`` tags (empty when all is
    well): a tag the list does not have; a listed skill no exercise names, unless it is marked
    ``planned``; a skill marked ``planned`` that exercises already name."""
    from course.check.bank import banks_dir

    skills = load_skills(skills_file)
    files = bank_files if bank_files is not None else sorted(banks_dir().glob("*.yml"))
    used: set = set()
    problems = []
    for path in files:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for qid, entry in (data.get("exercises") or {}).items():
            for sid in (entry or {}).get("skills") or []:
                used.add(sid)
                if sid not in skills:
                    problems.append(
                        f"{Path(path).name}: {qid} names the skill {sid!r}, which "
                        "course/skills.yml does not list"
                    )
    for sid, skill in skills.items():
        if sid in used and skill.get("planned"):
            problems.append(f"the skill {sid!r} is marked planned, but exercises name it")
        if sid not in used and not skill.get("planned"):
            problems.append(f"no exercise names the skill {sid!r}: tag one, or mark it planned")
    return problems


def exercise_skills(module: str) -> dict[str, list[str]]:
    """qid -> skill ids, from a module's bank (exercises without ``skills:`` are left out)."""
    from course.check.bank import banks_dir

    path = banks_dir() / f"{module}.yml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for qid, entry in (data.get("exercises") or {}).items():
        if isinstance(entry, dict) and entry.get("skills"):
            out[str(qid)] = [str(s) for s in entry["skills"]]
    return out


def _titles(module: str) -> dict[str, str]:
    from course.check.bank import BankError, banks_dir, load_bank

    try:
        return {q: e.title for q, e in load_bank(banks_dir() / f"{module}.yml").items()}
    except BankError:
        return {}


@dataclass
class ExerciseRow:
    assignment: str
    qid: str
    title: str
    skills: list
    learners: int = 0
    right_first: int = 0
    right_now: int = 0
    mistakes: Counter = field(default_factory=Counter)
    messages: dict = field(default_factory=dict)  # tag -> a sentence a learner was shown

    def common_mistake(self) -> tuple[str, int]:
        if not self.mistakes:
            return "", 0
        (tag, n), *_ = sorted(self.mistakes.items(), key=lambda kv: (-kv[1], kv[0]))
        return tag, n


@dataclass
class SkillsReport:
    assignments: list
    learners: list
    skills: dict  # id -> skill entry, only those the assignments' exercises name
    cells: dict  # (learner, skill) -> (points, max points)
    exercises: list
    out: Path | None = None
    files: list = field(default_factory=list)

    def share(self, learner: str, skill: str) -> float | None:
        got = self.cells.get((learner, skill))
        if not got or got[1] <= 0:
            return None
        return got[0] / got[1]

    def summary(self) -> str:
        lines = [
            f"Skills report for {', '.join(self.assignments)}: {len(self.learners)} learner(s), "
            f"{len(self.skills)} skill(s), {len(self.exercises)} exercise(s)."
        ]
        weakest = []
        for sid in self.skills:
            shares = [self.share(learner, sid) for learner in self.learners]
            shares = [v for v in shares if v is not None]
            if shares:
                weakest.append((sum(shares) / len(shares), sid))
        weakest.sort()
        if weakest and self.learners:
            share, sid = weakest[0]
            lines.append(
                f"Weakest skill across the group: {self.skills[sid]['title']} "
                f"({share:.0%} of its points)."
            )
        for path in self.files:
            lines.append(f"Written: {path}")
        return "\n".join(lines)


def _gradebook_scores(root: Path, assignment: str) -> dict[str, dict[str, tuple]]:
    """learner -> grade id -> (score, max score) for the assignment's autograded test cells."""
    from nbgrader.api import Gradebook, MissingEntry

    from course.grading.grade import _coursedir

    coursedir = _coursedir(root)
    out: dict = {}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            return {}
        for sub in assignment_row.submissions:
            grades = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell_type == "code" and g.max_score:
                        grades[g.name] = (float(g.score or 0), float(g.max_score))
            out[sub.student.id] = grades
    return out


def _notebook_sentences(root: Path, assignment: str, learner: str) -> dict[str, str]:
    """grade id -> the sentence its check printed, from the autograded notebook."""
    import nbformat

    from course.grading.grade import _cell_results, _coursedir

    folder = root / _coursedir(root).autograded_directory / learner / assignment
    out = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            continue
        for c in _cell_results(nb):
            out[c["grade_id"]] = c["sentence"] if c["score"] < c["max_score"] else ""
    return out


def _first_graded(root: Path, assignment: str) -> dict[tuple, bool]:
    """(learner, qid) -> right in that learner's first graded submission (from history.csv)."""
    from course.grading.grade import grades_dir

    path = grades_dir(root, assignment) / "history.csv"
    if not path.exists():
        return {}
    first_submission: dict[str, str] = {}
    out: dict = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            who = row["learner"]
            first_submission.setdefault(who, row["submission"])
            if row["submission"] == first_submission[who]:
                out.setdefault((who, row["qid"]), row["passed"] == "yes")
    return out


def build_report(assignments: list[str], *, root: Path | None = None) -> SkillsReport:
    from course.grading.grade import course_root, mistake_tag

    root = course_root(root)
    all_skills = load_skills()
    learners: set = set()
    cells: dict = {}
    exercises: list[ExerciseRow] = []
    used: list[str] = []
    for assignment in assignments:
        tags = exercise_skills(assignment)
        titles = _titles(assignment)
        scores = _gradebook_scores(root, assignment)
        first = _first_graded(root, assignment)
        learners |= set(scores)
        rows = {
            qid: ExerciseRow(assignment, qid, titles.get(qid, qid), tags.get(qid, []))
            for qid in sorted(titles, key=_qid_order)
        }
        for learner, grades in scores.items():
            sentences = _notebook_sentences(root, assignment, learner)
            for gid, (score, max_score) in grades.items():
                qid = gid.removesuffix("_check")
                row = rows.get(qid)
                if row is None:
                    continue
                right = score >= max_score
                row.learners += 1
                row.right_now += right
                row.right_first += first.get((learner, qid), right)
                if not right:
                    sentence = sentences.get(gid, "")
                    tag = mistake_tag(qid, sentence)
                    if tag:
                        row.mistakes[tag] += 1
                        row.messages.setdefault(tag, sentence)
                for sid in row.skills:
                    got, most = cells.get((learner, sid), (0.0, 0.0))
                    cells[(learner, sid)] = (got + score, most + max_score)
                    if sid not in used:
                        used.append(sid)
        exercises.extend(rows.values())
    if not learners:
        from course.grading.grade import GradeProblem

        raise GradeProblem(
            f"gradebook.db in {root} holds no graded submission of {', '.join(assignments)}: "
            "run `course grade ASSIGNMENT` first."
        )
    order = [s for s in all_skills if s in used] + [s for s in used if s not in all_skills]
    skills = {s: all_skills.get(s, {"title": s, "sentence": ""}) for s in order}
    return SkillsReport(
        assignments=list(assignments),
        learners=sorted(learners),
        skills=skills,
        cells=cells,
        exercises=exercises,
    )


def _qid_order(qid: str):
    parts = qid[1:].replace("_", " ").split()
    return tuple(int("".join(ch for ch in p if ch.isdigit()) or 0) for p in parts), qid


# -- writing -----------------------------------------------------------------------------------


def _colour(share: float | None) -> str:
    """A heat-map colour from red (0) through amber to green (1); grey when not graded."""
    if share is None:
        return "#eeeeee"
    stops = [(0.0, (215, 48, 39)), (0.5, (254, 224, 139)), (1.0, (26, 152, 80))]
    for (a, ca), (b, cb) in zip(stops, stops[1:], strict=False):
        if share <= b:
            t = (share - a) / (b - a)
            rgb = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
            return "#" + "".join(f"{v:02x}" for v in rgb)
    return "#1a9850"


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 70rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
th.skill { writing-mode: horizontal-tb; max-width: 9rem; font-weight: 600; }
td.cell { text-align: center; min-width: 4.5rem; font-variant-numeric: tabular-nums; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend span { display: inline-block; padding: 0.2rem 0.6rem; margin-right: 0.3rem; }
.note { color: #555; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
table.many th.skill { writing-mode: vertical-rl; transform: rotate(180deg); max-width: none;
  max-height: 11rem; padding: 0.5rem 0.2rem; }
table.many td.cell { min-width: 2.6rem; padding: 0.35rem 0.2rem; font-size: 0.9rem; }
"""


def to_html(report: SkillsReport) -> str:
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Skills report: {esc(', '.join(report.assignments))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Skills report: {esc(', '.join(report.assignments))}</h1>",
        '<p class="note">Each cell is the share of a skill\'s points a learner earned in the '
        "graded exercises tagged with that skill. Hover a skill for what it means.</p>",
        '<p class="legend">',
    ]
    for label, share in (("0%", 0.0), ("50%", 0.5), ("100%", 1.0), ("not graded", None)):
        out.append(f'<span style="background:{_colour(share)}">{label}</span>')
    out.append("</p>")
    many = ' class="many"' if len(report.skills) > 8 else ""  # headers turned upright
    out.append(f'<table id="skills"{many}><caption>Learners × skills</caption><thead><tr>')
    out.append("<th>Learner</th>")
    for sid, skill in report.skills.items():
        tip = esc(skill.get("sentence", ""))
        out.append(f'<th class="skill" title="{tip}">{esc(skill.get("title", sid))}</th>')
    out.append("</tr></thead><tbody>")
    for learner in report.learners:
        out.append(f"<tr><th>{esc(learner)}</th>")
        for sid in report.skills:
            share = report.share(learner, sid)
            got = report.cells.get((learner, sid))
            text = "—" if share is None else f"{share:.0%}"
            tip = "" if not got else f"{got[0]:g} of {got[1]:g} points"
            out.append(
                f'<td class="cell" style="background:{_colour(share)}" title="{tip}">{text}</td>'
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    out.append('<h2>Exercises</h2><table id="exercises"><thead><tr>')
    heads = ["Exercise", "Skills", "Graded", "Right first time", "Right now"]
    heads += ["Most common listed mistake"]
    out.extend(f"<th>{h}</th>" for h in heads)
    out.append("</tr></thead><tbody>")
    for ex in report.exercises:
        tag, n = ex.common_mistake()
        skills = ", ".join(report.skills.get(s, {}).get("title", s) for s in ex.skills)
        mistake = ""
        if tag:
            mistake = (
                f"<b>{esc(tag)}</b> ({n} learner{'s' if n != 1 else ''}): "
                f"{esc(ex.messages.get(tag, ''))}"
            )
        label = f"{ex.assignment[:2]} · {ex.qid} {ex.title}"
        out.append(
            f"<tr><td>{esc(label)}</td><td>{esc(skills)}</td>"
            f'<td class="num">{ex.learners}</td><td class="num">{ex.right_first}</td>'
            f'<td class="num">{ex.right_now}</td><td>{mistake}</td></tr>'
        )
    out.append("</tbody></table></body></html>")
    return "\n".join(out)


def write_report(
    assignments: list[str], *, root: Path | None = None, out: Path | None = None
) -> SkillsReport:
    """Build the report and write skills.csv, exercises.csv and report.html."""
    from course.grading.grade import course_root

    root = course_root(root)
    report = build_report(assignments, root=root)
    out = Path(out or root / "grades" / "report")
    out.mkdir(parents=True, exist_ok=True)
    skills_csv = out / "skills.csv"
    with open(skills_csv, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["learner", "skill", "title", "points", "max_points", "share"])
        for learner in report.learners:
            for sid, skill in report.skills.items():
                got = report.cells.get((learner, sid))
                share = report.share(learner, sid)
                w.writerow(
                    [
                        learner,
                        sid,
                        skill.get("title", sid),
                        f"{got[0]:g}" if got else "",
                        f"{got[1]:g}" if got else "",
                        "" if share is None else f"{share:.3f}",
                    ]
                )
    exercises_csv = out / "exercises.csv"
    with open(exercises_csv, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(
            [
                "assignment",
                "qid",
                "title",
                "skills",
                "graded",
                "right_first_time",
                "right_now",
                "common_mistake",
                "learners_with_it",
                "message",
            ]
        )
        for ex in report.exercises:
            tag, n = ex.common_mistake()
            w.writerow(
                [
                    ex.assignment,
                    ex.qid,
                    ex.title,
                    " ".join(ex.skills),
                    ex.learners,
                    ex.right_first,
                    ex.right_now,
                    tag,
                    n or "",
                    ex.messages.get(tag, ""),
                ]
            )
    html_path = out / "report.html"
    html_path.write_text(to_html(report), encoding="utf-8")
    report.out = out
    report.files = [html_path, skills_csv, exercises_csv]
    return report

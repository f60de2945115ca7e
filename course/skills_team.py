"""The team view for supervisors: a team's skills checks, collected and graded with nbgrader.

``course team`` reads the gradebook through :func:`course.grading.report.build_report` (the
skills check is an assignment like any other: release, collect, ``course grade``) and writes

* ``team.csv``: one row per person and skill (points, max points, share);
* ``team.html``: the people x skills heat map and a suggested plan: the modules to run as group
  sessions first, because most of the team's paths include them (the same rule as a learner's
  personal path, :func:`course.skills_check.personal_path`).

Names are for the instructor only: ``--anonymise`` writes "Person 1", "Person 2", ... in an order
that does not follow the names, for a view shown to the team or to managers.
"""

from __future__ import annotations

import csv
import hashlib
import html
from dataclasses import dataclass, field
from pathlib import Path

from course.skills_check import ASSIGNMENT, personal_path

__all__ = ["TeamView", "team_view", "write_team_view"]


@dataclass
class TeamView:
    people: list  # names, or Person N when anonymised
    skills: dict  # skill id -> skill entry, in the skills list's order
    cells: dict  # (person, skill) -> (points, max points)
    paths: dict  # person -> personal path
    plan: list = field(default_factory=list)  # per module: module, title, people, share
    anonymised: bool = False

    def share(self, person: str, skill: str) -> float | None:
        got = self.cells.get((person, skill))
        return None if not got or got[1] <= 0 else got[0] / got[1]

    def group_first(self) -> list[dict]:
        """The modules at least half the team needs, most needed first."""
        return [m for m in self.plan if m["share"] >= 0.5]

    def summary(self) -> str:
        lines = [f"Team view of {ASSIGNMENT}: {len(self.people)} person(s)."]
        first = self.group_first()
        if first:
            lines.append("Run these as group sessions first (most of the team needs them):")
            lines += [f"  {m['title']}: {m['people']} of {len(self.people)}" for m in first]
        else:
            lines.append("No module is needed by half the team: plan individual paths.")
        return "\n".join(lines)


def _anonymous_names(names: list[str]) -> dict[str, str]:
    order = sorted(names, key=lambda n: hashlib.sha256(f"team:{n}".encode()).hexdigest())
    return {name: f"Person {i + 1}" for i, name in enumerate(order)}


def _measured(cells: dict, person: str, skills: dict, on_data: dict) -> dict:
    out = {}
    for sid in skills:
        got = cells.get((person, sid))
        if got and got[1] > 0:
            out[sid] = [got[0], got[1], on_data.get(sid, 0)]
    return out


def _on_data_tasks() -> dict:
    """skill -> the skills check's tasks on the data (not scenarios) that measure it."""
    out: dict = {}
    import yaml

    from course.check.bank import banks_dir

    data = yaml.safe_load((banks_dir() / f"{ASSIGNMENT}.yml").read_text(encoding="utf-8"))
    for entry in data["exercises"].values():
        if entry.get("hidden", True):
            for sid in entry.get("skills") or []:
                out[sid] = out.get(sid, 0) + 1
    return out


def team_view(*, root: Path | None = None, anonymise: bool = False, report=None) -> TeamView:
    """The team's skills from the graded skills checks (``report``: a built SkillsReport)."""
    if report is None:
        from course.grading.report import build_report

        report = build_report([ASSIGNMENT], root=root)
    from course.skills import load_skills

    listed = load_skills()
    skills = {s: listed[s] for s in listed if s in report.skills}
    names = list(report.learners)
    rename = _anonymous_names(names) if anonymise else {n: n for n in names}
    people = sorted(rename.values(), key=lambda p: (len(p), p)) if anonymise else names
    cells = {(rename[n], s): v for (n, s), v in report.cells.items() if n in rename}
    on_data = _on_data_tasks()
    paths = {
        p: personal_path(_measured(cells, p, skills, on_data), trust_scenarios=True) for p in people
    }
    counts: dict = {}
    for path in paths.values():
        for m in path["modules"]:
            row = counts.setdefault(
                m["module"], {"module": m["module"], "title": m["title"], "people": 0}
            )
            row["people"] += m["action"] == "do"
    plan = sorted(counts.values(), key=lambda r: (-r["people"], r["module"]))
    for row in plan:
        row["share"] = row["people"] / len(people) if people else 0.0
    return TeamView(people, skills, cells, paths, plan, anonymised=anonymise)


def _colour(share: float | None) -> str:
    if share is None:
        return "#f2f2f2"
    red, green = (220, 90, 70), (60, 160, 90)
    mix = [round(r + (g - r) * share) for r, g in zip(red, green, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def write_team_view(
    *, root: Path | None = None, out: Path | None = None, anonymise: bool = False, report=None
) -> tuple[TeamView, list[Path]]:
    """Write team.csv and team.html (to ``grades/team`` or ``grades/team-anonymised``)."""
    from course.grading.grade import course_root

    view = team_view(root=root, anonymise=anonymise, report=report)
    folder = Path(
        out or course_root(root) / "grades" / ("team-anonymised" if anonymise else "team")
    )
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / "team.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["person", "skill", "title", "points", "max_points", "share"])
        for person in view.people:
            for sid, skill in view.skills.items():
                got = view.cells.get((person, sid))
                share = view.share(person, sid)
                w.writerow(
                    [
                        person,
                        sid,
                        skill["title"],
                        f"{got[0]:g}" if got else "",
                        f"{got[1]:g}" if got else "",
                        "" if share is None else f"{share:.3f}",
                    ]
                )
    head = "".join(f"<th>{html.escape(s['title'])}</th>" for s in view.skills.values())
    body = []
    for person in view.people:
        tds = []
        for sid in view.skills:
            share = view.share(person, sid)
            text = "" if share is None else f"{100 * share:.0f}%"
            tds.append(f'<td style="background:{_colour(share)}">{text}</td>')
        hours = view.paths[person]["hours"]
        body.append(f"<tr><th>{html.escape(person)}</th>{''.join(tds)}<td>{hours:g} h</td></tr>")
    plan = "".join(
        f"<tr><td>{html.escape(m['title'])}</td><td>{m['people']} of {len(view.people)}</td>"
        f"<td>{'group session first' if m['share'] >= 0.5 else 'individual paths'}</td></tr>"
        for m in view.plan
    )
    page = folder / "team.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>Team skills</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px 8px;text-align:center}</style>"
        f"<h1>Team skills ({ASSIGNMENT})</h1>"
        + (
            "<p>Anonymised view.</p>"
            if view.anonymised
            else "<p>For the instructor only: names shown.</p>"
        )
        + f"<table class='team-heatmap'><thead><tr><th>person</th>{head}<th>path</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        "<h2>Suggested plan</h2><p>Modules most of the team's paths include come first: run them "
        "as group sessions; the rest follow each person's path.</p>"
        f"<table class='team-plan'><thead><tr><th>module</th><th>people who need it</th>"
        f"<th>how</th></tr></thead><tbody>{plan}</tbody></table>",
        encoding="utf-8",
    )
    return view, [table, page]

"""The skills check (``00-your-skills-check``): self-ratings, the skills profile, the personal path.

* :class:`SelfRating` asks, per area of ``course/skills.yml``, how often the person does this
  work and how confident they are, and keeps the answers in the progress file;
* :func:`measure` checks the tasks' answers quietly (the visible checks) and sums them per skill;
* :func:`personal_path` turns the measured skills into modules and sections to do, modules that
  may be skipped (every skill of theirs shown), and an estimate of the hours;
* :func:`profile` does all three in the notebook's last cell: a chart of measured against
  self-rated per skill, the path as a table, both saved with the learner's progress so the start
  page and the progress chart show them.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io

from course.check import progress

__all__ = [
    "ASSIGNMENT",
    "OFTEN",
    "CONFIDENCE",
    "SelfRating",
    "self_rating",
    "measure",
    "personal_path",
    "profile",
    "path_html",
    "saved_path",
]

ASSIGNMENT = "00-your-skills-check"
OFTEN = ("Never", "A few times a year", "Every month", "Every week")
CONFIDENCE = ("I would need help", "With notes or a guide", "On my own", "I could teach it")
CHOOSE = "(choose)"
MASTERED = 1.0  # every task of the skill right


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _bank():
    from course.check.bank import banks_dir, load_bank

    return load_bank(banks_dir() / f"{ASSIGNMENT}.yml")


def _bank_skills(path) -> dict:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        q: list((e or {}).get("skills") or []) for q, e in (data.get("exercises") or {}).items()
    }


# -- self-rating -------------------------------------------------------------------------------

_LAST_SELF: dict = {}


def _saved_self() -> dict:
    got = progress.load().get("skills_check")
    return dict(got.get("self") or {}) if isinstance(got, dict) else {}


class SelfRating:
    """Two questions per area: how often, how confident. Answers are kept as they change."""

    def __new__(cls):
        import ipywidgets as w

        from course.skills import areas

        saved = _saved_self()
        rows = []
        controls = {}
        for aid, area in areas().items():
            old = saved.get(aid) or {}
            often = w.Dropdown(
                options=[(CHOOSE, None)] + [(t, i) for i, t in enumerate(OFTEN)],
                value=old.get("often"),
                description="How often",
                tooltip=f"How often you do this at work: {area['title']}",
            )
            sure = w.Dropdown(
                options=[(CHOOSE, None)] + [(t, i + 1) for i, t in enumerate(CONFIDENCE)],
                value=old.get("confidence"),
                description="Confidence",
                tooltip=f"How confident you are: {area['title']}",
            )
            controls[aid] = (often, sure)
            rows.append(w.HTML(f"<strong>{html.escape(area['title'])}</strong>"))
            rows.append(w.HBox([often, sure]))
        status = w.HTML()

        def save(_change=None):
            answers = {
                aid: {"often": o.value, "confidence": s.value}
                for aid, (o, s) in controls.items()
                if o.value is not None or s.value is not None
            }
            _LAST_SELF.clear()
            _LAST_SELF.update(answers)

            def change(data):
                part = (
                    data.get("skills_check") if isinstance(data.get("skills_check"), dict) else {}
                )
                part["self"] = answers
                part["self_date"] = _now()
                data["skills_check"] = part

            progress.update(change)
            status.value = '<div role="status">Your answers are kept.</div>'

        for often, sure in controls.values():
            often.observe(save, names="value")
            sure.observe(save, names="value")
        _LAST_SELF.clear()
        _LAST_SELF.update(saved)  # an area left at "choose" is not rated
        box = w.VBox([*rows, status])
        box.add_class("course-self-rating")
        box.controls = controls
        box.save = save
        return box


def self_rating():
    """The self-rating questions (per area: how often at work, how confident)."""
    return SelfRating()


# -- measuring and the path ----------------------------------------------------------------------


def measure(namespace: dict) -> dict[str, list[int]]:
    """skill -> [tasks right, tasks, tasks on the data] from the answers in ``namespace``
    (visible checks, quiet)."""
    from course.check.api import evaluate
    from course.check.bank import banks_dir

    tags = _bank_skills(banks_dir() / f"{ASSIGNMENT}.yml")
    out: dict[str, list[int]] = {}
    for qid, ex in _bank().items():
        answer = namespace.get(qid)
        right = answer is not None and evaluate(answer, qid, module=ASSIGNMENT).passed
        for sid in tags.get(qid, []):
            got = out.setdefault(sid, [0, 0, 0])
            got[0] += bool(right)
            got[1] += 1
            got[2] += ex.hidden  # a task on the data (checked again on other data), not a scenario
    return out


def _module_title(module: str) -> str:
    number, _, rest = module.partition("-")
    return f"{number} {rest.replace('-', ' ').capitalize()}"


def personal_path(
    measured: dict, self_answers: dict | None = None, *, trust_scenarios: bool = False
) -> dict:
    """Modules 01-10: do (with the sections, i.e. exercises, that train what was missed) or may
    skip, and the hours to plan. A skill counts as shown when every task of it is right and,
    if the person rated the skill's area, they rated themselves "On my own" or higher; without a
    rating, a scenario question alone does not show a skill (a task on the data does), unless
    ``trust_scenarios`` (the team view: self-ratings never reach the gradebook)."""
    from course.check.bank import bank_paths, load_bank
    from course.skills import module_hours

    mine = _self_share(self_answers or {})

    def mastered(sid: str) -> bool:
        got = measured.get(sid)
        if not got or got[1] <= 0 or got[0] / got[1] < MASTERED:
            return False
        if sid in mine:
            return mine[sid] >= 2 / 3
        return trust_scenarios or (len(got) > 2 and got[2] > 0)

    modules = []
    for path in bank_paths():
        bank = load_bank(path)
        if not bank:
            continue
        module = next(iter(bank.values())).module
        if module.startswith("00"):
            continue
        tags = _bank_skills(path)
        needed = [q for q in bank if any(not mastered(s) for s in tags.get(q, []))]
        hours = module_hours(module)
        if needed:
            share = max(0.5, len(needed) / len(bank))
            plan = round(hours * share * 4) / 4
            action = "do"
        else:
            plan, action = 0.0, "may skip"
        weak = sorted({s for q in needed for s in tags.get(q, []) if not mastered(s)})
        modules.append(
            {
                "module": module,
                "title": _module_title(module),
                "action": action,
                "hours": plan,
                "full_hours": hours,
                "skills": weak,
                "sections": [
                    f"{bank[q].label.replace('Question ', '')} {bank[q].title}" for q in needed
                ],
            }
        )
    return {
        "date": _now(),
        "modules": modules,
        "hours": sum(m["hours"] for m in modules),
        "skip": [m["module"] for m in modules if m["action"] == "may skip"],
    }


def _self_share(self_answers: dict) -> dict[str, float]:
    """skill -> self-rated confidence as a share (I would need help 0 ... I could teach it 1)."""
    from course.skills import areas

    out = {}
    for aid, area in areas().items():
        got = self_answers.get(aid)
        if got and got.get("confidence"):
            for sid in area["skills"]:
                out[sid] = (int(got["confidence"]) - 1) / (len(CONFIDENCE) - 1)
    return out


def _figure(measured: dict, self_answers: dict):
    from matplotlib.figure import Figure

    from course.skills import load_skills

    titles = load_skills()
    mine = _self_share(self_answers)
    sids = [s for s in titles if s in measured or s in mine]
    fig = Figure(figsize=(7, 0.6 + 0.32 * max(len(sids), 1)))
    ax = fig.add_subplot()
    ys = list(range(len(sids)))
    got = [100 * measured[s][0] / measured[s][1] if s in measured else 0 for s in sids]
    rated = [100 * mine.get(s, 0) for s in sids]
    ax.barh([y - 0.2 for y in ys], got, height=0.4, color="#2a7ab0", label="measured")
    ax.barh([y + 0.2 for y in ys], rated, height=0.4, color="#e8a33d", label="self-rated")
    ax.set_yticks(ys, [titles[s]["title"] for s in sids])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% (measured: tasks right; self-rated: confidence)")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title("Your skills profile")
    fig.tight_layout()
    return fig


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def path_html(path: dict | None = None) -> str:
    """The personal path as an HTML table (empty text when there is none yet)."""
    path = path if path is not None else saved_path()
    if not path or not path.get("modules"):
        return ""
    rows = []
    for m in path["modules"]:
        what = (
            "may skip (tested out)" if m["action"] == "may skip" else f"do · about {m['hours']:g} h"
        )
        focus = "; ".join(m["sections"][:4]) + (" …" if len(m["sections"]) > 4 else "")
        rows.append(
            f"<tr><td>{html.escape(m['title'])}</td><td>{what}</td><td>{html.escape(focus)}</td></tr>"
        )
    return (
        '<div class="course-path"><strong>Your path</strong> (from your skills check of '
        f"{html.escape(str(path.get('date', ''))[:10])}): about {path['hours']:g} hours; "
        f"{len(path.get('skip') or [])} module(s) you may skip."
        "<table><thead><tr><th>module</th><th>plan</th><th>sections to do</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def saved_path() -> dict | None:
    got = progress.load().get("path")
    return got if isinstance(got, dict) else None


class Profile:
    """What :func:`profile` found: measured, self-rated, the path, and the chart."""

    def __init__(self, measured: dict, self_answers: dict, path: dict):
        self.measured = measured
        self.self_answers = self_answers
        self.path = path

    def figure(self):
        return _figure(self.measured, self.self_answers)

    def gaps(self) -> list[str]:
        """Skills where measured and self-rated differ by half the scale or more."""
        mine = _self_share(self.self_answers)
        out = []
        for sid, (right, total, *_rest) in self.measured.items():
            if sid in mine and total and abs(right / total - mine[sid]) >= 0.5:
                out.append(sid)
        return out

    def _repr_html_(self) -> str:
        from course.skills import load_skills

        titles = load_skills()
        gaps = self.gaps()
        note = (
            "<p>Measured and self-rated differ most for: "
            + html.escape(", ".join(titles[s]["title"] for s in gaps))
            + " -- worth a word with your supervisor.</p>"
            if gaps
            else ""
        )
        return (
            '<div class="course-skills-profile">'
            f'<img alt="Your skills profile: measured and self-rated per skill" '
            f'src="data:image/png;base64,{_png(self.figure())}"/>{note}</div>'
            + path_html(self.path)
        )


def profile(namespace: dict, *, save: bool = True) -> Profile:
    """Measure the answers in ``namespace``, set them beside the self-ratings, plan the path, and
    keep all three in the progress file (not while nbgrader runs the notebook)."""
    measured = measure(namespace)
    answers = dict(_LAST_SELF) or _saved_self()
    path = personal_path(measured, answers)
    if save:

        def change(data):
            part = data.get("skills_check") if isinstance(data.get("skills_check"), dict) else {}
            part.update(measured=measured, self=answers, date=_now())
            data["skills_check"] = part
            data["path"] = path

        progress.update(change)
    return Profile(measured, answers, path)

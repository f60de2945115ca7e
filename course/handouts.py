"""Printable one-page handouts for group sessions, generated from the notebooks and quiz banks.

``course handouts`` (or ``make handouts``) writes one HTML page per module, plus an
``index.html`` listing them, to ``<workspace>/handouts/`` (``--out DIR`` to choose; the
workspace is not part of the repository, so nothing generated is committed).  Print one from the
browser (Ctrl+P); each fits one A4 or Letter page.

A handout holds what the room needs on paper while the facilitator's screen shows the notebook:

* the module's title and time;
* every pause point's title and prompt (the cells tagged ``pause-point``), numbered as on screen;
* the quiz questions the notebook asks (``widgets.quiz(bank, qid)`` cells, in order), with their
  options lettered A, B, C… in the bank's order (screens shuffle them per learner, so the
  handout says to vote by the option's text or the facilitator's screen);
* the module's *Key points*.

Everything comes from ``source/NN-topic/*.ipynb`` and ``course/quizzes/NN-topic.yml`` at the time
of the run, so a handout never drifts from the notebook.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import mistune
import nbformat

from course import config

__all__ = ["Handout", "handout", "write_handouts", "default_out_dir"]

_QUIZ_CALL = re.compile(r"""widgets\.quiz\(\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']""")
_TIME = re.compile(r"\*\*Time:\*\*\s*(.+?)(?:\n\s*\n|$)", re.DOTALL)
_markdown = mistune.create_markdown(escape=True)


@dataclass
class Handout:
    module: str
    title: str
    time: str = ""
    pause_points: list[tuple[str, str]] = field(default_factory=list)  # (heading, prompt)
    quizzes: list[dict] = field(default_factory=list)
    key_points: str = ""

    def html(self) -> str:
        return _page(self)


def default_out_dir() -> Path:
    return config.workspace_dir() / "handouts"


def _notebook(module: str, root: Path) -> Path:
    folder = root / "source" / module
    found = sorted(p for p in folder.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not found:
        raise FileNotFoundError(f"source/{module} has no notebook.")
    return found[0]


def _has_notebook(root: Path, module: str) -> bool:
    return any((root / "source" / module).glob("*.ipynb"))


def _section(source: str, heading: str) -> str:
    """The text under ``## heading`` up to the next ``## `` heading (same cell)."""
    lines = source.split("\n")
    out, inside = [], False
    for line in lines:
        if line.strip() == heading:
            inside = True
            continue
        if inside and line.startswith("## "):
            break
        if inside:
            out.append(line)
    return "\n".join(out).strip()


def handout(module: str, root: Path | None = None) -> Handout:
    """The handout of one module, read from its source notebook and quiz bank."""
    from course.widgets.projector import PAUSE_TAG
    from course.widgets.quiz import quiz_bank

    root = Path(root or config.repo_root())
    nb = nbformat.read(_notebook(module, root), as_version=4)
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    title = first.split("\n", 1)[0].lstrip("# ").strip() or module
    found_time = _TIME.search(first)
    time = " ".join(found_time.group(1).split()) if found_time else ""
    made = Handout(module=module, title=title, time=time)
    banks: dict[str, dict] = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and PAUSE_TAG in cell.metadata.get("tags", []):
            heading, _, prompt = cell.source.strip().partition("\n")
            # The ⏸ sign is the screen's; the framed box says "pause" on paper (and printers'
            # fonts often lack the sign).
            heading = heading.lstrip("# ").replace("⏸", "").strip()
            made.pause_points.append((heading, prompt.strip()))
        elif cell.cell_type == "code":
            for bank, qid in _QUIZ_CALL.findall(cell.source):
                if bank not in banks:
                    banks[bank] = quiz_bank(bank)
                question = banks[bank]["questions"].get(qid)
                if question is not None:
                    made.quizzes.append(question)
        if cell.cell_type == "markdown" and "## Key points" in cell.source:
            made.key_points = _section(cell.source, "## Key points")
    return made


_CSS = """
@page { size: auto; margin: 10mm; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 9.5pt;
  line-height: 1.3; color: #111; max-width: 190mm; margin: 0 auto; padding: 6mm; }
h1 { font-size: 16pt; margin: 0 0 1mm 0; }
h2 { font-size: 12.5pt; margin: 4mm 0 1.5mm 0; border-bottom: 2px solid #111; }
.meta { margin: 0 0 2mm 0; }
.pauses { column-count: 2; column-gap: 4mm; }
.pause { border: 3px solid #111; padding: 1.5mm 3mm; margin: 0 0 2mm 0; break-inside: avoid; }
.pause h3 { font-size: 11pt; margin: 0 0 1mm 0; }
.pause p { margin: 0.5mm 0; }
ol.quiz { padding-left: 5mm; margin: 1mm 0; column-count: 2; column-gap: 8mm; }
ol.quiz > li { margin-bottom: 2mm; break-inside: avoid; }
ol.options { list-style: upper-alpha; margin: 0.5mm 0; padding-left: 6mm; }
ol.options li { margin: 0; }
.note { font-size: 9pt; font-style: italic; }
.key ul { margin: 1mm 0; padding-left: 5mm; column-count: 2; column-gap: 8mm; }
.key li { break-inside: avoid; }
.key li { margin-bottom: 0.8mm; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; }
@media screen { body { box-shadow: 0 0 4px #999; margin-top: 8mm; } }
@media print { body { padding: 0; max-width: none; font-size: 8.5pt; line-height: 1.2; }
  h1 { font-size: 14pt; }
  h2 { margin-top: 2.5mm; } .pause { padding: 1mm 2.5mm; margin: 0 0 1.5mm 0; } }
"""


def _md(text: str) -> str:
    return _markdown(text)


def _page(h: Handout) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Handout · {html.escape(h.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f'<main class="handout" data-module="{html.escape(h.module)}">',
        f"<h1>{html.escape(h.title)}</h1>",
        '<p class="meta">Technical Services Data Lab · group session handout'
        + (f" · {html.escape(h.time)}" if h.time else "")
        + "</p>",
    ]
    if h.pause_points:
        parts.append('<h2>Pause points</h2><div class="pauses">')
        for heading, prompt in h.pause_points:
            parts.append(
                f'<section class="pause"><h3>{html.escape(heading)}</h3>{_md(prompt)}</section>'
            )
        parts.append("</div>")
    if h.quizzes:
        parts.append("<h2>Quiz questions</h2>")
        parts.append(
            '<p class="note">Screens show the options in a different order for each person: '
            "vote by the option's text, or by the letters on the facilitator's screen.</p>"
        )
        parts.append('<ol class="quiz">')
        for question in h.quizzes:
            options = "".join(f"<li>{html.escape(o['text'])}</li>" for o in question["options"])
            tick = " (tick all that apply)" if question["kind"] == "multiple" else ""
            prompt = question["prompt"]
            if tick and "tick all" in prompt.lower():
                tick = ""
            parts.append(
                f"<li><strong>{html.escape(prompt)}</strong>{tick}"
                f'<ol class="options">{options}</ol></li>'
            )
        parts.append("</ol>")
    if h.key_points:
        parts.append(f'<h2>Key points</h2><div class="key">{_md(h.key_points)}</div>')
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_handouts(
    out: Path | None = None, modules: list[str] | None = None, root: Path | None = None
) -> list[Path]:
    """Write the handouts (and ``index.html``); returns the module pages written."""
    from course.grading import assignment_ids

    root = Path(root or config.repo_root())
    out = Path(out or default_out_dir())
    out.mkdir(parents=True, exist_ok=True)
    written = []
    links = []
    # Default: every module that has a notebook (one being written may have only its folder).
    for module in modules or [m for m in assignment_ids(root) if _has_notebook(root, m)]:
        made = handout(module, root)
        path = out / f"{module}.html"
        path.write_text(made.html(), encoding="utf-8")
        written.append(path)
        links.append(f'<li><a href="{path.name}">{html.escape(made.title)}</a></li>')
    index = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Handouts</title></head><body><h1>Group session handouts</h1>"
        f"<p>One page per module; print with Ctrl+P.</p><ul>{''.join(links)}</ul></body></html>\n"
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    return written

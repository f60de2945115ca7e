"""Projector mode and pause points, for a group watching one screen (a facilitator's laptop on a
projector at 1280×720).

``widgets.projector()`` in a notebook shows a *Projector mode* toggle.  Switched on, in that
browser only (learners' own screens stay as they are):

* prose, code, result tables, check messages (the ✓/✗ lines) and widgets grow to ≥ 20 px, with
  tighter table rows so a query and a short result fit on one screen;
* quizzes switch to group mode (Reveal, the room's votes; :func:`course.widgets.quiz.group_mode`);
* charts drawn afterwards are larger (matplotlib's font sizes in the kernel), and ``%%sql``
  shows 10 rows instead of 20;
* a bar in the bottom right corner offers **Next pause point** (scrolls to the next cell whose
  heading is ``### ⏸ Pause point N · title``) and a 2- or 5-minute countdown for the discussion.

``course lab --projector`` gives the same page styles from the start, without a cell: JupyterLab
serves the learners' custom.css followed by the projector sizes (:func:`write_projector_css`).

Pause points (a Markdown cell tagged ``pause-point`` whose first line is
``### ⏸ Pause point N · <title>``) get a thick dark frame, a dashed outer line and a larger
heading, on every learner's screen: the rules are the group-session section of the learners'
``custom.css`` in ``course/jupyter/learner`` (:data:`GROUP_CSS`, read from that one file; the
projector script injects it too, for pages started without ``course lab``).  The frame is shape
and weight, not colour alone.  The heading puts them in JupyterLab's table of contents.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import ipywidgets as w

__all__ = [
    "GROUP_CSS",
    "PAUSE_HEADING",
    "PAUSE_TAG",
    "Projector",
    "projector",
    "projector_css",
    "page_css",
    "write_projector_css",
    "pause_point_problems",
    "to_pause_point",
]

PAUSE_TAG = "pause-point"
#: The first line of a pause point cell: ``### ⏸ Pause point 2 · Loans by month``.
PAUSE_HEADING = re.compile(r"^### ⏸ Pause point (\d+) · \S.*$")
#: JupyterLab 4.6 gives a heading ``data-jupyter-id``: its text with spaces as hyphens.
PAUSE_HEADING_SELECTOR = 'h3[data-jupyter-id^="⏸-Pause-point"]'

#: The learners' stylesheet; from its group-session comment on: pause points framed, the quiz's
#: lettered options, Reveal, votes and the facilitator's bar.  One copy of those rules: ``course
#: lab`` serves the file, and the projector script injects the same section.
LEARNER_CSS = Path(__file__).resolve().parents[1] / "jupyter" / "learner" / "custom" / "custom.css"
_GROUP_MARK = "/* Group sessions"


def _group_css() -> str:
    text = LEARNER_CSS.read_text(encoding="utf-8")
    return text[text.index(_GROUP_MARK) :]


GROUP_CSS = _group_css()

#: Projector sizes, applied under SCOPE (``body.course-projector`` or ``body``).
_PROJECTOR_CSS = """
SCOPE {
  --jp-content-font-size1: 24px;
  --jp-content-font-size0: 20px;
  --jp-content-font-size2: 26px;
  --jp-code-font-size: 21px;
  --jp-code-line-height: 1.3;
  --jp-ui-font-size0: 18px;
  --jp-ui-font-size1: 20px;
  --jp-ui-font-size2: 22px;
  --jp-widgets-font-size: 22px;
  --jp-widgets-inline-height: 38px;
  --jp-widgets-inline-label-width: 120px;
  --jp-widgets-radio-item-height: 38px;
}
SCOPE .jp-RenderedHTMLCommon,
SCOPE .jp-RenderedMarkdown { font-size: 24px; line-height: 1.35; }
SCOPE .jp-RenderedHTMLCommon table,
SCOPE .jp-RenderedHTMLCommon td,
SCOPE .jp-RenderedHTMLCommon th { font-size: 21px; line-height: 1.2; }
SCOPE .jp-RenderedHTMLCommon td,
SCOPE .jp-RenderedHTMLCommon th { padding: 0.15em 0.5em; }
SCOPE .jp-OutputArea-output pre,
SCOPE .jp-RenderedText pre { font-size: 21px; line-height: 1.3; }
SCOPE .jp-InputArea-editor .cm-content,
SCOPE .jp-InputArea-editor .cm-line { font-size: 21px; }
SCOPE .jupyter-widgets,
SCOPE .widget-label,
SCOPE .widget-html-content,
SCOPE .widget-radio-box label,
SCOPE .widget-checkbox label,
SCOPE .jupyter-widgets button,
SCOPE .jupyter-widgets input { font-size: 22px; }
SCOPE .course-quiz .widget-radio-box label,
SCOPE .course-quiz .widget-checkbox label { font-size: 26px; line-height: 1.5; }
SCOPE .course-quiz .widget-radio-box input,
SCOPE .course-quiz .widget-checkbox input { width: 22px; height: 22px; }
SCOPE .jp-InputPrompt, SCOPE .jp-OutputPrompt { font-size: 20px; }
"""

#: Larger chart text while projector mode is on (matplotlib's rcParams in the kernel).
CHART_RC = {
    "font.size": 20,
    "axes.titlesize": 24,
    "axes.labelsize": 22,
    "xtick.labelsize": 20,
    "ytick.labelsize": 20,
    "legend.fontsize": 20,
    "figure.titlesize": 24,
    "lines.linewidth": 3,
    "lines.markersize": 10,
}
PROJECTOR_SQL_ROWS = 10


def projector_css(scope: str = "body.course-projector") -> str:
    """The projector sizes, applied under ``scope``."""
    return _PROJECTOR_CSS.replace("SCOPE", scope)


def page_css(*, projector: bool = False) -> str:
    """The CSS ``course lab`` gives JupyterLab (``custom.css``): pause points and the group
    widgets always, projector sizes for the whole page with ``projector=True``; the toggle in a
    notebook adds them under ``body.course-projector``."""
    parts = [GROUP_CSS, projector_css()]
    if projector:
        parts.append(projector_css("body"))
    return "/* Written by `course lab`: the course's page styles. */\n" + "\n".join(parts)


def write_projector_css(folder: Path, learner_css: Path) -> Path:
    """Write ``folder/custom.css``: the learners' custom.css followed by the projector sizes for
    the whole page (what ``course lab --projector`` serves); returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "custom.css"
    base = Path(learner_css).read_text(encoding="utf-8") if Path(learner_css).exists() else ""
    text = base + "\n/* course lab --projector: every page at projector size. */\n"
    text += projector_css("body")
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


# -- the browser side ------------------------------------------------------------------------------

_SCRIPT = r"""
(function (on, css, HEADING) {
  var doc = document;
  var style = doc.getElementById('course-group-style');
  if (!style) {
    style = doc.createElement('style');
    style.id = 'course-group-style';
    doc.head.appendChild(style);
  }
  style.textContent = css;
  doc.body.classList.toggle('course-projector', on);
  var old = doc.getElementById('course-group-bar');
  if (old) { if (old._timer) clearInterval(old._timer); old.remove(); }
  if (!on) return;
  function notebook() {
    return doc.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  }
  function pauses() {
    var nb = notebook();
    if (!nb) return [];
    return Array.prototype.filter.call(nb.querySelectorAll('.jp-MarkdownCell'), function (c) {
      return c.querySelector(HEADING);
    });
  }
  var bar = doc.createElement('div');
  bar.id = 'course-group-bar';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', 'Group session');
  function button(label, title, action) {
    var b = doc.createElement('button');
    b.textContent = label; b.title = title; b.type = 'button';
    b.addEventListener('click', action);
    bar.appendChild(b);
    return b;
  }
  var status = doc.createElement('span');
  status.className = 'course-countdown';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  button('Next pause point ▸', 'Scroll to the next pause point', function () {
    var nb = notebook();
    var list = pauses();
    if (!list.length) { status.textContent = 'No pause points here'; return; }
    var top = nb.getBoundingClientRect().top;
    var next = list.find(function (c) { return c.getBoundingClientRect().top > top + 12; });
    if (!next) { next = list[0]; status.textContent = 'Back to the first'; }
    else { status.textContent = ''; }
    next.scrollIntoView({block: 'start'});
    next.classList.add('course-pause-current');
    list.forEach(function (c) { if (c !== next) c.classList.remove('course-pause-current'); });
  });
  function countdown(minutes) {
    if (bar._timer) clearInterval(bar._timer);
    var end = Date.now() + minutes * 60000;
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      status.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
      if (left === 0) { clearInterval(bar._timer); bar._timer = null; status.textContent = 'Time'; }
    }
    tick();
    bar._timer = setInterval(tick, 1000);
  }
  button('2 min', 'Start a 2-minute countdown for the discussion', function () { countdown(2); });
  button('5 min', 'Start a 5-minute countdown for the discussion', function () { countdown(5); });
  button('Stop', 'Stop the countdown', function () {
    if (bar._timer) clearInterval(bar._timer);
    bar._timer = null; status.textContent = '';
  });
  bar.appendChild(status);
  doc.body.appendChild(bar);
  // More width for the room: fold the left sidebar (file browser) if it is open.
  // (Lumino's tab bar listens to pointer events, not to click.)
  var side = doc.querySelector('.jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current');
  if (side) {
    var at = side.getBoundingClientRect();
    ['pointerdown', 'pointerup'].forEach(function (type) {
      side.dispatchEvent(new PointerEvent(type, {bubbles: true, cancelable: true, button: 0,
        clientX: at.left + 4, clientY: at.top + 4}));
    });
  }
})(ON, CSS, HEADING);
"""


def _script(on: bool) -> str:
    css = GROUP_CSS + projector_css()
    return _SCRIPT.replace(
        "(ON, CSS, HEADING)",
        f"({json.dumps(bool(on))}, {json.dumps(css)}, {json.dumps(PAUSE_HEADING_SELECTOR)})",
    )


def _kernel_settings(on: bool, saved: dict) -> None:
    """Larger charts and fewer ``%%sql`` rows while on; the earlier values back when off."""
    try:
        import matplotlib

        if on:
            saved.setdefault("rc", {k: matplotlib.rcParams[k] for k in CHART_RC})
            matplotlib.rcParams.update(CHART_RC)
        elif "rc" in saved:
            matplotlib.rcParams.update(saved.pop("rc"))
    except Exception:  # no matplotlib: nothing to enlarge
        pass
    try:
        from IPython import get_ipython

        shell = get_ipython()
        magic = shell.find_cell_magic("sql") if shell else None
        if magic is not None:
            owner = magic.__self__
            if on:
                saved.setdefault("rows", owner.displaylimit)
                owner.displaylimit = PROJECTOR_SQL_ROWS
            elif "rows" in saved:
                owner.displaylimit = saved.pop("rows")
    except Exception:  # jupysql not loaded or not of the expected shape
        pass


class Projector(w.VBox):
    """The *Projector mode* toggle (and the browser script it runs)."""

    def __init__(self, on: bool = True):
        from course.widgets.quiz import group_mode

        self._group_mode = group_mode
        self._saved: dict = {}
        self.toggle = w.ToggleButton(
            value=False,
            description="Projector mode",
            tooltip="Large text, pause-point bar and group quizzes on this screen only",
            icon="television",
        )
        self.out = w.Output(layout=w.Layout(height="0px", overflow="hidden"))
        self.note = w.HTML()
        self.toggle.observe(lambda change: self.switch(change["new"]), names="value")
        super().__init__([w.HBox([self.toggle, self.note]), self.out])
        self.add_class("course-projector-toggle")
        self.toggle.value = bool(on)
        if not on:
            self.switch(False)

    def switch(self, on: bool) -> None:
        from IPython.display import Javascript, display

        _kernel_settings(on, self._saved)
        self._group_mode(on)
        self.out.clear_output()
        with self.out:
            display(Javascript(_script(on)))
        self.note.value = (
            "<span>On: large text on this screen, quizzes in group mode, "
            "Next pause point ▸ in the corner.</span>"
            if on
            else "<span>Off.</span>"
        )
        if self.toggle.value != on:
            self.toggle.value = on


def projector(on: bool = True) -> Projector:
    """Projector mode for this browser (``on=False`` shows the toggle switched off)."""
    return Projector(on)


# -- pause point form (used by the gate) ----------------------------------------------------------


def pause_point_problems(cells) -> list[str]:
    """What is wrong with a notebook's pause points (BRIEF convention 3); ``cells`` are nbformat
    cells.  Empty when there are at least two, each a Markdown cell tagged ``pause-point`` whose
    first line is ``### ⏸ Pause point N · title``, numbered 1, 2, 3… in order."""
    problems = []
    numbers = []
    for index, cell in enumerate(cells):
        source = cell.get("source", "")
        first = source.lstrip("\n").split("\n", 1)[0].strip()
        tagged = PAUSE_TAG in cell.get("metadata", {}).get("tags", [])
        headed = PAUSE_HEADING.match(first)
        mentions = "pause point" in source[:200].lower()
        if cell.get("cell_type") != "markdown":
            if tagged:
                problems.append(f"cell {index} is tagged {PAUSE_TAG!r} but is not a Markdown cell")
            continue
        if tagged and not headed:
            problems.append(
                f"cell {index} is tagged {PAUSE_TAG!r} but its first line is not "
                "'### ⏸ Pause point N · title'"
            )
        elif headed and not tagged:
            problems.append(f"cell {index} is a pause point without the {PAUSE_TAG!r} tag")
        elif mentions and not tagged and first.lstrip("> ").startswith(("**Pause point", "Pause")):
            problems.append(
                f"cell {index} is a pause point in the old form: make its first line "
                "'### ⏸ Pause point N · title' and tag it 'pause-point'"
            )
        if tagged and headed:
            numbers.append(int(headed.group(1)))
    if len(numbers) < 2:
        problems.append(
            f"the module has {len(numbers)} pause point(s) in the agreed form; it needs two or more"
        )
    elif numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"pause points are numbered {numbers}; number them 1, 2, 3… in order")
    return problems


_OLD_FORM = re.compile(r"^>?\s*\*\*Pause point(?: \(groups\))?\.?\*\*\.?\s*", re.IGNORECASE)


def to_pause_point(cell, number: int, title: str):
    """Turn an old-form pause point (``> **Pause point (groups).** prompt…``) into BRIEF
    convention 3 in place: heading line, the prompt as plain paragraphs, the tag.  Returns the
    cell.  For the notebooks' owners; the gate checks the result."""
    lines = cell["source"].split("\n")
    text = "\n".join(line[1:].lstrip() if line.startswith(">") else line for line in lines)
    text = _OLD_FORM.sub("", text.lstrip()).strip()
    if not text.startswith("### ⏸"):
        text = f"### ⏸ Pause point {number} · {title}\n\n{text}"
    cell["source"] = text
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if PAUSE_TAG not in tags:
        tags.append(PAUSE_TAG)
    return cell


# ``course lab --projector`` starts kernels with COURSE_PROJECTOR=1: charts and ``%%sql`` are
# sized for the room from the setup cell on (it imports this module after loading jupysql).
_FROM_ENVIRONMENT: dict = {}
if os.environ.get("COURSE_PROJECTOR", "").strip() == "1":
    _kernel_settings(True, _FROM_ENVIRONMENT)

"""Issue 20.4: the feedback a learner fetches is readable in a browser.

A real cycle for one learner on module 01 (release, fetch, answer two questions wrongly, submit,
collect, autograde, generate feedback), then the feedback HTML opened in Chromium from disk, with
the network off: every check's sentence is on screen without scrolling sideways, the contents name
each exercise, widget cells leave no empty blocks, nothing is fetched from the internet and the
console stays free of errors.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import config
from course.lab import install_nbgrader_config

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-querying-the-catalog"
_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)
WRONG = {
    "q1_1": 'q1_1 = """\nSELECT bib_id, title FROM bib WHERE language = \'FRE\'\n"""',
    "q1_2": 'q1_2 = """\nSELECT bib_id, title FROM bib WHERE false\n"""',
}


def _nbgrader(args, cwd, env):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)}:\n{result.stdout}\n{result.stderr}"


def make_feedback(tmp: Path) -> Path:
    """One learner's feedback HTML for module 01, made by the real nbgrader commands."""
    root = config.repo_root()
    course, exchange, learner = tmp / "course", tmp / "exchange", tmp / "learner"
    for d in (course, exchange, learner):
        d.mkdir()
    shutil.copy2(root / "nbgrader_config.py", course)
    shutil.copytree(root / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    install_nbgrader_config(tmp / "env", exchange=exchange)  # `course setup --exchange`
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_EXCHANGE", "JUPYTER"))}
    env.update(
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        JUPYTER_CONFIG_PATH=str(tmp / "env" / "etc" / "jupyter"),
        JUPYTER_DATA_DIR=str(learner / ".jupyter-data"),
    )
    _nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course, env)
    _nbgrader(["release_assignment", ASSIGNMENT], course, env)
    _nbgrader(["fetch_assignment", ASSIGNMENT], learner, env)
    source = next((course / "source" / ASSIGNMENT).glob("*.ipynb"))
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: _MARKER.sub("", c.source)
        for c in nbformat.read(source, 4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    fetched = learner / ASSIGNMENT / source.name
    nb = nbformat.read(fetched, 4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        qid = gid.removesuffix("_answer")
        if gid in solutions:
            cell.source = solutions[gid]
        if qid in WRONG:
            cell.source = f"{WRONG[qid]}\ncheck.show({qid})"
    nbformat.write(nb, fetched)
    _nbgrader(["submit", ASSIGNMENT], learner, env)
    _nbgrader(["collect", ASSIGNMENT], course, env)
    _nbgrader(["autograde", ASSIGNMENT, "--create"], course, env)
    _nbgrader(["generate_feedback", ASSIGNMENT], course, env)
    (page,) = (course / "feedback").rglob("*.html")
    return page


def test_feedback_is_readable_offline(page, tmp_path):
    feedback = make_feedback(tmp_path)
    html = feedback.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?://", html), "feedback fetches a script"
    assert "mathjax" not in html.lower(), "MathJax would be fetched from the internet"

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(feedback.as_uri())
    page.wait_for_load_state("load")
    page.shots("feedback")

    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert page.console_errors == []

    # The contents name each exercise, not "Test cell" ten times.
    toc = page.locator("#toc li").all_inner_texts()
    assert toc and all(re.match(r"Exercise \d+\.\d+", t) for t in toc), toc
    assert any("1.1" in t and "Score: 0" in t for t in toc), toc

    # Every check's sentence is visible without scrolling sideways.
    sentences = page.locator(".course-check-output").all()
    assert len(sentences) >= 10, "every check cell has its output"
    for box in sentences:
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), box.inner_text()[:80]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    first_wrong = page.locator(".course-check-output", has_text="1.1").first
    first_wrong.scroll_into_view_if_needed()
    page.shots("a-wrong-answer")
    wrong = first_wrong.inner_text()
    assert "FRE" in wrong or "fre" in wrong or "language" in wrong, wrong

    # No empty blocks where widgets were, and an empty result shows its column names apart.
    assert page.locator(".jupyter-widgets, .widget-area").count() == 0
    assert "bib_idtitle" not in page.locator("body").inner_text()

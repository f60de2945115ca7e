"""A group session on a projector (1280×720): projector mode, pause points, a group quiz, handouts.

The notebook under test is written into the learner workspace by the test: the course's setup
cell, prose, a ``%%sql`` query, a failing check, a quiz and the real pause point cells of module
02 (copied from its source notebook, so a change of their form shows here).  Sizes are measured
in the browser with ``getComputedStyle``; nothing here measures time.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from course import config
from course.widgets.projector import PAUSE_HEADING_SELECTOR, PAUSE_TAG, write_projector_css

VIEW = {"width": 1280, "height": 720}
MIN_PX = 20
PAUSE_MODULE = "02-summarizing-collections"
QUIZ_BANK, QUIZ_QID = "01-querying-the-catalog", "and-or"
SQL = (
    "SELECT language, count(*) AS records FROM bib GROUP BY language ORDER BY records DESC LIMIT 8"
)
FILLER = "\n\n".join(
    f"Paragraph {n}: prose a room reads from the screen while the facilitator talks it through."
    for n in range(1, 9)
)


def _pause_cells() -> list:
    path = config.repo_root() / "source" / PAUSE_MODULE / f"{PAUSE_MODULE}.ipynb"
    cells = [c for c in nbformat.read(path, 4).cells if PAUSE_TAG in c.metadata.get("tags", [])]
    assert len(cells) >= 2, f"{PAUSE_MODULE} should have two or more pause points"
    return cells


def _notebook(workspace, *, projector: bool) -> str:
    """Write the test notebook into the workspace; returns its path relative to it."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    setup = (
        "%load_ext course.kernel\nfrom course import check, db, widgets\n\n"
        "con = db.connect()  # the course database, read-only\n%sql con --alias library"
    )
    pauses = _pause_cells()
    cells = [
        nbformat.v4.new_markdown_cell("# Group session\n\n" + FILLER.split("\n\n")[0]),
        nbformat.v4.new_code_cell(setup),
    ]
    if projector:
        cells.append(nbformat.v4.new_code_cell("widgets.projector()"))
    cells += [
        nbformat.v4.new_markdown_cell("## Languages\n\nThe languages the catalog holds most."),
        nbformat.v4.new_code_cell(f"%%sql\n{SQL}"),
        pauses[0],
        nbformat.v4.new_code_cell('check.query("SELECT 1 AS x", "q1_1")'),
        nbformat.v4.new_markdown_cell(FILLER),
        nbformat.v4.new_code_cell(f'widgets.quiz("{QUIZ_BANK}", "{QUIZ_QID}")'),
        nbformat.v4.new_markdown_cell(FILLER),
        pauses[1],
        nbformat.v4.new_markdown_cell(FILLER),
    ]
    for cell in cells:  # Run All goes on past the failing check, as in the course's notebooks
        if cell.source.startswith("check.query("):
            cell.metadata["tags"] = ["raises-exception"]
    nb.cells = cells
    rel = "group-session.ipynb"
    nbformat.write(nb, workspace / rel)
    return rel


def _font_px(locator) -> float:
    locator.first.scroll_into_view_if_needed()
    return locator.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def _need_data():
    if not config.database_path("library").exists():
        pytest.skip("The course data is not built: run `course data` (or `make data`) first.")


def _sizes(lab) -> dict[str, float]:
    nb = lab.notebook
    return {
        "prose": _font_px(nb.locator(".jp-MarkdownCell .jp-RenderedMarkdown p")),
        "code": _font_px(nb.locator(".jp-CodeCell .jp-InputArea-editor .cm-line")),
        "result table": _font_px(nb.locator(".jp-OutputArea-output td")),
        "check message": _font_px(
            nb.locator(f".jp-OutputArea-output[data-mime-type='{lab.STDERR}'] pre")
        ),
        "quiz": _font_px(nb.locator(".course-quiz .widget-radio-box label")),
    }


def _top_in_notebook(lab, cell) -> float:
    """How far below the top of the notebook's visible area ``cell`` starts (px)."""
    return cell.evaluate(
        "(c) => c.getBoundingClientRect().top - "
        "c.closest('.jp-WindowedPanel-outer').getBoundingClientRect().top"
    )


def test_projector_mode_pause_points_and_a_group_quiz(lab, page):
    _need_data()
    page.set_viewport_size(VIEW)
    rel = _notebook(lab.server.workspace, projector=True)
    lab.open(rel)
    lab.run_all()
    toggle = lab.notebook.locator(".course-projector-toggle")
    lab.expect(toggle.get_by_role("button", name="Projector mode")).to_be_visible()
    lab.expect(page.locator("body.course-projector")).to_have_count(1)
    query = lab.code_cell(SQL[:30])
    lab.expect(lab.outputs(query).locator("td").first).to_be_visible()
    check_cell = lab.code_cell('check.query("SELECT 1')
    lab.expect(lab.outputs(check_cell, lab.STDERR)).to_contain_text("✗")

    # 1. Everything a room reads is 20 px or more.
    sizes = _sizes(lab)
    page.shots("projector-sizes")
    small = {k: v for k, v in sizes.items() if v < MIN_PX}
    assert not small, f"smaller than {MIN_PX} px at 1280×720 in projector mode: {small}"

    # 2. A query and its whole result fit on one screen together.
    index = lab.cells.evaluate_all("(cells, t) => cells.indexOf(t)", query.element_handle())
    page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").evaluate(
        "(outer, i) => { const c = outer.querySelectorAll('.jp-Cell')[i];"
        " outer.scrollTop += c.getBoundingClientRect().top - outer.getBoundingClientRect().top; }",
        index,
    )
    box = query.locator(".jp-InputArea").bounding_box()
    last_row = lab.outputs(query).locator("tr").last.bounding_box()
    outer = page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").bounding_box()
    page.shots("query-and-result")
    assert box["y"] >= outer["y"] - 1, "the query's first line is above the screen"
    assert last_row["y"] + last_row["height"] <= outer["y"] + outer["height"] + 1, (
        "the result's last row is below the screen: a query and its result do not fit together"
    )

    # 3. Pause points: a framed box, and the corner bar's button lands on each in turn.
    pauses = lab.notebook.locator(".jp-MarkdownCell").filter(
        has=page.locator(PAUSE_HEADING_SELECTOR)
    )
    lab.expect(pauses).to_have_count(2)
    frame = pauses.first.locator(".jp-RenderedMarkdown").evaluate(
        "e => parseFloat(getComputedStyle(e).borderTopWidth)"
    )
    assert frame >= 4, "a pause point must stand out by its frame, not by colour alone"
    page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").evaluate(
        "o => { o.scrollTop = 0; }"
    )
    next_button = page.locator("#course-group-bar").get_by_role(
        "button", name=re.compile("Next pause point")
    )
    for n in range(2):
        next_button.click()
        target = pauses.nth(n)
        lab.expect(target).to_be_in_viewport()
        top = _top_in_notebook(lab, target)
        assert -2 <= top <= 40, (
            f"pause point {n + 1} should be at the top of the screen (top={top})"
        )
        page.shots(f"pause-point-{n + 1}")
    page.locator("#course-group-bar").get_by_role("button", name="2 min").click()
    lab.expect(page.locator("#course-group-bar .course-countdown")).to_have_text(
        re.compile(r"^[12]:\d\d$")
    )

    # 4. A group quiz: lettered options, feedback that clears on a new choice, Reveal and Hide.
    question = json.loads(json.dumps(_quiz_question()))
    right = next(o for o in question["options"] if o["correct"])
    wrong = next(o for o in question["options"] if not o["correct"])
    quiz = lab.notebook.locator(".course-quiz")
    quiz.scroll_into_view_if_needed()
    feedback = quiz.locator(".course-quiz-feedback")
    quiz.get_by_role("radio", name=_lettered(wrong["text"])).check()
    quiz.get_by_role("button", name="Check").click()
    lab.expect(feedback).to_contain_text("✗ Not quite.")
    quiz.get_by_role("radio", name=_lettered(right["text"])).check()
    lab.expect(feedback).to_have_text("")
    reveal = quiz.get_by_role("button", name="Reveal the answer")
    lab.expect(reveal).to_be_visible()
    reveal.click()
    answers = quiz.locator(".course-quiz-reveal li")
    lab.expect(answers).to_have_count(len(question["options"]))
    lab.expect(quiz.locator(".course-quiz-reveal li.course-quiz-right")).to_contain_text(
        right["text"]
    )
    for option in question["options"]:
        lab.expect(quiz.locator(".course-quiz-reveal")).to_contain_text(option["text"])
    page.shots("quiz-revealed")
    quiz.get_by_role("button", name="Hide the answer").click()
    lab.expect(answers).to_have_count(0)
    assert lab.real_console_errors() == []


def _quiz_question() -> dict:
    from course.widgets import quiz_bank

    return quiz_bank(QUIZ_BANK)["questions"][QUIZ_QID]


def _lettered(text: str) -> re.Pattern:
    return re.compile(rf"^[A-H]\. {re.escape(text)}$")


@pytest.fixture
def projector_css(tmp_path, monkeypatch):
    """What ``course lab --projector`` does: write the projector's custom.css and name its folder
    in ``COURSE_PROJECTOR_CSS`` for the server (``lab_env`` passes the environment on).  Request
    this fixture before ``lab``, so the server starts with it."""
    from course.lab import LEARNER_CONFIG

    folder = tmp_path / "projector-css"
    write_projector_css(folder, LEARNER_CONFIG / "custom" / "custom.css")
    monkeypatch.setenv("COURSE_PROJECTOR_CSS", str(folder))
    return folder


def test_course_lab_projector_css_sizes_the_page_without_a_cell(projector_css, lab, page):
    """No projector cell: the custom.css alone makes every size 20 px or more and frames the
    pause points."""
    _need_data()
    page.set_viewport_size(VIEW)
    rel = _notebook(lab.server.workspace, projector=False)
    lab.open(rel)
    lab.run_all()
    sizes = _sizes(lab)
    page.shots("course-lab-projector")
    small = {k: v for k, v in sizes.items() if v < MIN_PX}
    assert not small, f"smaller than {MIN_PX} px with course lab --projector: {small}"
    frame = (
        lab.notebook.locator(".jp-MarkdownCell")
        .filter(has=page.locator(PAUSE_HEADING_SELECTOR))
        .first.locator(".jp-RenderedMarkdown")
        .evaluate("e => parseFloat(getComputedStyle(e).borderTopWidth)")
    )
    assert frame >= 4
    lab.expect(page.locator("body.course-projector")).to_have_count(0)


def test_a_handout_opens_and_prints_on_one_page(browser, tmp_path):
    from course.handouts import write_handouts

    module = PAUSE_MODULE
    (path,) = write_handouts(out=tmp_path / "handouts", modules=[module])
    context = browser.new_context(viewport={"width": 900, "height": 1200})
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        from playwright.sync_api import expect

        expect(page.locator("h1")).to_contain_text("02 ·")
        expect(page.locator("section.pause")).to_have_count(len(_pause_cells()))
        expect(page.locator("h2", has_text="Key points")).to_be_visible()
        page.screenshot(path=str(tmp_path / "handout.png"), full_page=True)
        pdf = page.pdf(format="A4")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"the handout of {module} prints on {pages} A4 pages, not one"
    finally:
        context.close()

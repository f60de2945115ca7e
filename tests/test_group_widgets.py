"""Group sessions: per-learner shuffled quizzes, group mode (Reveal, votes), projector mode's
kernel side, and the pause point form the gate checks."""

from __future__ import annotations

import importlib
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from course import widgets
from course.widgets.quiz import LETTERS, option_order, quiz_banks_dir

# The package's names ``quiz`` and ``projector`` are functions; these are the modules.
quiz_module = importlib.import_module("course.widgets.quiz")
proj = importlib.import_module("course.widgets.projector")

BANKS = sorted(quiz_banks_dir().glob("*.yml"))


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("COURSE_QUIZ_SEED", raising=False)
    for name in ("COURSE_GROUP", "COURSE_PROJECTOR", "COURSE_PROJECTOR_CSS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSE_PROGRESS", "off")
    monkeypatch.setitem(quiz_module._STATE, "group", None)
    return tmp_path / "workspace"


def _questions():
    for path in BANKS:
        bank = widgets.quiz_bank(path)
        for qid, question in bank["questions"].items():
            yield bank["module"], qid, question


# -- the banks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_no_bank_puts_the_right_answer_in_one_position_by_habit(path):
    """In the bank's own order (handouts print it), no position holds the (first) right answer
    in more than half the questions."""
    questions = widgets.quiz_bank(path)["questions"]
    firsts = Counter(
        next(i for i, o in enumerate(q["options"]) if o["correct"]) for q in questions.values()
    )
    position, count = firsts.most_common(1)[0]
    assert count <= len(questions) / 2, (
        f"{path.name}: the right answer is option {LETTERS[position]} in {count} of "
        f"{len(questions)} questions"
    )


def test_the_position_rule_catches_a_bank_with_the_answer_always_first():
    questions = {"a": {"options": [{"correct": True}, {"correct": False}]}} | {
        "b": {"options": [{"correct": True}, {"correct": False}]},
        "c": {"options": [{"correct": False}, {"correct": True}]},
    }
    firsts = Counter(
        next(i for i, o in enumerate(q["options"]) if o["correct"]) for q in questions.values()
    )
    assert firsts.most_common(1)[0][1] > len(questions) / 2


@pytest.mark.parametrize("module,qid,question", list(_questions()), ids=lambda v: str(v)[:30])
def test_a_right_answer_reads_right_once(module, qid, question):
    """The ✓ line never says "Right. Right:" or "Right. Yes:" (issue 10, item 9)."""
    q = quiz_module.Quiz(question, qid=qid, module=module, seed="s")
    right = [i for i, o in enumerate(question["options"]) if o["correct"]]
    q.choose(*right)
    assert q.check() is True
    text = re.sub(r"<[^>]+>", "", q.feedback.value)
    assert text.startswith("✓ Right. ")
    assert not re.match(r"✓ Right\. (Right|Yes|Correct)\b", text), text


# -- shuffling ------------------------------------------------------------------------------------


def test_the_order_is_a_stable_shuffle_per_learner(env):
    first = widgets.quiz("02-summarizing-collections", "count-null")
    again = widgets.quiz("02-summarizing-collections", "count-null")
    assert sorted(first.order) == list(range(len(first.question["options"])))
    assert first.order == again.order and first.choices.options == again.choices.options
    seed_file = env / quiz_module.SEED_FILE
    assert seed_file.exists(), "the learner's seed must be kept in the workspace"
    # The same learner on another day (a new kernel): the same order, read from the file.
    assert option_order(4, module="02-summarizing-collections", qid="count-null") == first.order
    # Other learners see other orders for some questions.
    orders = {
        tuple(option_order(4, module="m", qid=f"q{n}", seed=f"learner-{k}"))
        for k in range(6)
        for n in range(3)
    }
    assert len(orders) > 3


def test_options_are_lettered_and_a_choice_maps_back_to_the_bank():
    q = widgets.quiz("00-start-here", "run-a-cell")
    labels = q.choices.options
    assert [label[:3] for label in labels] == ["A. ", "B. ", "C. ", "D. "]
    right = next(i for i, o in enumerate(q.question["options"]) if o["correct"])
    q.choose(right)
    assert q.selected() == [right]
    assert labels[q.order.index(right)] == f"{q.letter(right)}. Shift + Enter"


def test_feedback_clears_when_the_choice_changes():
    q = widgets.quiz("00-start-here", "checks_failed")
    wrong = next(i for i, o in enumerate(q.question["options"]) if not o["correct"])
    right = next(i for i, o in enumerate(q.question["options"]) if o["correct"])
    q.choose(wrong)
    assert q.check() is False and "✗ Not quite." in q.feedback.value
    q.choose(right)
    assert "Not quite" not in q.feedback.value and "✓" not in q.feedback.value
    multi = widgets.quiz("00-start-here", "sql_clauses")
    multi.boxes[0].value = True
    multi.check()
    assert "✓" in multi.feedback.value or "✗" in multi.feedback.value
    multi.boxes[1].value = True
    assert "✓" not in multi.feedback.value and "✗" not in multi.feedback.value


# -- group mode -----------------------------------------------------------------------------------


def test_group_tools_are_hidden_for_a_learner_and_shown_in_group_mode(monkeypatch):
    q = widgets.quiz("03-joining-the-library-system", "fan_out")
    assert q.group_tools.layout.display == "none"
    widgets.group_mode(True)
    assert q.group_tools.layout.display is None, "live quizzes follow the group mode"
    later = widgets.quiz("03-joining-the-library-system", "which_join")
    assert later.group_tools.layout.display is None
    widgets.group_mode(False)
    assert q.group_tools.layout.display == "none"
    monkeypatch.setitem(quiz_module._STATE, "group", None)
    monkeypatch.setenv("COURSE_GROUP", "1")
    assert (
        widgets.quiz("03-joining-the-library-system", "fan_out").group_tools.layout.display is None
    )


def test_reveal_shows_the_right_option_and_every_explanation_then_hides():
    q = widgets.quiz("03-joining-the-library-system", "fan_out", group=True)
    assert q.revealed.value == ""
    assert q.toggle_reveal() is True
    shown = q.revealed.value
    for i, option in enumerate(q.question["options"]):
        letter = q.letter(i)
        mark = "✓ right" if option["correct"] else "✗ not right"
        assert re.search(
            rf">{letter}</span> <strong>{re.escape(option['text'])}</strong> \({mark}\)", shown
        )
        assert option["feedback"].split(": ", 1)[-1][:30] in shown
    assert q.reveal_button.description == "Hide the answer"
    assert q.toggle_reveal() is False and q.revealed.value == ""


def test_the_rooms_votes_become_bars():
    q = widgets.quiz("01-querying-the-catalog", "and-or", group=True)
    for box, count in zip(q.votes, [3, 12, 1], strict=True):
        box.value = count
    q.votes_button.click()
    chart = q.chart.value
    assert 'aria-label="Votes: A 3, B 12, C 1"' in chart
    assert "width:19%" in chart and "width:75%" in chart and "width:6%" in chart


# -- projector mode (kernel side) ------------------------------------------------------------------


def test_projector_enlarges_charts_and_turns_group_mode_on_then_restores():
    import matplotlib

    before = matplotlib.rcParams["font.size"]
    p = widgets.projector()
    assert p.toggle.value is True and widgets.group_mode() is True
    assert matplotlib.rcParams["font.size"] >= 20
    assert matplotlib.rcParams["xtick.labelsize"] >= 20
    p.toggle.value = False
    assert matplotlib.rcParams["font.size"] == before
    assert widgets.group_mode() is False


def test_page_css_sizes_everything_a_room_reads():
    css = proj.page_css(projector=True)
    for selector in (
        ".jp-RenderedHTMLCommon td",  # result tables
        ".jp-OutputArea-output pre",  # check messages
        ".course-quiz .widget-radio-box label",  # quiz options
        ".jp-InputArea-editor .cm-content",  # code
    ):
        assert f"body {selector}" in css and f"body.course-projector {selector}" in css
    sizes = [int(s) for s in re.findall(r"body [^{]*\{[^}]*?font-size: (\d+)px", css)]
    assert sizes and min(sizes) >= 20
    assert "body {" not in proj.page_css(projector=False).replace("body.course-projector", "")


def test_the_learners_custom_css_carries_the_pause_point_and_quiz_styles(tmp_path):
    """Every learner's page frames pause points and styles the group quiz: the group-session
    section of course/jupyter/learner/custom/custom.css, which the projector script injects too."""
    from course.lab import LEARNER_CONFIG

    learner = (LEARNER_CONFIG / "custom" / "custom.css").read_text()
    assert (
        proj.GROUP_CSS in learner and proj.LEARNER_CSS == LEARNER_CONFIG / "custom" / "custom.css"
    )
    frame = f".jp-MarkdownCell:has({proj.PAUSE_HEADING_SELECTOR}) .jp-RenderedMarkdown {{"
    assert frame in proj.GROUP_CSS and "border: 5px solid" in proj.GROUP_CSS
    assert "outline: 3px dashed" in proj.GROUP_CSS  # shape, not colour alone
    for rule in (
        ".course-quiz-letter",
        ".course-quiz-right",
        ".course-quiz-bar",
        "#course-group-bar",
    ):
        assert rule in proj.GROUP_CSS, rule
    assert proj.GROUP_CSS in proj.page_css()
    assert json.dumps(proj.GROUP_CSS)[1:-1] in proj._script(True)  # what the toggle injects
    path = proj.write_projector_css(tmp_path / "css", LEARNER_CONFIG / "custom" / "custom.css")
    text = path.read_text()
    assert text.startswith(learner) and "body .jp-RenderedHTMLCommon td" in text


def test_the_learner_config_serves_the_projector_css_when_named(tmp_path, monkeypatch):
    from traitlets.config import Config

    from course.lab import LEARNER_CONFIG

    path = LEARNER_CONFIG / "jupyter_server_config.py"
    source = path.read_text()

    def run() -> list[str]:
        c = Config()
        exec(compile(source, str(path), "exec"), {"get_config": lambda: c, "__file__": str(path)})
        return list(c.ServerApp.tornado_settings.get_value({})["static_custom_path"])

    monkeypatch.delenv("COURSE_PROJECTOR_CSS", raising=False)
    assert run() == [str(LEARNER_CONFIG / "custom")]
    monkeypatch.setenv("COURSE_PROJECTOR_CSS", str(tmp_path))
    assert run() == [str(tmp_path), str(LEARNER_CONFIG / "custom")]


# -- pause points ---------------------------------------------------------------------------------


def _md(source, tags=()):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["tags"] = list(tags)
    return cell


def test_pause_points_in_the_agreed_form_pass():
    cells = [
        _md("# Module"),
        _md("### ⏸ Pause point 1 · Your own reports\n\nTalk for 3 minutes.", ["pause-point"]),
        nbformat.v4.new_code_cell("SELECT 1"),
        _md("### ⏸ Pause point 2 · Loans by month\n\nWhat would you do?", ["pause-point"]),
    ]
    assert proj.pause_point_problems(cells) == []


@pytest.mark.parametrize(
    "cells,expected",
    [
        ([_md("### ⏸ Pause point 1 · Only one", ["pause-point"])], "needs two or more"),
        (
            [
                _md("### ⏸ Pause point 1 · A", ["pause-point"]),
                _md("### ⏸ Pause point 2 · B"),
            ],
            "without the 'pause-point' tag",
        ),
        (
            [
                _md("### ⏸ Pause point 1 · A", ["pause-point"]),
                _md("**Pause point 2.** Discuss.", ["pause-point"]),
            ],
            "first line is not",
        ),
        (
            [
                _md("### ⏸ Pause point 1 · A", ["pause-point"]),
                _md("### ⏸ Pause point 2 · B", ["pause-point"]),
                _md("> **Pause point (groups).** Discuss."),
            ],
            "old form",
        ),
        (
            [
                _md("### ⏸ Pause point 1 · A", ["pause-point"]),
                _md("### ⏸ Pause point 3 · B", ["pause-point"]),
            ],
            "numbered [1, 3]",
        ),
        ([], "has 0 pause point(s)"),
    ],
)
def test_pause_points_not_in_the_agreed_form_fail(cells, expected):
    problems = proj.pause_point_problems(cells)
    assert any(expected in p for p in problems), problems


def test_an_old_pause_point_converts_to_the_agreed_form():
    old = _md(
        '> **Pause point (groups).** How does your own system say\n> "and" and "or"? '
        "Talk for five minutes."
    )
    other = _md("> **Pause point (groups).** Second prompt.")
    proj.to_pause_point(old, 1, "And and or in your system")
    proj.to_pause_point(other, 2, "Second")
    assert old.source.startswith("### ⏸ Pause point 1 · And and or in your system\n\nHow does")
    assert '"and" and "or"' in old.source and ">" not in old.source
    assert proj.pause_point_problems([old, other]) == []


def test_the_gate_fails_a_module_whose_pause_point_lost_its_tag(tmp_path):
    from course import config
    from course.grading import static_findings

    root = config.repo_root()
    copy = tmp_path / "course"
    for name in ("source", "release"):
        shutil.copytree(root / name / "00-start-here", copy / name / "00-start-here")
    path = copy / "source/00-start-here/00-start-here.ipynb"
    assert not [f for f in static_findings(copy) if "pause point" in f.message.lower()]
    nb = nbformat.read(path, 4)
    cell = next(c for c in nb.cells if "pause-point" in c.metadata.get("tags", []))
    cell.metadata["tags"].remove("pause-point")
    nbformat.write(nb, path)
    messages = [f.message for f in static_findings(copy)]
    assert any("without the 'pause-point' tag" in m for m in messages), messages
    assert any("needs two or more" in m for m in messages), messages


# -- handouts -------------------------------------------------------------------------------------


def test_a_handout_holds_the_modules_pause_points_quizzes_and_key_points(tmp_path):
    from course import config
    from course.handouts import handout, write_handouts

    module = "02-summarizing-collections"
    nb = nbformat.read(config.repo_root() / "source" / module / f"{module}.ipynb", 4)
    tagged = [c for c in nb.cells if "pause-point" in c.metadata.get("tags", [])]
    calls = re.findall(
        r'widgets\.quiz\("([^"]+)", "([^"]+)"\)', "\n".join(c.source for c in nb.cells)
    )
    made = handout(module)
    assert made.title.startswith("02 ·")
    assert len(made.pause_points) == len(tagged) >= 2
    assert [q["prompt"] for q in made.quizzes] == [
        widgets.quiz_bank(b)["questions"][q]["prompt"] for b, q in calls
    ]
    assert "count(*)" in made.key_points
    (page,) = write_handouts(out=tmp_path, modules=[module])
    text = page.read_text()
    assert (tmp_path / "index.html").exists()
    heading = tagged[0].source.split("\n", 1)[0].replace("### ⏸ ", "")
    assert heading in text
    assert text.count('<section class="pause">') == len(tagged)


# -- course doctor --------------------------------------------------------------------------------


def test_course_doctor_says_ready_or_names_each_problem(data_dir, tmp_path, monkeypatch):
    from course import doctor
    from course.workspace import sync_workspace

    lines: list[str] = []
    monkeypatch.setenv("COURSE_VIA", "make")  # the sentences name the route taken
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "no-workspace"))
    assert doctor.run(lines.append) == 1
    assert [line[0] for line in lines[:-1]] == ["✓", "✓", "✗", "✗", "✓"]
    assert "make data" in lines[2] and "course workspace" in lines[3]
    assert not (tmp_path / "no-workspace").exists(), "the check must not create the workspace"

    lines.clear()
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    sync_workspace(workspace=tmp_path / "workspace")
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    assert doctor.run(lines.append) == 0, lines
    assert all(line.startswith("✓") for line in lines[:-1])
    assert lines[-1].startswith("Ready for the session.")


def test_course_lab_projector_names_the_projector_css_and_group_mode(tmp_path, monkeypatch):
    """`course lab --projector` starts JupyterLab with COURSE_PROJECTOR_CSS (the learner CSS plus
    projector sizes, written to Jupyter's runtime folder) and group mode for the kernels."""
    import course.lab as lab
    from course.workspace import sync_workspace

    sync_workspace(workspace=tmp_path / "workspace")
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setattr(lab, "setup_jupyter", lambda prefix=None: [])
    seen = {}
    monkeypatch.setattr(lab.subprocess, "call", lambda cmd, env, cwd: seen.update(env) or 0)
    assert lab.run_lab(port=lab_free_port(), open_browser=False, projector=True) == 0
    assert seen["COURSE_GROUP"] == "1" and seen["COURSE_PROJECTOR"] == "1"
    css = Path(seen["COURSE_PROJECTOR_CSS"]) / "custom.css"
    assert css.is_relative_to(tmp_path / "runtime") and "body .course-quiz" in css.read_text()
    seen.clear()
    assert lab.run_lab(port=lab_free_port(), open_browser=False) == 0
    assert "COURSE_PROJECTOR_CSS" not in seen and "COURSE_GROUP" not in seen


def lab_free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

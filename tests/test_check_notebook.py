"""What a learner sees in a real kernel: one line per check, one-line errors, tables, jupysql."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.check.nbrun import SETUP, code, execute, notebook, scores, test_cell

pytestmark = pytest.mark.slow

SETUP_00 = SETUP + '\ncheck.use_demo("00-start-here")'  # as module 00's setup cell
GOOD = "SELECT title, date1 FROM shelf WHERE date1 >= 2000"
BAD = "SELECT title, date1 FROM shelf WHERE date1 >= 1990"
TEST = 'from course import check\ncheck.query(q0_1, "q0_1")'
TEST_BANK = Path(__file__).parent / "fixtures" / "answers" / "banks" / "90-check-lab.yml"


@pytest.fixture(autouse=True)
def env(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    return tmp_path


def outputs(cell) -> list[tuple]:
    found = []
    for out in cell.outputs:
        if out.output_type == "stream":
            found.append((out.name, out.text))
        elif out.output_type == "error":
            found.append(("error", out.ename, list(out.traceback)))
        else:
            found.append((out.output_type, sorted(out.data)))
    return found


def test_a_failing_check_shows_one_line_and_no_traceback(env):
    nb = execute(
        notebook(
            [
                SETUP_00,
                f"q0_1 = {BAD!r}",
                test_cell(TEST, "minimal"),
                "%xmode Context",
                test_cell(TEST, "context"),
            ]
        ),
        env,
    )
    for index in (2, 4):
        assert outputs(nb.cells[index]) == [
            (
                "error",
                "CheckFailed",
                [
                    "✗ Question 0.1: You have 8 rows, expected fewer (6): "
                    "check the WHERE conditions."
                ],
            )
        ]
    assert scores(nb) == {"minimal": 0.0, "context": 0.0}


def test_a_passing_check_shows_one_line_and_no_value(env):
    nb = execute(notebook([SETUP_00, f"q0_1 = {GOOD!r}", test_cell(TEST, "ok")]), env)
    assert outputs(nb.cells[2]) == [("stdout", "✓ Question 0.1: correct (6 rows, 2 columns).\n")]
    assert scores(nb) == {"ok": 1.0}


def test_show_displays_a_table_or_one_sentence(env):
    nb = execute(
        notebook(
            [
                SETUP_00,
                f"check.show({GOOD!r})",
                "check.show('SELECT title FORM shelf')",
                "check.show(42)",
            ]
        ),
        env,
    )
    shown = nb.cells[1].outputs[0]
    assert shown.output_type == "display_data"
    html = shown.data["text/html"]
    assert 'class="course-result"' in html and "6 rows" in html
    assert outputs(nb.cells[2]) == [
        (
            "stdout",
            "DuckDB could not read your SQL near line 1 (`SELECT title FORM shelf`): syntax error "
            'at or near "shelf" -- is "FORM" meant to be FROM?\n',
        )
    ]
    assert outputs(nb.cells[3])[0][0] == "stdout"


def test_jupysql_results_are_checked_by_re_running_their_sql(env, data_dir):
    """On the (fixture) course data, as later modules use it: %sql on a read-only connection."""
    library = str(data_dir / "library.duckdb")
    bank = str(TEST_BANK)
    check = f'from course import check\ncheck.query(q, "q90_10", module={bank!r})'
    nb = execute(
        notebook(
            [
                SETUP,
                f"import duckdb\ncon = duckdb.connect({library!r}, read_only=True)\n"
                "%load_ext sql\n%sql con",
                "q = %sql SELECT code, name FROM branch ORDER BY name",
                test_cell(check + f'\ncheck.hidden(q, "q90_10", module={bank!r})', "line_magic"),
                "%%sql --save branches\nSELECT code, name FROM branch",
                code("%%sql q <<\nSELECT * FROM branches ORDER BY code"),
                test_cell(check, "cell_magic_wrong"),
            ]
        ),
        env,
    )
    assert scores(nb) == {"line_magic": 1.0, "cell_magic_wrong": 0.0}
    assert "sorted by their code" in outputs(nb.cells[6])[0][2][0]


def test_widgets_display_without_stderr(env):
    nb = execute(
        notebook(
            [
                SETUP_00 + "\nfrom course import widgets",
                "widgets.quiz('00-start-here', 'sql_clauses')",
                "widgets.sandbox('q0_2', 'SELECT 1')",
                "widgets.hints('q0_2')",
                "widgets.progress()",
            ]
        ),
        env,
    )
    for cell in nb.cells[1:]:
        kinds = outputs(cell)
        assert kinds and all(k[0] not in ("stderr", "error") for k in kinds), kinds
        assert any("application/vnd.jupyter.widget-view+json" in k[1] for k in kinds)

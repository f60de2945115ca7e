"""The learner's kernel (``%load_ext course.kernel``): silent set-up and one sentence per error.

The sentences are tested directly; a real kernel (nbclient) proves they are what a cell shows,
that loading twice prints nothing, that a restarted kernel (which runs only the start-up line
``course setup`` installs) answers in one sentence, and that a check refuses an answer whose cell
failed since it was last assigned.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from course import kernel

SETUP = """%load_ext course.kernel
from course import check, db, widgets

con = db.connect()  # the course database, read-only
%sql con --alias library"""


def _syntax_error(cell: str) -> SyntaxError:
    try:
        compile(cell, "<cell>", "exec")
    except SyntaxError as exc:
        return exc
    raise AssertionError("the cell compiled")


def test_sql_outside_the_triple_quotes_is_named():
    cell = "q1_1 = None\nSELECT bib_id, title\nFROM bib"
    sentence = kernel.sentence_for(_syntax_error(cell), cell)
    assert sentence.startswith("✗ Line 2 of this cell is SQL outside the triple quotes")


def test_a_query_assigned_without_quotes_is_named():
    cell = "q1_1 = SELECT bib_id, title FROM bib"
    sentence = kernel.sentence_for(_syntax_error(cell), cell)
    assert sentence.startswith('✗ The query on line 1 is not in quotes: write q1_1 = """')


def test_unclosed_triple_quotes_name_the_line_they_open_on():
    cell = 'x = 1\nq1_1 = """\nSELECT bib_id\nFROM bib\n'
    sentence = kernel.sentence_for(_syntax_error(cell), cell)
    assert "opened on line 2 of this cell are never closed" in sentence


def test_other_syntax_errors_still_get_one_sentence():
    cell = "x = (1,\n"
    sentence = kernel.sentence_for(_syntax_error(cell), cell)
    assert sentence.startswith("✗ ") and "\n" not in sentence


def test_names_the_setup_cell_defines_send_the_learner_back_to_it():
    for name in ("con", "check", "widgets", "db"):
        sentence = kernel.sentence_for(NameError(f"name '{name}' is not defined", name=name))
        assert "run the first code cell of the notebook again" in sentence


def test_a_missing_answer_points_at_its_answer_cell():
    sentence = kernel.sentence_for(NameError("name 'q1_2' is not defined", name="q1_2"))
    assert sentence.startswith("✗ There is no answer q1_2 yet")


def test_other_errors_keep_their_own_line():
    assert kernel.sentence_for(NameError("name 'titel' is not defined", name="titel")) is None
    assert kernel.sentence_for(ZeroDivisionError("division by zero")) is None


def test_install_startup_is_idempotent_and_keeps_other_lines(tmp_path):
    path = tmp_path / "etc" / "ipython" / "ipython_kernel_config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"InteractiveShellApp": {"exec_lines": ["x = 1"]}}))
    assert kernel.install_startup(tmp_path) == [str(path)]
    assert kernel.install_startup(tmp_path) == []
    lines = json.loads(path.read_text())["InteractiveShellApp"]["exec_lines"]
    assert lines == ["x = 1", kernel.STARTUP_LINE]


def _run(cells: list[str], cwd) -> list[dict]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute(cwd=str(cwd))
    seen = []
    for cell in nb.cells:
        out = {"stdout": "", "stderr": "", "error": None, "html": ""}
        for o in cell.outputs:
            if o.output_type == "stream":
                out[o.name] += o.text
            elif o.output_type == "error":
                out["error"] = "\n".join(o.traceback)
            elif "text/html" in o.get("data", {}):
                out["html"] += o["data"]["text/html"]
        seen.append(out)
    return seen


@pytest.fixture
def kernel_env(data_dir, tmp_path, monkeypatch):
    """A kernel like a learner's: the fixture data, and the start-up line in its IPython dir."""
    ipython = tmp_path / "ipython" / "profile_default"
    kernel.install_startup(tmp_path / "prefix")
    ipython.mkdir(parents=True)
    config = tmp_path / "prefix" / "etc" / "ipython" / "ipython_kernel_config.json"
    (ipython / "ipython_kernel_config.json").write_text(config.read_text())
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    return tmp_path


def test_a_real_kernel_gives_one_sentence_and_never_judges_an_old_answer(kernel_env):
    cells = [
        # a restarted kernel: the setup cell has not run
        "%%sql\nSELECT 1",
        'widgets.hints("q1_2")',
        'from course import check\n\ncheck.query(q1_1, "q1_1")',
        # the setup cell, twice: nothing printed, nothing on stderr
        SETUP,
        SETUP,
        # a right answer, then the same cell broken (SQL outside the quotes) and its check
        'q1_1 = """\nSELECT bib_id, title\nFROM bib\nWHERE language = \'fre\'\n"""',
        'from course import check\n\ncheck.query(q1_1, "q1_1")',
        "q1_1 = None\nSELECT bib_id, title\nFROM bib\nWHERE language = 'fre'",
        'from course import check\n\ncheck.query(q1_1, "q1_1")',
        # an unclosed triple quote
        'q1_1 = """\nSELECT bib_id, title\nFROM bib\n',
        # fixed again: the check runs again
        'q1_1 = """\nSELECT bib_id, title\nFROM bib\nWHERE language = \'fre\'\n"""',
        'from course import check\n\ncheck.query(q1_1, "q1_1")',
        "1 / 0",
        # %%sql results: NULL, the real row count, raw MARC with its blanks, one-sentence errors
        "%%sql\nSELECT bib_id, title, date1 FROM bib ORDER BY date1 NULLS FIRST, bib_id",
        "%%sql\nSELECT '008' AS tag, ' ' AS ind1,\n"
        "'000324m99991993to ab    b    000 0 eng d' AS value",
        "%%sql\nSELECT titel FROM bib",
        "%%sql\nSELEC bib_id FROM bib",
    ]
    out = _run(cells, kernel_env)
    assert "SQL cells do not work yet" in out[0]["error"]
    assert "`widgets` is not defined" in out[1]["error"]
    assert out[2]["error"].startswith("✗ There is no answer q1_1 yet")
    for setup in out[3:5]:
        assert setup == {"stdout": "", "stderr": "", "error": None, "html": ""}
    assert out[6]["stdout"].startswith("✓ Question 1.1") and out[6]["error"] is None
    assert "SQL outside the triple quotes" in out[7]["error"]
    assert out[8]["stdout"] == ""
    assert "did not finish the last time it ran" in out[8]["error"]
    assert "never closed" in out[9]["error"]
    assert out[11]["stdout"].startswith("✓ Question 1.1") and out[11]["error"] is None
    # other errors keep Python's one line (minimal tracebacks), no frames
    assert "ZeroDivisionError" in out[12]["error"] and "Traceback" not in out[12]["error"]
    html = out[13]["html"]
    assert "Showing 20 of" in html and "Truncated" not in html
    assert '<td class="t null">NULL</td>' in html  # fixture bibs have missing (NULL) dates
    assert html.count("<tr>") == 21  # the header and 20 rows
    marc = out[14]["html"]
    assert ">000324m99991993to#ab####b####000#0#eng#d</code>" in marc
    assert ">#</code>" in marc  # a blank indicator
    assert out[15]["error"] == (
        "✗ There is no column called titel in the tables this SQL reads near line 1 "
        "(`SELECT titel FROM bib`): did you mean title?"
    )
    assert out[16]["error"].startswith("✗ DuckDB could not read this SQL near line 1")
    assert all(o["stderr"] == "" for o in out)


def test_sql_results_table_says_how_many_rows_and_keeps_marc_positions():
    from course.check import sqlview

    html = sqlview.table_html(["language", "records", "bib_id"], [("eng", 26337, 12345)], 204)
    assert "Showing 1 of 204 rows." in html
    assert ">26,337<" in html and ">12345<" in html  # a count gets separators, an ID does not
    assert sqlview.table_html(["n"], [(None,)], 1).count("NULL") == 1
    assert sqlview.marc_html("a  b").endswith(">a##b</code>")

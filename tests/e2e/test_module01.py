"""A wrong answer in module 01, as a learner meets it: one ✗ sentence, never a traceback.

The learner runs the whole notebook, types a typical cataloger's mistake into the first answer
cell (the language code in capitals), runs it and its check cell, and must read the exercise
bank's own sentence for that mistake on one line, with one short error line below it.
"""

from __future__ import annotations

import pytest
import yaml

from course import config

MODULE = "01-querying-the-catalog"
NOTEBOOK = f"{MODULE}/{MODULE}.ipynb"
QID, LABEL = "q1_1", "Question 1.1"
#: Language codes are stored in small letters (MARC 008/35-37); capitals find nothing.
WRONG_SQL = "SELECT bib_id, title FROM bib WHERE language = 'FRE'"
TRACEBACK_SIGNS = ("Traceback", "----> ", 'File "', "Cell In[")


def _mistake_message(sql: str) -> str:
    """The bank's sentence for the mistake ``sql`` makes (the learner must see exactly it)."""
    path = config.repo_root() / "course" / "exercises" / f"{MODULE}.yml"
    bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    for mistake in bank["exercises"][QID].get("mistakes", []):
        if " ".join(mistake["sql"].split()) == sql:
            return mistake["message"]
    pytest.fail(f"The exercise bank no longer lists {sql!r} as a mistake of {QID}: fix WRONG_SQL.")


def test_wrong_answer_shows_one_sentence_not_a_traceback(lab, page):
    if not (config.repo_root() / "release" / NOTEBOOK).exists():
        pytest.fail(f"release/{NOTEBOOK} is missing: run `course release`.")
    if not config.database_path("library").exists():
        pytest.skip("The course data is not built: run `course data` (or `make data`) first.")
    expected = f"✗ {LABEL}: {_mistake_message(WRONG_SQL)}"
    assert "{" not in expected, "this mistake's message has placeholders; pick another"

    lab.open(NOTEBOOK)
    lab.run_all()
    setup = lab.code_cell("%load_ext course.kernel")
    lab.expect(lab.outputs(setup, lab.STDOUT)).to_contain_text("Ready")

    answer = lab.code_cell(f"{QID} = None")
    check_cell = lab.next_code_cell(answer)
    assert f'check.query({QID}, "{QID}")' in lab.source(check_cell)

    lab.set_source(answer, lab.source(answer).replace(f"{QID} = None", f'{QID} = "{WRONG_SQL}"', 1))
    lab.run_cell(answer)
    lab.run_cell(check_cell)
    check_cell.scroll_into_view_if_needed()
    page.shots("module01-check")

    # The failed check is one line, shown once: exactly the bank's sentence for this mistake,
    # in the error output (the red box), and nothing else -- no traceback, no repeat.
    lab.expect(lab.outputs(check_cell, lab.STDOUT)).to_have_count(0)
    lab.expect(lab.outputs(check_cell, lab.STDERR)).to_have_count(1)
    error = lab.output_text(check_cell, lab.STDERR).strip()
    assert len(error.splitlines()) == 1, error
    assert error == expected
    everything = lab.output_text(check_cell)
    assert not [sign for sign in TRACEBACK_SIGNS if sign in everything], everything

    # The answer cell itself showed the learner's result (no error there either).
    lab.expect(lab.outputs(answer, lab.STDERR)).to_have_count(0)
    assert lab.real_console_errors() == []

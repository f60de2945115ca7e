"""How a fixture answer (`tests/fixtures/answers/*.yml`) becomes what a check is handed.

One function for every place that replays fixture answers: ``tests/test_check_fixtures.py`` (this
process), and the runners of ``tests/test_learner_build.py`` and ``bench/bench_learner_check.py``,
which copy this file beside the script they start in another environment (a fresh venv where only
the installed course is importable), so both builds turn an answer into the same object.
"""

from __future__ import annotations

import duckdb


def answer_of(variant: dict, bank=None, qid=None):
    """The answer: SQL text, a value, a learner's function, or a DataFrame read from the data."""
    from course import check
    from course.check import database

    if "python" in variant:  # kind: python -- the answer is the function the source defines
        namespace: dict = {}
        exec(compile(variant["python"], f"<fixture {qid}>", "exec"), namespace)
        return namespace[check.exercise(qid, module=bank).function]
    if "sql" in variant:
        return variant["sql"]
    if "value" in variant:
        return variant["value"]
    con = duckdb.connect(str(database.course_path("library")), read_only=True)
    try:
        if "sql_from" in variant:
            return con.execute(variant["sql_from"]).fetchone()[0]
        return con.execute(variant["frame_sql"]).df()
    finally:
        con.close()

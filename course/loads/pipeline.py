"""Module 09's batch-load pipeline: stage, validate, match, overlay or add, export.

Every step is SQL over the staged batch: the reference answer of an exercise of
``course/exercises/09-batch-loads.yml`` (read from the bank, so the statements exist once), or in
the learner build, which holds no references, the learner's own answer (see :data:`STEPS`), run
here on a whole file: the vendor's delivery in the notebook, the 250,000-record LoC file in the
big run and in ``bench/bench_batch_load.py``.

Tables, in a schema of the learner's scratch database (``vendor``, ``big``):

``batch_record`` / ``batch_field`` / ``batch_subfield`` / ``batch_reject``
    the file as the course's MARC loader stages it (record_id = position in the file);
``batch_title``, ``missing_field``, ``bad_isbn``, ``duplicate_001``, ``reject_report``
    the validation rules and the report for the vendor;
``match_point``, ``match_decision``
    the match points found in the catalog and the decision per record (new / overlay / reject);
``catalog_title``, ``incoming``
    the catalog the batch is loaded into (a local copy) and the records to load.

The catalog to match against is read from the course database (attached read-only as
``library``) through the temporary views ``catalog_bib`` and ``catalog_isbn``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from course.data.marc.load import load_marc

__all__ = [
    "STEPS",
    "StepMissing",
    "statement",
    "RunStats",
    "stage",
    "use_catalog",
    "validate",
    "match",
    "prepare_overlay",
    "overlay",
    "run",
    "table_checksum",
]


#: The catalog's ISBNs, each in both forms (ISBN-10 and ISBN-13), one per row.
CATALOG_ISBN = """
CREATE OR REPLACE TEMP VIEW catalog_isbn AS
SELECT DISTINCT bib_id, isbn FROM (
  SELECT bib_id, replace(isbn, '-', '') AS isbn FROM library.bib_isbn
  WHERE is_valid AND subfield = 'a'
  UNION ALL
  SELECT bib_id, isbn13 FROM library.bib_isbn WHERE is_valid AND subfield = 'a'
) {where}
"""

#: What exercise 9.10 starts from: the records to load, with their normalized LCCN and title.
INCOMING = r"""
CREATE TABLE incoming AS
SELECT d.record_id, d.bib_id, d.outcome, t.control_number,
       (SELECT min(regexp_replace(regexp_replace(s.value, '\s', '', 'g'), '/.*$', ''))
        FROM batch_field AS f JOIN batch_subfield AS s USING (record_id, field_seq)
        WHERE f.record_id = d.record_id AND f.tag = '010' AND s.code = 'a') AS lccn,
       t.title
FROM match_decision AS d JOIN batch_title AS t USING (record_id)
"""


#: The steps in order, each the answer to one exercise of module 09.  Its statement is that
#: exercise's reference in the full build (the bank holds it, once) and, in the learner build,
#: whose banks hold no reference, the learner's own answer: the notebook's variable of that name.
#: So the learner build runs the learner's pipeline, and ships none of the answers.
STEPS = {
    "batch_title": "q9_3",
    "missing_field": "q9_4",
    "bad_isbn": "q9_5",
    "duplicate_001": "q9_6",
    "reject_report": "q9_7",
    "match_point": "q9_8",
    "match_decision": "q9_9",
    "overlay": "q9_10",
}


class StepMissing(Exception):
    """A step of the pipeline has no statement to run (learner build, answer not given yet)."""

    def __init__(self, sentence: str):
        super().__init__(sentence)
        self.sentence = sentence

    def _render_traceback_(self) -> list[str]:  # IPython: one line instead of a traceback
        return [f"✗ {self.sentence}"]


def _learner_answer(qid: str):
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the course
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns.get(qid)


def _exercise(step: str):
    from course.check.bank import find_exercise

    return find_exercise(STEPS[step])


def _execute(con, step: str, sql: str) -> None:
    """Run one step; an error in the learner's own answer (learner build) becomes one sentence."""
    ex = _exercise(step)
    if ex.reference.strip():
        con.execute(sql)
        return
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        from course.check.messages import sql_error

        said = sql_error(str(exc), sql)[1]
        raise StepMissing(
            f"Your answer to {ex.label} ({ex.qid}) stopped the pipeline: {said}"
        ) from None


def statement(step: str) -> str:
    """The SQL of one step: its exercise's reference, or the learner's answer (learner build)."""
    ex = _exercise(step)
    if ex.reference.strip():
        return ex.reference
    answer = _learner_answer(ex.qid)
    if isinstance(answer, str) and answer.strip():
        return answer
    raise StepMissing(
        f"This pipeline runs your own answers, and {ex.label} ({ex.qid}) has none yet: run the "
        "cell with your answer, then run this cell again."
    )


BATCH_TABLES = {
    "marc_record": "batch_record",
    "marc_field": "batch_field",
    "marc_subfield": "batch_subfield",
    "marc_reject": "batch_reject",
}


@dataclass
class RunStats:
    """What one run of the pipeline did: counts per outcome and seconds per step."""

    records: int = 0
    staged: int = 0
    unreadable: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    changed: int = 0  # catalog_title rows the overlay step added or changed

    def summary(self) -> str:
        said = ", ".join(f"{n:,} {k}" for k, n in sorted(self.outcomes.items()))
        total = sum(self.seconds.values())
        return (
            f"{self.records:,} records in the file: {self.unreadable:,} unreadable, "
            f"{self.staged:,} staged; {said}; {total:.1f} s"
        )

    def __str__(self) -> str:
        return self.summary()


def _use(con, schema: str) -> None:
    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    con.execute(f'USE "{schema}"')


def _current_schema(con) -> str:
    return con.execute("SELECT current_schema()").fetchone()[0]


def _replacing(sql: str) -> str:
    return sql.replace("CREATE TABLE", "CREATE OR REPLACE TABLE", 1)


def stage(source, con, schema: str = "vendor", *, progress: bool = True):
    """Stage a MARC file into ``schema`` as batch_record/field/subfield/reject; LoadStats."""
    before = _current_schema(con)
    try:
        _use(con, schema)
        for table in BATCH_TABLES.values():
            con.execute(f"DROP TABLE IF EXISTS {table}")
        stats = load_marc(source, con, progress=progress)
        for old, new in BATCH_TABLES.items():
            con.execute(f"ALTER TABLE {old} RENAME TO {new}")
    finally:
        con.execute(f'USE "{before}"')
    return stats


def use_catalog(con, course_db: str | Path | None = None) -> None:
    """Temporary views catalog_bib and catalog_isbn over the course database (attached
    read-only as ``library`` if it is not attached yet)."""
    attached = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'library'"
    ).fetchone()[0]
    if not attached:
        from course import config

        path = str(course_db or config.database_path("library")).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS library (READ_ONLY)")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW catalog_bib AS "
        "SELECT bib_id, control_number, lccn, oclc_number, title FROM library.bib"
    )
    con.execute(CATALOG_ISBN.format(where=""))


def _steps(con, schema: str, names, seconds: dict) -> None:
    before = _current_schema(con)
    try:
        _use(con, schema)
        for name in names:
            began = time.perf_counter()
            _execute(con, name, _replacing(statement(name)))
            seconds[name] = time.perf_counter() - began
    finally:
        con.execute(f'USE "{before}"')


def validate(con, schema: str = "vendor", seconds: dict | None = None) -> int:
    """Run the validation rules; returns how many records the reject report names."""
    _steps(
        con,
        schema,
        ["batch_title", "missing_field", "bad_isbn", "duplicate_001", "reject_report"],
        {} if seconds is None else seconds,
    )
    return con.execute(
        f'SELECT count(DISTINCT record_id) FROM "{schema}".reject_report'
    ).fetchone()[0]


def match(con, schema: str = "vendor", seconds: dict | None = None) -> dict[str, int]:
    """Find match points and decide per record; returns the count of each outcome."""
    use_catalog(con)
    _steps(con, schema, ["match_point", "match_decision"], {} if seconds is None else seconds)
    rows = con.execute(
        f'SELECT outcome, count(*) FROM "{schema}".match_decision GROUP BY 1'
    ).fetchall()
    return {outcome: int(n) for outcome, n in rows}


def prepare_overlay(con, schema: str = "vendor") -> None:
    """The local catalog copy (catalog_title, once: it keeps what earlier loads did) and the
    records to load (incoming, made afresh)."""
    use_catalog(con)
    before = _current_schema(con)
    try:
        _use(con, schema)
        con.execute(
            "CREATE TABLE IF NOT EXISTS catalog_title (bib_id INTEGER PRIMARY KEY, "
            "control_number VARCHAR, lccn VARCHAR, title VARCHAR, local_note VARCHAR)"
        )
        if not con.execute("SELECT count(*) FROM catalog_title").fetchone()[0]:
            con.execute(  # the catalog's local notes (590): what a load must not overwrite
                "INSERT INTO catalog_title SELECT bib_id, control_number, lccn, title, "
                "CASE WHEN bib_id % 7 = 0 THEN 'Gift of the Friends of the Library.' END "
                "FROM catalog_bib"
            )
        con.execute(_replacing(INCOMING))
    finally:
        con.execute(f'USE "{before}"')


def table_checksum(con, table: str) -> str:
    """One SHA-256 over a table's rows in key order: equal checksums, equal tables."""
    return con.execute(
        f"SELECT sha256(coalesce(string_agg(t::VARCHAR, chr(10) ORDER BY t::VARCHAR), '')) "
        f"FROM {table} AS t"
    ).fetchone()[0]


def overlay(con, schema: str = "vendor") -> int:
    """Apply the overlay/add in one transaction; returns how many catalog rows it changed."""
    target = f'"{schema}".catalog_title'
    count_before = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _before AS SELECT * FROM {target}")
    before = _current_schema(con)
    try:
        _use(con, schema)
        _execute(con, "overlay", statement("overlay"))
    finally:
        con.execute(f'USE "{before}"')
    changed = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {target} EXCEPT SELECT * FROM _before)"
    ).fetchone()[0]
    con.execute("DROP TABLE _before")
    del count_before
    return int(changed)


def run(source, con, schema: str = "vendor", *, progress: bool = True) -> RunStats:
    """The whole pipeline on one file: stage, validate, match, overlay or add."""
    stats = RunStats()
    began = time.perf_counter()
    loaded = stage(source, con, schema, progress=progress)
    stats.seconds["stage"] = time.perf_counter() - began
    stats.records, stats.staged, stats.unreadable = loaded.records, loaded.loaded, loaded.rejected
    validate(con, schema, stats.seconds)
    stats.outcomes = match(con, schema, stats.seconds)
    began = time.perf_counter()
    prepare_overlay(con, schema)
    stats.changed = overlay(con, schema)
    stats.seconds["overlay"] = time.perf_counter() - began
    return stats


def connect_scratch(path=None) -> duckdb.DuckDBPyConnection:
    """The learner's scratch database (as :func:`course.db.scratch`)."""
    from course import db

    return db.scratch(path)

"""Module 09's batch-load pipeline: stage, validate, match, overlay or add, export.

Every step is SQL over the staged batch, the same statements as the reference answers of the
exercises in ``course/exercises/09-batch-loads.yml`` (a test keeps them equal), run here on a
whole file: the vendor's delivery in the notebook, the 250,000-record LoC file in the big run
and in ``bench/bench_batch_load.py``.

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
    "TITLE",
    "MISSING_FIELD",
    "BAD_ISBN",
    "DUPLICATE_001",
    "REJECT_REPORT",
    "MATCH_POINT",
    "MATCH_DECISION",
    "OVERLAY",
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

TITLE = r"""
CREATE TABLE batch_title AS
SELECT r.record_id,
       trim(r.control_number) AS control_number,
       substr(r.leader, 18, 1) AS encoding_level,
       (SELECT min_by(s.value, s.subfield_seq)
        FROM batch_field AS f JOIN batch_subfield AS s USING (record_id, field_seq)
        WHERE f.record_id = r.record_id AND f.tag = '245' AND s.code = 'a') AS title
FROM batch_record AS r
"""

MISSING_FIELD = r"""
CREATE TABLE missing_field AS
SELECT r.record_id, trim(r.control_number) AS control_number, t.tag
FROM batch_record AS r
CROSS JOIN (VALUES ('001'), ('008'), ('245')) AS t (tag)
WHERE NOT EXISTS (
  SELECT 1 FROM batch_field AS f WHERE f.record_id = r.record_id AND f.tag = t.tag)
"""

BAD_ISBN = r"""
CREATE TABLE bad_isbn AS
WITH n AS (
  SELECT f.record_id,
         upper(replace(regexp_extract(s.value, '^\s*([0-9][0-9Xx-]*)', 1), '-', '')) AS isbn
  FROM batch_field AS f JOIN batch_subfield AS s USING (record_id, field_seq)
  WHERE f.tag = '020' AND s.code = 'a'
)
SELECT record_id, isbn FROM n
WHERE isbn <> '' AND NOT coalesce(
  CASE length(isbn)
    WHEN 10 THEN regexp_full_match(isbn, '[0-9]{9}[0-9X]')
      AND (list_sum([(11 - i) * CAST(isbn[i] AS INTEGER) FOR i IN range(1, 10)])
           + CASE WHEN isbn[10] = 'X' THEN 10 ELSE CAST(isbn[10] AS INTEGER) END) % 11 = 0
    WHEN 13 THEN regexp_full_match(isbn, '[0-9]{13}')
      AND list_sum([CAST(isbn[i] AS INTEGER) * CASE WHEN i % 2 = 1 THEN 1 ELSE 3 END
                    FOR i IN range(1, 14)]) % 10 = 0
    ELSE false END, false)
"""

DUPLICATE_001 = r"""
CREATE TABLE duplicate_001 AS
SELECT record_id, trim(control_number) AS control_number
FROM batch_record
WHERE trim(control_number) IN (
  SELECT trim(control_number) FROM batch_record GROUP BY 1 HAVING count(*) > 1)
"""

REJECT_REPORT = r"""
CREATE TABLE reject_report AS
SELECT r.record_id, trim(r.control_number) AS control_number, p.problem
FROM batch_record AS r
JOIN (
  SELECT record_id, 'missing ' || tag AS problem FROM missing_field
  UNION ALL
  SELECT record_id, 'ISBN check digit wrong: ' || isbn FROM bad_isbn
  UNION ALL
  SELECT record_id, 'duplicate 001' FROM duplicate_001
  UNION ALL
  SELECT record_id, 'encoding level ' || substr(leader, 18, 1) || ' (Leader/17)'
  FROM batch_record WHERE substr(leader, 18, 1) IN ('5', '8')
) AS p USING (record_id)
"""

MATCH_POINT = r"""
CREATE TABLE match_point AS
WITH sf AS (
  SELECT f.record_id, f.tag, s.value
  FROM batch_field AS f JOIN batch_subfield AS s USING (record_id, field_seq)
  WHERE f.tag IN ('010', '020', '035') AND s.code = 'a'
)
SELECT DISTINCT sf.record_id, 'lccn' AS point, c.bib_id
FROM sf JOIN catalog_bib AS c
  ON c.lccn = regexp_replace(regexp_replace(sf.value, '\s', '', 'g'), '/.*$', '')
WHERE sf.tag = '010'
UNION
SELECT sf.record_id, 'oclc', c.bib_id
FROM sf JOIN catalog_bib AS c
  ON c.oclc_number = regexp_extract(sf.value, '^\(OCoLC\)\D*(\d+)', 1)
WHERE sf.tag = '035' AND sf.value LIKE '(OCoLC)%'
UNION
SELECT sf.record_id, 'isbn', i.bib_id
FROM sf JOIN catalog_isbn AS i
  ON i.isbn = upper(replace(regexp_extract(sf.value, '^\s*([0-9][0-9Xx-]*)', 1), '-', ''))
WHERE sf.tag = '020'
"""

MATCH_DECISION = r"""
CREATE TABLE match_decision AS
WITH scored AS (
  SELECT record_id, bib_id,
         sum(CASE point WHEN 'lccn' THEN 50 WHEN 'oclc' THEN 50 ELSE 30 END) AS score
  FROM match_point GROUP BY record_id, bib_id
),
best AS (  -- the highest score; on a tie, the lowest bib_id
  SELECT record_id, max(score) AS score, arg_max(bib_id, score * 100000000 - bib_id) AS bib_id
  FROM scored GROUP BY record_id
)
SELECT r.record_id,
       CASE WHEN r.record_id NOT IN (SELECT record_id FROM reject_report) AND b.score >= 50
            THEN b.bib_id END AS bib_id,
       coalesce(b.score, 0) AS score,
       CASE WHEN r.record_id IN (SELECT record_id FROM reject_report) THEN 'reject'
            WHEN b.score >= 50 THEN 'overlay'
            ELSE 'new' END AS outcome
FROM batch_record AS r LEFT JOIN best AS b USING (record_id)
"""

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

OVERLAY = r"""
BEGIN TRANSACTION;
INSERT INTO catalog_title (bib_id, control_number, lccn, title)
SELECT coalesce(bib_id, 1000000 + record_id), control_number, lccn, title
FROM incoming WHERE outcome IN ('new', 'overlay')
ON CONFLICT (bib_id) DO UPDATE
SET control_number = excluded.control_number, lccn = excluded.lccn, title = excluded.title;
COMMIT;
"""

#: The steps in order, each a statement that makes one table.
STEPS = {
    "batch_title": TITLE,
    "missing_field": MISSING_FIELD,
    "bad_isbn": BAD_ISBN,
    "duplicate_001": DUPLICATE_001,
    "reject_report": REJECT_REPORT,
    "match_point": MATCH_POINT,
    "match_decision": MATCH_DECISION,
}

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
            con.execute(_replacing(STEPS[name]))
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
        con.execute(OVERLAY)
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

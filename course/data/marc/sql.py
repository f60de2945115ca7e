"""The SQL behind :mod:`course.data.marc.load`: the raw MARC tables and the set-based split.

The loader puts the text of records into ``_marc_rec(record_id, rec)`` (``rec``: a record
without its terminator) and the ids and positions of the well-formed ones into
``_marc_fast(record_id, file_offset, record_length)``.  DuckDB splits each record on the field
terminator (``chr(30)``): piece 1 is the leader and directory, piece *k* + 1 is field *k*.  Each
data field is split on the subfield delimiter (``chr(31)``): piece 1 holds the indicators, piece
*n* + 1 is subfield *n*, its first character the code.  Because the loader only sends records
whose fields follow the directory with nothing in between, the position of a piece is its
number, and a field's tag is read from the directory entry at the same position.
"""

from __future__ import annotations

__all__ = [
    "QUIET",
    "CREATE_TABLES",
    "PRIMARY_KEYS",
    "RECORDS_FROM_FILE",
    "KEEP_CHOSEN",
    "DELETE_UNFIT_FIELDS",
    "DELETE_UNFIT_SUBFIELDS",
    "SPLIT_FIELDS",
    "INSERT_FIELDS",
    "INSERT_SUBFIELDS",
    "INSERT_RECORDS",
    "DROP_WORK_TABLES",
]

QUIET = "SET enable_progress_bar = false"

CREATE_TABLES = """
CREATE OR REPLACE TABLE marc_record (record_id INTEGER NOT NULL, file_offset BIGINT,
    record_length INTEGER, leader VARCHAR(24), control_number VARCHAR);
CREATE OR REPLACE TABLE marc_field (record_id INTEGER NOT NULL, field_seq SMALLINT NOT NULL,
    tag VARCHAR(3), ind1 VARCHAR(1), ind2 VARCHAR(1), value VARCHAR);
CREATE OR REPLACE TABLE marc_subfield (record_id INTEGER NOT NULL, field_seq SMALLINT NOT NULL,
    subfield_seq SMALLINT NOT NULL, code VARCHAR(1), value VARCHAR);
CREATE OR REPLACE TABLE marc_reject (file_offset BIGINT, length INTEGER, reason VARCHAR);
"""

#: Only marc_record gets a declared key (the catalog's foreign keys point at it). marc_field and
#: marc_subfield are staging tables, unique by construction on (record_id, field_seq[,
#: subfield_seq]) and tested so; declaring those keys cost as much as the whole rest of the load
#: (DuckDB builds an ART index per key: 1.8 s and most of the database's size for 12.6 million
#: rows) and no query of the course uses them: DuckDB joins with hash tables, not indexes.
PRIMARY_KEYS = {"marc_record": "ALTER TABLE marc_record ADD PRIMARY KEY (record_id)"}

# Records straight from a UTF-8 file (parameter: its path): DuckDB reads and checks the text
# itself, and piece k of the split on the record terminator is the record with id k.  This,
# SPLIT_FIELDS and INSERT_SUBFIELDS run while numpy checks the records; what came from records
# that turn out not to be well-formed is deleted afterwards (DELETE_UNFIT_*).
RECORDS_FROM_FILE = """
CREATE OR REPLACE TEMP TABLE _marc_rec AS
SELECT generate_subscripts(recs, 1)::INTEGER AS record_id, unnest(recs) AS rec
FROM (SELECT string_split(content, chr(29)) AS recs FROM read_text(?))
"""
#: keep only a sample of the records (their ids in ``_marc_chosen``)
KEEP_CHOSEN = """
DELETE FROM _marc_rec WHERE record_id NOT IN (SELECT record_id FROM _marc_chosen)
"""

DELETE_UNFIT_FIELDS = """
DELETE FROM _marc_piece WHERE record_id IN (SELECT record_id FROM _marc_unfit)
"""
# run once the subfield key is built (deleting a few keyed rows is cheap)
DELETE_UNFIT_SUBFIELDS = """
DELETE FROM marc_subfield WHERE record_id IN (SELECT record_id FROM _marc_unfit)
"""

_CONTROL = "(tag BETWEEN '000' AND '009')"  # three digits below 010: pymarc's rule

# Fields (and each record's leader), after which the record text is no longer needed.
SPLIT_FIELDS = """
CREATE OR REPLACE TEMP TABLE _marc_leader AS SELECT record_id, left(rec, 24) AS leader
FROM _marc_rec;
CREATE OR REPLACE TEMP TABLE _marc_piece AS
SELECT record_id, (n - 1)::SMALLINT AS field_seq, substr(head, 12 * n + 1, 3) AS tag, piece
FROM (SELECT record_id, parts[1] AS head, unnest(parts) AS piece, generate_subscripts(parts, 1) AS n
      FROM (SELECT record_id, string_split(rec, chr(30)) AS parts FROM _marc_rec))
WHERE n BETWEEN 2 AND least((strlen(head) - 24) // 12 + 1, 9000);
DROP TABLE _marc_rec;
"""

INSERT_FIELDS = f"""
INSERT INTO marc_field
SELECT record_id, field_seq, tag,
       CASE WHEN {_CONTROL} THEN NULL ELSE piece[1] END,
       CASE WHEN {_CONTROL} THEN NULL ELSE piece[2] END,
       CASE WHEN {_CONTROL} THEN piece END
FROM _marc_piece
"""

INSERT_SUBFIELDS = f"""
INSERT INTO marc_subfield
SELECT record_id, field_seq, (n - 1)::SMALLINT, sub[1], substr(sub, 2)
FROM (SELECT record_id, field_seq, unnest(subs) AS sub, generate_subscripts(subs, 1) AS n
      FROM (SELECT record_id, field_seq, string_split(piece, chr(31)) AS subs
            FROM _marc_piece WHERE NOT {_CONTROL}))
WHERE n BETWEEN 2 AND 10000  -- no sound field has more; a broken record may, and is dropped
"""

INSERT_RECORDS = """
INSERT INTO marc_record
SELECT f.record_id, f.file_offset, f.record_length, r.leader, c.value
FROM _marc_fast f
JOIN _marc_leader r USING (record_id)
LEFT JOIN (SELECT record_id, arg_min(piece, field_seq) AS value
           FROM _marc_piece WHERE tag = '001' GROUP BY record_id) c USING (record_id)
"""

DROP_WORK_TABLES = """
DROP TABLE IF EXISTS _marc_piece; DROP TABLE IF EXISTS _marc_rec; DROP TABLE IF EXISTS _marc_fast;
DROP TABLE IF EXISTS _marc_leader;
DROP TABLE IF EXISTS _marc_unfit; DROP TABLE IF EXISTS _marc_chosen;
"""

"""The SQL behind ``course.data.marc.catalog``: cleaning macros, table definitions, bib and ISBNs.

(Names and subjects are in ``catalog_headings_sql``.)  Kept apart from the Python so that
instructors can read the SQL as SQL.  Statements use temp tables (``cat_*``) and temp macros
that ``build_catalog`` drops afterwards, so nothing but the six catalog tables is left.
"""

from __future__ import annotations

__all__ = [
    "MACROS",
    "SUBFIELDS",
    "TEMP_MACROS",
    "TEMP_TABLES",
    "create_tables",
    "BIB_INSERT",
    "ISBN_PARTS",
    "BIB_ISBN_INSERT",
]

TEMP_MACROS = ("cat_sep", "cat_dot", "cat_trim", "cat_part")
TEMP_TABLES = (
    "cat_sf",
    "cat_isbn",
    "cat_isbn_check",
    "cat_agent_field",
    "cat_subject_sf",
    "cat_subject_field",
    "cat_subject_text",
    "cat_subject_part",
    "cat_subject",
)

# cat_trim(x, keep): drop trailing ISBD separators, then a final '.' unless it follows an
# ellipsis, a word of at most `keep` letters (an initial, or an abbreviation such as 'ed.') or a
# common abbreviation ('etc.', 'Inc.', 'Jr.').
MACROS = r"""
CREATE OR REPLACE TEMP MACRO cat_sep(x) AS trim(regexp_replace(x, '[\s:;/,=]+$', ''));
CREATE OR REPLACE TEMP MACRO cat_dot(s, keep) AS nullif(trim(
    CASE WHEN s LIKE '%.' AND s NOT LIKE '%..'
          AND NOT (length(regexp_extract(s, '([\pL\pM]+)\.$', 1)) BETWEEN 1 AND keep)
          AND regexp_extract(s, '([\pL\pM]+)\.$', 1)
              NOT IN ('etc', 'Inc', 'Co', 'Ltd', 'Corp', 'Jr', 'Sr', 'Bros', 'Dept', 'Esq')
         THEN cat_sep(substr(s, 1, length(s) - 1)) ELSE s END), '');
CREATE OR REPLACE TEMP MACRO cat_trim(x, keep) AS cat_dot(cat_sep(x), keep);
-- a heading part: trimmed, no '--' inside and no leading '-', so that joining parts with '--'
-- can never make one heading out of two different lists of parts
CREATE OR REPLACE TEMP MACRO cat_part(x) AS
    nullif(regexp_replace(regexp_replace(cat_trim(x, 1), '-{2,}', '-', 'g'), '^[\s-]+', ''), '');
"""

_TAGS = (
    "'010','020','035','050','082','100','110','111','245','250','260','264','300','440','490',"
    "'600','610','611','630','650','651','700','710','711'"
)

# Subfields of the fields the catalog reads, with tag, indicators and the field's occurrence
# number among fields of the same tag (occ = 1 for the first 245, the first 050 ...), and a
# sort key k for 'the first such subfield in the record'.
SUBFIELDS = f"""
CREATE OR REPLACE TEMP TABLE cat_sf AS
WITH f AS (
    SELECT record_id, field_seq, tag, ind1, ind2,
           row_number() OVER (PARTITION BY record_id, tag ORDER BY field_seq) AS occ
    FROM marc_field WHERE tag IN ({_TAGS})
)
SELECT s.record_id, s.field_seq, f.tag, f.ind1, f.ind2, f.occ, s.subfield_seq, s.code, s.value,
       s.field_seq * 32768 + s.subfield_seq AS k
FROM f JOIN marc_subfield s USING (record_id, field_seq);
"""


def create_tables(*, marc_record_fk: bool) -> str:
    """CREATE TABLE statements for the catalog (bib references marc_record when it has a PK)."""
    bib_fk = ", FOREIGN KEY (bib_id) REFERENCES marc_record (record_id)" if marc_record_fk else ""
    return f"""
CREATE TABLE bib (
    bib_id INTEGER PRIMARY KEY, control_number VARCHAR, lccn VARCHAR, oclc_number VARCHAR,
    title VARCHAR, sort_title VARCHAR, title_remainder VARCHAR, responsibility VARCHAR,
    edition VARCHAR, place VARCHAR, publisher VARCHAR, pub_date_text VARCHAR,
    date1 SMALLINT, date_type VARCHAR(1), country VARCHAR(3), language VARCHAR(3),
    literary_form VARCHAR(1), record_type VARCHAR(1), bib_level VARCHAR(1),
    encoding_level VARCHAR(1), lc_call_number VARCHAR, lc_class VARCHAR,
    lc_class_letters VARCHAR(3), dewey VARCHAR, extent VARCHAR, main_entry VARCHAR,
    series VARCHAR{bib_fk}
);
CREATE TABLE bib_isbn (
    bib_id INTEGER NOT NULL REFERENCES bib (bib_id), position SMALLINT NOT NULL,
    isbn VARCHAR, isbn13 VARCHAR, qualifier VARCHAR, is_valid BOOLEAN NOT NULL,
    subfield VARCHAR(1) NOT NULL, PRIMARY KEY (bib_id, position)
);
CREATE TABLE agent (
    agent_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, agent_type VARCHAR NOT NULL,
    dates VARCHAR
);
CREATE TABLE bib_agent (
    bib_id INTEGER NOT NULL REFERENCES bib (bib_id),
    agent_id INTEGER NOT NULL REFERENCES agent (agent_id),
    tag VARCHAR(3) NOT NULL, role VARCHAR NOT NULL, relator VARCHAR, position SMALLINT NOT NULL,
    PRIMARY KEY (bib_id, position)
);
CREATE TABLE subject (
    subject_id INTEGER PRIMARY KEY, heading VARCHAR NOT NULL, term VARCHAR NOT NULL,
    parent_id INTEGER REFERENCES subject (subject_id), subdivision_type VARCHAR,
    depth SMALLINT NOT NULL, vocabulary VARCHAR NOT NULL
);
CREATE TABLE bib_subject (
    bib_id INTEGER NOT NULL REFERENCES bib (bib_id),
    subject_id INTEGER NOT NULL REFERENCES subject (subject_id),
    tag VARCHAR(3) NOT NULL, position SMALLINT NOT NULL, PRIMARY KEY (bib_id, position)
);
"""


BIB_INSERT = r"""
INSERT INTO bib
WITH c008 AS (
    SELECT record_id, arg_min(value, field_seq) AS f008
    FROM marc_field WHERE tag = '008' GROUP BY record_id
),
d AS (
    SELECT record_id,
        arg_min(value, k) FILTER (tag = '010' AND code = 'a') AS lccn_raw,
        nullif(arg_min(regexp_extract(value, '^\(OCoLC\)\D*(\d+)', 1), k)
            FILTER (tag = '035' AND code = 'a' AND value LIKE '(OCoLC)%'), '') AS oclc,
        first(ind2) FILTER (tag = '245' AND occ = 1) AS nonfiling,
        string_agg(value, ' ' ORDER BY subfield_seq)
            FILTER (tag = '245' AND occ = 1 AND code = 'b') AS remainder_raw,
        string_agg(value, ' ' ORDER BY subfield_seq)
            FILTER (tag = '245' AND occ = 1 AND code = 'c') AS resp_raw,
        arg_min(value, k) FILTER (tag = '250' AND code = 'a') AS edition_raw,
        arg_min(value, pub * 1073741824 + k) FILTER (pub >= 0 AND code = 'a') AS place_raw,
        arg_min(value, pub * 1073741824 + k) FILTER (pub >= 0 AND code = 'b') AS publisher_raw,
        arg_min(value, pub * 1073741824 + k) FILTER (pub >= 0 AND code = 'c') AS date_raw,
        arg_min(value, k) FILTER (tag = '300' AND code = 'a') AS extent_raw,
        arg_min(value, k) FILTER (tag = '082' AND code = 'a') AS dewey,
        arg_min(value, k)
            FILTER (tag IN ('100', '110', '111') AND code = 'a') AS main_raw,
        arg_min(value, k)
            FILTER (tag IN ('490', '440') AND code = 'a') AS series_raw,
        string_agg(code, '' ORDER BY subfield_seq) FILTER (tag = '050' AND occ = 1) AS lc_codes,
        list(value ORDER BY subfield_seq) FILTER (tag = '050' AND occ = 1) AS lc_values
    FROM (SELECT *, CASE WHEN tag = '260' THEN 0 WHEN tag = '264' AND ind2 = '1' THEN 1
                         ELSE -1 END::BIGINT AS pub FROM cat_sf)
    GROUP BY record_id
),
lc AS (  -- the first 050 $a, and the $b that follows it (before any second $a)
    SELECT record_id, lc_values[instr(lc_codes, 'a')] AS lc_a,
        CASE WHEN instr(split_part(substr(lc_codes, instr(lc_codes, 'a') + 1), 'a', 1), 'b') > 0
             THEN lc_values[instr(lc_codes, 'a')
                  + instr(split_part(substr(lc_codes, instr(lc_codes, 'a') + 1), 'a', 1), 'b')]
        END AS lc_b
    FROM d WHERE instr(lc_codes, 'a') > 0
),
lccn AS (
    SELECT record_id, regexp_replace(regexp_replace(lccn_raw, '\s', '', 'g'), '/.*$', '') AS v
    FROM d WHERE lccn_raw IS NOT NULL
),
t_sf AS (  -- 245 $a $n $p, each without the ISBD punctuation that ends it
    SELECT *, lag(code) OVER w AS prev, lag(v) OVER w AS prev_v
    FROM (  -- a part number's final full stop is ISBD's, even after 'I' ('Episode I.')
        SELECT record_id, subfield_seq, code,
               cat_trim(value, CASE WHEN code = 'n' THEN 0 ELSE 1 END) AS v
        FROM cat_sf WHERE tag = '245' AND occ = 1 AND code IN ('a', 'n', 'p'))
    WINDOW w AS (PARTITION BY record_id ORDER BY subfield_seq)
),
t AS (  -- joined with ISBD's own punctuation: 'Title. Part 2, Name of part' ('Title ; Title'),
        -- where a part that kept its full stop ('Episode I.') needs no second one
    SELECT record_id,
        string_agg(CASE WHEN prev IS NULL THEN '' WHEN code = 'a' AND prev = 'a' THEN ' ; '
                        WHEN code = 'p' AND prev = 'n' THEN ', '
                        WHEN prev_v LIKE '%.' THEN ' ' ELSE '. ' END || v, ''
                   ORDER BY subfield_seq) AS title
    FROM t_sf WHERE v IS NOT NULL GROUP BY record_id
)
SELECT
    r.record_id,
    nullif(regexp_replace(r.control_number, '^[\s\x00-\x1f]+|[\s\x00-\x1f]+$', '', 'g'), ''),
    nullif(CASE WHEN lccn.v LIKE '%-%'
                THEN split_part(lccn.v, '-', 1) || lpad(split_part(lccn.v, '-', 2), 6, '0')
                ELSE lccn.v END, ''),
    d.oclc,
    t.title,
    CASE WHEN d.nonfiling BETWEEN '1' AND '9'
         THEN nullif(ltrim(substr(t.title, 1 + CAST(d.nonfiling AS INTEGER))), '')
         ELSE t.title END,
    cat_trim(d.remainder_raw, 1),
    cat_trim(d.resp_raw, 1),
    cat_trim(d.edition_raw, 4),
    cat_trim(d.place_raw, 5),
    cat_trim(d.publisher_raw, 4),
    cat_trim(d.date_raw, 1),
    CASE WHEN regexp_full_match(substr(c.f008, 8, 4), '[0-9]{4}')
         THEN CAST(substr(c.f008, 8, 4) AS SMALLINT) END,
    nullif(substr(c.f008, 7, 1), ''),
    nullif(trim(substr(c.f008, 16, 3)), ''),
    nullif(trim(substr(c.f008, 36, 3)), ''),
    nullif(substr(c.f008, 34, 1), ''),
    substr(r.leader, 7, 1),
    substr(r.leader, 8, 1),
    substr(r.leader, 18, 1),
    nullif(trim(trim(lc.lc_a) || coalesce(' ' || trim(lc.lc_b), '')), ''),
    CASE WHEN regexp_matches(trim(lc.lc_a), '^[A-HJ-NP-VZ][A-Z]{0,2}[0-9]') THEN trim(lc.lc_a) END,
    CASE WHEN regexp_matches(trim(lc.lc_a), '^[A-HJ-NP-VZ][A-Z]{0,2}[0-9]')
         THEN regexp_extract(trim(lc.lc_a), '^[A-Z]+') END,
    nullif(trim(d.dewey), ''),
    cat_trim(regexp_replace(d.extent_raw, '\s*\+\s*$', ''), 4),  -- ' +' precedes 300 $e
    cat_trim(d.main_raw, 2),
    cat_trim(d.series_raw, 1)
FROM marc_record r
LEFT JOIN c008 c USING (record_id)
LEFT JOIN d USING (record_id)
LEFT JOIN t USING (record_id)
LEFT JOIN lc USING (record_id)
LEFT JOIN lccn USING (record_id)
ORDER BY r.record_id;
"""

# One row per 020 $a / $z, the number as written split from the qualifier around it.
ISBN_PARTS = r"""
CREATE OR REPLACE TEMP TABLE cat_isbn AS
WITH q AS (
    SELECT record_id, field_seq,
           string_agg(cat_trim(regexp_replace(value, '^\s*\((.*)\)[\s:;,]*$', '\1'), 5), ' ; '
                      ORDER BY subfield_seq) AS q
    FROM cat_sf WHERE tag = '020' AND code = 'q' GROUP BY ALL
),
n AS (
    SELECT record_id, field_seq, subfield_seq, code,
           nullif(regexp_extract(value, '^\s*([0-9][0-9Xx-]*)', 1), '') AS number,
           trim(regexp_replace(regexp_replace(value, '^\s*[0-9][0-9Xx-]*', ''),
                               '^[\s:;/,]+|[\s:;/,]+$', '', 'g')) AS rest
    FROM cat_sf WHERE tag = '020' AND code IN ('a', 'z')
)
SELECT n.record_id, n.field_seq, n.subfield_seq, n.code,
       CASE WHEN n.number IS NOT NULL THEN rtrim(n.number, '-') END AS isbn,
       coalesce(nullif(regexp_replace(n.rest, '^\((.*)\)$', '\1'), ''), q.q) AS qualifier
FROM n LEFT JOIN q USING (record_id, field_seq);
"""

BIB_ISBN_INSERT = """
INSERT INTO bib_isbn
SELECT i.record_id,
       row_number() OVER (PARTITION BY i.record_id ORDER BY i.field_seq, i.subfield_seq),
       i.isbn, k.isbn13, i.qualifier, coalesce(k.is_valid, false), i.code
FROM cat_isbn i LEFT JOIN cat_isbn_check k USING (isbn)
ORDER BY i.record_id, i.field_seq, i.subfield_seq;
"""

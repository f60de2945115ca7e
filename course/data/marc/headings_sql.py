"""The SQL behind ``course.data.marc.catalog`` for headings: agents (1XX/7XX) and subjects (6XX).

Runs after ``catalog_sql.SUBFIELDS`` and ``catalog_sql.MACROS`` (it reads ``cat_sf`` and uses
``cat_trim`` / ``cat_part``).  Temp tables are listed in ``catalog_sql.TEMP_TABLES``.
"""

from __future__ import annotations

__all__ = [
    "AGENT_PARTS",
    "AGENT_INSERT",
    "BIB_AGENT_INSERT",
    "SUBJECT_PARTS",
    "SUBJECT_INSERT",
    "BIB_SUBJECT_INSERT",
]

# One row per 1XX/7XX field: the name (subfields before any $t title), dates, relator, and a
# normalised key that decides which fields are the same agent.
AGENT_PARTS = r"""
CREATE OR REPLACE TEMP TABLE cat_agent_field AS
WITH f AS (
    SELECT *, coalesce(min(subfield_seq) FILTER (code = 't')
                       OVER (PARTITION BY record_id, field_seq), 32767) AS t_seq
    FROM cat_sf WHERE tag IN ('100', '110', '111', '700', '710', '711')
),
g AS (
    SELECT record_id, field_seq, tag,
        string_agg(value, ' ' ORDER BY subfield_seq) FILTER (subfield_seq < t_seq AND (
            (tag IN ('100', '700') AND code IN ('a', 'b', 'c', 'q'))
            OR (tag IN ('110', '710') AND code IN ('a', 'b', 'c', 'd', 'g', 'n'))
            OR (tag IN ('111', '711') AND code IN ('a', 'c', 'd', 'e', 'g', 'n', 'q'))))
            AS name_raw,
        string_agg(value, ' ' ORDER BY subfield_seq)
            FILTER (subfield_seq < t_seq AND tag IN ('100', '700') AND code = 'd') AS dates_raw,
        string_agg(cat_trim(value, 4), '; ' ORDER BY subfield_seq)
            FILTER ((code = 'e' AND tag NOT IN ('111', '711'))
                    OR (code = 'j' AND tag IN ('111', '711'))) AS relator_terms,
        string_agg(cat_trim(value, 4), '; ' ORDER BY subfield_seq) FILTER (code = '4')
            AS relator_codes
    FROM f GROUP BY record_id, field_seq, tag
),
h AS (
    SELECT *,
        CASE substr(tag, 2, 2) WHEN '00' THEN 'person' WHEN '10' THEN 'organization'
             ELSE 'meeting' END AS agent_type,
        cat_trim(name_raw, CASE WHEN tag IN ('100', '700') THEN 2 ELSE 4 END) AS name,
        cat_trim(dates_raw, 4) AS dates
    FROM g
)
SELECT record_id, field_seq, tag, agent_type, name, dates,
    -- which kind of field the name is in (main or added entry), not what the agent did: a 100
    -- can be an editor, a 700 a joint author; what they did is in the relator, when cataloged
    CASE WHEN tag LIKE '1%' THEN 'creator' ELSE 'contributor' END AS role,
    coalesce(relator_terms, relator_codes) AS relator,
    trim(regexp_replace(upper(strip_accents(name || coalesce(' ' || dates, ''))),
                        '[^\pL\pN]+', ' ', 'g')) AS name_key
FROM h;  -- rows without a name are dropped by the consumers (a filter here runs cat_trim twice)
"""

AGENT_INSERT = """
INSERT INTO agent
WITH forms AS (
    SELECT agent_type, name_key, name, dates, count(*) AS n
    FROM cat_agent_field WHERE name IS NOT NULL GROUP BY ALL
),
chosen AS (
    SELECT *, row_number() OVER (PARTITION BY agent_type, name_key
                                 ORDER BY n DESC, name, dates NULLS FIRST) AS pick
    FROM forms
)
SELECT row_number() OVER (ORDER BY name_key, agent_type), name, agent_type, dates
FROM chosen WHERE pick = 1
ORDER BY name_key, agent_type;
"""

BIB_AGENT_INSERT = """
INSERT INTO bib_agent
WITH ids AS (
    SELECT row_number() OVER (ORDER BY name_key, agent_type) AS agent_id, agent_type, name_key
    FROM (SELECT DISTINCT agent_type, name_key FROM cat_agent_field WHERE name IS NOT NULL)
)
SELECT f.record_id, ids.agent_id, f.tag, f.role, f.relator,
       row_number() OVER (PARTITION BY f.record_id ORDER BY f.field_seq)
FROM cat_agent_field f JOIN ids USING (agent_type, name_key)
ORDER BY f.record_id, f.field_seq;
"""

# Parts of each subject field: the main heading (part_key 0) then each $v/$x/$y/$z subdivision
# (part_key n = the n-th), then one row per prefix heading (depth 0 = main heading alone).
SUBJECT_PARTS = r"""
CREATE OR REPLACE TEMP TABLE cat_subject_sf AS
SELECT * FROM cat_sf WHERE tag IN ('600', '610', '611', '630', '650', '651');

CREATE OR REPLACE TEMP TABLE cat_subject_field AS
    SELECT record_id, field_seq, any_value(tag) AS tag,
        CASE any_value(ind2) WHEN '0' THEN 'lcsh' WHEN '1' THEN 'lcshac' WHEN '2' THEN 'mesh'
             WHEN '3' THEN 'nal' WHEN '5' THEN 'cash' WHEN '6' THEN 'rvm'
             WHEN '7' THEN coalesce(lower(cat_trim(arg_min(value, subfield_seq)
                                                   FILTER (code = '2'), 1)), 'unspecified')
             ELSE 'unspecified' END AS vocabulary
    FROM cat_subject_sf GROUP BY record_id, field_seq;

-- the texts of the parts, every lettered subfield in the record's order: the main heading
-- (part_key 0: $a, a repeated $a, $b $c $d $t ... joined by spaces), then each $v/$x/$y/$z
-- subdivision with any other subfield that follows it (relators $e, and $j in 611, left out)
CREATE OR REPLACE TEMP TABLE cat_subject_text AS
WITH sf AS (
    SELECT record_id, field_seq, subfield_seq, code, value,
        sum((code IN ('v', 'x', 'y', 'z'))::INTEGER) OVER (
            PARTITION BY record_id, field_seq ORDER BY subfield_seq ROWS UNBOUNDED PRECEDING
        ) AS part_key
    FROM cat_subject_sf
    WHERE regexp_full_match(code, '[a-z]')
      AND NOT (code = 'e' AND tag <> '611') AND NOT (code = 'j' AND tag = '611')
),
parts AS (
    SELECT record_id, field_seq, part_key,
        CASE WHEN part_key > 0 THEN CASE arg_min(code, subfield_seq) WHEN 'v' THEN 'form'
             WHEN 'x' THEN 'topical' WHEN 'y' THEN 'chronological' ELSE 'geographic' END
        END AS kind,
        cat_part(string_agg(value, ' ' ORDER BY subfield_seq)) AS text
    FROM sf GROUP BY record_id, field_seq, part_key
)
SELECT p.*, f.tag, f.vocabulary FROM parts p JOIN cat_subject_field f USING (record_id, field_seq);

CREATE OR REPLACE TEMP TABLE cat_subject_part AS
WITH paths AS (
    SELECT record_id, field_seq, any_value(tag) AS tag, any_value(vocabulary) AS vocabulary,
           list(text ORDER BY part_key) AS texts, list(kind ORDER BY part_key) AS kinds
    FROM cat_subject_text
    WHERE text IS NOT NULL  -- filtering here, not above, keeps cat_part from running twice
    GROUP BY record_id, field_seq
),
expanded AS (
    SELECT *, unnest(range(len(texts))) AS depth FROM paths
)
SELECT e.record_id, e.field_seq, e.tag, e.vocabulary, e.depth,
    e.texts[e.depth + 1] AS term,
    CASE WHEN e.depth > 0 THEN e.kinds[e.depth + 1] END AS kind,
    array_to_string(e.texts[1:e.depth + 1], '--') AS heading,
    CASE WHEN e.depth > 0 THEN array_to_string(e.texts[1:e.depth], '--') END AS parent_heading,
    e.depth = len(e.texts) - 1 AS is_full
FROM expanded e;

CREATE OR REPLACE TEMP TABLE cat_subject AS
WITH one AS (
    SELECT vocabulary, heading, min(depth) AS depth, min(term) AS term, min(kind) AS kind,
           min(parent_heading) AS parent_heading
    FROM cat_subject_part GROUP BY vocabulary, heading
)
SELECT row_number() OVER (ORDER BY vocabulary, heading) AS subject_id, * FROM one;
"""

SUBJECT_INSERT = """
INSERT INTO subject
SELECT s.subject_id, s.heading, s.term, p.subject_id, s.kind, s.depth, s.vocabulary
FROM cat_subject s
LEFT JOIN cat_subject p ON p.vocabulary = s.vocabulary AND p.heading = s.parent_heading
WHERE s.depth = ?
ORDER BY s.subject_id;
"""

BIB_SUBJECT_INSERT = """
INSERT INTO bib_subject
SELECT f.record_id, s.subject_id, f.tag,
       row_number() OVER (PARTITION BY f.record_id ORDER BY f.field_seq)
FROM cat_subject_part f JOIN cat_subject s USING (vocabulary, heading)
WHERE f.is_full
ORDER BY f.record_id, f.field_seq;
"""

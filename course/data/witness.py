"""Witness rows: small, deterministic edits to the shadow database that make a wrong answer show.

A hidden check compares a learner's query with the reference on the shadow database.  It can only
catch a query that is wrong in general when the shadow data holds a row on which the two differ:
a *witness* for the distinction the question's text makes.  The sampled records do not always
hold one (no title in the shadow sample had ``LIBRARY`` in capitals, so exercise 1.4's
``LIKE '%library%' OR LIKE '%Library%'`` passed both checks).  Each :class:`Witness` here makes
one such row and says which exercise needs it and why.

Edits run at a named stage of the shadow build (``"marc"``: on the raw MARC tables, before the
catalog is built from them, so every derived table agrees with the edited record; ``"library"``:
after the library system is generated) and choose their rows with an ``ORDER BY`` on ids, so
the same recipe gives the same witnesses.  ``present`` is a query that counts the witness rows in
the built database; the build fails when a witness is missing, so a change in the sample or the
generator cannot silently remove one.

To add a witness: append a :class:`Witness` to :data:`WITNESSES` (and a fixture answer that the
witness makes fail, next to the exercise's other fixtures), naming in ``mutants`` the mutants of
the reference (``course mutants``) it kills.  Witnesses are applied to the shadow
database only: the learners' database stays the records as LoC wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

__all__ = ["STAGES", "WITNESSES", "Witness", "apply_witnesses", "missing_witnesses"]

STAGES = ("marc", "library")


@dataclass(frozen=True)
class Witness:
    """One distinction the shadow data must be able to show."""

    name: str
    exercises: tuple[str, ...]  # the exercise ids whose hidden check relies on it
    why: str  # the wrong answer it catches, in a sentence
    stage: str  # when the edit runs: one of STAGES
    edit: str  # SQL run on the shadow database at that stage
    present: str  # SQL giving the number of witness rows in the built database (must be > 0)
    #: the mutants of the exercises' references it is there to kill, as (exercise id, mutant
    #: name) pairs (``course mutants`` counts them as fixed by witness rows)
    mutants: tuple[tuple[str, str], ...] = ()


# The first 245 $a of a record, where the catalog's bib.title starts.
_TITLE_A = """
    SELECT s.record_id, s.field_seq, s.subfield_seq
    FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq)
    WHERE f.tag = '245' AND s.code = 'a'
      AND f.field_seq = (SELECT min(field_seq) FROM marc_field g
                         WHERE g.record_id = f.record_id AND g.tag = '245')
      AND s.subfield_seq = (SELECT min(subfield_seq) FROM marc_subfield t
                            WHERE t.record_id = s.record_id AND t.field_seq = s.field_seq
                              AND t.code = 'a')
"""


# The first $a of the first field with one of the given tags, per record.
def _first_a(tags: str) -> str:
    return f"""
    SELECT s.record_id, s.field_seq, s.subfield_seq, s.value
    FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq)
    WHERE f.tag IN ({tags}) AND s.code = 'a'
      AND f.field_seq = (SELECT min(field_seq) FROM marc_field g
                         WHERE g.record_id = f.record_id AND g.tag IN ({tags}))
      AND s.subfield_seq = (SELECT min(subfield_seq) FROM marc_subfield t
                            WHERE t.record_id = s.record_id AND t.field_seq = s.field_seq
                              AND t.code = 'a')
"""


# Two records for the punctuation witness: X, the first record with a 100 $a, a 245 $a of more
# than one word and an 008; Y, the next record with a 100 $a and a 245 $a.
_PAIR = f"""
    WITH t AS ({_first_a("'245'")}), p AS ({_first_a("'100'")}),
    c AS (SELECT record_id, value FROM marc_field WHERE tag = '008' AND length(value) = 40),
    x AS (SELECT t.record_id FROM t JOIN p USING (record_id) JOIN c USING (record_id)
          WHERE t.value LIKE '% %' ORDER BY t.record_id LIMIT 1),
    y AS (SELECT t.record_id FROM t JOIN p USING (record_id) JOIN c USING (record_id)
          WHERE t.record_id > (SELECT record_id FROM x) ORDER BY t.record_id LIMIT 1)
    SELECT (SELECT record_id FROM x) AS x_id, (SELECT record_id FROM y) AS y_id
"""


def _copy_first_a(tags: str, value_sql: str) -> str:
    """SQL that sets Y's first $a of ``tags`` to ``value_sql`` (an expression of X's ``value``)."""
    return f"""
        UPDATE marc_subfield SET value = src.new_value
        FROM (
            SELECT ty.record_id, ty.field_seq, ty.subfield_seq, {value_sql} AS new_value
            FROM ({_PAIR}) pair
            JOIN ({_first_a(tags)}) tx ON tx.record_id = pair.x_id
            JOIN ({_first_a(tags)}) ty ON ty.record_id = pair.y_id
        ) src
        WHERE marc_subfield.record_id = src.record_id AND marc_subfield.field_seq = src.field_seq
          AND marc_subfield.subfield_seq = src.subfield_seq;
    """


_PUNCTUATION_EDIT = (
    # Y's title: X's 245 $a with its second word in quotation marks ('Le "fondazioni" bancarie').
    _copy_first_a("'245'", "regexp_replace(tx.value, '^([^ ]+) ([^ ,/:;]+)', '\\1 \"\\2\"')")
    # Y's main entry: X's 100 $a.
    + _copy_first_a("'100'", "tx.value")
    # Y's 008 (so date1 agrees): X's 008.
    + f"""
        UPDATE marc_field SET value = src.value
        FROM (
            SELECT fy.record_id, fy.field_seq, fx.value
            FROM ({_PAIR}) pair
            JOIN marc_field fx ON fx.record_id = pair.x_id AND fx.tag = '008'
            JOIN marc_field fy ON fy.record_id = pair.y_id AND fy.tag = '008'
        ) src
        WHERE marc_field.record_id = src.record_id AND marc_field.field_seq = src.field_seq;
    """
)

WITNESSES: tuple[Witness, ...] = (
    Witness(
        name="library_in_capitals",
        exercises=("q1_4",),
        why=(
            "Titles in capitals (as old card conversions wrote them) make "
            "LIKE '%library%' OR LIKE '%Library%' miss a title that ILIKE finds."
        ),
        stage="marc",
        edit=f"""
            UPDATE marc_subfield SET value = upper(value)
            FROM (
                SELECT a.record_id, a.field_seq, a.subfield_seq
                FROM ({_TITLE_A}) a JOIN marc_subfield v USING (record_id, field_seq, subfield_seq)
                WHERE v.value LIKE '%Library%'
                ORDER BY a.record_id LIMIT 2
            ) w
            WHERE marc_subfield.record_id = w.record_id AND marc_subfield.field_seq = w.field_seq
              AND marc_subfield.subfield_seq = w.subfield_seq
        """,
        present="""
            SELECT count(*) FROM bib WHERE title LIKE '%LIBRARY%'
              AND title NOT LIKE '%library%' AND title NOT LIKE '%Library%'
        """,
    ),
    Witness(
        name="open_loan_due_on_the_cutoff",
        exercises=("q1_8",),
        why=(
            "A loan still out and due on 2025-01-01 itself makes due_date <= DATE '2025-01-01' "
            "list one loan too many."
        ),
        stage="library",
        # The open loan due last before the cut-off moves (checkout and due date together, so
        # the loan period stays right) to fall due on it; the card must still be valid then.
        edit="""
            UPDATE loan SET checkout_date = w.checkout, due_date = DATE '2025-01-01'
            FROM (
                SELECT loan_id, checkout FROM (
                    SELECT l.loan_id, l.due_date, p.expiry_date,
                        l.checkout_date + CAST(DATE '2025-01-01' - l.due_date AS INTEGER)
                            AS checkout
                    FROM loan l JOIN patron p USING (patron_id)
                    WHERE l.return_date IS NULL
                      AND l.due_date BETWEEN DATE '2024-12-15' AND DATE '2024-12-31')
                WHERE expiry_date > checkout
                ORDER BY due_date DESC, loan_id LIMIT 1
            ) w
            WHERE loan.loan_id = w.loan_id
        """,
        present="""
            SELECT count(*) FROM loan
            WHERE return_date IS NULL AND due_date = DATE '2025-01-01'
        """,
        mutants=(
            (
                "q1_8",
                "due_date < CAST('2025-01-01' AS DATE) -> due_date <= CAST('2025-01-01' AS DATE)",
            ),
            (
                "q1_8",
                "due_date < CAST('2025-01-01' AS DATE) -> due_date < CAST('2025-01-02' AS DATE)",
            ),
        ),
    ),
    Witness(
        name="never_lent_copy_acquired_on_the_cutoff",
        exercises=("q3_3",),
        why=(
            "A never-lent copy at Millbrook acquired on 2022-07-01 itself makes "
            "acquired_date <= DATE '2022-07-01' list one copy too many."
        ),
        stage="library",
        # A never-lent available copy at Millbrook acquired before the fiscal years with funds
        # (so it has no order line whose dates would disagree) is dated to the cut-off.
        edit="""
            UPDATE item SET acquired_date = DATE '2022-07-01'
            FROM (
                SELECT i.item_id FROM item i JOIN branch br USING (branch_id)
                WHERE br.code = 'MIL' AND i.status = 'Available'
                  AND i.acquired_date < DATE '2021-07-01'
                  AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.item_id = i.item_id)
                ORDER BY i.item_id LIMIT 1
            ) w
            WHERE item.item_id = w.item_id
        """,
        present="""
            SELECT count(*) FROM item i JOIN branch br USING (branch_id)
            WHERE br.code = 'MIL' AND i.status = 'Available'
              AND i.acquired_date = DATE '2022-07-01'
              AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.item_id = i.item_id)
        """,
        mutants=(
            (
                "q3_3",
                "i.acquired_date < CAST('2022-07-01' AS DATE) -> "
                "i.acquired_date <= CAST('2022-07-01' AS DATE)",
            ),
            (
                "q3_3",
                "i.acquired_date < CAST('2022-07-01' AS DATE) -> "
                "i.acquired_date < CAST('2022-07-02' AS DATE)",
            ),
        ),
    ),
    Witness(
        name="duplicate_differing_in_punctuation",
        exercises=("q6_7",),
        why=(
            "Two records whose title, main entry and date differ only by quotation marks make a "
            "match key that keeps punctuation miss a duplicate pair."
        ),
        stage="marc",
        edit=_PUNCTUATION_EDIT,
        present="""
            SELECT count(*) FROM (
                SELECT regexp_replace(lower(strip_accents(concat_ws(' ', title, main_entry,
                                      date1))), '[^a-z0-9]', '', 'g') AS k
                FROM bib GROUP BY k
                HAVING count(DISTINCT lower(strip_accents(concat_ws(' ', title, main_entry,
                                           date1)))) > 1
            )
        """,
    ),
)


# Witnesses for the mutants of ``course mutants`` (issue 14): each names the mutants it kills.
WITNESSES += (
    Witness(
        name="open_loan_due_the_day_before_the_cutoff",
        exercises=("q1_8",),
        why=(
            "A loan still out and due on 2024-12-31 makes due_date < DATE '2024-12-31' list one "
            "overdue loan too few."
        ),
        stage="library",
        # The open loan due last in the autumn before the cut-off (after the witness above took
        # the one due last of all) falls due on 2024-12-31; checkout moves with it (the loan
        # period stays right), and the card must still be valid then.
        edit="""
            UPDATE loan SET checkout_date = w.checkout, due_date = DATE '2024-12-31'
            FROM (
                SELECT loan_id, checkout FROM (
                    SELECT l.loan_id, l.due_date, p.expiry_date,
                        l.checkout_date + CAST(DATE '2024-12-31' - l.due_date AS INTEGER)
                            AS checkout
                    FROM loan l JOIN patron p USING (patron_id)
                    WHERE l.return_date IS NULL
                      AND l.due_date BETWEEN DATE '2024-07-01' AND DATE '2024-12-30')
                WHERE expiry_date > checkout
                ORDER BY due_date DESC, loan_id LIMIT 1
            ) w
            WHERE loan.loan_id = w.loan_id
        """,
        present="""
            SELECT count(*) FROM loan
            WHERE return_date IS NULL AND due_date = DATE '2024-12-31'
        """,
        mutants=(
            (
                "q1_8",
                "due_date < CAST('2025-01-01' AS DATE) -> due_date < CAST('2024-12-31' AS DATE)",
            ),
        ),
    ),
    Witness(
        name="german_record_with_blank_literary_form",
        exercises=("q1_9",),
        why=(
            "A German record whose 008/33 is blank (as some LoC records have it) makes "
            "literary_form <= '0' call it nonfiction, where it is other."
        ),
        stage="marc",
        edit="""
            UPDATE marc_field SET value = left(value, 33) || ' ' || substr(value, 35)
            FROM (
                SELECT record_id, field_seq FROM marc_field
                WHERE tag = '008' AND length(value) = 40 AND substr(value, 36, 3) = 'ger'
                  AND substr(value, 34, 1) = '0'
                ORDER BY record_id LIMIT 1
            ) w
            WHERE marc_field.record_id = w.record_id AND marc_field.field_seq = w.field_seq
        """,
        present="SELECT count(*) FROM bib WHERE language = 'ger' AND literary_form = ' '",
        mutants=(("q1_9", "literary_form = '0' -> literary_form <= '0'"),),
    ),
    Witness(
        name="never_lent_copy_acquired_the_day_before_the_cutoff",
        exercises=("q3_3",),
        why=(
            "A never-lent copy at Millbrook acquired on 2022-06-30 makes "
            "acquired_date < DATE '2022-06-30' list one copy too few."
        ),
        stage="library",
        # The next such copy after the one the witness above dated to the cut-off.
        edit="""
            UPDATE item SET acquired_date = DATE '2022-06-30'
            FROM (
                SELECT i.item_id FROM item i JOIN branch br USING (branch_id)
                WHERE br.code = 'MIL' AND i.status = 'Available'
                  AND i.acquired_date < DATE '2021-07-01'
                  AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.item_id = i.item_id)
                ORDER BY i.item_id LIMIT 1
            ) w
            WHERE item.item_id = w.item_id
        """,
        present="""
            SELECT count(*) FROM item i JOIN branch br USING (branch_id)
            WHERE br.code = 'MIL' AND i.status = 'Available'
              AND i.acquired_date = DATE '2022-06-30'
              AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.item_id = i.item_id)
        """,
        mutants=(
            (
                "q3_3",
                "i.acquired_date < CAST('2022-07-01' AS DATE) -> "
                "i.acquired_date < CAST('2022-06-30' AS DATE)",
            ),
        ),
    ),
    Witness(
        name="reference_copy_at_alder",
        exercises=("q3_4",),
        why=(
            "A reference copy at Alder makes collection >= 'juvenile' count it with the "
            "children's copies."
        ),
        stage="library",
        edit="""
            UPDATE item SET collection = 'reference'
            FROM (
                SELECT i.item_id FROM item i JOIN branch br USING (branch_id)
                WHERE br.code = 'ALD' AND i.collection = 'adult'
                ORDER BY i.item_id LIMIT 1
            ) w
            WHERE item.item_id = w.item_id
        """,
        present="""
            SELECT count(*) FROM item i JOIN branch br USING (branch_id)
            WHERE br.code = 'ALD' AND i.collection > 'juvenile'
        """,
        mutants=(("q3_4", "i.collection = 'juvenile' -> i.collection >= 'juvenile'"),),
    ),
    Witness(
        name="purchase_order_with_no_lines_yet",
        exercises=("q3_8",),
        why=(
            "A purchase order opened on the last day with no lines yet makes a LEFT JOIN to "
            "order_line count it as a line ordered."
        ),
        stage="library",
        edit="""
            INSERT INTO purchase_order
            SELECT max(order_id) + 1, min(vendor_id), DATE '2026-06-30', 'firm', 'open'
            FROM purchase_order
        """,
        present="""
            SELECT count(*) FROM purchase_order po
            WHERE NOT EXISTS (SELECT 1 FROM order_line ol WHERE ol.order_id = po.order_id)
        """,
        mutants=(("q3_8", "JOIN order_line AS ol -> LEFT JOIN order_line AS ol"),),
    ),
    Witness(
        name="same_journal_subscribed_twice",
        exercises=("q3_10",),
        why=(
            "The same paid journal in two packages at the same cost, both unused, makes "
            "SELECT DISTINCT list it once where the library pays twice."
        ),
        stage="library",
        # The second unused paid title becomes a copy of the first's title and cost.
        edit="""
            UPDATE eresource SET publication_title = w.publication_title,
                                 annual_cost = w.annual_cost
            FROM (
                SELECT first_value(publication_title) OVER (ORDER BY title_id) AS publication_title,
                       first_value(annual_cost) OVER (ORDER BY title_id) AS annual_cost,
                       title_id, row_number() OVER (ORDER BY title_id) AS n
                FROM eresource e
                WHERE access_type = 'P' AND NOT EXISTS (
                    SELECT 1 FROM eresource_usage u WHERE u.title_id = e.title_id
                      AND u.usage_month >= DATE '2025-07-01')
                QUALIFY n <= 2
            ) w
            WHERE eresource.title_id = w.title_id AND w.n = 2
        """,
        present="""
            SELECT count(*) FROM (
                SELECT publication_title, annual_cost FROM eresource e
                WHERE access_type = 'P' AND NOT EXISTS (
                    SELECT 1 FROM eresource_usage u WHERE u.title_id = e.title_id
                      AND u.usage_month >= DATE '2025-07-01')
                GROUP BY ALL HAVING count(*) > 1)
        """,
        mutants=(
            (
                "q3_10",
                "SELECT e.publication_title, e.annual_cost -> "
                "SELECT DISTINCT e.publication_title, e.annual_cost",
            ),
        ),
    ),
    Witness(
        name="isbn_field_with_a_link",
        exercises=("q6_8",),
        why=("A 020 with a $8 link (1\\p) makes s.code <= 'a' take the link for an ISBN."),
        stage="marc",
        edit="""
            INSERT INTO marc_subfield
            SELECT s.record_id, s.field_seq, max(s.subfield_seq) + 1, '8', '1\\p'
            FROM marc_subfield s
            JOIN (
                SELECT record_id, field_seq FROM marc_field WHERE tag = '020'
                ORDER BY record_id, field_seq LIMIT 1
            ) w USING (record_id, field_seq)
            GROUP BY s.record_id, s.field_seq
        """,
        present="""
            SELECT count(*) FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq)
            WHERE f.tag = '020' AND s.code = '8'
        """,
        mutants=(("q6_8", "s.code = 'a' -> s.code <= 'a'"),),
    ),
    Witness(
        name="cancelled_lccn_with_a_revision",
        exercises=("q6_9",),
        why=(
            "A cancelled LCCN in 010 $z with a revision date (//r86) makes a query without "
            "s.code = 'a' (or with s.code >= 'a') take it for the record's LCCN."
        ),
        stage="marc",
        edit="""
            UPDATE marc_subfield SET value = rtrim(value) || ' //r86'
            FROM (
                SELECT s.record_id, s.field_seq, s.subfield_seq
                FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq)
                WHERE f.tag = '010' AND s.code = 'z'
                ORDER BY s.record_id, s.field_seq, s.subfield_seq LIMIT 1
            ) w
            WHERE marc_subfield.record_id = w.record_id AND marc_subfield.field_seq = w.field_seq
              AND marc_subfield.subfield_seq = w.subfield_seq
        """,
        present="""
            SELECT count(*) FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq)
            WHERE f.tag = '010' AND s.code = 'z' AND s.value LIKE '%/%'
        """,
        mutants=(
            ("q6_9", "drop WHERE s.code = 'a'"),
            ("q6_9", "s.code = 'a' -> s.code >= 'a'"),
        ),
    ),
    Witness(
        name="fund_with_nothing_spent_yet",
        exercises=("q6_11",),
        why=(
            "A new fund with nothing spent in fiscal 2026 makes a LEFT JOIN to the spending "
            "list it with no total."
        ),
        stage="library",
        edit="""
            INSERT INTO fund_tree VALUES
                ('DIGI', 'Digital collections (new: nothing spent yet)', 'MONO', 'allocated')
        """,
        present="""
            SELECT count(*) FROM fund_tree t
            WHERE t.code = 'DIGI' AND NOT EXISTS (SELECT 1 FROM fund f WHERE f.code = t.code)
        """,
        mutants=(("q6_11", "JOIN spent -> LEFT JOIN spent"),),
    ),
    Witness(
        name="serial_in_the_book_catalog",
        exercises=("q7_5",),
        why=(
            "A record with Leader/07 s (a serial) among the books makes a query that does not "
            "look at Leader/07 count it as a book."
        ),
        stage="marc",
        edit="""
            UPDATE marc_record SET leader = left(leader, 7) || 's' || substr(leader, 9)
            FROM (
                SELECT r.record_id FROM marc_record r JOIN marc_field f USING (record_id)
                WHERE f.tag = '008' AND substr(r.leader, 7, 2) = 'am'
                ORDER BY r.record_id LIMIT 1
            ) w
            WHERE marc_record.record_id = w.record_id
        """,
        present="SELECT count(*) FROM marc_record WHERE substr(leader, 7, 2) = 'as'",
        mutants=(("q7_5", "drop WHERE SUBSTRING(r.leader, 8, 1) IN ('a', 'c', 'd', 'm')"),),
    ),
)


WITNESSES += (
    Witness(
        name="isbn_typed_twice_in_one_record",
        exercises=("q7_6",),
        why=(
            "A record that gives the same mistyped ISBN twice (two 020 fields) makes SELECT "
            "DISTINCT list it once where the record holds it twice."
        ),
        stage="marc",
        # Two new 020 fields, $a 0123456788 (its check digit should be 9), in the first record
        # that has no 020.
        edit="""
            CREATE TEMP TABLE witness_isbn_twice AS
            SELECT r.record_id, max(f.field_seq) AS last FROM marc_record r
            JOIN marc_field f USING (record_id)
            WHERE r.record_id = (
                SELECT min(record_id) FROM marc_record g WHERE NOT EXISTS (
                    SELECT 1 FROM marc_field h WHERE h.record_id = g.record_id AND h.tag = '020'))
            GROUP BY r.record_id;
            INSERT INTO marc_field
            SELECT record_id, last + n, '020', ' ', ' ', NULL
            FROM witness_isbn_twice, range(1, 3) AS t(n);
            INSERT INTO marc_subfield
            SELECT record_id, last + n, 1, 'a', '0123456788'
            FROM witness_isbn_twice, range(1, 3) AS t(n);
            DROP TABLE witness_isbn_twice;
        """,
        present="""
            SELECT count(*) FROM (
                SELECT s.record_id
                FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq)
                WHERE f.tag = '020' AND s.code = 'a' AND s.value = '0123456788'
                GROUP BY s.record_id HAVING count(*) = 2)
        """,
        mutants=(("q7_6", "SELECT record_id, isbn -> SELECT DISTINCT record_id, isbn"),),
    ),
    Witness(
        name="ten_digit_national_library_number",
        exercises=("q7_6",),
        why=(
            "A ten-digit national bibliographic agency number in 016 $a (as the German "
            "National Library's IDNs are) makes f.tag <= '020' check it as an ISBN."
        ),
        stage="marc",
        # A new 016 7# $a 1012345678 $2 DE-101 in the first record without a 016.
        edit="""
            CREATE TEMP TABLE witness_idn AS
                SELECT record_id, max(field_seq) + 1 AS seq FROM marc_field
                WHERE record_id = (
                    SELECT min(record_id) FROM marc_record r WHERE NOT EXISTS (
                        SELECT 1 FROM marc_field f WHERE f.record_id = r.record_id
                          AND f.tag = '016'))
                GROUP BY record_id;
            INSERT INTO marc_field SELECT record_id, seq, '016', '7', ' ', NULL FROM witness_idn;
            INSERT INTO marc_subfield
                SELECT record_id, seq, 1, 'a', '1012345678' FROM witness_idn
                UNION ALL
                SELECT record_id, seq, 2, '2', 'DE-101' FROM witness_idn;
            DROP TABLE witness_idn;
        """,
        present="""
            SELECT count(*) FROM marc_subfield s JOIN marc_field f USING (record_id, field_seq)
            WHERE f.tag = '016' AND s.code = 'a' AND s.value = '1012345678'
        """,
        mutants=(("q7_6", "f.tag = '020' -> f.tag <= '020'"),),
    ),
)

WITNESSES += (
    Witness(
        name="typographic_apostrophe_after_an_accent",
        exercises=("q10_1",),
        why=(
            "A title with a typographic apostrophe right after a letter with a combining mark "
            "(Denktaş’a) sorts after its unaccented form, so strip_accents(title) < title "
            "misses it."
        ),
        stage="marc",
        # The first title whose combining mark is followed by an ASCII apostrophe gets the
        # typographic one (U+2019) instead, as publishers' data often writes it; in a sample
        # without one, the first title with a mark at the end of a word gets one after it.
        edit=f"""
            UPDATE marc_subfield
            SET value = CASE
                WHEN regexp_matches(value, '[\u0300-\u036f]''')
                THEN regexp_replace(value, '([\u0300-\u036f])''', '\\1’')
                ELSE regexp_replace(value, '([\u0300-\u036f]) ', '\\1’ ') END
            FROM (
                SELECT a.record_id, a.field_seq, a.subfield_seq
                FROM ({_TITLE_A}) a JOIN marc_subfield v USING (record_id, field_seq, subfield_seq)
                WHERE regexp_matches(v.value, '[\u0300-\u036f][ '']')
                ORDER BY NOT regexp_matches(v.value, '[\u0300-\u036f]'''), a.record_id LIMIT 1
            ) w
            WHERE marc_subfield.record_id = w.record_id AND marc_subfield.field_seq = w.field_seq
              AND marc_subfield.subfield_seq = w.subfield_seq
        """,
        present="SELECT count(*) FROM bib WHERE strip_accents(title) > title",
        mutants=(("q10_1", "STRIP_ACCENTS(title) <> title -> STRIP_ACCENTS(title) < title"),),
    ),
)

_FY2026 = "checkout_date >= DATE '2025-07-01' AND checkout_date < DATE '2026-07-01'"

WITNESSES += (
    Witness(
        name="branch_with_exactly_the_average_loans",
        exercises=("q6_1",),
        why=(
            "A branch whose fiscal-2026 loans equal the average over the branches makes "
            "loans >= avg list it, where the question asks for branches above the average."
        ),
        stage="library",
        # 1. A few loans of 2025-07-01 move to the day before (out of fiscal 2026) so that the
        #    year's loans divide evenly among the branches; 2. the branch with the fewest loans
        #    at or above that average passes its surplus to the branch with the fewest loans
        #    (a loan checked out at another branch).  Patrons and copies were there the day
        #    before too.
        edit=f"""
            CREATE TEMP TABLE witness_fy AS
                SELECT branch_id, count(*) AS n FROM loan WHERE {_FY2026} GROUP BY branch_id;
            CREATE TEMP TABLE witness_out AS
                SELECT l.loan_id FROM loan l JOIN patron p USING (patron_id)
                JOIN item i USING (item_id)
                WHERE l.checkout_date = DATE '2025-07-01'
                  AND p.registered_date < DATE '2025-06-30'
                  AND i.acquired_date < DATE '2025-06-30'
                QUALIFY row_number() OVER (ORDER BY l.loan_id)
                        <= (SELECT sum(n) % count(*) FROM witness_fy);
            UPDATE loan SET checkout_date = DATE '2025-06-30', due_date = due_date - 1
            WHERE loan_id IN (SELECT loan_id FROM witness_out);
            DROP TABLE witness_fy;
            CREATE TEMP TABLE witness_fy AS
                SELECT branch_id, count(*) AS n FROM loan WHERE {_FY2026} GROUP BY branch_id;
            CREATE TEMP TABLE witness_target AS SELECT
                (SELECT CAST(sum(n) / count(*) AS INTEGER) FROM witness_fy) AS m,
                (SELECT branch_id FROM witness_fy
                 WHERE n >= (SELECT sum(n) / count(*) FROM witness_fy)
                 ORDER BY n, branch_id LIMIT 1) AS b,
                (SELECT branch_id FROM witness_fy ORDER BY n, branch_id LIMIT 1) AS x;
            CREATE TEMP TABLE witness_move AS
                SELECT l.loan_id FROM loan l, witness_target t
                WHERE l.branch_id = t.b AND l.{_FY2026}
                QUALIFY row_number() OVER (ORDER BY l.loan_id) <= (
                    SELECT f.n - t2.m FROM witness_fy f, witness_target t2
                    WHERE f.branch_id = t2.b);
            UPDATE loan SET branch_id = (SELECT x FROM witness_target)
            WHERE loan_id IN (SELECT loan_id FROM witness_move);
            DROP TABLE witness_fy; DROP TABLE witness_out;
            DROP TABLE witness_target; DROP TABLE witness_move;
        """,
        present=f"""
            WITH per_branch AS (
                SELECT branch_id, count(*) AS n FROM loan WHERE {_FY2026} GROUP BY branch_id)
            SELECT count(*) FROM per_branch WHERE n = (SELECT avg(n) FROM per_branch)
        """,
        mutants=(
            (
                "q6_1",
                "loans > (SELECT AVG(loans) FROM branch_loans) -> "
                "loans >= (SELECT AVG(loans) FROM branch_loans)",
            ),
        ),
    ),
)

# The first record with the LCSH heading Aliens (or, in a sample without one, with any LCSH).
_FORMER_ALIENS = """
    SELECT coalesce(
        (SELECT min(f.record_id) FROM marc_field f
         JOIN marc_subfield s USING (record_id, field_seq)
         WHERE f.tag = '650' AND f.ind2 = '0' AND s.code = 'a'
           AND rtrim(s.value, ' .') = 'Aliens'),
        (SELECT min(record_id) FROM marc_field WHERE tag = '650' AND ind2 = '0')) AS record_id
"""

WITNESSES += (
    Witness(
        name="replaced_heading_outside_650",
        exercises=("q8_9",),
        why=(
            "A record that also has 'Aliens' as a portion of its title (246 30) and as an "
            "uncontrolled topical term (653 #0), both with second indicator 0, makes a query "
            "that does not keep to tag 650 report them as LCSH headings to replace."
        ),
        stage="marc",
        edit=f"""
            CREATE TEMP TABLE witness_aliens AS
                SELECT w.record_id, max(f.field_seq) AS last
                FROM ({_FORMER_ALIENS}) w JOIN marc_field f USING (record_id)
                GROUP BY w.record_id;
            INSERT INTO marc_field
                SELECT record_id, last + 1, '246', '3', '0', NULL FROM witness_aliens
                UNION ALL
                SELECT record_id, last + 2, '653', ' ', '0', NULL FROM witness_aliens;
            INSERT INTO marc_subfield
                SELECT record_id, last + n, 1, 'a', 'Aliens'
                FROM witness_aliens, range(1, 3) AS t(n);
            DROP TABLE witness_aliens;
        """,
        present="""
            SELECT count(*) FROM marc_field f JOIN marc_subfield s USING (record_id, field_seq)
            WHERE f.tag IN ('246', '653') AND f.ind2 = '0' AND s.code = 'a'
              AND s.value = 'Aliens'
        """,
        mutants=(
            ("q8_9", "drop WHERE f.tag = '650'"),
            ("q8_9", "f.tag = '650' -> f.tag <= '650'"),
            ("q8_9", "f.tag = '650' -> f.tag >= '650'"),
        ),
    ),
    Witness(
        name="replaced_heading_as_a_subdivision",
        exercises=("q8_9",),
        why=(
            "A heading with a replaced term as its topical subdivision ($a World War, "
            "1939-1945 $x Aliens.) makes a query that does not keep to $a report the "
            "subdivision as a heading to replace."
        ),
        stage="marc",
        edit="""
            INSERT INTO marc_subfield
            SELECT s.record_id, s.field_seq, max(s.subfield_seq) + 1, 'x', 'Aliens.'
            FROM marc_subfield s
            JOIN (
                SELECT f.record_id, f.field_seq FROM marc_field f
                JOIN marc_subfield a USING (record_id, field_seq)
                WHERE f.tag = '650' AND f.ind2 = '0' AND a.code = 'a'
                  AND a.value LIKE 'World War, 1939-1945%'
                ORDER BY f.record_id, f.field_seq LIMIT 1
            ) w USING (record_id, field_seq)
            GROUP BY s.record_id, s.field_seq
        """,
        present="""
            SELECT count(*) FROM marc_field f JOIN marc_subfield s USING (record_id, field_seq)
            WHERE f.tag = '650' AND f.ind2 = '0' AND s.code = 'x' AND s.value = 'Aliens.'
        """,
        mutants=(
            ("q8_9", "drop WHERE s.code = 'a'"),
            ("q8_9", "s.code = 'a' -> s.code >= 'a'"),
        ),
    ),
)


def apply_witnesses(con: duckdb.DuckDBPyConnection, stage: str) -> list[str]:
    """Run the edits of ``stage`` on ``con``; return the names of the witnesses applied."""
    if stage not in STAGES:
        raise ValueError(f"There is no witness stage {stage!r}: use one of {', '.join(STAGES)}.")
    done = []
    for witness in WITNESSES:
        if witness.stage == stage:
            con.execute(witness.edit)
            done.append(witness.name)
    return done


def missing_witnesses(con: duckdb.DuckDBPyConnection, stage: str | None = None) -> list[str]:
    """Names of the witnesses (of ``stage``, or all) with no row in ``con``: none in a built
    shadow database."""
    return [
        w.name
        for w in WITNESSES
        if stage in (None, w.stage) and not con.execute(w.present).fetchone()[0]
    ]

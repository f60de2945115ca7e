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
witness makes fail, next to the exercise's other fixtures).  Witnesses are applied to the shadow
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

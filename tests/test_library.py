"""The seeded library system (course.data.consortium.library) around a catalog.

Most tests run on a synthetic catalog made here, so they always run; one test runs the real
loader and catalog build on the LoC sample in ../shared/realdata (skipped when it is absent).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from stdnum import ean, isbn, issn, luhn

from course.data.consortium import library_calendar as cal
from course.data.consortium.barcodes import INSTITUTION_CODE, is_valid_barcode, make_barcodes
from course.data.consortium.circulation import LOAN_DAYS, PATRON_TYPES
from course.data.consortium.library import LIBRARY_TABLES, drop_library_tables, generate_library

SEED = 20260630
N_BIBS = 4000

_CLASSES = [
    "P",
    "PQ",
    "PR",
    "PS",
    "PZ",
    "H",
    "HD",
    "HV",
    "D",
    "DS",
    "B",
    "BX",
    "K",
    "KF",
    "Q",
    "QA",
    "QH",
    "R",
    "T",
    "N",
    "M",
    "G",
    "E",
    "F",
    "J",
    "L",
    "S",
    "Z",
    "AE",
]
_WORDS = [
    "history",
    "studies",
    "river",
    "poems",
    "law",
    "economics",
    "war",
    "love",
    "children",
    "science",
    "politics",
    "life",
    "art",
    "music",
    "city",
    "church",
]


def synthetic_catalog(con: duckdb.DuckDBPyConnection, n: int, seed: int = 0) -> None:
    """A bib and bib_isbn table shaped like the course catalog, with LoC-like proportions."""
    rng = np.random.default_rng(seed)
    date1 = np.where(rng.random(n) < 0.85, rng.integers(1990, 2010, n), rng.integers(1700, 1990, n))
    letters = rng.choice(_CLASSES, n)
    lc = np.array(
        [
            f"{c}{rng.integers(1, 9000)} .A{rng.integers(1, 99)} {d}"
            for c, d in zip(letters, date1, strict=True)
        ],
        dtype=object,
    )
    letters = letters.astype(object)
    shelf = rng.random(n) < 0.03  # LC shelf numbers: no class
    lc[shelf], letters[shelf] = "MLCS 2006/00763 (U)", None
    dewey = np.array(
        [f"{rng.integers(0, 999):03d}/.{rng.integers(1, 99)}" for _ in range(n)], dtype=object
    )
    dewey[rng.random(n) < 0.55] = None
    bib = pd.DataFrame(
        {
            "bib_id": np.arange(1, n + 1) * 3 + 7,  # not 1..n, like a sample of the LoC file
            "title": [
                " ".join(rng.choice(_WORDS, rng.integers(2, 5))).capitalize()
                + (" : a dictionary" if rng.random() < 0.01 else "")
                for _ in range(n)
            ],
            "date1": pd.array(np.where(rng.random(n) < 0.01, -1, date1)).astype("Int64"),
            "language": rng.choice(
                ["eng", "ger", "spa", "fre", "rus", "chi", "jpn", "ara", "por"],
                n,
                p=[0.55, 0.08, 0.07, 0.06, 0.05, 0.06, 0.05, 0.04, 0.04],
            ),
            "lc_class_letters": letters,
            "lc_call_number": lc,
            "dewey": dewey,
            "literary_form": rng.choice(
                ["0", "1", "f", "p", "|"], n, p=[0.9, 0.07, 0.01, 0.01, 0.01]
            ),
            "main_entry": [f"Writer{i}, Ann" for i in range(n)],
            "publisher": "Example House",
        }
    )
    bib["date1"] = bib["date1"].mask(bib["date1"] < 0)
    con.execute("""CREATE TABLE bib (bib_id INTEGER PRIMARY KEY, title VARCHAR, date1 SMALLINT,
        language VARCHAR, lc_class_letters VARCHAR, lc_call_number VARCHAR, dewey VARCHAR,
        literary_form VARCHAR, main_entry VARCHAR, publisher VARCHAR)""")
    con.register("bib_frame", bib)
    con.execute("INSERT INTO bib BY NAME SELECT * FROM bib_frame")
    con.unregister("bib_frame")
    rows = []
    for bib_id in bib["bib_id"][rng.random(n) < 0.7]:
        body = f"978{rng.integers(0, 10**9):09d}"
        rows.append((int(bib_id), body + ean.calc_check_digit(body)))
    isbns = pd.DataFrame(rows, columns=["bib_id", "isbn13"])
    con.register("isbn_frame", isbns)
    con.execute(
        "CREATE TABLE bib_isbn AS SELECT bib_id, isbn13 AS isbn, isbn13, "
        "TRUE AS is_valid FROM isbn_frame"
    )
    con.unregister("isbn_frame")


def _library(n: int, seed: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    synthetic_catalog(con, n)
    generate_library(con, seed=seed, progress=False)
    return con


@pytest.fixture(scope="module")
def lib():
    con = _library(N_BIBS, SEED)
    yield con
    con.close()


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def checksums(con) -> dict[str, tuple[int, str]]:
    return {
        t: con.execute(
            f"SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, '|' ORDER BY r::VARCHAR), '')) "
            f"FROM {t} r"
        ).fetchone()
        for t in LIBRARY_TABLES
    }


# -- barcodes ---------------------------------------------------------------------------------


def test_barcode_matches_the_reference_example():
    # REFERENCE.md section 2: 3023400051786 -> check digit 1.
    assert make_barcodes("item", [51786], institution="0234") == ["30234000517861"]
    assert is_valid_barcode("30234000517861", "item")
    assert not is_valid_barcode("30234000517862")
    assert not is_valid_barcode("30234000517861", "patron")
    assert not is_valid_barcode("3023400051786")


def test_barcode_rejects_bad_input():
    with pytest.raises(ValueError, match="kind"):
        make_barcodes("book", [1])
    with pytest.raises(ValueError, match="eight digits"):
        make_barcodes("item", [100_000_000])


def test_every_barcode_is_valid_and_unique(lib):
    items = [r[0] for r in lib.execute("SELECT barcode FROM item").fetchall()]
    patrons = [r[0] for r in lib.execute("SELECT barcode FROM patron").fetchall()]
    assert items and patrons
    for code, first in [(c, "3") for c in items] + [(c, "2") for c in patrons]:
        assert len(code) == 14 and code.isdigit() and code[0] == first, code
        assert code[1:5] == INSTITUTION_CODE
        assert luhn.is_valid(code), code
    assert len(set(items) | set(patrons)) == len(items) + len(patrons)


# -- structure --------------------------------------------------------------------------------


def test_tables_have_primary_and_foreign_keys(lib):
    kinds = dict(
        lib.execute(
            "SELECT table_name, list(DISTINCT constraint_type) FROM duckdb_constraints() "
            "GROUP BY table_name"
        ).fetchall()
    )
    for table in LIBRARY_TABLES:
        assert "PRIMARY KEY" in kinds[table], table
    for table in (
        "holding",
        "item",
        "loan",
        "hold",
        "purchase_order",
        "order_line",
        "invoice",
        "invoice_line",
        "eresource",
        "eresource_usage",
        "patron",
    ):
        assert "FOREIGN KEY" in kinds[table], table
    # The foreign key to bib is declared because the catalog's bib_id is a primary key.
    with pytest.raises(duckdb.ConstraintException):
        lib.execute("INSERT INTO holding VALUES (999999, -5, 1, 'X', 1)")


FOREIGN_KEYS = [
    ("holding", "bib_id", "bib", "bib_id"),
    ("holding", "branch_id", "branch", "branch_id"),
    ("item", "bib_id", "bib", "bib_id"),
    ("item", "holding_id", "holding", "holding_id"),
    ("item", "branch_id", "branch", "branch_id"),
    ("patron", "home_branch_id", "branch", "branch_id"),
    ("loan", "item_id", "item", "item_id"),
    ("loan", "patron_id", "patron", "patron_id"),
    ("loan", "branch_id", "branch", "branch_id"),
    ("hold", "bib_id", "bib", "bib_id"),
    ("hold", "patron_id", "patron", "patron_id"),
    ("hold", "pickup_branch_id", "branch", "branch_id"),
    ("purchase_order", "vendor_id", "vendor", "vendor_id"),
    ("order_line", "order_id", "purchase_order", "order_id"),
    ("order_line", "bib_id", "bib", "bib_id"),
    ("order_line", "fund_id", "fund", "fund_id"),
    ("invoice", "vendor_id", "vendor", "vendor_id"),
    ("invoice_line", "invoice_id", "invoice", "invoice_id"),
    ("invoice_line", "order_line_id", "order_line", "order_line_id"),
    ("eresource", "vendor_id", "vendor", "vendor_id"),
    ("eresource_usage", "title_id", "eresource", "title_id"),
]


@pytest.mark.parametrize(("child", "column", "parent", "key"), FOREIGN_KEYS)
def test_foreign_keys_hold(lib, child, column, parent, key):
    orphans = one(
        lib,
        f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p "
        f"ON c.{column} = p.{key} WHERE c.{column} IS NOT NULL AND p.{key} IS NULL",
    )
    assert orphans == 0


def test_holding_and_item_agree(lib):
    assert (
        one(
            lib,
            "SELECT count(*) FROM item i JOIN holding h USING (holding_id) "
            "WHERE i.bib_id <> h.bib_id OR i.branch_id <> h.branch_id",
        )
        == 0
    )
    assert (
        one(
            lib,
            "SELECT count(*) FROM holding h WHERE copies <> "
            "(SELECT count(*) FROM item i WHERE i.holding_id = h.holding_id)",
        )
        == 0
    )
    # Most held titles have one copy; popular ones several.
    copies = dict(
        lib.execute(
            "SELECT n > 1, count(*) FROM (SELECT bib_id, count(*) n FROM item "
            "GROUP BY 1) GROUP BY 1"
        ).fetchall()
    )
    assert copies[False] > 5 * copies[True] > 0
    assert one(lib, "SELECT max(n) FROM (SELECT count(*) n FROM item GROUP BY bib_id)") >= 4


def test_call_numbers_come_from_the_record(lib):
    rows = lib.execute(
        "SELECT i.call_number, b.lc_call_number, b.lc_class_letters, b.dewey, i.collection "
        "FROM item i JOIN bib b USING (bib_id)"
    ).fetchall()
    kinds = {"lc": 0, "dewey": 0, "local": 0}
    for call, lc, letters, dewey, collection in rows:
        assert "MLCS" not in call
        if letters:
            assert lc in call
            kinds["lc"] += 1
        elif dewey:
            assert dewey.replace("/", "")[:3] in call
            kinds["dewey"] += 1
        else:
            assert "LOCAL " in call
            kinds["local"] += 1
        if collection == "juvenile":
            assert call.startswith("J ")
    assert min(kinds.values()) > 0


def test_patrons_carry_no_personal_data(lib):
    columns = [r[0] for r in lib.execute("DESCRIBE patron").fetchall()]
    assert columns == [
        "patron_id",
        "barcode",
        "patron_type",
        "home_branch_id",
        "registered_date",
        "expiry_date",
    ]
    assert set(
        r[0] for r in lib.execute("SELECT DISTINCT patron_type FROM patron").fetchall()
    ) == set(PATRON_TYPES)
    assert (
        one(
            lib,
            "SELECT count(*) FROM patron p JOIN branch b "
            "ON p.home_branch_id = b.branch_id WHERE b.branch_type = 'storage'",
        )
        == 0
    )


# -- circulation ------------------------------------------------------------------------------


def test_no_item_is_on_two_loans_at_once(lib):
    overlaps = one(
        lib,
        """
        SELECT count(*) FROM (
            SELECT checkout_date,
                   lag(return_date) OVER w AS prev_return,
                   lag(loan_id) OVER w AS prev_loan
            FROM loan WINDOW w AS (PARTITION BY item_id ORDER BY checkout_date, loan_id))
        WHERE prev_loan IS NOT NULL AND (prev_return IS NULL OR prev_return > checkout_date)""",
    )
    assert overlaps == 0
    assert (
        one(
            lib,
            "SELECT max(n) FROM (SELECT count(*) n FROM loan "
            "WHERE return_date IS NULL GROUP BY item_id)",
        )
        == 1
    )


def test_loans_respect_dates(lib):
    today = cal.TODAY
    assert (
        one(
            lib,
            "SELECT count(*) FROM loan l JOIN item i USING (item_id) "
            "WHERE l.checkout_date < i.acquired_date",
        )
        == 0
    )
    assert (
        one(
            lib,
            "SELECT count(*) FROM loan l JOIN patron p USING (patron_id) "
            "WHERE l.checkout_date < p.registered_date "
            "OR l.checkout_date >= p.expiry_date",
        )
        == 0
    )
    assert one(lib, "SELECT min(checkout_date) FROM loan") >= cal.LOAN_START
    assert one(lib, "SELECT max(checkout_date) FROM loan") <= today
    assert one(lib, "SELECT max(return_date) FROM loan") <= today
    assert (
        one(
            lib,
            "SELECT count(*) FROM loan WHERE return_date < checkout_date "
            "OR due_date <= checkout_date",
        )
        == 0
    )
    # Acquired on or after publication.
    assert (
        one(
            lib,
            "SELECT count(*) FROM item i JOIN bib b USING (bib_id) "
            "WHERE b.date1 <= 2026 AND i.acquired_date < make_date(b.date1, 1, 1)",
        )
        == 0
    )


def test_due_dates_follow_patron_type_and_renewals(lib):
    rows = lib.execute(
        "SELECT p.patron_type, l.due_date - l.checkout_date, l.renewals "
        "FROM loan l JOIN patron p USING (patron_id)"
    ).fetchall()
    period = dict(zip(PATRON_TYPES, LOAN_DAYS.tolist(), strict=True))
    assert all(days == period[t] * (1 + r) for t, days, r in rows)
    assert any(r for _, _, r in rows)


def test_returns_mostly_on_time_some_late_a_few_out(lib):
    n, on_time, late, out, overdue_out = lib.execute("""
        SELECT count(*), count(*) FILTER (WHERE return_date <= due_date),
               count(*) FILTER (WHERE return_date > due_date),
               count(*) FILTER (WHERE return_date IS NULL),
               count(*) FILTER (WHERE return_date IS NULL AND due_date < DATE '2026-06-30')
        FROM loan""").fetchone()
    assert on_time > 0.8 * n
    assert 0.02 * n < late < 0.2 * n
    assert 0 < out < 0.1 * n and overdue_out > 0


def test_same_day_returns_exist_and_the_table_allows_them(lib):
    n, same_day = lib.execute(
        "SELECT count(*), count(*) FILTER (WHERE return_date = checkout_date) FROM loan"
    ).fetchone()
    assert 0.005 * n < same_day < 0.05 * n
    check = one(
        lib,
        "SELECT expression FROM duckdb_constraints() WHERE table_name = 'loan' "
        "AND constraint_type = 'CHECK' AND expression LIKE '%return_date%'",
    )
    assert ">=" in check
    lib.execute("BEGIN")
    try:  # a same-day return is accepted, a return before the checkout refused
        lib.execute("UPDATE loan SET return_date = checkout_date WHERE loan_id = 1")
        with pytest.raises(duckdb.ConstraintException):
            lib.execute("UPDATE loan SET return_date = checkout_date - 1 WHERE loan_id = 2")
    finally:
        lib.execute("ROLLBACK")


def test_no_start_up_spike_in_the_first_month(lib):
    by_month = dict(
        lib.execute(
            "SELECT strftime(checkout_date, '%Y-%m'), count(*) FROM loan GROUP BY 1"
        ).fetchall()
    )
    # The first July is no busier than the next two (all copies on the shelf made it ~50% more).
    assert by_month["2022-07"] < 1.12 * max(by_month["2023-07"], by_month["2024-07"])
    assert by_month["2022-07"] > 0.8 * min(by_month["2023-07"], by_month["2024-07"])


def test_the_most_borrowed_titles_are_what_a_library_lends_most(lib):
    # A rule a reader can check: of the 20 most-borrowed titles at least 18 are in English, all
    # are from 1990 or later, at least half are fiction (008/33) or children's books (PZ), and
    # none is in denominational church history (BX), law (K) or bibliography (Z).
    rows = lib.execute("""
        SELECT b.language, b.date1, b.literary_form, b.lc_class_letters, count(*) AS n
        FROM loan l JOIN item i USING (item_id) JOIN bib b USING (bib_id)
        GROUP BY b.bib_id, 1, 2, 3, 4 ORDER BY n DESC, b.bib_id LIMIT 20""").fetchall()
    assert sum(lang == "eng" for lang, *_ in rows) >= 18
    assert all(date1 is not None and date1 >= 1990 for _, date1, *_ in rows)
    assert sum(form in ("1", "f", "p") or cls == "PZ" for _, _, form, cls, _ in rows) >= 10
    assert not [cls for *_, cls, _ in rows if cls and (cls[0] in "KZ" or cls == "BX")]


def test_loan_volume_is_in_the_planned_range(lib):
    per_bib = one(lib, "SELECT count(*) FROM loan") / N_BIBS
    assert 4 <= per_bib <= 14


def test_popularity_is_skewed(lib):
    top_share, never = lib.execute("""
        WITH c AS (SELECT i.item_id, count(l.loan_id) AS n FROM item i
                   LEFT JOIN loan l USING (item_id) GROUP BY i.item_id),
             r AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS rk, count(*) OVER () AS k
                   FROM c)
        SELECT sum(n) FILTER (WHERE rk <= k / 100) / sum(n), avg((n = 0)::INT) FROM r
    """).fetchone()
    assert top_share > 0.08  # the top 1% of items take over 8x their share
    assert never > 0.3
    never_titles = one(
        lib,
        "SELECT avg((NOT EXISTS (SELECT 1 FROM loan l JOIN item i "
        "USING (item_id) WHERE i.bib_id = b.bib_id))::INT) FROM bib b",
    )
    assert never_titles > 0.5  # most titles are never borrowed


def test_loans_are_seasonal(lib):
    by_month = dict(
        lib.execute("SELECT month(checkout_date), count(*) FROM loan GROUP BY 1").fetchall()
    )
    assert len(by_month) == 12
    assert by_month[7] > 1.15 * by_month[12]  # summer reading beats the December lull
    assert max(by_month.values()) > 1.2 * min(by_month.values())
    by_day = dict(
        lib.execute("SELECT dayofweek(checkout_date), count(*) FROM loan GROUP BY 1").fetchall()
    )
    assert by_day[0] < 0.7 * by_day[3]  # short Sunday hours
    closed = one(
        lib,
        "SELECT count(*) FROM loan WHERE strftime(checkout_date, '%m-%d') "
        "IN ('12-25', '01-01', '07-04')",
    )
    assert closed == 0


def test_item_statuses_agree_with_loans_and_holds(lib):
    statuses = dict(lib.execute("SELECT status, count(*) FROM item GROUP BY 1").fetchall())
    assert statuses["Available"] > 0.6 * sum(statuses.values())
    assert statuses["Checked out"] > 0
    wrong = one(
        lib,
        """
        SELECT count(*) FROM item i
        LEFT JOIN (SELECT DISTINCT item_id FROM loan WHERE return_date IS NULL) o USING (item_id)
        WHERE (o.item_id IS NOT NULL) <> (i.status IN ('Checked out', 'Lost'))""",
    )
    assert wrong == 0
    assert one(lib, "SELECT count(*) FROM item WHERE status = 'On holds shelf'") == one(
        lib, "SELECT count(*) FROM hold WHERE status = 'Ready for pickup'"
    )
    assert (
        one(
            lib,
            "SELECT count(*) FROM item i WHERE status IN ('Withdrawn', 'In process') "
            "AND EXISTS (SELECT 1 FROM loan l WHERE l.item_id = i.item_id)",
        )
        == 0
    )


def test_holds_are_on_popular_titles_and_consistent(lib):
    assert (
        one(
            lib,
            "SELECT count(*) FROM hold WHERE (status IN ('Filled', 'Ready for pickup')) "
            "<> (filled_date IS NOT NULL)",
        )
        == 0
    )
    assert (
        one(
            lib,
            "SELECT count(*) FROM hold h JOIN patron p USING (patron_id) "
            "WHERE h.placed_date < p.registered_date",
        )
        == 0
    )
    # Every filled hold matches a loan of that title to that patron at the pickup branch.
    assert (
        one(
            lib,
            """SELECT count(*) FROM hold h WHERE status = 'Filled' AND NOT EXISTS (
        SELECT 1 FROM loan l JOIN item i USING (item_id) WHERE i.bib_id = h.bib_id
        AND l.patron_id = h.patron_id AND l.branch_id = h.pickup_branch_id
        AND l.checkout_date >= h.filled_date)""",
        )
        == 0
    )
    held_loans, all_loans = lib.execute("""
        WITH t AS (SELECT i.bib_id, count(*) n FROM loan l JOIN item i USING (item_id) GROUP BY 1)
        SELECT avg(n) FILTER (WHERE bib_id IN (SELECT bib_id FROM hold)), avg(n) FROM t
    """).fetchone()
    assert held_loans > 5 * all_loans


# -- acquisitions -----------------------------------------------------------------------------


def test_funds_cover_five_fiscal_years(lib):
    years = [
        r[0] for r in lib.execute("SELECT DISTINCT fiscal_year FROM fund ORDER BY 1").fetchall()
    ]
    assert years == list(cal.FISCAL_YEARS)
    assert (
        one(
            lib,
            "SELECT count(DISTINCT n) FROM (SELECT fiscal_year, count(*) n FROM fund GROUP BY 1)",
        )
        == 1
    )
    # A line is charged to the fund of the fiscal year its order was placed in.
    assert (
        one(
            lib,
            """SELECT count(*) FROM order_line ol JOIN purchase_order po USING (order_id)
        JOIN fund f USING (fund_id)
        WHERE f.fiscal_year <> year(po.order_date) + (month(po.order_date) >= 7)::INT""",
        )
        == 0
    )


def test_every_purchase_has_a_received_order_line(lib):
    fy_start = cal.fiscal_year_start(cal.FISCAL_YEARS[0])
    mismatched = one(
        lib,
        """
        SELECT count(*) FROM order_line ol
        WHERE received_date IS NOT NULL AND quantity <> (SELECT count(*) FROM item i
            WHERE i.bib_id = ol.bib_id AND i.acquired_date = ol.received_date)""",
    )
    assert mismatched == 0
    bought, gifts = lib.execute(
        """
        SELECT count(*) FILTER (WHERE ol.order_line_id IS NOT NULL),
               count(*) FILTER (WHERE ol.order_line_id IS NULL)
        FROM item i LEFT JOIN order_line ol
          ON ol.bib_id = i.bib_id AND ol.received_date = i.acquired_date
        WHERE i.acquired_date >= ?""",
        [fy_start],
    ).fetchone()
    assert bought > 5 * gifts > 0  # most recent items were bought, a few given
    assert (
        one(
            lib,
            "SELECT count(*) FROM order_line ol JOIN purchase_order po "
            "USING (order_id) WHERE ol.received_date < po.order_date",
        )
        == 0
    )


def test_acquisitions_have_the_gaps_exercises_ask_about(lib):
    assert (
        one(
            lib,
            "SELECT count(*) FROM invoice i WHERE NOT EXISTS (SELECT 1 FROM invoice_line "
            "il WHERE il.invoice_id = i.invoice_id AND il.order_line_id IS NOT NULL)",
        )
        >= 3
    )
    assert (
        one(
            lib,
            "SELECT count(*) FROM order_line ol WHERE received_date IS NOT NULL AND "
            "NOT EXISTS (SELECT 1 FROM invoice_line il "
            "WHERE il.order_line_id = ol.order_line_id)",
        )
        > 0
    )
    fill = [
        r[0]
        for r in lib.execute("""
        SELECT round(avg((received_date IS NOT NULL)::INT), 2) FROM order_line
        JOIN purchase_order USING (order_id) GROUP BY vendor_id""").fetchall()
    ]
    assert len(fill) >= 5 and min(fill) < 0.85 and max(fill) > 0.9
    assert set(
        r[0] for r in lib.execute("SELECT DISTINCT order_type FROM purchase_order").fetchall()
    ) == {"firm", "standing", "approval"}


def test_invoices_add_up(lib):
    assert (
        one(
            lib,
            "SELECT count(*) FROM invoice i WHERE total <> (SELECT sum(amount) FROM "
            "invoice_line il WHERE il.invoice_id = i.invoice_id)",
        )
        == 0
    )
    assert (
        one(
            lib,
            "SELECT count(*) FROM invoice_line il JOIN invoice i USING (invoice_id) "
            "JOIN order_line ol USING (order_line_id) "
            "WHERE i.invoice_date < ol.received_date",
        )
        == 0
    )
    assert one(lib, "SELECT max(invoice_date) FROM invoice") <= cal.TODAY


# -- e-resources ------------------------------------------------------------------------------


def test_eresource_identifiers_are_valid(lib):
    rows = lib.execute(
        "SELECT publication_type, print_identifier, online_identifier, "
        "date_first_issue_online FROM eresource"
    ).fetchall()
    kinds = {"serial": 0, "monograph": 0}
    for kind, printed, online, first in rows:
        kinds[kind] += 1
        check = issn.is_valid if kind == "serial" else isbn.is_valid
        assert check(online), online
        assert printed is None or check(printed), printed
        assert (first is None) == (kind == "monograph")
    assert min(kinds.values()) > 100
    # E-books are versions of catalog records: their print ISBN is in bib_isbn.
    assert (
        one(
            lib,
            "SELECT count(*) FROM eresource e WHERE publication_type = 'monograph' AND "
            "print_identifier NOT IN (SELECT isbn13 FROM bib_isbn)",
        )
        == 0
    )


def test_usage_obeys_counter(lib):
    # COUNTER R5: per title and month, 1 <= unique <= total whenever there is a total, and no
    # unique row without a total row.
    bad = lib.execute("""
        WITH m AS (
            SELECT title_id, usage_month,
                   max(count) FILTER (WHERE metric_type = 'Total_Item_Requests') AS total,
                   max(count) FILTER (WHERE metric_type LIKE 'Unique_%') AS uniq
            FROM eresource_usage GROUP BY ALL)
        SELECT count(*) FILTER (WHERE total IS NOT NULL AND (uniq IS NULL OR uniq < 1)),
               count(*) FILTER (WHERE uniq > total OR (uniq IS NOT NULL AND total IS NULL)),
               count(*) FILTER (WHERE uniq = total), count(*)
        FROM m""").fetchone()
    assert bad[:2] == (0, 0)
    assert 0 < bad[2] < bad[3]  # some months every request is unique, not all
    # abstracts-only journals give no full content, so they have no requests at all
    abstracts = lib.execute(
        "SELECT count(DISTINCT e.title_id), count(u.title_id) FROM eresource e "
        "LEFT JOIN eresource_usage u USING (title_id) WHERE e.coverage_depth = 'abstracts'"
    ).fetchone()
    assert abstracts[0] > 0 and abstracts[1] == 0


def test_usage_is_counter_shaped_and_skewed(lib):
    assert (
        one(
            lib,
            """SELECT count(*) FROM eresource_usage u JOIN eresource e USING (title_id)
        WHERE (e.publication_type = 'serial' AND u.metric_type = 'Unique_Title_Requests')
           OR (e.publication_type = 'monograph' AND u.metric_type = 'Unique_Item_Requests')""",
        )
        == 0
    )
    assert one(lib, "SELECT count(DISTINCT metric_type) FROM eresource_usage") == 3
    assert (
        one(
            lib,
            """SELECT count(*) FROM eresource_usage t JOIN eresource_usage u
        USING (title_id, usage_month) WHERE t.metric_type = 'Total_Item_Requests'
        AND u.metric_type <> 'Total_Item_Requests' AND u.count > t.count""",
        )
        == 0
    )
    assert (
        one(lib, "SELECT count(*) FROM eresource_usage WHERE day(usage_month) <> 1 OR count <= 0")
        == 0
    )
    unused = one(
        lib,
        "SELECT count(*) FROM eresource e WHERE annual_cost > 0 AND NOT EXISTS "
        "(SELECT 1 FROM eresource_usage u WHERE u.title_id = e.title_id)",
    )
    assert unused > 10
    spread = one(
        lib,
        """SELECT max(cpu) / min(cpu) FROM (
        SELECT e.annual_cost * 4 / sum(u.count) AS cpu FROM eresource e
        JOIN eresource_usage u USING (title_id)
        WHERE u.metric_type = 'Unique_Item_Requests' AND e.annual_cost > 0 GROUP BY e.title_id,
        e.annual_cost)""",
    )
    assert spread > 100


# -- determinism and errors -------------------------------------------------------------------


def test_same_seed_same_rows_other_seed_other_rows(lib):
    first = checksums(lib)
    again = _library(N_BIBS, SEED)
    other = _library(N_BIBS, SEED + 1)
    try:
        assert checksums(again) == first
        changed = {t for t, value in checksums(other).items() if value != first[t]}
    finally:
        again.close()
        other.close()
    assert changed >= {
        "holding",
        "item",
        "patron",
        "loan",
        "hold",
        "order_line",
        "invoice",
        "invoice_line",
        "eresource",
        "eresource_usage",
        "fund",
    }


def test_running_again_replaces_the_tables():
    con = duckdb.connect()
    synthetic_catalog(con, 600)
    generate_library(con, seed=1, progress=False)
    first = checksums(con)
    generate_library(con, seed=1, progress=False)
    assert checksums(con) == first
    # The catalog can be rebuilt once the library tables are out of the way.
    with pytest.raises(duckdb.Error):
        con.execute("DROP TABLE bib")
    drop_library_tables(con)
    con.execute("DROP TABLE bib")
    con.close()


def test_a_catalog_without_the_needed_columns_gets_a_plain_message():
    con = duckdb.connect()
    con.execute("CREATE TABLE bib (bib_id INTEGER PRIMARY KEY, title VARCHAR)")
    with pytest.raises(ValueError, match="bib table lacks date1") as err:
        generate_library(con, seed=1, progress=False)
    assert "\n" not in str(err.value)
    con.close()


@pytest.mark.realdata
def test_on_the_real_loc_sample(realdata):
    sample = realdata / "marc21_binary" / "loc" / "loc_booksall2016_part01_every100th.utf8.mrc"
    if not sample.exists():
        pytest.skip("the LoC sample is not in ../shared/realdata")
    from course.data.marc.catalog import build_catalog
    from course.data.marc.load import load_marc

    con = duckdb.connect()
    load_marc(sample, con, progress=False)
    build_catalog(con, progress=False)
    generate_library(con, seed=SEED, progress=False)
    n_bibs = one(con, "SELECT count(*) FROM bib")
    assert 3 * n_bibs < one(con, "SELECT count(*) FROM loan") < 15 * n_bibs
    assert (
        one(
            con,
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'item' "
            "AND constraint_type = 'FOREIGN KEY' AND referenced_table = 'bib'",
        )
        == 1
    )
    assert one(con, "SELECT count(*) FROM item WHERE call_number LIKE '%MLCS%'") == 0
    assert (
        one(
            con,
            "SELECT count(*) FROM item i JOIN bib b USING (bib_id) "
            "WHERE b.date1 <= 2026 AND i.acquired_date < make_date(b.date1, 1, 1)",
        )
        == 0
    )
    assert one(con, "SELECT count(*) FROM eresource WHERE publication_type = 'monograph'") > 100
    con.close()


def test_library_witnesses_make_boundary_mistakes_fail():
    # course.data.witness edits the shadow database after the library is generated; here on a
    # synthetic library: each boundary mistake gives the reference's result before, not after.
    from course.data import witness

    con = _library(N_BIBS, SEED + 2)
    pairs = {
        "open_loan_due_on_the_cutoff": (
            "SELECT loan_id FROM loan WHERE return_date IS NULL AND due_date {} DATE '2025-01-01'"
        ),
        "never_lent_copy_acquired_on_the_cutoff": (
            "SELECT i.item_id FROM item i JOIN branch br USING (branch_id) WHERE br.code = 'MIL' "
            "AND i.status = 'Available' AND i.acquired_date {} DATE '2022-07-01' "
            "AND NOT EXISTS (SELECT 1 FROM loan l WHERE l.item_id = i.item_id)"
        ),
    }

    def same(sql):
        return sorted(con.execute(sql.format("<")).fetchall()) == sorted(
            con.execute(sql.format("<=")).fetchall()
        )

    try:
        assert all(same(sql) for sql in pairs.values())
        # (the other library-stage witnesses, for course mutants, must apply here too)
        assert set(pairs) <= set(witness.apply_witnesses(con, "library"))
        assert not any(same(sql) for sql in pairs.values())
        by_name = {w.name: w for w in witness.WITNESSES}
        assert all(one(con, by_name[name].present) == 1 for name in pairs)
        # the moved loan keeps its loan period and a valid card
        bad = one(
            con,
            "SELECT count(*) FROM loan l JOIN patron p USING (patron_id) "
            "WHERE l.due_date = DATE '2025-01-01' AND (l.checkout_date >= p.expiry_date "
            "OR l.checkout_date < p.registered_date)",
        )
        assert bad == 0
    finally:
        con.close()

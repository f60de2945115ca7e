"""Small course-like databases for tests, benchmarks and trying notebooks without the real data.

:func:`build_fixture_databases` writes ``library.duckdb`` and ``shadow.duckdb`` into a folder
(point ``COURSE_DATA_DIR`` at it).  They follow the course schema contract for the tables they
hold -- branch, bib, patron, item, loan, vendor, invoice, invoice_line -- with a few hundred rows
each, and are made from different seeds, so the two hold different records (different counts,
titles, prices) exactly like the real pair.  Same seed, same bytes of data.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb
import pandas as pd
from stdnum import luhn

__all__ = ["build_fixture_database", "build_fixture_databases", "SEEDS"]

#: Seeds of the two fixture databases.
SEEDS = {"library": 1, "shadow": 2}

_SCHEMA = """
CREATE TABLE branch (branch_id INTEGER PRIMARY KEY, code VARCHAR NOT NULL, name VARCHAR NOT NULL,
    branch_type VARCHAR NOT NULL, opened_date DATE);
CREATE TABLE bib (bib_id INTEGER PRIMARY KEY, control_number VARCHAR, title VARCHAR,
    date1 SMALLINT, language VARCHAR, lc_class_letters VARCHAR, literary_form VARCHAR,
    publisher VARCHAR);
CREATE TABLE patron (patron_id INTEGER PRIMARY KEY, barcode VARCHAR NOT NULL, patron_type VARCHAR,
    home_branch_id INTEGER REFERENCES branch (branch_id), registered_date DATE, expiry_date DATE);
CREATE TABLE item (item_id INTEGER PRIMARY KEY, barcode VARCHAR NOT NULL,
    bib_id INTEGER REFERENCES bib (bib_id), branch_id INTEGER REFERENCES branch (branch_id),
    call_number VARCHAR, collection VARCHAR, status VARCHAR, price DECIMAL(10,2),
    acquired_date DATE);
CREATE TABLE loan (loan_id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES item (item_id),
    patron_id INTEGER REFERENCES patron (patron_id),
    branch_id INTEGER REFERENCES branch (branch_id),
    checkout_date DATE, due_date DATE, return_date DATE, renewals INTEGER);
CREATE TABLE vendor (vendor_id INTEGER PRIMARY KEY, code VARCHAR, name VARCHAR, country VARCHAR);
CREATE TABLE invoice (invoice_id INTEGER PRIMARY KEY,
    vendor_id INTEGER REFERENCES vendor (vendor_id),
    invoice_number VARCHAR, invoice_date DATE, total DECIMAL(10,2));
CREATE TABLE invoice_line (invoice_line_id INTEGER PRIMARY KEY,
    invoice_id INTEGER REFERENCES invoice (invoice_id), order_line_id INTEGER, description VARCHAR,
    amount DECIMAL(10,2));
"""

_BRANCHES = [
    ("MAIN", "Central Library", "main"),
    ("EAST", "Eastside Branch", "branch"),
    ("WEST", "Westgate Branch", "branch"),
    ("NRTH", "Northfield Branch", "branch"),
    ("RIVR", "Riverside Branch", "branch"),
    ("ANNX", "Storage Annex", "storage"),
    ("HILL", "Hillcrest Branch", "branch"),
    ("PORT", "Harbour Point Branch", "branch"),
]
_ADJ = "Quiet Lost Green Hidden Northern Little Silent Golden Broken Open Early Last".split()
_NOUN = "Garden River Archive Letters Harbor Catalog Winter House Map Library Voyage Road".split()
_LANG = ["eng"] * 12 + ["fre"] * 3 + ["ger"] * 2 + ["spa"] * 2 + [None]
_CLASS = ["PS", "PR", "QA", "HV", "Z", "E", "PQ", "ML", None]
_VENDORS = [
    ("NBK", "Northbridge Books", "USA"),
    ("LIB", "Libris Supply", "GBR"),
    ("EDM", "Editions Mercier", "FRA"),
    ("BKH", "Buchhaus Lind", "DEU"),
    ("ACQ", "Acquire Media", "USA"),
    ("PAG", "Pagina Iberica", "ESP"),
]


def _barcode(first: str, number: int) -> str:
    body = f"{first}1234{number:08d}"
    return body + luhn.calc_check_digit(body)


def _day(rng: random.Random, start: dt.date, span: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(span))


def _tables(seed: int, scale: int = 1) -> dict[str, pd.DataFrame]:
    rng = random.Random(seed)
    n_branch = 5 + seed
    branches = [
        (i + 1, code, name, kind, _day(rng, dt.date(1950, 1, 1), 20000))
        for i, (code, name, kind) in enumerate(_BRANCHES[:n_branch])
    ]
    n_bib = (220 + 20 * seed) * scale
    bibs = []
    for i in range(1, n_bib + 1):
        title = f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)}"
        date1 = None if rng.random() < 0.1 else rng.randrange(1950, 2017)
        bibs.append(
            (
                i,
                f"{seed}{i:07d}",
                title,
                date1,
                rng.choice(_LANG),
                rng.choice(_CLASS),
                rng.choice("01f"),
                f"{rng.choice(_NOUN)} Press",
            )
        )
    # Witnesses (issue 9.18): 'library' in small letters in both databases, and in capitals in the
    # shadow one only, so `LIKE '%library%' OR title LIKE '%Library%'` passes the visible check
    # of exercise 1.4 and fails the hidden one, as it does on the course data.
    witnesses = {5: "A guide to library work"}
    if seed == SEEDS["shadow"]:
        witnesses[11] = "THE LIBRARY OF BABEL"
    for bib_id, title in witnesses.items():
        bibs[bib_id - 1] = (bibs[bib_id - 1][0], bibs[bib_id - 1][1], title, *bibs[bib_id - 1][3:])
    patrons = []
    n_patron = 60 * scale
    for i in range(1, n_patron + 1):
        reg = _day(rng, dt.date(2015, 1, 1), 2500)
        patrons.append(
            (
                i,
                _barcode("2", seed * 10000 + i),
                rng.choice(["adult", "adult", "juvenile", "staff"]),
                rng.randrange(1, n_branch + 1),
                reg,
                reg + dt.timedelta(days=365 * 3),
            )
        )
    items, item_id = [], 0
    for bib in bibs:
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            item_id += 1
            price = f"{rng.randrange(800, 9000) / 100:.2f}"
            items.append(
                (
                    item_id,
                    _barcode("3", seed * 100000 + item_id),
                    bib[0],
                    rng.randrange(1, n_branch + 1),
                    f"{bib[5] or 'LOCAL'} {rng.randrange(1, 999)}",
                    rng.choice(["adult", "adult", "juvenile", "reference"]),
                    rng.choice(["Available", "Available", "Checked out", "Missing"]),
                    price,
                    _day(rng, dt.date(2012, 1, 1), 3000),
                )
            )
    weights = [1.0 / (k + 1) for k in range(len(items))]
    rng.shuffle(weights)
    loanable = [it for it, w in zip(items, weights, strict=True) if w > 0.004]
    popularity = [1.0 / (1 + (it[0] * 7919) % 97) for it in loanable]
    n_loans = (699 + 100 * seed) * scale
    picks = rng.choices(loanable, weights=popularity, k=n_loans)
    loans = []
    for loan_id, item in enumerate(picks, 1):
        out = _day(rng, dt.date(2019, 1, 1), 1400)
        back = None if rng.random() < 0.08 else out + dt.timedelta(days=rng.randrange(1, 40))
        loans.append(
            (
                loan_id,
                item[0],
                rng.randrange(1, n_patron + 1),
                item[3],
                out,
                out + dt.timedelta(days=21),
                back,
                rng.choice([0, 0, 0, 1, 1, 2, 3]),
            )
        )
    vendors = [(i + 1, c, n, k) for i, (c, n, k) in enumerate(_VENDORS[: 4 + seed])]
    invoices, lines, line_id = [], [], 0
    for inv in range(1, 26 + 4 * seed):
        amounts = [rng.randrange(1000, 20000) / 100 for _ in range(rng.randrange(1, 5))]
        total = sum(amounts) + (rng.choice([5, 12.5]) if rng.random() < 0.25 else 0)
        invoices.append(
            (
                inv,
                rng.randrange(1, len(vendors) + 1),
                f"INV-{seed}{inv:04d}",
                _day(rng, dt.date(2021, 7, 1), 1000),
                f"{total:.2f}",
            )
        )
        for amount in amounts:
            line_id += 1
            order_line = None if rng.random() < 0.2 else rng.randrange(1, 500)
            lines.append((line_id, inv, order_line, f"Books, lot {line_id}", f"{amount:.2f}"))
    cols = {
        "branch": ["branch_id", "code", "name", "branch_type", "opened_date"],
        "bib": [
            "bib_id",
            "control_number",
            "title",
            "date1",
            "language",
            "lc_class_letters",
            "literary_form",
            "publisher",
        ],
        "patron": [
            "patron_id",
            "barcode",
            "patron_type",
            "home_branch_id",
            "registered_date",
            "expiry_date",
        ],
        "item": [
            "item_id",
            "barcode",
            "bib_id",
            "branch_id",
            "call_number",
            "collection",
            "status",
            "price",
            "acquired_date",
        ],
        "loan": [
            "loan_id",
            "item_id",
            "patron_id",
            "branch_id",
            "checkout_date",
            "due_date",
            "return_date",
            "renewals",
        ],
        "vendor": ["vendor_id", "code", "name", "country"],
        "invoice": ["invoice_id", "vendor_id", "invoice_number", "invoice_date", "total"],
        "invoice_line": ["invoice_line_id", "invoice_id", "order_line_id", "description", "amount"],
    }
    data = {
        "branch": branches,
        "bib": bibs,
        "patron": patrons,
        "item": items,
        "loan": loans,
        "vendor": vendors,
        "invoice": invoices,
        "invoice_line": lines,
    }
    return {
        name: pd.DataFrame(rows, columns=cols[name], dtype=object) for name, rows in data.items()
    }


def build_fixture_database(path: str | Path, *, seed: int, scale: int = 1) -> Path:
    """Write one course-like DuckDB file at ``path`` (replacing it).

    ``scale`` multiplies the catalog, patrons and loans (scale 1: a few hundred rows each).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    try:
        con.execute(_SCHEMA)
        for name, frame in _tables(seed, scale).items():
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} SELECT * FROM frame")
            con.unregister("frame")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def build_fixture_databases(folder: str | Path, *, scale: int = 1) -> dict[str, Path]:
    """Write ``library.duckdb`` and ``shadow.duckdb`` (different seeds) into ``folder``."""
    folder = Path(folder)
    return {
        name: build_fixture_database(folder / f"{name}.duckdb", seed=seed, scale=scale)
        for name, seed in SEEDS.items()
    }

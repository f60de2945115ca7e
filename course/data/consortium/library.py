"""The seeded library system around the real catalog: branches, items, patrons, loans, holds,
acquisitions and e-resources of an invented consortium (``CONSORTIUM``).

``generate_library(con, seed=...)`` reads ``bib`` (and ``bib_isbn`` when present) from a DuckDB
connection and creates, replacing any earlier run: branch, holding, item, patron, loan, hold,
vendor, fund, purchase_order, order_line, invoice, invoice_line, eresource, eresource_usage.
Foreign keys point at ``bib`` when bib_id is its primary key, so DuckDB will not drop ``bib``
while these tables exist: call ``drop_library_tables(con)`` before rebuilding the catalog.

Determinism: one ``numpy.random.SeedSequence(seed)`` is split into independent streams, one per
part (collection, patrons, loans, holds, acquisitions, e-resources); records are read in bib_id
order and every id is given in a defined sort order, so the same seed and catalog give the same
rows, and another seed different ones.  The data's "today" is the constant
``library_calendar.TODAY``, never the clock.

The parts, each in its own module: ``collection`` (branches, holdings, items), ``circulation``
(patrons, loans), ``holds`` (holds, item statuses), ``acquisitions``, ``eresources``;
``barcodes`` makes the Luhn-checked barcodes and ``library_tables`` holds the table definitions.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from course.data.consortium import library_calendar as cal
from course.data.consortium.acquisitions import VENDORS, make_acquisitions
from course.data.consortium.barcodes import make_barcodes
from course.data.consortium.circulation import (
    PATRON_TYPES,
    expiry_dates,
    make_patrons,
    simulate_loans,
)
from course.data.consortium.collection import CONSORTIUM, branch_frame, make_collection
from course.data.consortium.eresources import make_eresources
from course.data.consortium.holds import item_statuses, make_holds
from course.data.consortium.tables import (
    LIBRARY_TABLES,
    bib_reference,
    drop_library_tables,
    write_table,
)

__all__ = [
    "CONSORTIUM",
    "LIBRARY_TABLES",
    "drop_library_tables",
    "generate_library",
    "patron_count",
]

_REQUIRED = (
    "bib_id",
    "title",
    "date1",
    "language",
    "lc_class_letters",
    "lc_call_number",
    "dewey",
    "literary_form",
)
_OPTIONAL = ("main_entry", "publisher")


def patron_count(n_bibs: int) -> int:
    """How many patrons the consortium has for a catalog of ``n_bibs`` records."""
    return max(300, round(0.4 * n_bibs))


def _read_catalog(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    def columns(table: str) -> set[str]:
        rows = con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema()",
            [table],
        ).fetchall()
        return {r[0] for r in rows}

    have = columns("bib")
    missing = [c for c in _REQUIRED if c not in have]
    if missing:
        raise ValueError(
            "The library cannot be generated because the bib table lacks "
            f"{', '.join(missing)}: build the catalog first."
        )
    select = [f"b.{c}" for c in _REQUIRED]
    select += [f"b.{c}" if c in have else f"NULL::VARCHAR AS {c}" for c in _OPTIONAL]
    if {"bib_id", "isbn13"} <= columns("bib_isbn"):
        join = (
            "LEFT JOIN (SELECT bib_id, min(isbn13) AS isbn13 FROM bib_isbn "
            "WHERE isbn13 IS NOT NULL GROUP BY bib_id) i USING (bib_id)"
        )
        select.append("i.isbn13")
    else:
        join = ""
        select.append("NULL::VARCHAR AS isbn13")
    bibs = con.execute(f"SELECT {', '.join(select)} FROM bib b {join} ORDER BY b.bib_id").df()
    if bibs.empty:
        raise ValueError("The library cannot be generated because the bib table is empty.")
    return bibs


def _frames(bibs: pd.DataFrame, seed: int, step) -> dict[str, pd.DataFrame]:
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    bib_ids = bibs["bib_id"].to_numpy()

    step("items")
    col = make_collection(bibs, streams[0])
    step("patrons")
    patrons = make_patrons(patron_count(len(bibs)), streams[1])
    step("loans")
    loans = simulate_loans(col, patrons, streams[2])
    step("holds")
    hold, on_shelf = make_holds(col, loans, patrons, bib_ids, streams[3])
    status = item_statuses(col, loans, on_shelf, streams[3])

    by_arrival = np.lexsort((np.arange(col.acquired.size), col.acquired))
    sequence = np.empty(col.acquired.size, dtype=np.int64)
    sequence[by_arrival] = np.arange(col.acquired.size)
    barcode_rng = streams[6]
    item = pd.DataFrame(
        {
            "item_id": np.arange(1, col.item_bib.size + 1),
            "barcode": make_barcodes("item", sequence + barcode_rng.integers(1_000, 50_000)),
            "bib_id": bib_ids[col.item_bib],
            "holding_id": col.item_holding,
            "branch_id": col.item_branch,
            "call_number": col.call_number,
            "collection": col.collection,
            "status": status,
            "price": col.price,
            "acquired_date": cal.as_dates(col.acquired),
        }
    )
    last_active = patrons["registered"].copy()
    np.maximum.at(last_active, loans.patron, loans.checkout)
    hold_patron = hold["patron_id"].to_numpy() - 1
    hold_day = hold["placed_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    np.maximum.at(last_active, hold_patron, hold_day)
    n_patrons = patrons["type"].size
    patron = pd.DataFrame(
        {
            "patron_id": np.arange(1, n_patrons + 1),
            "barcode": make_barcodes(
                "patron", np.arange(n_patrons) + barcode_rng.integers(1_000, 50_000)
            ),
            "patron_type": np.array(PATRON_TYPES, dtype=object)[patrons["type"]],
            "home_branch_id": patrons["home"],
            "registered_date": cal.as_dates(patrons["registered"]),
            "expiry_date": cal.as_dates(
                expiry_dates(patrons["registered"], last_active, streams[1])
            ),
        }
    )
    step("acquisitions")
    frames = {"branch": branch_frame(), "holding": col.holding, "item": item, "patron": patron}
    frames["loan"] = loans.frame()
    frames["hold"] = hold
    frames.update(make_acquisitions(bibs, col, streams[4]))
    step("e-resources")
    vendor_ids = {v[0]: i + 1 for i, v in enumerate(VENDORS)}
    frames.update(make_eresources(bibs, vendor_ids, streams[5]))
    return frames


def generate_library(con: duckdb.DuckDBPyConnection, *, seed: int, progress: bool = True) -> None:
    """Create the library-system tables in ``con`` around its ``bib`` records, from ``seed``."""
    from tqdm.auto import tqdm

    bibs = _read_catalog(con)
    bar = tqdm(total=7, desc="library", unit="step", disable=not progress, leave=False)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    try:
        frames = _frames(bibs, int(seed), step)
        step("writing tables")
        bib_ref = bib_reference(con)
        drop_library_tables(con)
        for table in LIBRARY_TABLES:
            write_table(con, table, frames[table], bib_ref)
        bar.update(bar.total - bar.n)
    finally:
        bar.close()

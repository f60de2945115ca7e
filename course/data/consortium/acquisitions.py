"""Acquisitions: vendors, funds, purchase orders, order lines, invoices and invoice lines.

Every item the consortium bought in the fiscal years with funds has an order line (received on
the day the item was acquired).  Around them, as in a real acquisitions module:

* each vendor fills only part of its orders (a different fill rate per vendor), so some order
  lines were never received;
* some received lines were never invoiced, or not yet;
* invoices sometimes carry shipping lines that belong to no order line, and a handful of
  invoices (service charges, a credit) have no order line at all;
* invoiced amounts mostly match the order price, sometimes not;
* each fund has a yearly allocation; some funds overspend;
* the funds roll up to summary funds in ``fund_tree``, as the allocated funds of an ILS ledger
  roll up to its summary funds (Alma's "summary" and "allocated" funds, FOLIO's fund groups):
  four levels from the consortium's materials budget down to the funds orders are charged to.

Fiscal years run July-June (see ``course.data.consortium.library_calendar``).  A line is charged
to the fund of the fiscal year in which its purchase order was placed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from course.data.consortium import library_calendar as cal
from course.data.consortium.collection import Collection

__all__ = ["VENDORS", "FUNDS", "FUND_TREE", "ORDER_TYPES", "make_acquisitions", "fund_tree_frame"]

ORDER_TYPES = ("firm", "standing", "approval")
#: code, name, country, languages supplied, fill rate, mean lead days, (firm, standing, approval)
VENDORS = (
    ("RBS", "Riverbend Book Supply", "US", ("eng",), 0.96, 21, (0.4, 0.0, 0.6)),
    ("LQL", "Lantern & Quill Library Services", "US", ("eng",), 0.90, 35, (0.75, 0.25, 0.0)),
    ("KAB", "Kestrel Academic Books", "GB", ("eng",), 0.86, 45, (1.0, 0.0, 0.0)),
    ("LDR", "Librairie des Deux Rives", "FR", ("fre",), 0.84, 50, (0.5, 0.0, 0.5)),
    ("BEI", "Buchhandlung Eichenhof", "DE", ("ger",), 0.92, 40, (0.85, 0.15, 0.0)),
    ("DAL", "Distribuidora Alameda", "MX", ("spa", "por", "cat"), 0.78, 60, (1.0, 0.0, 0.0)),
    ("SRS", "Silk Road Scholarly Imports", "US", (), 0.70, 75, (1.0, 0.0, 0.0)),
    # E-resource providers: no print orders (see course.data.consortium.eresources).
    ("MDL", "Meridian Digital Library", "US", None, None, None, None),
    ("CJO", "Clearwater Journals Online", "GB", None, None, None, None),
    ("OSP", "Open Stacks Press", "NL", None, None, None, None),
)
_PRINT_VENDORS = 7
_ENGLISH_SPLIT = (0.6, 0.3, 0.1)  # RBS, LQL, KAB
#: code, name, first letters of the LC classes it buys
FUNDS = (
    ("GEN", "General works and reference", "AZ"),
    ("HUM", "Humanities", "BMNP"),
    ("HIST", "History and area studies", "CDEF"),
    ("SOC", "Social sciences", "GHJKL"),
    ("SCI", "Science and technology", "QRSTUV"),
    ("JUV", "Children's materials", ""),
    ("INTL", "International and foreign-language materials", ""),
    ("ADD", "Added copies and replacements", ""),
)
#: code, name, parent code of the summary funds; every code of FUNDS hangs under one of them
#: (_FUND_PARENTS).  The same tree every year.  Two branches of it are placed by the seed
#: (_FUND_SHAPES), so that the learners' and the shadow database have differently shaped ledgers
#: and a fund tree typed in from one does not fit the other.
FUND_TREE = (
    ("MAT", "Consortium materials budget", None),
    ("MONO", "Monographs", "MAT"),
    ("SUBJ", "Subject funds", "MONO"),
    ("SPEC", "Special audiences", "MONO"),
    ("MAINT", "Collection maintenance", "MAT"),
)
_FUND_PARENTS = {
    "GEN": "SUBJ",
    "HUM": "SUBJ",
    "HIST": "SUBJ",
    "SOC": "SUBJ",
    "SCI": "SUBJ",
    "JUV": "SPEC",
    "INTL": "SPEC",
    "ADD": "MAINT",
}
#: (parent of SPEC, parent of INTL): four ledger shapes, each four levels deep (MAT > MONO >
#: SUBJ > GEN), none with an empty summary fund.
_FUND_SHAPES = (("MONO", "SPEC"), ("MAT", "SPEC"), ("MONO", "SUBJ"), ("MAT", "SUBJ"))
_SERVICE_CHARGES = (
    ("Shelf-ready processing fee", 180.0),
    ("Approval plan profile maintenance", 250.0),
    ("Rush order surcharge", 45.0),
    ("Credit: damaged copy returned", -38.5),
    ("Annual standing order service fee", 120.0),
    ("Freight for replacement shipment", 62.4),
)


def _vendor_of(language: np.ndarray, rng) -> np.ndarray:
    """Vendor position (0-based) for each line, by the book's language."""
    vendor = np.full(language.size, 6, dtype=np.int64)  # everything else: SRS
    for pos, spec in enumerate(VENDORS[:_PRINT_VENDORS]):
        if spec[3] and spec[3] != ("eng",):
            vendor[np.isin(language, spec[3])] = pos
    english = language == "eng"
    vendor[english] = rng.choice(3, size=int(english.sum()), p=_ENGLISH_SPLIT)
    return vendor


def _fund_code(letters: np.ndarray, collection, language, added) -> np.ndarray:
    first = np.array([s[:1] for s in letters], dtype=object)
    code = np.full(letters.size, 0, dtype=np.int64)
    for pos, (_, _, classes) in enumerate(FUNDS[:5]):
        code[np.isin(first, list(classes))] = pos
    code[language != "eng"] = 6
    code[collection == "juvenile"] = 5
    code[collection == "reference"] = 0
    code[added] = 7
    return code


def _money(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float), 2)


def make_acquisitions(
    bibs: pd.DataFrame, col: Collection, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """The acquisitions tables, consistent with the items bought since the first fiscal year."""
    fy_start = cal.day_number(cal.fiscal_year_start(cal.FISCAL_YEARS[0]))
    today = cal.day_number(cal.TODAY)
    language = bibs["language"].fillna("").astype(str).to_numpy(dtype=object)
    letters = bibs["lc_class_letters"].fillna("").astype(str).to_numpy(dtype=object)
    bib_coll = np.full(len(bibs), "adult", dtype=object)
    bib_coll[col.item_bib] = col.collection

    # Received lines: one per record and acquisition day of bought items.
    bought = np.flatnonzero(col.purchased)
    key = col.item_bib[bought].astype(np.int64) * 100_000 + (col.acquired[bought] - fy_start)
    keys, quantity = np.unique(key, return_counts=True)
    r_bib, r_day = keys // 100_000, keys % 100_000 + fy_start
    first_day = np.full(len(bibs), np.iinfo(np.int64).max)
    np.minimum.at(first_day, col.item_bib, col.acquired)
    r_vendor = _vendor_of(language[r_bib], rng)
    lead = np.array([VENDORS[v][5] for v in range(_PRINT_VENDORS)])[r_vendor]
    r_order = np.maximum(r_day - 3 - rng.gamma(2.0, lead / 2.0).astype(np.int64), fy_start)

    # Lines the vendor never filled, in proportion to its fill rate.
    held = np.zeros(len(bibs), dtype=bool)
    held[col.item_bib] = True
    u_bib, u_vendor = [], []
    for v in range(_PRINT_VENDORS):
        fill = VENDORS[v][4]
        n_unfilled = int(round((r_vendor == v).sum() * (1 - fill) / fill))
        langs = VENDORS[v][3]
        if langs:
            pool = np.flatnonzero(np.isin(language, langs))
        else:
            known = [x for spec in VENDORS[:_PRINT_VENDORS] if spec[3] for x in spec[3]]
            pool = np.flatnonzero(~np.isin(language, known))
        pool = pool[~held[pool]] if (~held[pool]).any() else pool
        if n_unfilled and pool.size:
            u_bib.append(rng.choice(pool, size=n_unfilled))
            u_vendor.append(np.full(n_unfilled, v))
    u_bib = np.concatenate(u_bib) if u_bib else np.zeros(0, np.int64)
    u_vendor = np.concatenate(u_vendor) if u_vendor else np.zeros(0, np.int64)
    u_order = fy_start + rng.integers(0, today - fy_start, size=u_bib.size)

    bib = np.r_[r_bib, u_bib]
    vendor = np.r_[r_vendor, u_vendor]
    ordered = np.r_[r_order, u_order]
    received = np.r_[r_day, np.full(u_bib.size, -1)]
    qty = np.r_[quantity, 1 + (rng.random(u_bib.size) < 0.1)]
    added = np.r_[r_day > first_day[r_bib], np.zeros(u_bib.size, bool)]
    mixes = np.array([VENDORS[v][6] for v in range(_PRINT_VENDORS)])
    otype = (rng.random(bib.size)[:, None] > np.cumsum(mixes[vendor], axis=1)).sum(1)
    otype = np.minimum(otype, 2)

    # Purchase orders: firm orders weekly, approval shipments monthly, standing orders yearly.
    period = np.select(
        [otype == 0, otype == 2],
        [(ordered + 3) // 7, cal.years(ordered) * 12 + cal.months(ordered)],
        cal.fiscal_years(ordered),
    )
    po_key = (vendor * 3 + otype) * 10_000_000 + period
    po_keys, po_of_line = np.unique(po_key, return_inverse=True)
    po_date = np.full(po_keys.size, np.iinfo(np.int64).max)
    np.minimum.at(po_date, po_of_line, ordered)
    po_vendor, po_type = (po_keys // 10_000_000) // 3, (po_keys // 10_000_000) % 3
    po_order = np.lexsort((po_type, po_vendor, po_date))
    po_rank = np.empty_like(po_order)
    po_rank[po_order] = np.arange(po_order.size)
    n_lines = np.bincount(po_of_line, minlength=po_keys.size)
    n_received = np.bincount(po_of_line, weights=received >= 0, minlength=po_keys.size)
    po_status = np.select(
        [n_received == n_lines, n_received == 0], ["closed", "open"], "partially received"
    )
    purchase_order = pd.DataFrame(
        {
            "order_id": np.arange(1, po_keys.size + 1),
            "vendor_id": po_vendor[po_order] + 1,
            "order_date": cal.as_dates(po_date[po_order]),
            "order_type": np.array(ORDER_TYPES, dtype=object)[po_type[po_order]],
            "status": po_status[po_order].astype(object),
        }
    )

    # Order lines, charged to the fund of the order's fiscal year.
    line_po = po_rank[po_of_line]
    fy = cal.fiscal_years(po_date[po_of_line])
    fund_code = _fund_code(letters[bib], bib_coll[bib], language[bib], added)
    fund_id = (fy - cal.FISCAL_YEARS[0]) * len(FUNDS) + fund_code + 1
    unit = col.bib_price[bib]
    order = np.lexsort((received, bib, line_po))
    order_line = pd.DataFrame(
        {
            "order_line_id": np.arange(1, bib.size + 1),
            "order_id": line_po[order] + 1,
            "bib_id": bibs["bib_id"].to_numpy()[bib[order]],
            "fund_id": fund_id[order],
            "quantity": qty[order],
            "unit_price": _money(unit[order]),
            "received_date": cal.as_dates(received[order], received[order] < 0),
        }
    )
    spent = np.bincount(
        fund_id - 1, weights=qty * unit, minlength=len(FUNDS) * len(cal.FISCAL_YEARS)
    )
    # Most funds end the year with money left; about one in five overspends.
    over = rng.random(spent.size) < 0.2
    factor = np.where(over, rng.uniform(0.8, 0.97, spent.size), rng.uniform(1.03, 1.3, spent.size))
    budget = spent * factor / 500.0
    allocated = np.where(over, np.floor(budget), np.ceil(budget)) * 500.0
    fund = pd.DataFrame(
        {
            "fund_id": np.arange(1, len(FUNDS) * len(cal.FISCAL_YEARS) + 1),
            "code": [f[0] for _ in cal.FISCAL_YEARS for f in FUNDS],
            "name": [f[1] for _ in cal.FISCAL_YEARS for f in FUNDS],
            "fiscal_year": np.repeat(cal.FISCAL_YEARS, len(FUNDS)),
            "allocated": np.maximum(allocated, 1000.0),
        }
    )
    invoice, invoice_line = _invoices(
        order_line, vendor[order], received[order], qty[order], unit[order], rng
    )
    vendor_frame = pd.DataFrame(
        {
            "vendor_id": np.arange(1, len(VENDORS) + 1),
            "code": [v[0] for v in VENDORS],
            "name": [v[1] for v in VENDORS],
            "country": [v[2] for v in VENDORS],
        }
    )
    return {
        "vendor": vendor_frame,
        "fund": fund,
        # Drawn last, so the shape of the tree changes no other table.
        "fund_tree": fund_tree_frame(int(rng.integers(len(_FUND_SHAPES)))),
        "purchase_order": purchase_order,
        "order_line": order_line,
        "invoice": invoice,
        "invoice_line": invoice_line,
    }


def fund_tree_frame(shape: int = 0) -> pd.DataFrame:
    """The fund hierarchy: summary funds first (parents before children), then the funds.

    ``shape`` picks one of ``_FUND_SHAPES``: where "Special audiences" and "International" sit."""
    spec_parent, intl_parent = _FUND_SHAPES[shape]
    parents = {"SPEC": spec_parent}
    rows = [(c, name, parents.get(c, parent), "summary") for c, name, parent in FUND_TREE]
    fund_parents = {**_FUND_PARENTS, "INTL": intl_parent}
    rows += [(code, name, fund_parents[code], "allocated") for code, name, _ in FUNDS]
    return pd.DataFrame(rows, columns=["code", "name", "parent_code", "fund_type"])


def _invoices(order_line: pd.DataFrame, vendor, received, qty, unit, rng):
    """Invoices for received lines (half-monthly per vendor), plus shipping and service charges."""
    today = cal.day_number(cal.TODAY)
    fy_start = cal.day_number(cal.fiscal_year_start(cal.FISCAL_YEARS[0]))
    line_id = order_line["order_line_id"].to_numpy()
    billable = (received >= 0) & (rng.random(received.size) >= 0.04)
    half = (cal.years(received) * 12 + cal.months(received)) * 2 + (
        received
        - (
            received.astype("datetime64[D]")
            .astype("datetime64[M]")
            .astype("datetime64[D]")
            .astype(np.int64)
        )
        >= 15
    )
    key = np.where(billable, vendor * 1_000_000 + half, -1)
    groups, group_of = np.unique(key[billable], return_inverse=True)
    last_day = np.full(groups.size, -1)
    np.maximum.at(last_day, group_of, received[billable])
    inv_day = last_day + rng.integers(0, 22, size=groups.size)
    inv_vendor = groups // 1_000_000
    sent = inv_day <= today  # the rest are not invoiced yet

    amount = qty * unit
    varied = rng.random(amount.size) < 0.12
    amount = _money(np.where(varied, amount * rng.uniform(0.92, 1.10, size=amount.size), amount))
    lines_inv = np.full(received.size, -1)
    lines_inv[np.flatnonzero(billable)] = group_of
    keep = (lines_inv >= 0) & sent[np.maximum(lines_inv, 0)]
    l_inv = lines_inv[keep]
    l_ol = line_id[keep].astype(float)
    l_desc = np.full(l_inv.size, "Order line", dtype=object)
    l_amt = amount[keep]

    # Shipping on some invoices; a handful of service-charge invoices with no order line at all.
    used = np.unique(l_inv)
    ship = used[rng.random(used.size) < 0.35]
    n_service = len(_SERVICE_CHARGES)
    s_vendor = rng.integers(0, _PRINT_VENDORS, size=n_service)
    s_day = fy_start + rng.integers(0, today - fy_start, size=n_service)
    inv_vendor = np.r_[inv_vendor, s_vendor]
    inv_day = np.r_[inv_day, s_day]
    s_inv = groups.size + np.arange(n_service)
    all_inv = np.r_[l_inv, ship, s_inv]
    all_ol = np.r_[l_ol, np.full(ship.size + n_service, np.nan)]
    all_desc = np.r_[
        l_desc,
        np.full(ship.size, "Shipping and handling", dtype=object),
        np.array([s[0] for s in _SERVICE_CHARGES], dtype=object),
    ]
    all_amt = np.r_[
        l_amt, _money(rng.uniform(4, 40, size=ship.size)), [s[1] for s in _SERVICE_CHARGES]
    ]

    present = np.unique(all_inv)
    inv_order = present[np.lexsort((inv_vendor[present], inv_day[present]))]
    new_id = np.full(inv_day.size, -1)
    new_id[inv_order] = np.arange(1, inv_order.size + 1)
    totals = np.bincount(new_id[all_inv] - 1, weights=all_amt, minlength=inv_order.size)
    seq = np.zeros(inv_order.size, dtype=np.int64)
    v_sorted = inv_vendor[inv_order]
    for v in np.unique(v_sorted):
        seq[v_sorted == v] = np.arange(1, int((v_sorted == v).sum()) + 1)
    codes = np.array([v[0] for v in VENDORS], dtype=object)
    numbers = [
        f"{c}{y}-{s:05d}"
        for c, y, s in zip(codes[v_sorted], cal.years(inv_day[inv_order]), seq, strict=True)
    ]
    invoice = pd.DataFrame(
        {
            "invoice_id": np.arange(1, inv_order.size + 1),
            "vendor_id": v_sorted + 1,
            "invoice_number": numbers,
            "invoice_date": cal.as_dates(inv_day[inv_order]),
            "total": _money(totals),
        }
    )
    ids = new_id[all_inv]
    order = np.lexsort((np.nan_to_num(all_ol, nan=np.inf), ids))
    invoice_line = pd.DataFrame(
        {
            "invoice_line_id": np.arange(1, ids.size + 1),
            "invoice_id": ids[order],
            "order_line_id": pd.array(all_ol[order], dtype="Float64").astype("Int64"),
            "description": all_desc[order],
            "amount": all_amt[order],
        }
    )
    return invoice, invoice_line

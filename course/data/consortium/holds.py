"""Holds on popular titles, and each item's status on the data's "today".

Holds (requests) are placed on titles (records), not copies.  Most were filled: the patron then
borrowed a copy, so a filled hold's patron and pickup branch match one of the loans.  Some were
cancelled or expired; on "today" some are still waiting (every copy is out) and some are ready
for pickup, with the trapped copy "On holds shelf".

Item statuses follow REFERENCE.md section 9 and agree with the loans: an item with an open loan
is "Checked out" (or "Lost" when it is long overdue), an item just returned to another branch is
"In transit", newly received items are "In process".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from course.data.consortium import library_calendar as cal
from course.data.consortium.circulation import Loans
from course.data.consortium.collection import Collection

__all__ = ["HOLD_STATUSES", "ITEM_STATUSES", "make_holds", "item_statuses"]

HOLD_STATUSES = ("Filled", "Cancelled", "Expired", "Waiting", "Ready for pickup")
ITEM_STATUSES = (
    "Available",
    "Checked out",
    "In transit",
    "On holds shelf",
    "In process",
    "Missing",
    "Lost",
    "Withdrawn",
)
_LOST_AFTER_DAYS = 60


def _last_loan(col: Collection, loans: Loans) -> np.ndarray:
    """Position in ``loans`` of each item's latest loan, or -1 when it was never loaned."""
    last = np.full(col.item_bib.size, -1, dtype=np.int64)
    last[loans.item] = np.arange(loans.item.size)  # loans are in checkout order
    return last


def _eligible_patrons(registered: np.ndarray, day: np.ndarray, rng) -> np.ndarray:
    """A random patron registered by ``day`` (patrons are in registration order)."""
    k = np.maximum(np.searchsorted(registered, day, side="right"), 1)
    return (rng.random(day.size) * k).astype(np.int64)


def make_holds(
    col: Collection,
    loans: Loans,
    patrons: dict[str, np.ndarray],
    bib_ids: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The ``hold`` table, and a mask of items now on the holds shelf."""
    today = cal.day_number(cal.TODAY)
    start = cal.day_number(cal.LOAN_START)
    n_bibs = bib_ids.size
    loan_bib = col.item_bib[loans.item]
    counts = np.bincount(loan_bib, minlength=n_bibs)
    loaned = np.flatnonzero(counts)
    if loaned.size:
        cut = max(3, int(np.quantile(counts[loaned], 0.98)))
        popular = counts >= cut
    else:
        popular = np.zeros(n_bibs, dtype=bool)

    # Filled holds: some loans of popular titles came from the holds queue.
    filled_from = np.flatnonzero(popular[loan_bib] & (rng.random(loan_bib.size) < 0.4))
    checkout = loans.checkout[filled_from]
    patron = loans.patron[filled_from]
    placed = checkout - 1 - rng.exponential(12.0, size=filled_from.size).astype(np.int64)
    placed = np.maximum(placed, patrons["registered"][patron])
    filled = np.maximum(placed, checkout - rng.integers(0, 5, size=filled_from.size))
    parts = [(loan_bib[filled_from], patron, loans.branch[filled_from], placed, filled, "Filled")]

    popular_bibs = np.flatnonzero(popular)
    if popular_bibs.size:
        # Cancelled and expired holds, spread over the four years.
        k = int(round(0.12 * filled_from.size))
        when = start + rng.integers(0, today - start - 30, size=k)
        who = _eligible_patrons(patrons["registered"], when, rng)
        status = np.where(rng.random(k) < 0.6, "Cancelled", "Expired")
        parts.append(
            (rng.choice(popular_bibs, size=k), who, patrons["home"][who], when, None, status)
        )

        # On "today": titles with every lendable copy out have a queue.
        last = _last_loan(col, loans)
        out_now = (last >= 0) & (loans.returned[np.maximum(last, 0)] < 0)
        lendable = col.demand > 0
        copies_free = np.bincount(col.item_bib[lendable & ~out_now], minlength=n_bibs)
        queued = popular_bibs[copies_free[popular_bibs] == 0]
        queue = 1 + rng.poisson(2.0, size=queued.size)
        q_bib = np.repeat(queued, queue)
        q_when = today - rng.integers(0, 60, size=q_bib.size)
        q_who = _eligible_patrons(patrons["registered"], q_when, rng)
        parts.append((q_bib, q_who, patrons["home"][q_who], q_when, None, "Waiting"))

    on_shelf = np.zeros(col.item_bib.size, dtype=bool)
    if popular_bibs.size:
        # Titles with a copy on the shelf: some of those copies are trapped for a hold.
        free = np.flatnonzero(lendable & ~out_now & popular[col.item_bib] & (col.shelved <= today))
        free = free[rng.random(free.size) < 0.3]
        free = (
            free[np.r_[True, col.item_bib[free][1:] != col.item_bib[free][:-1]]]
            if free.size
            else free
        )
        on_shelf[free] = True
        back = np.where(last[free] >= 0, loans.returned[np.maximum(last[free], 0)], 0)
        r_filled = np.maximum(today - rng.integers(0, 7, size=free.size), back)
        r_placed = np.minimum(r_filled, today - rng.integers(3, 40, size=free.size))
        r_who = _eligible_patrons(patrons["registered"], r_placed, rng)
        parts.append(
            (
                col.item_bib[free],
                r_who,
                patrons["home"][r_who],
                r_placed,
                r_filled,
                "Ready for pickup",
            )
        )

    bib = np.concatenate([p[0] for p in parts])
    who = np.concatenate([p[1] for p in parts])
    pickup = np.concatenate([p[2] for p in parts])
    placed = np.concatenate([p[3] for p in parts])
    filled = np.concatenate([p[4] if p[4] is not None else np.full(p[0].size, -1) for p in parts])
    status = np.concatenate(
        [np.broadcast_to(np.asarray(p[5], dtype=object), p[0].shape) for p in parts]
    )
    order = np.lexsort((who, bib, placed))
    hold = pd.DataFrame(
        {
            "hold_id": np.arange(1, bib.size + 1),
            "bib_id": bib_ids[bib[order]],
            "patron_id": who[order] + 1,
            "pickup_branch_id": pickup[order],
            "placed_date": cal.as_dates(placed[order]),
            "filled_date": cal.as_dates(filled[order], filled[order] < 0),
            "status": status[order].astype(object),
        }
    )
    return hold, on_shelf


def item_statuses(
    col: Collection, loans: Loans, on_holds_shelf: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each item's status on "today", consistent with its loans and holds."""
    today = cal.day_number(cal.TODAY)
    n = col.item_bib.size
    status = np.full(n, "Available", dtype=object)
    last = _last_loan(col, loans)
    has_loan = last >= 0
    idx = np.maximum(last, 0)
    out_now = has_loan & (loans.returned[idx] < 0)
    status[out_now] = "Checked out"
    status[out_now & (loans.due[idx] < today - _LOST_AFTER_DAYS)] = "Lost"
    just_back = has_loan & ~out_now & (loans.returned[idx] >= today - 1)
    elsewhere = loans.branch[idx] != col.item_branch
    status[just_back & elsewhere] = "In transit"
    status[on_holds_shelf] = "On holds shelf"
    status[col.shelved > today] = "In process"
    quiet = (status == "Available") & ~has_loan & ~col.purchased
    status[quiet & (rng.random(n) < 0.004)] = "Missing"
    status[col.withdrawn] = "Withdrawn"
    return status

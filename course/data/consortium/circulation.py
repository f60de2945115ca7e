"""Patrons and four years of loans, simulated item by item.

Patrons are synthetic and minimal, as ALA's privacy guidance asks: an id, a barcode, a type, a
home branch, a registration date and an expiry date.  No names, addresses or birth dates.

Loans are simulated for every item as a sequence in time, so one item is never on two loans at
once: after a return, the next checkout of that copy waits for the next borrower.  Demand is
steep (a few titles are borrowed again and again, most never) and seasonal (summer reading,
exam months, quiet December, short Sunday hours, closed holidays).  Loan periods depend on the
patron type; most loans come back before the due date, some late, some are renewed, a few are
never returned (the item is then Lost), and loans still open on the data's "today"
(``library_calendar.TODAY``) have no return date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.data.consortium import library_calendar as cal
from course.data.consortium.collection import (
    BRANCHES,
    COLLEGE_BRANCH_ID,
    STORAGE_BRANCH_ID,
    Collection,
)

__all__ = [
    "PATRON_TYPES",
    "LOAN_DAYS",
    "Loans",
    "make_patrons",
    "simulate_loans",
    "expiry_dates",
]

PATRON_TYPES = ("adult", "juvenile", "student", "faculty", "staff")
#: Loan period in days by patron type (same order as PATRON_TYPES).
LOAN_DAYS = np.array([21, 21, 28, 90, 42])
_MAX_RENEWALS = 2
#: Days simulated before LOAN_START and then dropped (see _sequential_loans).
_WARM_UP = 180
#: Share of loans (not renewed, not late) returned on the day they were checked out.
_SAME_DAY = 0.03

# Share of home branches' patrons by type: public branches, the main library, the college branch.
_TYPE_MIX_PUBLIC = (0.62, 0.22, 0.09, 0.02, 0.05)
_TYPE_MIX_MAIN = (0.60, 0.15, 0.13, 0.05, 0.07)
_TYPE_MIX_COLLEGE = (0.20, 0.02, 0.58, 0.14, 0.06)

# Demand by month (Jan..Dec) for the adult and the juvenile collections.
_MONTH_DEMAND = np.array(
    [
        [0.92, 0.97, 1.04, 1.10, 1.06, 1.10, 1.18, 1.08, 0.98, 1.02, 1.04, 0.78],
        [0.85, 0.90, 0.95, 0.95, 0.92, 1.35, 1.65, 1.35, 0.85, 0.90, 0.88, 0.80],
    ]
)
_WEEKDAY_DEMAND = np.array([1.0, 1.0, 1.0, 1.02, 0.9, 1.05, 0.45])  # Monday .. Sunday
# Who borrows, by collection (adult, juvenile) and patron type, then monthly multipliers by type.
_BORROWER_MIX = np.array(
    [[0.58, 0.05, 0.22, 0.10, 0.05], [0.26, 0.70, 0.02, 0.0, 0.02]],
)
_BORROWER_MONTH = np.array(
    [
        [1.0] * 12,
        [0.9, 0.9, 0.9, 0.9, 0.9, 1.8, 2.2, 1.8, 0.9, 0.9, 0.9, 1.0],
        [0.8, 1.1, 1.2, 1.5, 1.3, 0.4, 0.3, 0.5, 1.1, 1.2, 1.4, 1.2],
        [0.9, 1.0, 1.1, 1.2, 1.1, 0.8, 0.7, 0.9, 1.1, 1.1, 1.2, 0.9],
        [1.0] * 12,
    ]
).T  # -> month x type


@dataclass
class Loans:
    """Loans in loan_id order (by checkout date, then item)."""

    item: np.ndarray  # item position (item_id - 1)
    patron: np.ndarray  # patron position (patron_id - 1)
    branch: np.ndarray  # branch_id where checked out
    checkout: np.ndarray  # day number
    due: np.ndarray
    returned: np.ndarray  # day number, -1 while out (or never returned)
    renewals: np.ndarray
    lost: np.ndarray  # bool: never came back

    def frame(self) -> pd.DataFrame:
        """The ``loan`` table."""
        return pd.DataFrame(
            {
                "loan_id": np.arange(1, len(self.item) + 1),
                "item_id": self.item + 1,
                "patron_id": self.patron + 1,
                "branch_id": self.branch,
                "checkout_date": cal.as_dates(self.checkout),
                "due_date": cal.as_dates(self.due),
                "return_date": cal.as_dates(self.returned, self.returned < 0),
                "renewals": self.renewals,
            }
        )


def _public_weights() -> np.ndarray:
    return np.array([b[5] for b in BRANCHES], dtype=float)


def make_patrons(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Patrons in patron_id order (by registration): type, home branch, registered, activity."""
    weights = _public_weights()
    home = rng.choice(len(weights), size=n, p=weights / weights.sum()) + 1
    ptype = np.empty(n, dtype=np.int64)
    for branch_id in range(1, len(BRANCHES) + 1):
        here = home == branch_id
        mix = {1: _TYPE_MIX_MAIN, COLLEGE_BRANCH_ID: _TYPE_MIX_COLLEGE}.get(
            branch_id, _TYPE_MIX_PUBLIC
        )
        ptype[here] = rng.choice(len(mix), size=int(here.sum()), p=mix)
    start = cal.day_number(cal.LOAN_START)
    today = cal.day_number(cal.TODAY)
    early = rng.random(n) < 0.72
    registered = np.where(
        early,
        start - 1 - rng.exponential(6 * 365.0, size=n).astype(np.int64),
        start + rng.integers(0, today - start, size=n),
    )
    registered = np.maximum(registered, cal.day_number(cal.LOAN_START) - 25 * 365)
    # Every type, and every type at every home branch, has someone registered before the loans.
    ptype[: len(PATRON_TYPES)] = np.arange(len(PATRON_TYPES))
    for t in range(len(PATRON_TYPES)):
        for b in range(1, len(BRANCHES) + 1):
            members = np.flatnonzero((ptype == t) & (home == b))
            if members.size:
                first = members[np.argmin(registered[members])]
                registered[first] = min(registered[first], start - 1)
        members = np.flatnonzero(ptype == t)
        registered[members[np.argmin(registered[members])]] = min(
            registered[members].min(), start - 1
        )
    activity = rng.lognormal(0.0, 0.8, size=n)
    order = np.lexsort((rng.random(n), registered))
    return {
        "type": ptype[order],
        "home": home[order],
        "registered": registered[order],
        "activity": activity[order],
    }


def _demand_by_day(first: int, days: int) -> np.ndarray:
    """Relative demand per day for the adult (row 0) and juvenile (row 1) collections."""
    day = first + np.arange(days)
    factor = _MONTH_DEMAND[:, cal.months(day) - 1] * _WEEKDAY_DEMAND[cal.weekdays(day)]
    closed = np.isin(day, cal.closed_days(cal.LOAN_START, cal.TODAY))
    factor[:, closed] = 0.0
    return factor


def _sequential_loans(col: Collection, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Checkouts, due dates and returns, each item in time order (vectorised over items).

    The simulation starts ``_WARM_UP`` days before ``LOAN_START`` and drops the loans checked
    out before it, so the history opens with copies already out, as a real library's does
    (starting with every copy on the shelf made a spike of checkouts in the first month).
    Day numbers returned are relative to ``LOAN_START``.
    """
    start = cal.day_number(cal.LOAN_START) - _WARM_UP
    days = cal.day_number(cal.TODAY) - start + 1
    demand_day = _demand_by_day(start, days)
    peak = demand_day.max()
    group = (col.collection == "juvenile").astype(np.int64)
    month_of_day = cal.months(start + np.arange(days)) - 1
    borrower = _BORROWER_MIX[:, None, :] * _BORROWER_MONTH[None, :, :]
    borrower_cum = np.cumsum(borrower / borrower.sum(axis=2, keepdims=True), axis=2)

    begin = np.maximum(col.shelved - start, 0).astype(float)
    active = np.flatnonzero((col.demand > 0) & (begin < days))
    t = begin[active] + rng.random(active.size)
    out = {k: [] for k in ("item", "checkout", "due", "returned", "renewals", "type", "lost")}
    while active.size:
        t = t + rng.exponential(1.0 / (col.demand[active] * peak))
        inside = t < days
        active, t = active[inside], t[inside]
        day = t.astype(np.int64)
        accept = rng.random(active.size) * peak < demand_day[group[active], day]
        items, checkout = active[accept], day[accept]
        k = items.size
        ptype = (rng.random(k)[:, None] > borrower_cum[group[items], month_of_day[checkout]]).sum(1)
        ptype = np.minimum(ptype, len(PATRON_TYPES) - 1)
        period = LOAN_DAYS[ptype]
        # Titles in demand have holds waiting, which block renewals.
        renew_share = np.where(ptype >= 3, 0.45, 0.28) / (1.0 + 40.0 * col.demand[items])
        renew_cut = 1.0 - renew_share
        u = rng.random(k)
        renewals = (u > renew_cut).astype(np.int64) + (u > renew_cut + (1 - renew_cut) * 0.6)
        fate = rng.random(k)
        lost = (fate < 0.002) & (checkout >= _WARM_UP)
        late = ~lost & (fate >= 0.002) & (fate < 0.092)
        renewals[lost] = 0
        due = checkout + period * (1 + renewals)
        kept = period * renewals + 1 + ((period - 1) * rng.beta(1.6, 1.4, size=k)).astype(np.int64)
        # Some loans come back the day they went out (the wrong volume, a quick look).
        same_day = (renewals == 0) & ~late & (rng.random(k) < _SAME_DAY)
        kept[same_day] = 0
        back = np.where(
            late, due + 1 + np.minimum(rng.geometric(0.1, size=k), 150), checkout + kept
        )
        still_out = lost | (back >= days)
        # Renewals not yet made on a loan that is still out on "today" do not count.
        open_now = still_out & ~lost
        made = np.minimum(renewals, (days - 1 - checkout) // period)
        renewals = np.where(open_now, made, renewals)
        due = np.where(open_now, checkout + period * (1 + renewals), due)
        back = np.where(still_out, -1, back)
        for name, values in zip(
            out, (items, checkout, due, back, renewals, ptype, lost), strict=True
        ):
            out[name].append(values)
        # Items still out leave the simulation; the others wait from their return day.
        keep = np.ones(active.size, dtype=bool)
        keep[np.flatnonzero(accept)[still_out]] = False
        t[np.flatnonzero(accept)[~still_out]] = back[~still_out]
        active, t = active[keep], t[keep]
    raw = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in out.items()}
    kept_loans = raw["checkout"] >= _WARM_UP
    raw = {name: values[kept_loans] for name, values in raw.items()}
    for name in ("checkout", "due"):
        raw[name] = raw[name] - _WARM_UP
    raw["returned"] = np.where(raw["returned"] < 0, -1, raw["returned"] - _WARM_UP)
    return raw


def _choose_patrons(
    loans: dict[str, np.ndarray], branch: np.ndarray, patrons: dict[str, np.ndarray], rng
) -> np.ndarray:
    """A patron of the right type, registered by the checkout day, mostly from the loan's branch."""
    n = loans["item"].size
    chosen = np.full(n, -1, dtype=np.int64)
    local = rng.random(n) < 0.8
    pools = [(t, b) for t in range(len(PATRON_TYPES)) for b in range(1, len(BRANCHES) + 1)]
    pools += [(t, 0) for t in range(len(PATRON_TYPES))]  # branch 0: any home branch
    u = rng.random(n)
    for t, b in pools:
        members = np.flatnonzero(
            (patrons["type"] == t) & ((patrons["home"] == b) if b else True)
        )  # registration order already
        if b:
            want = np.flatnonzero((loans["type"] == t) & (branch == b) & local)
        else:
            want = np.flatnonzero((loans["type"] == t) & (chosen < 0))
        if not want.size or not members.size or (b and members.size < 20):
            continue  # small local pools would make a few patrons borrow everything
        reg = patrons["registered"][members]
        cum = np.cumsum(patrons["activity"][members])
        eligible = np.searchsorted(
            reg, loans["checkout"][want] + cal.day_number(cal.LOAN_START), side="right"
        )
        ok = eligible > 0
        want, eligible = want[ok], eligible[ok]
        pick = np.searchsorted(cum, u[want] * cum[eligible - 1], side="right")
        chosen[want] = members[np.minimum(pick, eligible - 1)]
    return chosen


def simulate_loans(
    col: Collection, patrons: dict[str, np.ndarray], rng: np.random.Generator
) -> Loans:
    """Four years of loans for the collection, with borrowers and checkout branches."""
    raw = _sequential_loans(col, rng)
    start = cal.day_number(cal.LOAN_START)
    order = np.lexsort((raw["item"], raw["checkout"]))
    raw = {k: v[order] for k, v in raw.items()}
    weights = _public_weights()
    branch = col.item_branch[raw["item"]].copy()
    away = (branch == STORAGE_BRANCH_ID) | (rng.random(branch.size) < 0.15)
    branch[away] = rng.choice(len(weights), size=int(away.sum()), p=weights / weights.sum()) + 1
    patron = _choose_patrons(raw, branch, patrons, rng)

    def shift(days: np.ndarray) -> np.ndarray:
        return np.where(days < 0, -1, days + start)

    return Loans(
        item=raw["item"].astype(np.int64),
        patron=patron,
        branch=branch,
        checkout=raw["checkout"] + start,
        due=raw["due"] + start,
        returned=shift(raw["returned"]),
        renewals=raw["renewals"].astype(np.int64),
        lost=raw["lost"].astype(bool),
    )


def expiry_dates(registered: np.ndarray, last_active: np.ndarray, rng) -> np.ndarray:
    """Cards run three years and are renewed while used; some lapsed cards are renewed anyway."""
    term = 3 * 365
    terms = np.maximum(1, -(-(np.maximum(last_active, registered) - registered + 1) // term))
    expiry = registered + terms * term
    lapsed = expiry < cal.day_number(cal.TODAY)
    expiry = np.where(lapsed & (rng.random(registered.size) < 0.3), expiry + term, expiry)
    return expiry

"""The consortium's branches and its physical collection: holdings and items.

Which catalog records the consortium owns, how many copies, where they are shelved, their call
numbers, prices and acquisition dates.  Everything is drawn from one NumPy generator in a fixed
order, so a seed always gives the same collection.

Choices a learner may notice (and which exercises rely on):

* Not every record is held; most held titles have one copy, popular ones several.
* Call numbers come from the record's LC call number (050) when it has an LC class, else its
  Dewey number (082) with a Cutter made from the main entry or title, else a local shelf number
  (``LOCAL 000123``); LC's own shelf numbers (``MLCS 2006/00763``) are not used.
  Children's books (LC class PZ) are shelved in the juvenile collection with a ``J`` prefix.
* Reference works (encyclopedias, dictionaries, atlases...) and books printed before 1850
  (special collections) sit in the main library and never circulate.
* Little-used older books live in the storage annex.
* Items acquired since the first fiscal year with funds were bought (or, a few, given) then;
  ``course.data.consortium.acquisitions`` makes an order line for every purchase.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.data.consortium import library_calendar as cal

__all__ = ["CONSORTIUM", "BRANCHES", "Collection", "branch_frame", "make_collection"]

CONSORTIUM = "Wrenfield Valley Library Consortium"

#: code, name, type, opened, share of first copies, share of patrons' home branches
BRANCHES = (
    ("CEN", "Wrenfield Central Library", "main", dt.date(1911, 5, 2), 0.40, 0.24),
    ("ALD", "Alder Street Branch", "branch", dt.date(1928, 9, 10), 0.08, 0.12),
    ("MIL", "Millbrook Branch", "branch", dt.date(1954, 3, 15), 0.08, 0.12),
    ("HAR", "Harbor Point Branch", "branch", dt.date(1967, 6, 1), 0.07, 0.10),
    ("NFK", "North Fork Branch", "branch", dt.date(1989, 10, 2), 0.07, 0.10),
    ("QRY", "Quarry Hill Branch", "branch", dt.date(2004, 1, 12), 0.08, 0.12),
    ("COL", "College Commons Library", "branch", dt.date(1998, 8, 24), 0.22, 0.20),
    ("ANX", "Wrenfield Storage Annex", "storage", dt.date(2009, 4, 6), 0.0, 0.0),
)
STORAGE_BRANCH_ID = 8
MAIN_BRANCH_ID = 1
COLLEGE_BRANCH_ID = 7

_REFERENCE_WORDS = (
    r"dictionar|encyclop|lexi[ck]on|w[oö]rterbuch|diccionario|dizionario|"
    r"directory|almanac|gazetteer|\batlas\b"
)
_FICTION_FORMS = ("1", "c", "d", "f", "h", "j", "p")
_REFERENCE_CLASSES = ("AE", "AG", "AY")

#: How much a public and college library's borrowers want a subject, by LC class (the longest
#: matching prefix of the class letters wins; 0 for classes not listed and records without an
#: LC class).  Leisure reading, children's books, how-to and popular history borrow well;
#: denominational church history, law, bibliography and specialist scholarship little.
CLASS_APPEAL = {
    "PZ": 0.3, "PS": 0.5, "PR": 0.4, "PN": 0.3, "TX": 0.9, "TT": 0.8, "GV": 0.7, "SF": 0.7,
    "SB": 0.6, "BF": 0.5, "HQ": 0.4, "CT": 0.4, "RA": 0.3, "RC": 0.3, "RM": 0.4, "HG": 0.3,
    "E": 0.3, "F": 0.2, "D": 0.2, "QA76": 0.4, "NK": 0.3, "TR": 0.3,
    "B": -0.3, "BM": -0.4, "BP": -0.3, "BQ": -0.3, "BR": -0.5, "BS": -0.3, "BT": -0.6,
    "BV": -0.6, "BX": -0.8, "K": -0.8, "J": -0.4, "Z": -0.9, "A": -0.6, "CS": -0.3,
    "PA": -0.5, "PB": -0.4, "PG": -0.4, "PH": -0.4, "PJ": -0.4, "PK": -0.4, "PL": -0.4,
    "PQ": -0.2, "PT": -0.3, "QA": -0.2, "QC": -0.3, "QD": -0.3, "HB": -0.3, "HJ": -0.4,
}  # fmt: skip


@dataclass
class Collection:
    """Items as parallel arrays (one position per item, in item_id order) plus per-bib facts."""

    holding: pd.DataFrame
    item_bib: np.ndarray  # row of the item's record in the bib frame
    item_branch: np.ndarray  # branch_id
    item_holding: np.ndarray  # holding_id
    call_number: np.ndarray  # object array of str
    collection: np.ndarray  # 'adult' | 'juvenile' | 'reference' | 'special'
    price: np.ndarray  # dollars, rounded to cents
    acquired: np.ndarray  # day number
    shelved: np.ndarray  # day number the item is ready to lend (after processing)
    purchased: np.ndarray  # bool: bought in the fiscal years with funds (has an order line)
    withdrawn: np.ndarray  # bool
    demand: np.ndarray  # expected checkouts per open day, before seasonality
    bib_price: np.ndarray  # per bib row


def branch_frame() -> pd.DataFrame:
    """The ``branch`` table."""
    return pd.DataFrame(
        {
            "branch_id": np.arange(1, len(BRANCHES) + 1),
            "code": [b[0] for b in BRANCHES],
            "name": [b[1] for b in BRANCHES],
            "branch_type": [b[2] for b in BRANCHES],
            "opened_date": np.array([b[3] for b in BRANCHES], dtype="datetime64[D]"),
        }
    )


def _bib_features(bibs: pd.DataFrame) -> dict[str, np.ndarray]:
    date1 = pd.to_numeric(bibs["date1"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    date1[(date1 < 1450) | (date1 > cal.TODAY.year)] = np.nan
    letters = bibs["lc_class_letters"].fillna("").astype(str)
    title = bibs["title"].fillna("").astype(str)
    juvenile = (letters == "PZ").to_numpy()
    reference = letters.isin(_REFERENCE_CLASSES).to_numpy() | title.str.contains(
        _REFERENCE_WORDS, case=False, regex=True
    ).to_numpy(dtype=bool)
    special = np.nan_to_num(date1, nan=2000.0) < 1850
    collection = np.full(len(bibs), "adult", dtype=object)
    collection[juvenile] = "juvenile"
    collection[reference & ~juvenile] = "reference"
    collection[special] = "special"
    call = bibs["lc_call_number"].fillna("").astype(str).str.upper().str.replace(" ", "")
    appeal = np.zeros(len(bibs))
    matched = np.zeros(len(bibs), dtype=int)
    for prefix, weight in CLASS_APPEAL.items():
        # letters prefixes match the class letters exactly; longer ones (QA76) the call number
        hit = (letters == prefix).to_numpy() if prefix.isalpha() else call.str.startswith(prefix)
        if prefix.isalpha() and len(prefix) == 1:
            hit = hit | (letters.str[:1] == prefix).to_numpy() & (matched == 0)
        better = np.asarray(hit, dtype=bool) & (len(prefix) > matched)
        appeal[better], matched[better] = weight, len(prefix)
    return {
        "date1": date1,
        "appeal": appeal,
        "english": (bibs["language"].fillna("") == "eng").to_numpy(),
        "fiction": bibs["literary_form"].fillna("").isin(_FICTION_FORMS).to_numpy() | juvenile,
        "collection": collection,
    }


def _call_numbers(bibs: pd.DataFrame, collection: np.ndarray) -> np.ndarray:
    lc = bibs["lc_call_number"].fillna("").astype(str).str.strip()
    # LC's own shelf numbers (MLCS ..., lc_class NULL) are not a class a library would shelve by.
    lc = lc.where(bibs["lc_class_letters"].fillna("").astype(str) != "", "")
    dewey = (
        bibs["dewey"]
        .fillna("")
        .astype(str)
        .str.replace("/", "", regex=False)
        .str.extract(r"^(\d{3}(?:\.\d+)?)", expand=False)
        .fillna("")
    )
    source = bibs["main_entry"].fillna(bibs["title"]).fillna("").astype(str)
    cutter = source.str.upper().str.replace(r"[^A-Z]", "", regex=True).str[:3]
    local = pd.Series([f"LOCAL {n:06d}" for n in range(1, len(bibs) + 1)], index=bibs.index)
    call = lc.where(lc != "", (dewey + " " + cutter).str.strip().where(dewey != "", local))
    prefix = (
        pd.Series(collection)
        .map({"juvenile": "J ", "reference": "REF ", "special": "SPEC "})
        .fillna("")
    )
    return (prefix.to_numpy(dtype=object) + call.to_numpy(dtype=object)).astype(object)


def _prices(rng: np.random.Generator, f: dict[str, np.ndarray]) -> np.ndarray:
    year = np.nan_to_num(f["date1"], nan=1985.0)
    base = np.where(year >= 1950, 32.0 * np.exp(0.03 * (np.minimum(year, 2026) - 2000)), 48.0)
    base = base * rng.lognormal(0.0, 0.45, size=len(year))
    base *= np.select(
        [f["collection"] == "juvenile", f["collection"] == "reference"], [0.55, 2.6], 1.0
    )
    base *= np.where(f["english"], 1.0, 1.15)
    return np.maximum(np.round(base) - 0.05, 4.95).round(2)


def _pick(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """``n`` branch ids drawn with ``weights`` (one weight per branch, in branch order)."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum()) + 1


def make_collection(bibs: pd.DataFrame, rng: np.random.Generator) -> Collection:
    """Choose held records, copies, branches, call numbers, prices and acquisition dates."""
    n = len(bibs)
    f = _bib_features(bibs)
    date1, coll = f["date1"], f["collection"]
    fy_start = cal.day_number(cal.fiscal_year_start(cal.FISCAL_YEARS[0]))
    today = cal.day_number(cal.TODAY)

    # Which records are held, and which of them were bought in the fiscal years with funds.
    recent = np.nan_to_num(date1, nan=1980.0) >= 1990
    held = rng.random(n) < 0.55 + 0.2 * f["english"] + 0.1 * recent
    circulating = (coll == "adult") | (coll == "juvenile")
    bought_recently = held & (rng.random(n) < 0.12) & (coll != "special")

    # Popularity: a ranking score, then a percentile (0 = most popular) among held records.
    # What a title is (recent, fiction, for children, in English, a subject people borrow)
    # outweighs chance, so the most-borrowed list looks like a real library's.
    score = (
        0.05 * (np.clip(np.nan_to_num(date1, nan=1960.0), 1900, 2016) - 1995)
        + 1.0 * f["fiction"]
        + 0.3 * (coll == "juvenile")
        + 1.2 * f["english"]
        + f["appeal"]
        + 0.5 * bought_recently
        + rng.normal(0.0, 0.55, size=n)
    )
    popularity = np.full(n, np.nan)
    held_rows = np.flatnonzero(held)
    order = held_rows[np.argsort(-score[held_rows], kind="stable")]
    popularity[order] = (np.arange(len(order)) + 0.5) / max(len(order), 1)

    # Copies: most one, popular circulating titles several.
    q = np.nan_to_num(popularity, nan=1.0)
    extra = rng.poisson(np.minimum(8.0, 0.04 + 0.5 * (q / 0.01) ** -0.8))
    copies = np.where(held, 1 + np.where(circulating, extra, 0), 0)
    item_bib = np.repeat(np.arange(n), copies)
    n_items = len(item_bib)
    first = np.r_[True, item_bib[1:] != item_bib[:-1]] if n_items else np.zeros(0, bool)

    # Branches: first copies by the rules in the module docstring, added copies spread out.
    item_coll = coll[item_bib]
    item_q = q[item_bib]
    item_year = np.nan_to_num(date1, nan=1970.0)[item_bib]
    shares = np.array([b[4] for b in BRANCHES])
    no_college = shares.copy()
    no_college[COLLEGE_BRANCH_ID - 1] = 0.0
    branch = _pick(rng, n_items, shares)
    juvenile_items = item_coll == "juvenile"
    branch[juvenile_items] = _pick(rng, int(juvenile_items.sum()), no_college)
    to_storage = (
        first
        & (item_coll == "adult")
        & (item_q > 0.4)
        & ((item_year < 1985) | (rng.random(n_items) < 0.2))
        & (rng.random(n_items) < 0.6)
    )
    branch[to_storage] = STORAGE_BRANCH_ID
    branch[(item_coll == "reference") | (item_coll == "special")] = MAIN_BRANCH_ID

    # Item order (= item_id order): by record, then branch; copy 1 is the first acquired.
    order = np.lexsort((branch, item_bib))
    item_bib, branch, item_coll = item_bib[order], branch[order], item_coll[order]
    bib_copies = copies[item_bib]
    starts = np.r_[0, np.cumsum(copies[held_rows])[:-1]] if n_items else np.zeros(0, int)
    copy_no = np.arange(n_items) - np.repeat(starts, copies[held_rows]) + 1

    # Acquisition dates: on or after publication; copy 1 first, added copies later or with it.
    jan1 = (
        (np.nan_to_num(date1, nan=1975.0).astype(np.int64) - 1970)
        .astype("datetime64[Y]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    pub = np.where(
        np.isnan(date1),
        jan1 + rng.integers(0, 30 * 365, size=n),
        jan1 + rng.integers(0, 365, size=n),
    )
    lag = 30 + rng.exponential(420.0, size=n)
    first_day = np.minimum(pub + lag, fy_start - 1 - rng.integers(0, 400, size=n))
    window_day = np.maximum(fy_start + rng.integers(0, today - fy_start + 1, size=n), pub)
    first_day = np.where(bought_recently | (pub >= fy_start), window_day, first_day)
    first_day = np.maximum(first_day, pub).astype(np.int64)
    later = rng.random(n_items) < 0.5
    item_first = first_day[item_bib]
    span = np.maximum(today - item_first, 0)
    acquired = np.where(
        later & (copy_no > 1),
        item_first + (rng.random(n_items) * span).astype(np.int64),
        item_first,
    )
    acquired = np.minimum(acquired, today)
    # Copy numbers follow acquisition order within each record.
    by_date = np.lexsort((acquired, item_bib))
    acquired = acquired[by_date]
    shelved = acquired + rng.integers(5, 21, size=n_items)
    gift = rng.random(n) < 0.1
    purchased = (acquired >= fy_start) & ~gift[item_bib]

    # Holdings: one per record and branch.
    key = item_bib.astype(np.int64) * 16 + branch
    uniq, item_holding, holding_copies = np.unique(key, return_inverse=True, return_counts=True)
    h_bib, h_branch = uniq // 16, uniq % 16
    base_call = _call_numbers(bibs, coll)
    holding = pd.DataFrame(
        {
            "holding_id": np.arange(1, len(uniq) + 1),
            "bib_id": bibs["bib_id"].to_numpy()[h_bib],
            "branch_id": h_branch,
            "call_number": base_call[h_bib],
            "copies": holding_copies,
        }
    )
    copy_suffix = np.where(bib_copies > 1, np.char.add(" c.", copy_no.astype(str)), "")
    call_number = (base_call[item_bib] + copy_suffix.astype(object)).astype(object)

    withdrawn = (
        (acquired < cal.day_number(cal.LOAN_START))
        & (item_coll == "adult")
        & (item_q[order] > 0.5)
        & (rng.random(n_items) < 0.03)
    )
    # Expected checkouts per open day: steep in popularity, shared between copies.  (Scaled so
    # that the course database keeps about 330,000 loans: with popularity following what a
    # title is, fewer of the most popular records are reference books that never circulate.)
    per_title = np.minimum(45.0 * (q[item_bib] / 0.1) ** -2.4 / 1460.0, 1.0)
    demand = per_title / bib_copies**0.6 * rng.lognormal(0.0, 0.5, size=n_items)
    demand *= np.where(branch == STORAGE_BRANCH_ID, 0.25, 1.0)
    demand[~np.isin(item_coll, ("adult", "juvenile")) | withdrawn] = 0.0
    demand = np.minimum(demand, 1.0)  # beyond one a day the copy is never on the shelf anyway

    bib_price = _prices(rng, f)
    return Collection(
        holding=holding,
        item_bib=item_bib,
        item_branch=branch,
        item_holding=item_holding + 1,
        call_number=call_number,
        collection=item_coll,
        price=bib_price[item_bib],
        acquired=acquired,
        shelved=shelved,
        purchased=purchased,
        withdrawn=withdrawn,
        demand=demand,
        bib_price=bib_price,
    )

"""E-resources: a KBART-shaped title list and monthly COUNTER-style usage.

Serials are invented journals from invented publishers, with print and online ISSNs whose check
digits are computed by python-stdnum (they are made up, so a match with a real journal would be
chance).  E-books are electronic versions of records in the catalog: ``print_identifier`` is the
record's ISBN-13 (so they can be matched against ``bib_isbn.isbn13``), ``online_identifier`` an
invented e-ISBN-13 with a valid check digit.  Dates are ISO dates; as KBART asks, monographs have
no coverage dates.

Usage follows COUNTER R5: journals report Total_Item_Requests and Unique_Item_Requests, books
Total_Item_Requests and Unique_Title_Requests, one row per title, month and metric.  As in a
COUNTER report, months with no use have no row, and some titles were never used at all, which
makes cost per use an interesting question.  The counts obey the standard: a month with a
Total row has a Unique row with 1 <= unique <= total, and journals whose ``coverage_depth`` is
``abstracts`` have no requests at all (requests count full content only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from stdnum import ean, isbn, issn

from course.data.consortium import library_calendar as cal

__all__ = ["PACKAGES", "make_eresources"]

#: vendor code, package, publication_type, share of the serials, free access
PACKAGES = (
    ("CJO", "Clearwater Science Journals", "serial", 0.40, False),
    ("CJO", "Clearwater Arts and Humanities Journals", "serial", 0.30, False),
    ("MDL", "Meridian Current Periodicals", "serial", 0.15, False),
    ("OSP", "Open Stacks Journal Backfiles", "serial", 0.15, True),
    ("MDL", "Meridian Humanities E-book Collection", "monograph", 0.5, False),
    ("MDL", "Meridian Social Sciences E-book Collection", "monograph", 0.5, False),
)
SERIAL_COUNT = 360
EBOOK_COUNT = 480

_SCIENCE = (
    "Ecology",
    "Hydrology",
    "Organic Chemistry",
    "Applied Mathematics",
    "Soil Science",
    "Marine Biology",
    "Materials Engineering",
    "Public Health",
    "Neuroscience",
    "Geophysics",
    "Plant Pathology",
    "Atmospheric Science",
    "Veterinary Medicine",
    "Computational Biology",
    "Glaciology",
    "Polymer Science",
    "Epidemiology",
    "Astrophysics",
    "Forest Management",
    "Coastal Engineering",
)
_HUMANITIES = (
    "Cataloging",
    "Metadata",
    "Archival Science",
    "Comparative Literature",
    "Medieval Studies",
    "Book History",
    "Musicology",
    "Art History",
    "Applied Linguistics",
    "Urban History",
    "Philosophy of Language",
    "Religious Studies",
    "Folklore",
    "Classical Philology",
    "Information Policy",
    "Education Research",
    "Labor History",
    "Cartography",
    "Digital Humanities",
    "Women's History",
    "Theatre Studies",
    "Indigenous Studies",
    "Library Science",
    "Rhetoric",
    "Print Culture",
    "Ethnomusicology",
    "Latin American Studies",
)
_PATTERNS = (
    "Journal of {}",
    "{} Quarterly",
    "{} Review",
    "Annals of {}",
    "International Journal of {}",
    "Studies in {}",
    "{} Research",
    "Bulletin of {}",
    "{} Letters",
    "Advances in {}",
)
_PUBLISHERS = (
    "Ashgrove University Press",
    "Tamsin & Reed Scientific",
    "Pellworth Scholarly Publishing",
    "Bramblecote Press",
    "Northmere Learned Society",
    "Vantage Field Publishers",
    "Greywater Institute Press",
    "Calloway Humanities Press",
    "Fenwick-Hart Publishing",
)
_ACADEMIC_MONTH = np.array([0.9, 1.1, 1.2, 1.15, 0.85, 0.5, 0.4, 0.6, 1.1, 1.25, 1.2, 0.75])


def _unique_numbers(rng, low: int, high: int, n: int) -> np.ndarray:
    """``n`` distinct random integers in [low, high), in draw order."""
    draws = rng.integers(low, high, size=3 * n + 10)
    _, first = np.unique(draws, return_index=True)
    return draws[np.sort(first)][:n]


def _issns(numbers: np.ndarray) -> list[str]:
    out = []
    for number in numbers:
        body = f"{int(number):07d}"
        out.append(issn.format(body + issn.calc_check_digit(body)))
    return out


def _eisbns(numbers: np.ndarray) -> list[str]:
    out = []
    for number in numbers:
        body = f"978{int(number):09d}"
        code = body + ean.calc_check_digit(body)
        if isbn.is_valid(code):  # always true for 978 + 9 digits + check; kept as a guard
            out.append(code)
    return out


def _serials(rng, n: int) -> pd.DataFrame:
    serial_packages = [p for p in PACKAGES if p[2] == "serial"]
    shares = np.array([p[3] for p in serial_packages])
    package = rng.choice(len(serial_packages), size=n, p=shares / shares.sum())
    science = np.array(["Science" in serial_packages[p][1] for p in package])
    mixed = np.array([serial_packages[p][0] != "CJO" for p in package])
    science |= mixed & (rng.random(n) < 0.4)
    titles = np.empty(n, dtype=object)
    for is_science in (True, False):
        fields = _SCIENCE if is_science else _HUMANITIES
        names = np.array([p.format(f) for p in _PATTERNS for f in fields], dtype=object)
        want = np.flatnonzero(science == is_science)
        names = names[rng.permutation(names.size)]
        # More journals than names: later ones get a "New Series"/section suffix.
        reps = -(-want.size // max(names.size, 1))
        pool = np.concatenate(
            [names if r == 0 else names + f", Series {chr(65 + r)}" for r in range(reps)]
        )
        titles[want] = pool[: want.size]
    ids = _unique_numbers(rng, 1_000_000, 3_000_000, 2 * n)
    online = np.array(_issns(ids[:n]), dtype=object)
    printed = np.array(_issns(ids[n:]), dtype=object)
    printed[rng.random(n) < 0.2] = None  # online-only journals
    first_year = rng.integers(1985, 2016, size=n)
    ceased = rng.random(n) < 0.12
    last_year = rng.integers(2012, 2025, size=n)
    depth = rng.choice(["fulltext", "abstracts", "selected articles"], size=n, p=[0.9, 0.06, 0.04])
    cost = np.round(rng.lognormal(np.log(900.0), 0.9, size=n) * np.where(science, 1.8, 1.0))
    free = np.array([serial_packages[p][4] for p in package])
    return pd.DataFrame(
        {
            "publication_title": titles,
            "print_identifier": printed,
            "online_identifier": online,
            "date_first_issue_online": (first_year - 1970)
            .astype("datetime64[Y]")
            .astype("datetime64[D]"),
            "date_last_issue_online": np.where(
                ceased,
                (last_year - 1970 + 1).astype("datetime64[Y]").astype("datetime64[D]")
                - np.timedelta64(1, "D"),
                np.datetime64("NaT"),
            ),
            "first_author": None,
            "coverage_depth": depth.astype(object),
            "publisher_name": np.array(_PUBLISHERS, dtype=object)[
                rng.integers(0, len(_PUBLISHERS), size=n)
            ],
            "publication_type": "serial",
            "access_type": np.where(free, "F", "P").astype(object),
            "package": np.array([serial_packages[p][1] for p in package], dtype=object),
            "vendor_code": np.array([serial_packages[p][0] for p in package], dtype=object),
            "annual_cost": np.where(free, 0.0, cost),
        }
    )


def _ebooks(rng, bibs: pd.DataFrame, n: int) -> pd.DataFrame:
    with_isbn = np.flatnonzero(bibs["isbn13"].notna().to_numpy())
    rows = np.sort(rng.choice(with_isbn, size=min(n, with_isbn.size), replace=False))
    k = rows.size
    book_packages = [p for p in PACKAGES if p[2] == "monograph"]
    package = rng.integers(0, len(book_packages), size=k)
    printed = set(bibs["isbn13"].dropna())
    online = [x for x in _eisbns(_unique_numbers(rng, 0, 10**9, k + 10)) if x not in printed][:k]
    sub = bibs.iloc[rows]
    return pd.DataFrame(
        {
            "publication_title": sub["title"].to_numpy(dtype=object),
            "print_identifier": sub["isbn13"].to_numpy(dtype=object),
            "online_identifier": np.array(online, dtype=object),
            "date_first_issue_online": np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            "date_last_issue_online": np.full(k, np.datetime64("NaT"), dtype="datetime64[D]"),
            "first_author": sub["main_entry"].to_numpy(dtype=object),
            "coverage_depth": "fulltext",
            "publisher_name": sub["publisher"].to_numpy(dtype=object),
            "publication_type": "monograph",
            "access_type": "P",
            "package": np.array([book_packages[p][1] for p in package], dtype=object),
            "vendor_code": np.array([book_packages[p][0] for p in package], dtype=object),
            "annual_cost": np.round(rng.lognormal(np.log(45.0), 0.5, size=k), 2),
        }
    )


def _usage(rng, titles: pd.DataFrame) -> pd.DataFrame:
    month_days = cal.month_starts(cal.LOAN_START, cal.TODAY)
    n, m = len(titles), month_days.size
    serial = (titles["publication_type"] == "serial").to_numpy()
    ceased = titles["date_last_issue_online"].notna().to_numpy()
    mean = np.where(
        serial, rng.lognormal(np.log(12.0), 1.4, size=n), rng.lognormal(np.log(3.0), 1.3, size=n)
    )
    mean[rng.random(n) < np.where(serial, 0.15, 0.25)] = 0.0
    mean *= np.where(ceased, 0.3, 1.0)
    slope = rng.normal(0.0, 0.4, size=n)
    step = (np.arange(m) - m / 2) / m
    rate = (
        mean[:, None]
        * _ACADEMIC_MONTH[cal.months(month_days) - 1][None, :]
        * np.exp(slope[:, None] * step[None, :])
    )
    # COUNTER counts full-content requests only: a journal whose KBART coverage_depth is
    # 'abstracts' gives no full content, so it has no requests (its abstract views would be
    # Investigations, which this table does not hold).
    rate[(titles["coverage_depth"] == "abstracts").to_numpy()] = 0.0
    total = rng.poisson(rate)
    share = np.where(serial, rng.uniform(0.55, 0.85, size=n), rng.uniform(0.3, 0.6, size=n))
    # A month with any request has at least one unique one, and never more unique than total:
    # the first request of a month is always unique, each further one is with the title's share.
    unique = np.where(total > 0, 1 + rng.binomial(np.maximum(total - 1, 0), share[:, None]), 0)
    title_id = titles["title_id"].to_numpy()
    parts = []
    for counts, metric in ((total, None), (unique, "unique")):
        t, mo = np.nonzero(counts)
        if metric is None:
            names = np.full(t.size, "Total_Item_Requests", dtype=object)
        else:
            names = np.where(serial[t], "Unique_Item_Requests", "Unique_Title_Requests")
        parts.append((title_id[t], month_days[mo], names.astype(object), counts[t, mo]))
    tid = np.concatenate([p[0] for p in parts])
    month = np.concatenate([p[1] for p in parts])
    metric = np.concatenate([p[2] for p in parts])
    count = np.concatenate([p[3] for p in parts])
    order = np.lexsort((metric, month, tid))
    return pd.DataFrame(
        {
            "title_id": tid[order],
            "usage_month": cal.as_dates(month[order]),
            "metric_type": metric[order],
            "count": count[order],
        }
    )


def make_eresources(
    bibs: pd.DataFrame, vendor_ids: dict[str, int], rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """The ``eresource`` and ``eresource_usage`` tables."""
    titles = pd.concat([_serials(rng, SERIAL_COUNT), _ebooks(rng, bibs, EBOOK_COUNT)])
    titles = titles.sort_values(
        ["package", "publication_title", "online_identifier"], kind="stable"
    )
    titles.insert(0, "title_id", np.arange(1, len(titles) + 1))
    titles["title_url"] = [
        f"https://{v.lower()}.example.org/{'journal' if t == 'serial' else 'book'}/{i}"
        for v, t, i in zip(
            titles["vendor_code"], titles["publication_type"], titles["title_id"], strict=True
        )
    ]
    titles["vendor_id"] = titles["vendor_code"].map(vendor_ids)
    titles = titles.drop(columns="vendor_code").reset_index(drop=True)
    columns = [
        "title_id",
        "publication_title",
        "print_identifier",
        "online_identifier",
        "date_first_issue_online",
        "date_last_issue_online",
        "title_url",
        "first_author",
        "coverage_depth",
        "publisher_name",
        "publication_type",
        "access_type",
        "package",
        "vendor_id",
        "annual_cost",
    ]
    titles = titles[columns]
    return {"eresource": titles, "eresource_usage": _usage(rng, titles)}

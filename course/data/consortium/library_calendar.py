"""The seeded library's calendar: its fixed "today", the loan window and its fiscal years.

The generated library never looks at the clock.  Its "today" is :data:`TODAY`, so the same seed
gives the same rows whenever the course data is built.  Dates are handled as whole day numbers
(days since 1970-01-01, as NumPy's ``datetime64[D]`` counts them), which keeps the generators
vectorised; :func:`as_dates` turns them into dates for the database.

Fiscal years run July to June and are named by the June they end in (US library practice):
fiscal year 2026 is 2025-07-01 to 2026-06-30.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = [
    "TODAY",
    "LOAN_START",
    "FISCAL_YEARS",
    "day_number",
    "fiscal_year_start",
    "as_dates",
    "years",
    "months",
    "weekdays",
    "fiscal_years",
    "month_starts",
    "closed_days",
]

#: The data's "today": loans still out are out on this day.
TODAY = dt.date(2026, 6, 30)
#: First day of the four years of circulation history.
LOAN_START = dt.date(2022, 7, 1)
#: Fiscal years with funds and orders (each named by the June it ends in).
FISCAL_YEARS = (2022, 2023, 2024, 2025, 2026)

_EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (the integer behind ``numpy.datetime64(day, 'D')``)."""
    return (day - _EPOCH).days


def fiscal_year_start(fiscal_year: int) -> dt.date:
    """First day (1 July of the previous calendar year) of a fiscal year."""
    return dt.date(fiscal_year - 1, 7, 1)


def as_dates(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Day numbers as ``datetime64[D]``; positions where ``missing`` is true become NaT (NULL)."""
    out = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    if missing is not None:
        out[np.asarray(missing, dtype=bool)] = np.datetime64("NaT")
    return out


def years(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    return (
        np.asarray(days, dtype=np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[Y]")
        .astype(np.int64)
        + 1970
    )


def months(days: np.ndarray) -> np.ndarray:
    """Month (1-12) of each day number."""
    m = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return m.astype(np.int64) % 12 + 1


def weekdays(days: np.ndarray) -> np.ndarray:
    """Day of the week, Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def fiscal_years(days: np.ndarray) -> np.ndarray:
    """Fiscal year (named by the June it ends in) of each day number."""
    return years(days) + (months(days) >= 7)


def month_starts(first: dt.date, last: dt.date) -> np.ndarray:
    """Day numbers of the first day of every month from ``first``'s month to ``last``'s."""
    start = np.datetime64(first, "M")
    stop = np.datetime64(last, "M") + 1
    return np.arange(start, stop).astype("datetime64[D]").astype(np.int64)


def closed_days(first: dt.date, last: dt.date) -> list[int]:
    """Day numbers the branches are closed: New Year's Day, 4 July, Thanksgiving, Christmas."""
    out = []
    for year in range(first.year, last.year + 1):
        november_first = dt.date(year, 11, 1)
        thanksgiving = november_first + dt.timedelta(days=(3 - november_first.weekday()) % 7 + 21)
        for day in (dt.date(year, 1, 1), dt.date(year, 7, 4), thanksgiving, dt.date(year, 12, 25)):
            if first <= day <= last:
                out.append(day_number(day))
    return sorted(out)

"""Date arithmetic on whole columns: day numbers and month numbers as numpy arrays.

Dates become float day numbers (days since 1970-01-01, NaN for a missing date)
so they mix with money arithmetic without per-row Python. Months are integer
month numbers (months since 1970-01). ``as_of`` means *the end of that day*:
on a project's start date one day has elapsed, on its end date all of it.
"""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
import pandas as pd

EPOCH_YEAR = 1970
#: days per month used to turn a monthly burn rate into a date (365.25 / 12)
DAYS_PER_MONTH = 365.25 / 12


def day_number(value: date) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype(np.int64))


def month_number(value: date) -> int:
    """Months since 1970-01."""
    return (value.year - EPOCH_YEAR) * 12 + value.month - 1


def days(column: pd.Series) -> np.ndarray:
    """A date column as float day numbers, NaN where the date is missing."""
    values = column.to_numpy(dtype="datetime64[s]")
    out = (values.view(np.int64) // 86400).astype(np.float64)
    out[np.isnat(values)] = np.nan
    return out


def months(column: pd.Series) -> np.ndarray:
    """A date or month column as int64 month numbers (the column must have no NaT).

    Long columns go through a day -> month lookup table over the column's date
    range (a gather instead of a calendar conversion per row).
    """
    return month_numbers(column.to_numpy(dtype="datetime64[s]"))


def month_numbers(values: np.ndarray) -> np.ndarray:
    """:func:`months` of a ``datetime64[s]`` array (no NaT)."""
    if len(values) < 4096:
        return values.astype("datetime64[M]").astype(np.int64)
    day = values.view(np.int64) // 86400
    lo, hi = int(day.min()), int(day.max())
    if hi - lo > 200_000:  # a stray far-away date: the table would be too big
        return values.astype("datetime64[M]").astype(np.int64)
    table = np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return table.astype(np.int64)[day - lo]


def to_dates(day_numbers: np.ndarray) -> pd.Series:
    """Float day numbers back to a ``datetime64[s]`` column (NaN -> NaT)."""
    arr = np.asarray(day_numbers, dtype=np.float64)
    out = np.full(arr.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.isfinite(arr)
    out[ok] = np.rint(arr[ok]).astype(np.int64).astype("datetime64[D]")
    return pd.Series(out.astype("datetime64[s]"))


def month_starts(first: int, count: int) -> pd.Series:
    """``count`` month-start dates from month number ``first``."""
    return pd.Series(
        (np.arange(first, first + count, dtype=np.int64))
        .astype("datetime64[M]")
        .astype("datetime64[s]")
    )


def month_end_days(first: int, count: int) -> np.ndarray:
    """Day number of the last day of each of ``count`` months from ``first``."""
    nxt = np.arange(first + 1, first + count + 1, dtype=np.int64).astype("datetime64[M]")
    return nxt.astype("datetime64[D]").astype(np.int64).astype(np.float64) - 1.0


def fraction_of_month(as_of: date) -> float:
    """How much of the as-of month has passed at the end of ``as_of`` (1.0 on its last day)."""
    return as_of.day / calendar.monthrange(as_of.year, as_of.month)[1]


def is_month_end(as_of: date) -> bool:
    return as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]

"""The n/a convention: a missing figure is NaN *and* says why.

Every numeric output column ``X`` that can be undefined has a text column
``X_na`` beside it. Where ``X`` is NaN (or NA/NaT), ``X_na`` holds a short,
human reason such as ``"no actual cost yet"`` or ``"budget is zero"``; where
``X`` has a value, ``X_na`` is missing. Nothing ever yields ``inf`` and no
computation raises for bad or missing data: the screens print "n/a" and show
the reason on demand, and the json report writes ``null`` plus the reason.

:class:`Reasons` collects the reasons for one column while it is computed,
vectorised: the first reason recorded for a row wins, so checks go from the
most fundamental ("budget is zero") to the derived ("CPI is zero").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

FloatArray = np.ndarray
SUFFIX = "_na"
#: ``None`` as a 0-d object array, for ``np.where(mask, text, NONE)``
NONE = np.array(None, dtype=object)


def is_none(values: np.ndarray) -> np.ndarray:
    """Elementwise ``is None`` for an object array of texts and None."""
    arr = np.asarray(values, dtype=object)
    return np.asarray(np.equal(arr, NONE), dtype=bool)


def objects(column: pd.Series) -> np.ndarray:
    """A column as an object array with None (never NaN) for missing values."""
    arr = column.to_numpy(dtype=object)
    # the column's own missing mask (Arrow's validity bitmap for str), not a test per object
    missing = column.isna().to_numpy(dtype=bool)
    if missing.any():
        if not arr.flags.writeable:
            arr = arr.copy()
        arr[missing] = None
    return arr


def days(column: pd.Series) -> np.ndarray:
    """A date column as an object array of ``datetime.date`` (None when missing).

    ``objects`` makes a Timestamp of every value (~5 ms for 10,000 dates); this
    takes ~0.3 ms. Use it where only the day counts (a due date on a row).
    """
    values = column.to_numpy()
    if values.dtype.kind != "M":
        return objects(column)
    return values.astype("datetime64[D]").astype(object)


class Reasons:
    """Per-row reasons why a value is n/a; the first reason given for a row wins."""

    __slots__ = ("_free", "_text")

    def __init__(self, n: int) -> None:
        self._text = np.full(n, None, dtype=object)
        self._free = np.ones(n, dtype=bool)  # rows without a reason yet

    def add(self, mask: np.ndarray, reason: str | np.ndarray) -> None:
        """Give rows in ``mask`` (that have no reason yet) the reason ``reason``.

        ``reason`` is one text for all rows, or an object array aligned with
        the rows (e.g. a reason derived from another column's reasons; its
        None entries give no reason).
        """
        rows = np.flatnonzero(np.asarray(mask, dtype=bool) & self._free)
        if not len(rows):
            return
        if isinstance(reason, str):
            self._text[rows] = reason
        else:
            values = np.asarray(reason, dtype=object)[rows]
            given = ~is_none(values)
            rows, values = rows[given], values[given]
            self._text[rows] = values
        self._free[rows] = False

    def inherit(self, mask: np.ndarray, other: Reasons, prefix: str) -> None:
        """Rows in ``mask``: "<prefix> (<other's reason>)", or just the prefix.

        Only the rows that need it are worded (most rows have a value).
        """
        idx = np.flatnonzero(np.asarray(mask, dtype=bool) & self._free)
        if not len(idx):
            return
        theirs = other.array[idx].tolist()
        self._text[idx] = [prefix if r is None else f"{prefix} ({r})" for r in theirs]
        self._free[idx] = False

    @property
    def array(self) -> np.ndarray:
        return self._text

    def array_for(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """The ``X_na`` column for ``values``: a reason wherever the value is missing, else None.

        A missing value without a recorded reason gets ``"not available"`` so the
        invariant "NaN implies a reason" always holds.
        """
        missing = np.asarray(pd.isna(np.asarray(values)), dtype=bool)
        text = np.where(missing, self._text, NONE)
        return np.where(missing & self._free, "not available", text)


def divide(num: np.ndarray, den: np.ndarray) -> FloatArray:
    """``num / den`` where both are finite and ``den`` is not zero, else NaN (never inf)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    ok = np.isfinite(num) & np.isfinite(den) & (den != 0)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=ok)
    out[~np.isfinite(out)] = np.nan
    return out


def na_columns(frame: pd.DataFrame) -> list[str]:
    """The value columns of ``frame`` that have an ``_na`` reason column."""
    return [c for c in frame.columns if f"{c}{SUFFIX}" in frame.columns]


def reason(frame: pd.DataFrame, row: int, column: str) -> str | None:
    """Why ``frame[column]`` is n/a at position ``row`` (None when it has a value)."""
    col = f"{column}{SUFFIX}"
    if col not in frame.columns:
        return None
    value = frame[col].iloc[row]
    return None if pd.isna(value) else str(value)


def pick(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` as an object array, None where ``rows`` is -1."""
    out = np.full(len(rows), None, dtype=object)
    have = rows >= 0
    out[have] = values[rows[have]]
    return out


def text(values: np.ndarray) -> pd.Series:
    """A derived text column: object dtype holding str or None (no string-dtype inference,
    which costs more than computing the column)."""
    return pd.Series(values, dtype=object, copy=False)


def frame_of(columns: dict[str, Any]) -> pd.DataFrame:
    """A frame over the given columns without copying or consolidating them.

    The numpy arrays become read-only first: a snapshot's frames are never
    mutated (derive new ones), and a stray in-place write fails loudly instead
    of changing figures that a cached stage shares with other snapshots.

    Every column shares one index object with the frame, so pandas has nothing
    to align (a frame of 100 columns is built in half the time).
    """
    if not columns:
        return pd.DataFrame()
    first = next(iter(columns.values()))
    index = pd.RangeIndex(len(first))
    ready = {name: _column(value, index) for name, value in columns.items()}
    return pd.DataFrame(ready, index=index, copy=False)


def _column(value: Any, index: pd.RangeIndex) -> Any:
    if isinstance(value, pd.Series) and value.index.equals(index):
        if value.dtype == object:  # keep object: inferring a string dtype costs more
            return pd.Series(value.to_numpy(), index=index, dtype=object, copy=False)
        return value.array
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
        if value.dtype == object:
            return pd.Series(value, index=index, dtype=object, copy=False)
    return value


def whole(values: np.ndarray) -> pd.Series:
    """Whole numbers (days, counts) as a nullable ``Int64`` column: NaN becomes NA."""
    arr = np.asarray(values, dtype=np.float64)
    missing = ~np.isfinite(arr)
    ints = np.where(missing, 0.0, np.rint(arr)).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(ints, missing), copy=False)

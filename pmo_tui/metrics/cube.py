"""Monthly money per project: the one aggregation of ``costs`` and ``plan``.

A :class:`MonthlyCube` is a dense (project x month) matrix of sums built once
per version of a table (480,000 cost lines become a 2,000 x 60 matrix). Every
figure that needs costs or the plan (AC to date, burn rate, PV from the plan,
the S-curve) reads the cube, never the raw lines, so a change to another table
never re-aggregates costs.

Money is accounted in whole cents: each line is rounded to the cent before it
is summed, and the sums are exact integers (held in float64, exact up to
9e13 in currency units), so totals do not depend on row order and match a
hand calculation to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmo_tui.metrics.dates import month_numbers
from pmo_tui.metrics.lookup import positions

#: a cube never spans more than this many months (a stray year-1900 cell must
#: not allocate a century of columns); lines outside are clamped to the ends
MAX_MONTHS = 1200


@dataclass(frozen=True, eq=False)
class MonthlyCube:
    """Sums of ``amount`` per (project, month), in cents.

    ``keys`` are the project ids in row order, ``first`` the month number of
    column 0. ``present`` is False when the source has no such table at all
    (then every figure built on it is n/a, not zero).
    """

    keys: pd.Index
    first: int
    cents: np.ndarray  # shape (len(keys), n_months); integer-valued float64
    present: bool
    #: how many lines went into each row and into each month (None: not counted)
    lines: np.ndarray | None = None
    month_lines: np.ndarray | None = None

    @property
    def n_months(self) -> int:
        return int(self.cents.shape[1])

    @property
    def last(self) -> int:
        """Month number of the last column (``first - 1`` when empty)."""
        return self.first + self.n_months - 1

    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        *,
        present: bool = True,
        project_rows: np.ndarray | None = None,
        project_ids: pd.Series | None = None,
    ) -> MonthlyCube:
        """Aggregate a ``costs``/``plan``-shaped frame (project_id, period, amount).

        ``project_rows`` (``Portfolio.project_rows``: each line's position in the
        projects table, whose ids are ``project_ids``) saves hashing the ids again.
        """
        amount = frame["amount"].to_numpy(dtype=np.float64, na_value=np.nan)
        period = frame["period"].to_numpy(dtype="datetime64[s]")
        keep = np.isfinite(amount) & ~np.isnat(period)
        ids = frame["project_id"]
        fits = project_rows is not None and len(project_rows) == len(frame)
        rows = project_rows if fits else None
        if ids.hasnans:
            keep &= ids.notna().to_numpy()
        if not keep.all():
            frame, amount, period = frame.loc[keep], amount[keep], period[keep]
            ids = frame["project_id"]
            rows = None if rows is None else rows[keep]
        if len(frame) == 0:
            return cls(pd.Index([], dtype="str"), 0, np.zeros((0, 0)), present)
        known = None if rows is None or project_ids is None else _codes(rows, project_ids)
        codes, uniques = known if known is not None else _factorize(ids)
        month = month_numbers(period)
        first = int(month.min())
        count = int(month.max()) - first + 1
        if count > MAX_MONTHS:
            month = np.clip(month, first, first + MAX_MONTHS - 1)
            count = MAX_MONTHS
        cents = amount * 100.0
        np.rint(cents, out=cents)
        flat = codes.astype(np.int64, copy=False) * count
        flat += month
        flat -= first
        matrix = np.bincount(flat, weights=cents, minlength=len(uniques) * count)
        month -= first
        return cls(
            pd.Index(uniques, dtype="str"),
            first,
            matrix.reshape(len(uniques), count),
            present,
            lines=np.bincount(codes, minlength=len(uniques)),
            month_lines=np.bincount(month, minlength=count),
        )

    def spliced(
        self, base: pd.DataFrame, frame: pd.DataFrame, keep_to: int, inserted: int, keep_from: int
    ) -> MonthlyCube | None:
        """This cube, built from ``base``, for ``frame``: the lines of ``base`` before
        ``keep_to``, then ``inserted`` new lines, then those of ``base`` from ``keep_from``
        on (``model.Splice``). The replaced lines are subtracted and the new ones added
        (exact: whole cents), instead of summing every line again (~4 ms for 480,000).

        None when that would not give the figures :meth:`build` gives: a line of a
        project or a month the cube has no row or column for, a project or an edge
        month that loses its last line, or too many lines changed to be quicker.
        """
        if self.lines is None or self.month_lines is None or self.n_months == 0:
            return None
        changed = (keep_from - keep_to) + inserted
        if self.n_months >= MAX_MONTHS or changed > max(64, len(frame) // 2):
            return None  # summing every line is as quick
        removed = self._place(base.iloc[keep_to:keep_from])
        added = self._place(frame.iloc[keep_to : keep_to + inserted])
        if removed is None or added is None:
            return None
        cents, lines, month_lines = self.cents.copy(), self.lines.copy(), self.month_lines.copy()
        for (rows, columns, amounts), sign in ((removed, -1), (added, 1)):
            np.add.at(cents, (rows, columns), sign * amounts)
            np.add.at(lines, rows, sign)
            np.add.at(month_lines, columns, sign)
        if (lines[removed[0]] <= 0).any() or month_lines[0] <= 0 or month_lines[-1] <= 0:
            return None
        return MonthlyCube(self.keys, self.first, cents, self.present, lines, month_lines)

    def _place(self, part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The cube row, month column and cents of each line :meth:`build` counts in
        ``part``; None if one falls outside the cube."""
        amount = part["amount"].to_numpy(dtype=np.float64, na_value=np.nan)
        period = part["period"].to_numpy(dtype="datetime64[s]")
        keep = np.isfinite(amount) & ~np.isnat(period)
        ids = part["project_id"]
        if ids.hasnans:
            keep &= ids.notna().to_numpy()
        rows = self.rows_for(ids.loc[keep] if not keep.all() else ids)
        columns = month_numbers(period[keep]) - self.first
        if (rows < 0).any() or (columns < 0).any() or (columns >= self.n_months).any():
            return None
        cents = np.rint(amount[keep] * 100.0)
        return rows, columns, cents

    @classmethod
    def absent(cls) -> MonthlyCube:
        return cls(pd.Index([], dtype="str"), 0, np.zeros((0, 0)), False)

    # -- reading -------------------------------------------------------------
    def rows_for(self, project_ids: pd.Index | pd.Series) -> np.ndarray:
        """Row of each project in the cube, -1 when it has no lines."""
        return positions(project_ids, self.keys)

    def window(self, first: int, count: int, rows: np.ndarray) -> np.ndarray:
        """Monthly cents for ``rows`` (-1 gives zeros) over months ``first .. first+count-1``."""
        out = np.zeros((len(rows), count))
        if self.n_months == 0 or count <= 0:
            return out
        lo, hi = max(first, self.first), min(first + count - 1, self.last)
        if lo > hi:
            return out
        have = rows >= 0
        out[have, lo - first : hi - first + 1] = self.cents[
            rows[have], lo - self.first : hi - self.first + 1
        ]
        return out

    def through(self, month: int) -> np.ndarray:
        """Per cube row: the sum of every month up to and including ``month``."""
        if self.n_months == 0:
            return np.zeros(len(self.keys))
        if month < self.first:
            return np.zeros(len(self.keys))
        stop = min(month, self.last) - self.first + 1
        return self.cents[:, :stop].sum(axis=1)

    def in_month(self, month: int) -> np.ndarray:
        """Per cube row: the amount of one month."""
        if self.n_months == 0 or not (self.first <= month <= self.last):
            return np.zeros(len(self.keys))
        return self.cents[:, month - self.first].copy()

    def between(self, start: int, stop: int) -> np.ndarray:
        """Per cube row: the sum of months ``start .. stop`` inclusive."""
        if self.n_months == 0:
            return np.zeros(len(self.keys))
        lo, hi = max(start, self.first), min(stop, self.last)
        if lo > hi:
            return np.zeros(len(self.keys))
        return self.cents[:, lo - self.first : hi - self.first + 1].sum(axis=1)

    def first_month(self) -> np.ndarray:
        """Per cube row: the first month with a non-zero amount (NaN if none)."""
        if self.n_months == 0:
            return np.zeros(len(self.keys))
        nonzero = self.cents != 0
        has = nonzero.any(axis=1)
        out = (np.argmax(nonzero, axis=1) + self.first).astype(np.float64)
        out[~has] = np.nan
        return out

    def last_month(self) -> np.ndarray:
        """Per cube row: the last month with a non-zero amount (NaN if none)."""
        if self.n_months == 0:
            return np.zeros(len(self.keys))
        nonzero = self.cents[:, ::-1] != 0
        has = nonzero.any(axis=1)
        out = (self.last - np.argmax(nonzero, axis=1)).astype(np.float64)
        out[~has] = np.nan
        return out


def _codes(rows: np.ndarray, project_ids: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """:func:`_factorize` from each line's position in the projects table (no hashing of
    text: runs of equal positions, then the distinct ones in order of first appearance)."""
    n = len(rows)
    if n == 0 or rows.min() < 0 or rows.max() >= len(project_ids):
        return None
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    heads = rows[starts]
    order = pd.unique(heads)  # positions, in order of first appearance
    code_of = np.zeros(len(project_ids), dtype=np.intp)
    code_of[order] = np.arange(len(order))
    codes = np.repeat(code_of[heads], np.diff(np.r_[starts, n]))
    return codes, pd.Index(project_ids.iloc[order], dtype="str")


def _factorize(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and the distinct ids, like ``pd.factorize``.

    Exports are usually grouped by project (all lines of a project together):
    then the runs of equal ids are found with one vectorised comparison and only
    the first id of each run is hashed. Otherwise this is ``pd.factorize``.
    """
    n = len(ids)
    if n >= 10_000:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(ids)
        changed = pc.not_equal(values[1:], values[:-1]).to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.r_[True, changed])
        if len(starts) <= n // 8 and values.null_count == 0:
            # codes in order of first appearance, as pd.factorize(sort=False) gives them
            heads = pc.dictionary_encode(values.take(pa.array(starts)))
            if isinstance(heads, pa.ChunkedArray):
                heads = heads.combine_chunks()
            run_codes = heads.indices.to_numpy(zero_copy_only=False)
            lengths = np.diff(np.r_[starts, n])
            uniques = pd.Index(heads.dictionary.to_pandas(), dtype="str")
            return np.repeat(run_codes.astype(np.intp), lengths), uniques
    codes, uniques = pd.factorize(ids, sort=False)
    return codes, pd.Index(uniques, dtype="str")


def take(values: np.ndarray, rows: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """``values[rows]`` with ``fill`` where ``rows`` is -1."""
    out = np.full(len(rows), fill, dtype=np.float64)
    have = rows >= 0
    out[have] = values[rows[have]]
    return out

"""Per-group picks without sorting: the row with the largest/smallest value per group.

Ties are broken by the smallest id, so the pick never depends on row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def pick_per_group(
    group: np.ndarray,
    value: np.ndarray,
    ids: pd.Series,
    n_groups: int,
    *,
    largest: bool,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Per group, the position of the row with the largest (or smallest) ``value``.

    ``group`` holds 0..n_groups-1 (or -1: no group); rows outside ``mask`` or
    with a NaN value do not take part. Returns -1 for a group without rows.
    """
    take = (group >= 0) & np.isfinite(value)
    if mask is not None:
        take &= mask
    rows = np.flatnonzero(take)
    chosen = np.full(n_groups, -1, dtype=np.int64)
    if not len(rows):
        return chosen
    g, v = group[rows], value[rows]
    best = np.full(n_groups, -np.inf if largest else np.inf)
    (np.maximum if largest else np.minimum).at(best, g, v)
    cand = rows[v == best[g]]
    cg = group[cand]
    count = np.bincount(cg, minlength=n_groups)
    single = count[cg] == 1
    chosen[cg[single]] = cand[single]
    tied = cand[~single]
    if len(tied):  # resolve ties by the smallest id: rank the tied ids once, vectorised
        by_id = np.asarray(ids.iloc[tied].argsort(), dtype=np.int64)
        rank = np.empty(len(tied), dtype=np.int64)
        rank[by_id] = np.arange(len(tied))
        tg = group[tied]
        order = np.lexsort((rank, tg))
        first = order[np.r_[True, tg[order][1:] != tg[order][:-1]]]
        chosen[tg[first]] = tied[first]
    return chosen


def gather_text(column: pd.Series, chosen: np.ndarray) -> np.ndarray:
    """``column`` at the ``chosen`` positions as an object array (None where -1 or missing).

    Only the chosen rows are converted, never the whole column.
    """
    out = np.full(len(chosen), None, dtype=object)
    have = chosen >= 0
    if have.any():
        picked = column.iloc[chosen[have]]
        values = picked.to_numpy(dtype=object)
        values[np.asarray(picked.isna(), dtype=bool)] = None
        out[have] = values
    return out


def gather(values: np.ndarray, chosen: np.ndarray, fill: object = None) -> np.ndarray:
    """``values[chosen]`` with ``fill`` where ``chosen`` is -1 (object or float arrays)."""
    if values.dtype == object or fill is None:
        out = np.full(len(chosen), fill, dtype=object)
    else:
        out = np.full(len(chosen), fill, dtype=values.dtype)
    have = chosen >= 0
    out[have] = values[chosen[have]]
    return out

"""Which rows of a frame are the same as last time, found column by column.

A screen's rows are pure functions of a frame's rows. After a live change to
issues.csv a few of the 10,000 issues differ; :class:`FrameMemo` hands back what
was built from the others last time, so only the changed rows are formatted.

The comparison is vectorised, a column at a time: on the triage queue of the
large demo (4,565 open issues, 12 columns) it takes ~1 ms, where hashing each
row's values as a tuple took ~9 ms. Two rows are the same when they have the
same key and equal values in every column (missing equals missing); values
compare as pandas compares them, so ``1`` equals ``1.0`` as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np
import pandas as pd

V = TypeVar("V")


class FrameMemo(Generic[V]):
    """What one caller built from each row of a frame last time.

    Only the last build is kept (no growth). A build with another ``layout``
    (what the values depend on besides the rows, compared by value) or another
    set of columns starts afresh.
    """

    def __init__(self) -> None:
        self._last: tuple[tuple[object, ...], pd.DataFrame, Sequence[V]] | None = None

    def reuse(self, frame: pd.DataFrame, key: str, layout: tuple[object, ...]) -> list[V | None]:
        """Per row of ``frame``: the value built last time from an equal row, else None."""
        last = self._last
        if last is None or last[0] != layout:
            return [None] * len(frame)
        _, old, values = last
        return [values[p] if p >= 0 else None for p in same_rows(old, frame, key)]

    def keep(self, layout: tuple[object, ...], frame: pd.DataFrame, values: Sequence[V]) -> None:
        """Remember ``values`` (one per row of ``frame``) for the next build."""
        self._last = (layout, frame, values)  # one assignment: safe across threads


def same_rows(old: pd.DataFrame, new: pd.DataFrame, key: str) -> np.ndarray:
    """For each row of ``new``, the position of an equal row of ``old``, else -1.

    Equal: the same ``key`` and equal values in every column. Keys are matched by
    position when both frames hold the same keys in the same order (an edit in
    place), else by value (rows added, removed or moved); with duplicate keys in
    ``old`` nothing matches.
    """
    n = len(new)
    none = np.full(n, -1, dtype=np.intp)
    if n == 0 or len(old) == 0 or list(old.columns) != list(new.columns) or key not in new:
        return none
    old_keys, new_keys = old[key].array, new[key].array
    if len(old) == n and _equal(old_keys, new_keys).all():
        positions = np.arange(n, dtype=np.intp)
    else:
        index = pd.Index(old_keys)
        if not index.is_unique:
            return none
        positions = np.asarray(index.get_indexer(new_keys), dtype=np.intp)
    found = positions >= 0
    if not found.any():
        return none
    at = np.where(found, positions, 0)
    same = found
    for column in old.columns:
        if column == key:
            continue
        same &= _equal(old[column].array.take(at), new[column].array)
    return np.where(same, positions, -1)


def _equal(a: pd.api.extensions.ExtensionArray, b: pd.api.extensions.ExtensionArray) -> np.ndarray:
    """Element-wise equality, missing equal to missing; all False for other dtypes."""
    if a.dtype != b.dtype:
        return np.zeros(len(b), dtype=bool)
    try:
        equal = a == b
    except (TypeError, ValueError):
        return np.zeros(len(b), dtype=bool)
    if isinstance(equal, pd.api.extensions.ExtensionArray):
        equal = equal.to_numpy(dtype=bool, na_value=False)
    both_missing = np.asarray(a.isna(), dtype=bool) & np.asarray(b.isna(), dtype=bool)
    return np.asarray(equal, dtype=bool) | both_missing

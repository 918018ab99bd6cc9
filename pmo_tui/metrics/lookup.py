"""Where each value sits in a list of keys: the join behind every per-project lookup."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def positions(values: pd.Series | pd.Index, keys: pd.Series | pd.Index) -> np.ndarray:
    """For each value, the position of the first equal key, or -1 (missing values too).

    A hash lookup in Arrow: several times faster than ``Index.get_indexer`` on
    string columns, and it does not require the keys to be unique.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(keys) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    found = pc.index_in(_strings(values), value_set=_strings(keys), skip_nulls=True)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _strings(column: pd.Series | pd.Index) -> pa.Array | pa.ChunkedArray:
    array = pa.array(column, from_pandas=True)
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    return array


def project_row(
    frame: pd.DataFrame, projects: pd.DataFrame, known: np.ndarray | None = None
) -> np.ndarray:
    """Per row of ``frame``, the position of its project in ``projects`` (-1: none).

    ``known`` is what the snapshot already found (``Portfolio.project_rows``); it is
    used when it fits the frame, else the join is made here.
    """
    if known is not None and len(known) == len(frame):
        return np.asarray(known, dtype=np.int64)
    return positions(frame["project_id"], projects["project_id"])

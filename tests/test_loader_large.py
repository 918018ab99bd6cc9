"""Large files take the loader's threaded parse: blocks parsed side by side.

A file of several parse blocks must load exactly as one thread loads it: the
same rows, values and problems, in the same order, with the right row
numbers, however the blocks fall.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pmo_tui.sources import parallel, tabular
from pmo_tui.sources.folder import FolderSource

ROWS = 180_000


def _write_costs(folder: Path) -> None:
    folder.mkdir()
    (folder / "projects.csv").write_text(
        "project_id,name,budget\nP-1,Alpha,1000\nP-2,Beta,2000\n", encoding="utf-8"
    )
    lines = ["project_id,period,amount,category"]
    for i in range(ROWS):
        amount = f"{i % 997}.{i % 100:02d}"
        period = f"20{20 + i % 6}-{1 + i % 12:02d}"
        if i == 7:
            amount = '"12,5"'  # not a number in a decimal-point file
        if i == ROWS // 2 + 3:
            period = "2024-13"  # no month 13, near a block boundary
        if i == ROWS - 2:
            amount = "nan"
        name = "  P-2 " if i % 1000 == 0 else f"P-{1 + i % 2}"  # a few cells to trim
        lines.append(f"{name},{period},{amount},{'extern' if i % 3 else 'personeel'}")
    (folder / "costs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load(folder: Path):
    source = FolderSource(folder)
    try:
        return source.load()
    finally:
        source.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "portfolio"
    _write_costs(path)
    return path


def test_large_file_loads_like_the_one_thread_path(folder: Path) -> None:
    assert (folder / "costs.csv").stat().st_size > tabular.BLOCK_BYTES, "needs several blocks"
    assert parallel.workers() >= 2 or pytest.skip("one core: nothing runs side by side")
    # the fast parse takes this file (it raises _SlowPath for what it cannot read exactly)
    table, _ = tabular._parse_fast((folder / "costs.csv").read_bytes(), ",")
    assert table.column(0).num_chunks > 1
    fast = _load(folder)
    with parallel.limited(1):
        slow = _load(folder)

    costs = fast.frames["costs"]
    assert len(costs) == ROWS - 3, "three bad rows rejected, every other row kept"
    pd.testing.assert_frame_equal(costs, slow.frames["costs"])
    assert [(p.rule, p.row, p.column, p.value) for p in fast.problems] == [
        (p.rule, p.row, p.column, p.value) for p in slow.problems
    ]
    found = {(p.row, p.column, p.value) for p in fast.problems if p.table == "costs"}
    # header is row 1, so data row i is on line i + 2
    assert found == {
        (7 + 2, "amount", "12,5"),
        (ROWS // 2 + 3 + 2, "period", "2024-13"),
        (ROWS - 2 + 2, "amount", "nan"),
    }
    bad = {7, ROWS // 2 + 3, ROWS - 2}
    padded_or_odd = sum(1 for i in range(ROWS) if i not in bad and (i % 1000 == 0 or i % 2))
    assert (costs["project_id"] == "P-2").sum() == padded_or_odd, "padded ids trimmed"
    assert costs["amount"].iloc[:3].tolist() == [0.0, 1.01, 2.02]

"""Large files take the loader's fast paths: threaded parse, columns converted side by side.

A file big enough for them (more rows than ``PARALLEL_ROWS``, more bytes than
one parse block) must load exactly as the one-column-at-a-time path loads it:
the same rows, values and problems, in the same order, with the right row
numbers, however the blocks fall.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pmo_tui.sources import parallel, tabular, validate
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


def test_large_file_loads_like_the_one_column_at_a_time_path(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (folder / "costs.csv").stat().st_size > tabular.BLOCK_BYTES, "needs several blocks"
    assert parallel.workers() >= 2 or pytest.skip("one core: nothing runs side by side")
    # the fast parse takes this file (it raises _SlowPath for what it cannot read exactly)
    table, _ = tabular._parse_fast((folder / "costs.csv").read_bytes(), ",")
    assert table.column(0).num_chunks > 1
    fast = _load(folder)
    monkeypatch.setattr(validate, "PARALLEL_ROWS", 10**12)
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


def test_side_by_side_conversion_keeps_order_and_the_first_error() -> None:
    """Columns converted in threads come back in column order, and the error a
    sequential loop would have raised first is the one raised."""
    items = list(range(9))
    assert parallel.each(lambda i: i * i, items) == [i * i for i in items]
    with parallel.limited(1):
        assert parallel.workers() == 1
        assert parallel.each(lambda i: -i, items) == [-i for i in items]

    def fail_late_lane(i: int) -> int:
        if i in (1, 2):  # item 1 runs in another lane than item 2 when there are two
            raise ValueError(f"item {i}")
        return i

    with pytest.raises(ValueError, match="item 1"):
        parallel.each(fail_late_lane, items)


def test_a_refresh_leaves_a_core_for_the_screen() -> None:
    with parallel.background():
        assert parallel.workers() == max(1, parallel.cores() - 1)
    assert parallel.workers() == parallel.cores()

"""The monthly cube updated by the changed lines alone equals one built from every line.

A refresh that re-read only the changed lines of costs.csv (``model.Splice``) has
the metrics engine subtract the replaced lines from the previous cube and add
the new ones. Every AC, burn rate and S-curve reads that cube, so an update that
lost or double-counted a line would show an officer wrong money; and whenever
the result could differ from a full build (a new project or month, a project's
last line gone), it must build from every line instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from test_metrics_handbuilt import assert_same_figures

from pmo_tui.metrics import MetricsEngine, compute
from pmo_tui.metrics.cube import MonthlyCube
from pmo_tui.sources.base import Change
from pmo_tui.sources.folder import FolderSource


def lines(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["project_id", "period", "amount"])
    return frame.astype({"project_id": "str", "period": "datetime64[s]", "amount": "float64"})


def by_project(cube: MonthlyCube) -> dict[str, tuple[int, list[float]]]:
    """Per project: its first month and its monthly cents (independent of row order)."""
    return {
        key: (cube.first, cube.cents[row].tolist())
        for row, key in enumerate(cube.keys)
        if cube.lines is None or cube.lines[row] > 0
    }


LINE = st.tuples(
    st.sampled_from(["P1", "P2", "P3", None]),
    st.sampled_from(["2024-01-01", "2024-02-15", "2024-03-31", "2024-04-01", None]),
    st.one_of(st.none(), st.integers(-(10**6), 10**8).map(lambda c: c / 100)),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(LINE, min_size=1, max_size=30),
    st.data(),
)
def test_a_spliced_cube_equals_one_built_from_every_line(
    old_rows: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    keep_to = data.draw(st.integers(0, len(old_rows)))
    keep_from = data.draw(st.integers(keep_to, len(old_rows)))
    fresh = data.draw(st.lists(LINE, max_size=4))
    new_rows = old_rows[:keep_to] + fresh + old_rows[keep_from:]
    base, frame = lines(old_rows), lines(new_rows)
    cube = MonthlyCube.build(base)
    spliced = cube.spliced(base, frame, keep_to, len(fresh), keep_from)
    if spliced is None:
        return  # the engine builds it from every line
    built = MonthlyCube.build(frame)
    assert (spliced.first, spliced.n_months) == (built.first, built.n_months)
    assert by_project(spliced) == by_project(built)
    assert sorted(spliced.keys) == sorted(built.keys)  # no project kept without lines


def test_a_new_project_or_a_project_losing_its_last_line_is_built_afresh() -> None:
    base = lines([("P1", "2024-01-01", 1.0), ("P2", "2024-02-01", 2.0), ("P1", "2024-02-01", 3.0)])
    cube = MonthlyCube.build(base)
    new_project = lines([("P1", "2024-01-01", 1.0), ("P9", "2024-02-01", 2.0), *base.values[2:]])
    assert cube.spliced(base, new_project, 1, 1, 2) is None
    last_line_gone = lines([("P1", "2024-01-01", 1.0), ("P1", "2024-02-01", 3.0)])
    assert cube.spliced(base, last_line_gone, 1, 0, 2) is None
    later_month = lines([*base.values[:2], ("P1", "2024-05-01", 3.0)])
    assert cube.spliced(base, later_month, 2, 1, 3) is None
    changed = lines([*base.values[:2], ("P1", "2024-02-01", 4.25)])
    spliced = cube.spliced(base, changed, 2, 1, 3)
    assert spliced is not None
    assert spliced.cents[spliced.rows_for(pd.Index(["P1"]))[0]].tolist() == [100.0, 425.0]


def test_a_saved_cost_line_updates_the_cube_and_every_figure_is_as_computed(
    tmp_path: Path,
) -> None:
    """End to end on a real folder: the refresh re-reads the changed line, the
    engine swaps it into the cube, and the figures are those of a full computation."""
    (tmp_path / "projects.csv").write_text(
        "project_id,name,budget,start_date,end_date,percent_complete\n"
        "P1,Een,100000,2024-01-01,2024-12-31,50\n"
        "P2,Twee,200000,2024-01-01,2024-12-31,40\n"
        "P3,Drie,300000,2024-01-01,2024-12-31,30\n",
        encoding="utf-8",
    )
    # more lines than the 4,000 a refresh re-reads to weigh the decimal separator
    records = [
        f"P{1 + i // 10_000},2024-{1 + i % 12:02d},{i % 997}.25,inhuur" for i in range(30_000)
    ]
    costs = tmp_path / "costs.csv"

    def write() -> None:
        costs.write_text("project_id,period,amount,category\n" + "\n".join(records) + "\n")

    write()
    source = FolderSource(tmp_path)
    engine = MetricsEngine(source.config)
    as_of = pd.Timestamp("2024-06-30").date()
    portfolio = source.load()
    engine.update(portfolio, as_of)
    records[100] = "P1,2024-05,12.50,inhuur"
    write()
    portfolio = source.refresh(portfolio, Change(tables=frozenset({"costs"})))  # a full read
    engine.update(portfolio, as_of)
    records[15_000] = "P2,2024-03,7300000.00,inhuur"
    write()
    portfolio = source.refresh(portfolio, Change(tables=frozenset({"costs"})))
    assert source.partial_reads == 1
    metrics = engine.update(portfolio, as_of)
    splice = portfolio.states["costs"].spliced
    assert splice is not None, "the refresh read the whole file"
    assert engine.spliced_cubes == 1
    fresh = compute(FolderSource(tmp_path).load(), as_of=as_of, config=source.config)
    assert_same_figures(metrics, fresh)
    p2 = metrics.project("P2")
    assert p2["ac"] == fresh.project("P2")["ac"] > 7_300_000
    pd.testing.assert_frame_equal(metrics.s_curve(), fresh.s_curve())

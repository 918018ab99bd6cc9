"""The milestone trend (MTA) tab on the project screen, read from a real SQLite store.

The store is filled the way pmo-tui fills it (``Store.record_forecasts`` with a
report date, several dates with moving forecasts), then the officer opens a
project and presses ``6``: the chart draws one numbered line per milestone
with the diagonal, and the table lists first and latest forecast, how far it
moved and how often it changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_ui_support import make_app, screen_text, wait_for_data, write_fixture
from textual.pilot import Pilot

from pmo_tui.screens.project import ProjectScreen
from pmo_tui.sources.folder import FolderSource
from pmo_tui.store import open_store
from pmo_tui.widgets.grid import Grid
from pmo_tui.widgets.mta import MtaChart, MtaPane, mta_data

#: (report date, forecast of M-01 Go-live, forecast of M-03 Login fix)
HISTORY = [
    (date(2026, 4, 30), "2026-09-01", "2026-07-15"),
    (date(2026, 5, 31), "2026-10-15", "2026-07-15"),
    (date(2026, 6, 15), "2026-12-15", "2026-07-20"),
]


def fill_store(folder: Path) -> None:
    """Record the fixture's milestones on three report dates, Go-live slipping each time."""
    milestones = FolderSource(folder).load()["milestones"]
    store = open_store(None, source=str(folder))
    try:
        for day, go_live, login in HISTORY:
            forecast = milestones["forecast_date"].copy()
            forecast[milestones["milestone_id"] == "M-01"] = pd.Timestamp(go_live)
            forecast[milestones["milestone_id"] == "M-03"] = pd.Timestamp(login)
            store.record_forecasts(milestones.assign(forecast_date=forecast), day)
    finally:
        store.close()


async def wait_until(pilot: Pilot, check: Callable[[], bool], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("not in time")
        await pilot.pause(0.05)


async def open_trend(pilot: Pilot, project: str) -> MtaPane:
    app = pilot.app
    await wait_for_data(pilot, app)  # type: ignore[arg-type]
    app.open_project(project, from_root=True)  # type: ignore[attr-defined]
    await pilot.pause(0.3)
    assert isinstance(app.screen, ProjectScreen)
    await pilot.press("6")
    pane = app.screen.query_one(MtaPane)
    await wait_until(pilot, lambda: pane.data is not None)
    await pilot.pause(0.1)
    return pane


@pytest.mark.parametrize("size", [(160, 50), (80, 24)], ids=["160x50", "80x24"])
async def test_trend_tab_draws_the_history_and_the_slip_table(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    fill_store(folder)
    app = make_app(folder)
    async with app.run_test(size=size) as pilot:
        pane = await open_trend(pilot, "P-01")
        data = pane.data
        assert data is not None and data.drawn
        # the three recorded dates plus today's export (2026-06-30)
        assert [d.isoformat() for d in data.report_dates] == [
            "2026-04-30",
            "2026-05-31",
            "2026-06-15",
            "2026-06-30",
        ]
        grid = app.screen.query_one("#mta-grid", Grid)
        go_live = grid.row("M-01")
        assert go_live is not None
        cells = dict(zip([c.key for c in grid.columns], go_live.cells, strict=True))
        assert cells["first"] == "2026-09-01"  # first recorded forecast
        assert cells["latest"] == "2026-12-15"
        assert cells["moved"] == "+105d"  # total slip over the period
        assert cells["changes"] == "2"  # 09-01 -> 10-15 -> 12-15
        assert cells["slip"] == "+105d"  # against the 2026-09-01 baseline
        pilot_row = grid.row("M-02")  # done before the first report date: a flat line
        assert pilot_row is not None
        pilot_cells = dict(zip([c.key for c in grid.columns], pilot_row.cells, strict=True))
        assert pilot_cells["moved"] == "0d" and pilot_cells["changes"] == "0"
        text = screen_text(app)
        assert "Go-live" in text
        assert "Milestone trend" in text or size[0] < 100
        chart = app.screen.query_one(MtaChart)
        if chart.size.height >= 8 and chart.size.width >= 30:
            drawn = "\n".join(chart._text_lines())
            marker = next(line.marker for line in data.lines if line.milestone_id == "M-01")
            assert marker in drawn.split("┤", 1)[-1]  # the Go-live line is in the plot
            assert "·" in drawn  # the diagonal
            assert "04-30" in drawn  # report dates on the x axis (MM-DD within a year)


async def test_without_history_the_tab_says_how_it_fills(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    app = make_app(folder, read_only=True)  # nothing records, nothing was backfilled
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_trend(pilot, "P-05")
        assert pane.data is not None and not pane.data.drawn
        text = screen_text(app)
        assert "No forecast history for this project yet" in text
        assert "at most once per day per milestone" in text
        assert "--history" in text
        assert not app.screen.query_one("#mta-body").display


async def test_switching_projects_reads_the_other_history(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    fill_store(folder)
    app = make_app(folder)
    async with app.run_test(size=(160, 50)) as pilot:
        pane = await open_trend(pilot, "P-02")
        assert pane.data is not None
        assert [line.milestone_id for line in pane.data.lines] == ["M-03"]
        grid = app.screen.query_one("#mta-grid", Grid)
        assert grid.row("M-03") is not None and grid.row("M-01") is None
        await pilot.press("escape", "escape")
        await pilot.pause(0.2)
        app.open_project("P-01", from_root=True, tab="mta")
        await wait_until(pilot, lambda: grid.row("M-01") is not None and grid.row("M-03") is None)


def test_mta_data_counts_changes_and_moves() -> None:
    history = pd.DataFrame(
        {
            "report_date": pd.to_datetime(["2026-01-31", "2026-02-28", "2026-03-31"]),
            "milestone_id": ["M"] * 3,
            "project_id": ["P"] * 3,
            "baseline_date": pd.to_datetime(["2026-06-01"] * 3),
            "forecast_date": pd.to_datetime(["2026-06-01", "2026-06-01", "2026-05-20"]),
            "actual_date": pd.to_datetime([None, None, None]),
            "slip_days": pd.array([0, 0, -12], dtype="Int64"),
        }
    )
    milestones = pd.DataFrame(
        {
            "milestone_id": ["M"],
            "project_id": ["P"],
            "project_name": ["Project"],
            "name": ["[@click=app.quit]x[/]"],
            "key": pd.array([True], dtype="boolean"),
            "baseline_date": pd.to_datetime(["2026-06-01"]),
            "forecast_date": pd.to_datetime(["2026-05-20"]),
            "actual_date": pd.to_datetime([None]),
            "status": ["on track"],
            "rag_slip_days": [-12.0],
        }
    )
    data = mta_data(history, milestones, date(2026, 3, 31))
    (line,) = data.lines
    assert line.name == "[@click=app.quit]x[/]"  # plain text, shown as it is
    assert line.first == date(2026, 6, 1) and line.latest == date(2026, 5, 20)
    assert line.slip_change == -12 and line.changes == 1 and line.slip_now == -12
    assert data.report_dates == (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31))
    unreadable = mta_data(None, milestones, date(2026, 3, 31), store_note="database is locked")
    assert not unreadable.drawn and "database is locked" in (unreadable.note or "")


def test_trend_tab_snapshot(tmp_path: Path, snap_compare: Callable[..., bool]) -> None:
    folder = write_fixture(tmp_path / "portfolio")
    fill_store(folder)
    app = make_app(folder)

    async def run_before(pilot: Pilot) -> None:
        await open_trend(pilot, "P-01")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
